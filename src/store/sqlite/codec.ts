/**
 * How `SqliteStore`'s rows map to and from SQLite rows: JSON values are text
 * columns (`NULL` for `undefined`), keys and times are columns of their own.
 *
 * @module
 */
import { StoredRowError } from "../../errors.js";
import { decodeErrorInfo } from "../error-info.js";
import type { LiteralMap } from "../../idl/core.js";
import { CACHE_STATUSES, isExecutionPhase, isNodePhase } from "../../phases.js";
import { decodeEvent, decodeTaskItemOptions } from "../events.js";
import { decodeExecutionParts, encodeExecutionParts } from "../execution-parts.js";
import { Fields } from "../fields.js";
import { decodeNodeData, decodeNodeMarks } from "../node-data.js";
import { elementMarks, type StoredElement } from "../map-elements.js";
import type { CacheEntry, EntityKey, ExecutionRow, InboxEvent, NodeRow, RegisteredEntity, RegisteredKind, TaskItem } from "../store.js";

/**
 * A JSON value as column text; `undefined` is `NULL`.
 *
 * @example
 * ```ts
 * toJson({ a: 1 }); // '{"a":1}'; toJson(undefined) is null
 * ```
 */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/**
 * The JSON of node values, by object: a node row is written again at each of
 * its changes with the same inputs (a map node's, the whole list it maps,
 * at every start and end of one of its elements), and values are never
 * changed in place once on a row, so the same object has the same text.
 * Without it a map's cost per element grew with the map's size.
 */
const valueJson = new WeakMap<object, string>();

/**
 * `toJson` of a node's inputs or outputs, serialized once per object (see `valueJson`).
 *
 * @example
 * ```ts
 * valueToJson(row.inputs) === valueToJson(row.inputs); // true, and the second call does not serialize
 * ```
 */
export function valueToJson(value: object | undefined): string | null {
  if (value === undefined) return null;
  let text = valueJson.get(value);
  if (text === undefined) valueJson.set(value, (text = JSON.stringify(value)));
  return text;
}

/**
 * A JSON column read back; `NULL` is `undefined`.
 *
 * @example
 * ```ts
 * fromJson('{"a":1}'); // { a: 1 }
 * ```
 */
export function fromJson(text: string | null): unknown {
  return text === null ? undefined : (JSON.parse(text) as unknown);
}

const KINDS: readonly RegisteredKind[] = ["task", "workflow", "launchPlan"];

function keyFromJson(text: string, row: string, column: string): EntityKey {
  const f = Fields.of(fromJson(text), row, column);
  return { project: f.string("project"), domain: f.string("domain"), name: f.string("name"), version: f.string("version") };
}

function checked<T extends string>(value: string, ok: (v: string) => v is T, row: string, column: string): T {
  if (ok(value)) return value;
  throw new StoredRowError(`${row}: ${column} is ${JSON.stringify(value)}, which Aloft does not write`, row, column);
}

/** A JSON column holding a flyteidl value (a `LiteralMap`, a spec), or undefined for `NULL`: checked to be an object, its insides are the IDL's. */
function idlColumn<T extends object>(text: string | null, row: string, column: string): T | undefined {
  if (text === null) return undefined;
  return Fields.of({ [column]: fromJson(text) }, row, "").idl<T>(column);
}

/** A column that must hold a flyteidl value. */
function requiredIdl<T extends object>(text: string | null, row: string, column: string): T {
  const v = idlColumn<T>(text, row, column);
  if (v === undefined) throw new StoredRowError(`${row}: ${column} is NULL, expected a JSON object`, row, column);
  return v;
}

function errorColumn(text: string | null, row: string): ExecutionRow["error"] {
  if (text === null) return undefined;
  const f = Fields.of(fromJson(text), row, "error");
  const nodeId = f.optionalString("nodeId");
  return { message: f.string("message"), ...(nodeId !== undefined ? { nodeId } : {}), ...(f.has("failure") ? { failure: decodeErrorInfo(f.object("failure")) } : {}) };
}

const orUndefined = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

/**
 * A key as stored: `{ project, domain, name, version }` in a fixed field order.
 *
 * @example
 * ```ts
 * keyJson(row.workflow); // '{"project":"p","domain":"d","name":"wf","version":"1"}'
 * ```
 */
export function keyJson(k: EntityKey): string {
  return JSON.stringify({ project: k.project, domain: k.domain, name: k.name, version: k.version });
}

/**
 * Columns of `entities`.
 *
 * @example
 * ```ts
 * const row = sql.get<EntityCols>("SELECT * FROM entities WHERE kind = ?", "task");
 * ```
 */
export interface EntityCols {
  kind: string;
  project: string;
  domain: string;
  name: string;
  version: string;
  spec: string;
  digest: string;
  created_at: number;
}

/**
 * A registered entity read back from its `entities` row.
 *
 * @example
 * ```ts
 * const entity = entityFromCols(sql.get<EntityCols>("SELECT * FROM entities")!);
 * ```
 */
export function entityFromCols(r: EntityCols): RegisteredEntity {
  const row = `entity ${r.kind} ${r.project}/${r.domain}/${r.name}@${r.version}`;
  return {
    kind: checked(r.kind, (k): k is RegisteredKind => (KINDS as readonly string[]).includes(k), row, "kind"),
    key: { project: r.project, domain: r.domain, name: r.name, version: r.version },
    spec: requiredIdl<object>(r.spec, row, "spec"),
    digest: r.digest,
    createdAt: r.created_at,
  };
}

/**
 * Columns of `executions`.
 *
 * @example
 * ```ts
 * const rows = sql.all<ExecutionCols>("SELECT * FROM executions");
 * ```
 */
export interface ExecutionCols {
  id: string;
  project: string;
  domain: string;
  workflow: string;
  workflow_name: string;
  launch_plan: string | null;
  launch_plan_name: string | null;
  phase: string;
  inputs: string | null;
  outputs: string | null;
  error: string | null;
  parent_id: string | null;
  parent_path: string | null;
  options: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
}

/**
 * An execution as its `executions` row.
 *
 * @example
 * ```ts
 * sql.run(INSERT_EXECUTION, executionToCols(row));
 * ```
 */
export function executionToCols(r: ExecutionRow): ExecutionCols {
  return {
    id: r.id,
    project: r.project,
    domain: r.domain,
    workflow: keyJson(r.workflow),
    workflow_name: r.workflow.name,
    launch_plan: r.launchPlan ? keyJson(r.launchPlan) : null,
    launch_plan_name: r.launchPlan ? r.launchPlan.name : null,
    phase: r.phase,
    inputs: toJson(r.inputs),
    outputs: toJson(r.outputs),
    error: toJson(r.error),
    parent_id: r.lineage.parent ? r.lineage.parent.executionId : null,
    parent_path: r.lineage.parent ? r.lineage.parent.path : null,
    options: JSON.stringify(encodeExecutionParts(r)),
    created_at: r.createdAt,
    started_at: r.startedAt ?? null,
    ended_at: r.endedAt ?? null,
    updated_at: r.updatedAt,
  };
}

/**
 * An execution read back from its `executions` row.
 *
 * @example
 * ```ts
 * const rows = sql.all<ExecutionCols>("SELECT * FROM executions").map(executionFromCols);
 * ```
 */
export function executionFromCols(r: ExecutionCols): ExecutionRow {
  const row = `execution ${r.id}`;
  const parent = r.parent_id === null ? undefined : { executionId: r.parent_id, path: r.parent_path ?? "" };
  return {
    id: r.id,
    project: r.project,
    domain: r.domain,
    workflow: keyFromJson(r.workflow, row, "workflow"),
    launchPlan: r.launch_plan === null ? undefined : keyFromJson(r.launch_plan, row, "launch_plan"),
    phase: checked(r.phase, isExecutionPhase, row, "phase"),
    inputs: requiredIdl<LiteralMap>(r.inputs, row, "inputs"),
    outputs: idlColumn<LiteralMap>(r.outputs, row, "outputs"),
    error: errorColumn(r.error, row),
    ...decodeExecutionParts(fromJson(r.options), parent, row),
    createdAt: r.created_at,
    startedAt: orUndefined(r.started_at),
    endedAt: orUndefined(r.ended_at),
    updatedAt: r.updated_at,
  };
}

/**
 * Columns of `nodes`.
 *
 * @example
 * ```ts
 * const rows = sql.all<NodeCols>("SELECT * FROM nodes WHERE execution_id = ?", id);
 * ```
 */
export interface NodeCols {
  execution_id: string;
  path: string;
  entity: string;
  phase: string;
  attempts: number;
  system_attempts: number;
  cache_status: string;
  inputs: string | null;
  outputs: string | null;
  error: string | null;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
  data: string;
}

/**
 * A node execution as its `nodes` row.
 *
 * @example
 * ```ts
 * sql.run(UPSERT_NODE, nodeToCols(node));
 * ```
 */
export function nodeToCols(n: NodeRow): NodeCols {
  return {
    execution_id: n.executionId,
    path: n.path,
    entity: n.entity,
    phase: n.phase,
    attempts: n.attempts,
    system_attempts: n.systemAttempts,
    cache_status: n.cacheStatus,
    inputs: valueToJson(n.inputs),
    outputs: valueToJson(n.outputs),
    error: n.error ?? null,
    started_at: n.startedAt ?? null,
    ended_at: n.endedAt ?? null,
    updated_at: n.updatedAt,
    data: JSON.stringify(n.data),
  };
}

/**
 * A node execution read back from its `nodes` row.
 *
 * @example
 * ```ts
 * const nodes = sql.all<NodeCols>("SELECT * FROM nodes").map(nodeFromCols);
 * ```
 */
export function nodeFromCols(r: NodeCols): NodeRow {
  const row = `node ${r.execution_id}/${r.path}`;
  return { executionId: r.execution_id, path: r.path, entity: r.entity, ...progressFromCols(r, row), data: decodeNodeData(fromJson(r.data), row) };
}

/** The columns a node and a map element share: where it stands and what it took and gave. */
function progressFromCols(r: NodeCols, row: string): Pick<NodeRow, "phase" | "attempts" | "systemAttempts" | "cacheStatus" | "inputs" | "outputs" | "error" | "startedAt" | "endedAt" | "updatedAt"> {
  return {
    phase: checked(r.phase, isNodePhase, row, "phase"),
    attempts: r.attempts,
    systemAttempts: r.system_attempts,
    cacheStatus: checked(r.cache_status, (c): c is NodeRow["cacheStatus"] => (CACHE_STATUSES as readonly string[]).includes(c), row, "cache_status"),
    inputs: idlColumn<LiteralMap>(r.inputs, row, "inputs"),
    outputs: idlColumn<LiteralMap>(r.outputs, row, "outputs"),
    error: orUndefined(r.error),
    startedAt: orUndefined(r.started_at),
    endedAt: orUndefined(r.ended_at),
    updatedAt: r.updated_at,
  };
}

/**
 * A row of a listing of nodes (`nodes` with their map inputs, and `map_elements`, in one query): the
 * `nodes` columns, and for an element its map and index (`data` holds its marks).
 *
 * @example
 * ```ts
 * const listed = sql.all<ListedNodeCols>(LIST_NODES, id, id).map(listedFromCols);
 * ```
 */
export interface ListedNodeCols extends NodeCols {
  map_path: string | null;
  idx: number | null;
}

/**
 * A node row, or a map element as kept (`StoredElement`), read back from a listing row.
 *
 * @example
 * ```ts
 * const rows = assembleListing(sql.all<ListedNodeCols>(LIST_NODES, id, id).map(listedFromCols));
 * ```
 */
export function listedFromCols(r: ListedNodeCols): NodeRow | StoredElement {
  if (r.map_path === null || r.idx === null) return nodeFromCols(r);
  const row = `node ${r.execution_id}/${r.map_path}[${r.idx}]`;
  return {
    executionId: r.execution_id,
    path: `${r.map_path}[${r.idx}]`,
    mapPath: r.map_path,
    index: r.idx,
    ...progressFromCols(r, row),
    marks: decodeNodeMarks(fromJson(r.data), row),
  };
}

/**
 * Columns of `map_elements`.
 *
 * @example
 * ```ts
 * sql.run(UPSERT_ELEMENT, elementToCols(row, "n0", 3));
 * ```
 */
export interface ElementCols {
  execution_id: string;
  map_path: string;
  idx: number;
  phase: string;
  attempts: number;
  system_attempts: number;
  cache_status: string;
  inputs: string | null;
  outputs: string | null;
  error: string | null;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
  marks: string;
}

/**
 * Map element row `n` (at `<mapPath>[index]`) as its `map_elements` row: its own columns and marks.
 *
 * @example
 * ```ts
 * sql.run(UPSERT_ELEMENT, elementToCols(row, "n0", 3));
 * ```
 */
export function elementToCols(n: NodeRow, mapPath: string, index: number): ElementCols {
  return {
    execution_id: n.executionId,
    map_path: mapPath,
    idx: index,
    phase: n.phase,
    attempts: n.attempts,
    system_attempts: n.systemAttempts,
    cache_status: n.cacheStatus,
    inputs: valueToJson(n.inputs),
    outputs: valueToJson(n.outputs),
    error: n.error ?? null,
    started_at: n.startedAt ?? null,
    ended_at: n.endedAt ?? null,
    updated_at: n.updatedAt,
    marks: JSON.stringify(elementMarks(n.data)),
  };
}

/**
 * Columns of `task_items`.
 *
 * @example
 * ```ts
 * const ready = sql.all<TaskItemCols>("SELECT * FROM task_items WHERE ready_at <= ?", now);
 * ```
 */
export interface TaskItemCols {
  id: string;
  execution_id: string;
  path: string;
  attempt: number;
  system_attempts: number;
  max_system_attempts: number;
  task: string;
  inputs: string | null;
  options: string;
  ready_at: number;
  lease_token: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** 1 when the leased attempt started (or counts as started), 0 while it waits in its worker, claimed ahead. */
  started: number;
}

/**
 * A task item as its `task_items` row, not leased.
 *
 * @example
 * ```ts
 * sql.run(INSERT_ITEM, taskItemToCols(item));
 * ```
 */
export function taskItemToCols(t: TaskItem): TaskItemCols {
  return {
    id: t.id,
    execution_id: t.executionId,
    path: t.path,
    attempt: t.attempt,
    system_attempts: t.systemAttempts,
    max_system_attempts: t.maxSystemAttempts,
    task: keyJson(t.task),
    inputs: toJson(t.inputs),
    options: JSON.stringify(t.options),
    ready_at: t.readyAt,
    lease_token: null,
    lease_owner: null,
    lease_expires_at: null,
    started: 1,
  };
}

/**
 * A task item read back from its `task_items` row (lease columns left out).
 *
 * @example
 * ```ts
 * const items = sql.all<TaskItemCols>("SELECT * FROM task_items").map(taskItemFromCols);
 * ```
 */
export function taskItemFromCols(r: TaskItemCols): TaskItem {
  const row = `task item ${r.id}`;
  return {
    id: r.id,
    executionId: r.execution_id,
    path: r.path,
    attempt: r.attempt,
    systemAttempts: r.system_attempts,
    maxSystemAttempts: r.max_system_attempts,
    task: keyFromJson(r.task, row, "task"),
    inputs: requiredIdl<LiteralMap>(r.inputs, row, "inputs"),
    options: decodeTaskItemOptions(fromJson(r.options), row),
    readyAt: r.ready_at,
  };
}

/**
 * Columns of `events`.
 *
 * @example
 * ```ts
 * const due = sql.all<EventCols>("SELECT * FROM events WHERE consumed = 0");
 * ```
 */
export interface EventCols {
  id: number;
  execution_id: string;
  due_at: number;
  body: string;
  consumed: number;
}

/**
 * An inbox event read back from its `events` row.
 *
 * @example
 * ```ts
 * const events = sql.all<EventCols>("SELECT * FROM events").map(eventFromCols);
 * ```
 */
export function eventFromCols(r: EventCols): InboxEvent {
  return { id: r.id, executionId: r.execution_id, dueAt: r.due_at, body: decodeEvent(fromJson(r.body), `event ${r.id}`) };
}

/**
 * Columns of `cache`.
 *
 * @example
 * ```ts
 * const entry = sql.get<CacheCols>("SELECT * FROM cache WHERE key = ?", key);
 * ```
 */
export interface CacheCols {
  key: string;
  task: string;
  version: string;
  outputs: string | null;
  created_at: number;
}

/**
 * A cache entry read back from its `cache` row.
 *
 * @example
 * ```ts
 * const entry = cacheFromCols(sql.get<CacheCols>("SELECT * FROM cache")!);
 * ```
 */
export function cacheFromCols(r: CacheCols): CacheEntry {
  return { key: r.key, task: r.task, version: r.version, outputs: requiredIdl<LiteralMap>(r.outputs, `cache entry ${r.key}`, "outputs"), createdAt: r.created_at };
}
