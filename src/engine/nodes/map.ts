/**
 * Map tasks (array nodes) in the engine: one task attempt per element,
 * element `i` at path `<map>[i]`, at most the map's concurrency at once and
 * each taking one of the execution's slots. The map succeeds with lists of
 * its elements' outputs (null for failed ones) once enough have succeeded.
 *
 * @module
 */
import type { Literal, LiteralMap } from "../../idl/core.js";
import type { Node } from "../../idl/specs.js";
import { mapElementError, mapFailure, mapHasFailed, mapLength, mapStartError, requiredSuccesses } from "../../rules/map-task.js";
import { errorInfo, reviveError } from "../../rules/failure.js";
import { listItems, NONE_LITERAL } from "../literal-ops.js";
import { isNodeActive } from "../../phases.js";
import type { ArrayNodeData } from "../../store/node-data.js";
import type { NodeRow } from "../../store/store.js";
import { nodeSpecOf } from "../state.js";
import { labelOf, type NodeHost } from "./host.js";
import { EngineInvariantError, OffloadedValueError } from "../errors.js";

function isList(l: Literal | undefined): boolean {
  return l !== undefined && (l.collection !== undefined || l.offloadedMetadata !== undefined || l.scalar?.union?.value?.collection !== undefined);
}

/** The items of a map input; an offloaded list was read back before the step (`ExecState.offloaded`). */
function items(host: NodeHost, l: Literal | undefined): Literal[] {
  const uri = l?.offloadedMetadata?.uri;
  if (uri === undefined) return listItems(l);
  const read = host.step.state.offloaded.get(uri);
  if (!read) throw new OffloadedValueError(`a map task input is in the blob store (${uri}), but the engine has not read it back (it has no blob store to read it from)`, uri);
  return listItems(read);
}

/**
 * Starts map node `node` at `path`: checks its lists have one length and
 * queues it for slots (an empty map succeeds at once).
 *
 * @example
 * ```ts
 * startArray(host, "n0", node, { literals: { x: list, plus: one } }); // row n0 { kind: "array", total: 5, ... }
 * ```
 */
export function startArray(host: NodeHost, path: string, node: Node, inputs: LiteralMap): void {
  const { step } = host;
  const an = node.arrayNode!;
  const bound = new Set(an.boundInputs ?? []);
  const label = labelOf(node);
  const mapped = Object.entries(inputs.literals ?? {}).filter(([name]) => !bound.has(name));
  let n: number;
  let minSuccesses: number;
  try {
    n = mapLength(label, mapped.map(([name, l]) => [name, isList(l) ? items(host, l).length : undefined] as const));
    minSuccesses = requiredSuccesses(an, n);
    const impossible = mapStartError(label, n, minSuccesses);
    if (impossible) throw impossible;
  } catch (e) {
    step.newNode(path, label, inputs, { ...host.taskData(an.node!), kind: "array", total: 0, next: 0, inFlight: 0, succeeded: 0, failed: 0, minSuccesses: 0, parallelism: 0 });
    step.patchNode(path, { attempts: 1 });
    return host.nodeFailed(path, errorInfo(e), "failed");
  }
  const parallelism = an.parallelism && an.parallelism > 0 ? an.parallelism : n;
  step.newNode(path, label, inputs, { ...host.taskData(an.node!), kind: "array", total: n, next: 0, inFlight: 0, succeeded: 0, failed: 0, minSuccesses, parallelism });
  // The array node runs once; its elements have the attempts (as the local runner reports it).
  step.patchNode(path, { attempts: 1 });
  if (n === 0) return finishArray(host, path);
  step.enterWaiting(path);
}

/**
 * True while the map at `path` has elements not yet started.
 *
 * @example
 * ```ts
 * if (!arrayWantsMore(host, "n0")) host.step.leaveWaiting("n0");
 * ```
 */
export function arrayWantsMore(host: NodeHost, path: string): boolean {
  const d = arrayData(host.step.row(path)!);
  return d.next < d.total;
}

/** The data of the map node `row`. */
function arrayData(row: NodeRow): ArrayNodeData {
  if (row.data.kind !== "array") throw new EngineInvariantError(`node ${row.path} is a ${row.data.kind} node, not a map task`);
  return row.data;
}

/**
 * Starts as many elements of the map at `path` as free slots and its
 * concurrency allow.
 *
 * @example
 * ```ts
 * fillArray(host, "n0"); // rows n0[0], n0[1], ... queued for workers
 * ```
 */
export function fillArray(host: NodeHost, path: string): void {
  const { step } = host;
  const row = step.row(path)!;
  let d = arrayData(row);
  const inputs = (row.inputs as LiteralMap | undefined)?.literals ?? {};
  const bound = new Set(nodeSpecOf(step.state, path)?.arrayNode?.boundInputs ?? []);
  while (step.hasSlot() && d.next < d.total && d.inFlight < d.parallelism) {
    const i = d.next;
    const literals: Record<string, Literal> = {};
    for (const [k, l] of Object.entries(inputs)) literals[k] = bound.has(k) ? l : items(host, l)[i]!;
    const elementPath = `${path}[${i}]`;
    const { task, taskDigest, retries, timeoutMs, cache } = d;
    step.newNode(elementPath, row.entity, { literals }, { kind: "element", task, taskDigest, retries, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(cache ? { cache } : {}) }, "queued");
    // Counted from the elements by the store: the map's row is not written again (`store/map-elements.ts`).
    d = arrayData(step.setCounts(path, { next: i + 1, inFlight: d.inFlight + 1 }));
    host.dispatchAttempt(elementPath, 1, step.now);
  }
}

/**
 * An element of the map at `arrayPath` ended: the map fails once too many
 * failed, succeeds once all ended, or queues again for its next elements.
 *
 * @example
 * ```ts
 * elementEnded(host, "n0", 2, false); // 'map task "m": 3 of 4 elements failed; 2 of 4 must succeed, ...'
 * ```
 */
export function elementEnded(host: NodeHost, arrayPath: string, index: number, ok: boolean): void {
  const { step } = host;
  const row = step.row(arrayPath);
  if (!row || !isNodeActive(row.phase)) return;
  const d = arrayData(row);
  const succeeded = d.succeeded + (ok ? 1 : 0);
  const failed = d.failed + (ok ? 0 : 1);
  const known = d.firstFailed;
  const firstFailed = known ?? (ok ? undefined : index);
  step.setCounts(arrayPath, { succeeded, failed, inFlight: d.inFlight - 1 });
  // The first failure is the map's own (its cause), written on its row once.
  if (known === undefined && !ok) step.patchNode(arrayPath, { error: mapElementError(index, step.row(`${arrayPath}[${index}]`)?.error ?? "failed"), data: { firstFailed: index } });
  const total = d.total;
  const required = d.minSuccesses;
  if (mapHasFailed(total, failed, required)) {
    step.abortActive(`${arrayPath}[`, "the map task failed");
    const first = firstFailed ?? index;
    const cause = step.row(`${arrayPath}[${first}]`)?.data.errorInfo ?? { name: "Error", message: "failed" };
    return host.nodeFailed(arrayPath, errorInfo(mapFailure(row.entity, total, failed, required, first, reviveError(cause))), "failed");
  }
  if (succeeded + failed === total) return finishArray(host, arrayPath);
  if (arrayWantsMore(host, arrayPath) && (d.waitingSlot === undefined || d.waitingSlot === false)) step.enterWaiting(arrayPath);
}

/** The map at `path` succeeds with one list per output of its task, null for elements that failed. */
function finishArray(host: NodeHost, path: string): void {
  const { step } = host;
  const row = step.row(path)!;
  const taskId = nodeSpecOf(step.state, path)?.arrayNode?.node?.taskNode?.referenceId;
  const outNames = Object.keys(taskId ? (step.state.specs.task(taskId).template?.interface?.outputs?.variables ?? {}) : {});
  const total = arrayData(row).total;
  const literals: Record<string, Literal> = {};
  for (const name of outNames) {
    const out: Literal[] = new Array<Literal>(total);
    for (let i = 0; i < total; i++) {
      const el = step.row(`${path}[${i}]`);
      out[i] = el?.phase === "succeeded" ? ((el.outputs as LiteralMap).literals?.[name] ?? NONE_LITERAL) : NONE_LITERAL;
    }
    literals[name] = { collection: { literals: out } };
  }
  host.nodeSucceeded(path, { literals });
}
