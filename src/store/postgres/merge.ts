/**
 * Steps merged into one for `aloft_apply_step`: a group commit whose steps
 * (of one execution, or of a whole tick) are applied as a single step, so the
 * step function's statements run once per commit instead of once per step.
 *
 * A merge is made only where it leaves the rows the steps applied one after
 * another would leave, when none is refused: lists concatenated in order
 * (events keep their order and so their ids; a node, an element, an execution
 * row or a cache entry written twice keeps its last write, as
 * `aloft_apply_step` applies its own lists). What the order of the port
 * (consumed, finished, executions, nodes, withdrawn, queued, events, cache)
 * would change across steps is never merged: withdrawn tasks, an execution
 * created by a step and named by an earlier one, a map's element written
 * before its map's row first is, steps of different engines or epochs, a
 * lease on an item its own step does not enqueue. A merged step that is
 * refused says nothing about which step was at fault, so the caller applies
 * the steps one by one again to find it out.
 *
 * @module
 */
import type { NodeRow, Ownership, StepCommit } from "../store.js";
import { checkLeased } from "../rules.js";

/** The map path of an element path (`n4[3]` → `n4`), or undefined. */
function mapOf(path: string): string | undefined {
  const m = /^(.*)\[\d+\]$/.exec(path);
  return m ? m[1] : undefined;
}

/** Each node's last write, in the order of those writes (what writing them one after another leaves; a map's row, which holds the list it maps, is sent once). */
function lastWrites(nodes: readonly NodeRow[]): NodeRow[] {
  const last = new Map<string, number>();
  nodes.forEach((n, i) => last.set(`${n.executionId}\u0000${n.path}`, i));
  return nodes.filter((n, i) => last.get(`${n.executionId}\u0000${n.path}`) === i);
}

/** Whether `fn` throws (a step `checkLeased` refuses). */
function throws(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
}

/**
 * `steps` as one step, or undefined when merging them could change what they write or which of them is
 * refused for what (see the module's comment).
 *
 * @example
 * ```ts
 * const one = mergeSteps(groups.flat()); // apply `one` alone; if it is refused, apply the groups step by step
 * ```
 */
export function mergeSteps(steps: readonly StepCommit[]): StepCommit | undefined {
  const [first] = steps;
  if (!first || steps.length < 2) return undefined;
  const engine = first.fence?.engineId;
  const fence = new Map<string, number>();
  // The executions the steps create, by the first step creating each, and the map rows they write, likewise.
  const created = new Map<string, number>();
  const maps = new Map<string, number>();
  for (const [i, s] of steps.entries()) {
    if ((s.cancelTasks?.length ?? 0) > 0 || s.fence?.engineId !== engine || throws(() => checkLeased(s))) return undefined;
    for (const o of s.fence?.executions ?? []) {
      if ((fence.get(o.executionId) ?? o.epoch) !== o.epoch) return undefined;
      fence.set(o.executionId, o.epoch);
    }
    for (const row of s.createExecutions ?? []) if (!created.has(row.id)) created.set(row.id, i);
    for (const n of s.nodes ?? []) {
      const key = `${n.executionId}\u0000${n.path}`;
      if (mapOf(n.path) === undefined && !maps.has(key)) maps.set(key, i);
    }
  }
  // A merged step checks its fence before it creates anything: no fence may name an execution the steps create.
  for (const id of fence.keys()) if (created.has(id)) return undefined;
  for (const [i, s] of steps.entries()) {
    // An execution named by a step before the step that creates it (one by one, that step would be refused).
    const named = [...(s.executions ?? []), ...(s.nodes ?? []).map((n) => ({ id: n.executionId })), ...(s.enqueue ?? []).map((t) => ({ id: t.executionId })), ...(s.events ?? []).map((e) => ({ id: e.executionId }))];
    for (const { id } of named) if ((created.get(id) ?? i) > i) return undefined;
    // An element written before its map's row first is (likewise refused).
    for (const n of s.nodes ?? []) {
      const map = mapOf(n.path);
      if (map !== undefined && (maps.get(`${n.executionId}\u0000${map}`) ?? i) > i) return undefined;
    }
  }
  const merged: Required<Omit<StepCommit, "fence">> & Pick<StepCommit, "fence"> = {
    consumed: steps.flatMap((s) => s.consumed),
    finished: steps.flatMap((s) => s.finished ?? []),
    createExecutions: steps.flatMap((s) => s.createExecutions ?? []),
    executions: steps.flatMap((s) => s.executions ?? []),
    nodes: lastWrites(steps.flatMap((s) => s.nodes ?? [])),
    cancelTasks: [],
    enqueue: steps.flatMap((s) => s.enqueue ?? []),
    leased: steps.flatMap((s) => s.leased ?? []),
    events: steps.flatMap((s) => s.events ?? []),
    cachePut: steps.flatMap((s) => s.cachePut ?? []),
    fence: engine === undefined ? undefined : { engineId: engine, executions: [...fence].map(([executionId, epoch]): Ownership => ({ executionId, epoch })) },
  };
  return merged;
}
