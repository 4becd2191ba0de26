/**
 * How stores keep a map task's elements: the one place for the rules every
 * store (memory, SQLite, PostgreSQL) follows, so that a map's cost per
 * element does not grow with the map's size.
 *
 * - An element (path `<map>[i]`) is kept apart from its map's row, and
 *   stores only what is its own: phase, attempts, inputs, outputs, error,
 *   times and its marks (`dispatched`, `errorInfo`). Its kind, entity and task
 *   run (task, digest, retries, timeout, cache policy) are its map's, taken
 *   from the map's row when it is read back.
 * - A map's running counts (`next`, `inFlight`, `succeeded`, `failed`) are
 *   never read from its row: they are counted from its elements, so the
 *   map's row is not written again each time one of its elements starts or
 *   ends (the engine keeps them in memory; `Step.setDerived`).
 * - A map's inputs (the whole list it maps) are immutable: SQLite and
 *   PostgreSQL keep them once, apart from the map's row, which is small.
 *
 * @module
 */
import { StoredRowError } from "../errors.js";
import { isNodeActive, isNodeFailed } from "../phases.js";
import type { ArrayNodeData, ElementNodeData, NodeData, NodeMarks } from "./node-data.js";
import type { NodeRow } from "./store.js";

/**
 * The map and index of an element path: `n4[3]` → `["n4", 3]`; undefined for any other path.
 *
 * @example
 * ```ts
 * elementOfPath("n2/n1[17]"); // ["n2/n1", 17]
 * elementOfPath("n2/n1");     // undefined
 * ```
 */
export function elementOfPath(path: string): [mapPath: string, index: number] | undefined {
  const m = /^(.*)\[(\d+)\]$/.exec(path);
  return m ? [m[1]!, Number(m[2])] : undefined;
}

/**
 * The running counts of a map, as `ArrayProgress` names them.
 *
 * @example
 * ```ts
 * const counts: MapCounts = { next: 3, inFlight: 1, succeeded: 2, failed: 0 };
 * ```
 */
export interface MapCounts {
  /** One past the highest index started. */
  readonly next: number;
  /** Started and not ended (queued, running or waiting). */
  readonly inFlight: number;
  readonly succeeded: number;
  /** Failed or timed out. */
  readonly failed: number;
}

/**
 * Counts a map's elements as the engine counts them in memory (`nodes/map.ts`, `Step.abortActive`): started
 * in index order, each in flight until it succeeds, fails (or times out) or is aborted.
 *
 * @example
 * ```ts
 * mapCounts([{ index: 0, phase: "succeeded" }, { index: 1, phase: "running" }]); // { next: 2, inFlight: 1, succeeded: 1, failed: 0 }
 * ```
 */
export function mapCounts(elements: Iterable<{ readonly index: number; readonly phase: NodeRow["phase"] }>): MapCounts {
  let next = 0;
  let inFlight = 0;
  let succeeded = 0;
  let failed = 0;
  for (const e of elements) {
    if (e.index + 1 > next) next = e.index + 1;
    if (e.phase === "succeeded") succeeded++;
    else if (isNodeFailed(e.phase)) failed++;
    else if (isNodeActive(e.phase)) inFlight++;
  }
  return { next, inFlight, succeeded, failed };
}

const TASK_RUN_KEYS = new Set(["kind", "task", "taskDigest", "retries", "timeoutMs", "cache"]);

/**
 * What an element's data keeps of its own: every field but its kind and task run (which are its map's), in
 * the order they were set.
 *
 * @example
 * ```ts
 * elementMarks({ kind: "element", task: key, taskDigest: "3f2a", retries: 0, dispatched: true }); // { dispatched: true }
 * ```
 */
export function elementMarks(data: NodeData): NodeMarks {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (!TASK_RUN_KEYS.has(k)) out[k] = v;
  return out as NodeMarks;
}

/**
 * An element's data rebuilt from its map's and its own marks, with its fields in the order the engine
 * creates them (`fillArray`), so a row read back is the row the engine holds.
 *
 * @example
 * ```ts
 * elementData(mapRow.data, { dispatched: true }); // { kind: "element", task, taskDigest, retries, dispatched: true }
 * ```
 */
export function elementData(map: ArrayNodeData, marks: NodeMarks): ElementNodeData {
  return {
    kind: "element",
    task: map.task,
    taskDigest: map.taskDigest,
    retries: map.retries,
    ...(map.timeoutMs !== undefined ? { timeoutMs: map.timeoutMs } : {}),
    ...(map.cache ? { cache: map.cache } : {}),
    ...marks,
  };
}

/**
 * An element's row as a store keeps it: its own columns and marks, and which map it belongs to.
 *
 * @example
 * ```ts
 * const kept: StoredElement = storedElement(row, "n0", 3); // kept.marks: { dispatched: true }
 * ```
 */
export interface StoredElement extends Omit<NodeRow, "entity" | "data"> {
  readonly mapPath: string;
  readonly index: number;
  readonly marks: NodeMarks;
}

/**
 * The stored form of element row `row` (at path `<mapPath>[index]`).
 *
 * @example
 * ```ts
 * const kept = storedElement(row, "n0", 3);
 * ```
 */
export function storedElement(row: NodeRow, mapPath: string, index: number): StoredElement {
  const { entity: _entity, data, ...own } = row;
  return { ...own, mapPath, index, marks: elementMarks(data) };
}

/**
 * Puts a listing back together as the engine wrote it: each map row gets the counts of its elements, and
 * each element its map's entity, kind and task run. `listed` holds the node rows and the stored elements
 * in listing order; the result keeps that order.
 *
 * @throws StoredRowError for an element whose map row is not in `listed` (stores refuse to write one).
 *
 * @example
 * ```ts
 * const rows = assembleListing([mapRow, storedElement(elementRow, "n0", 0)]); // [map with next 1, element 0 with the map's task]
 * ```
 */
export function assembleListing(listed: readonly (NodeRow | StoredElement)[]): NodeRow[] {
  const elements = new Map<string, StoredElement[]>();
  for (const r of listed) {
    if (!("mapPath" in r)) continue;
    const of = elements.get(r.mapPath);
    if (of) of.push(r);
    else elements.set(r.mapPath, [r]);
  }
  const maps = new Map<string, { row: NodeRow; data: ArrayNodeData }>();
  for (const r of listed) {
    if ("mapPath" in r || r.data.kind !== "array") continue;
    const counts = mapCounts(elements.get(r.path) ?? []);
    const data: ArrayNodeData = { ...r.data, next: counts.next, inFlight: counts.inFlight, succeeded: counts.succeeded, failed: counts.failed };
    maps.set(r.path, { row: { ...r, data }, data });
  }
  return listed.map((r) => {
    if (!("mapPath" in r)) return maps.get(r.path)?.row ?? r;
    const map = maps.get(r.mapPath);
    if (!map) {
      const row = `node ${r.executionId}/${r.mapPath}[${r.index}]`;
      throw new StoredRowError(`${row}: an element of map task ${r.mapPath}, which has no row`, row, "map_path");
    }
    return elementRow(map.row, map.data, r);
  });
}

/** The row of element `e` of map row `map` (whose data, with its counts, is `data`). */
function elementRow(map: NodeRow, data: ArrayNodeData, e: StoredElement): NodeRow {
  return {
    executionId: e.executionId,
    path: e.path,
    entity: map.entity,
    phase: e.phase,
    attempts: e.attempts,
    systemAttempts: e.systemAttempts,
    cacheStatus: e.cacheStatus,
    inputs: e.inputs,
    outputs: e.outputs,
    error: e.error,
    startedAt: e.startedAt,
    endedAt: e.endedAt,
    updatedAt: e.updatedAt,
    data: elementData(data, e.marks),
  };
}
