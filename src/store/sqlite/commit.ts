/**
 * Writes of `SqliteStore` that several methods share (events, executions) and
 * `commit`, the engine's step. They run inside the caller's transaction: a
 * refusal thrown here rolls the whole step back.
 *
 * @module
 */
import { checkLeased, conflict, duplicateExecution } from "../rules.js";
import type { ExecutionRow, NewEvent, NodeRow, StepCommit } from "../store.js";
import { elementOfPath } from "../map-elements.js";
import { elementToCols, executionToCols, nodeToCols, taskItemToCols, toJson, valueToJson } from "./codec.js";
import type { Sql } from "./sql.js";

const EXECUTION_COLS =
  "id, project, domain, workflow, workflow_name, launch_plan, launch_plan_name, phase, inputs, outputs, error, parent_id, parent_path, options, created_at, started_at, ended_at, updated_at";
const EXECUTION_VALUES = EXECUTION_COLS.split(", ")
  .map((c) => `@${c}`)
  .join(", ");
const INSERT_EXECUTION = `INSERT INTO executions (${EXECUTION_COLS}) VALUES (${EXECUTION_VALUES})`;
const UPDATE_EXECUTION = `UPDATE executions SET ${EXECUTION_COLS.split(", ")
  .filter((c) => c !== "id")
  .map((c) => `${c} = @${c}`)
  .join(", ")} WHERE id = @id`;
const UPSERT_NODE = `INSERT INTO nodes (execution_id, path, entity, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, data)
  VALUES (@execution_id, @path, @entity, @phase, @attempts, @system_attempts, @cache_status, @inputs, @outputs, @error, @started_at, @ended_at, @updated_at, @data)
  ON CONFLICT (execution_id, path) DO UPDATE SET entity = excluded.entity, phase = excluded.phase, attempts = excluded.attempts,
    system_attempts = excluded.system_attempts, cache_status = excluded.cache_status, inputs = excluded.inputs, outputs = excluded.outputs,
    error = excluded.error, started_at = excluded.started_at, ended_at = excluded.ended_at, updated_at = excluded.updated_at, data = excluded.data`;
const ELEMENT_COLS = "execution_id, map_path, idx, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, marks";
const UPSERT_ELEMENT = `INSERT INTO map_elements (${ELEMENT_COLS}) VALUES (${ELEMENT_COLS.split(", ")
  .map((c) => `@${c}`)
  .join(", ")})
  ON CONFLICT (execution_id, map_path, idx) DO UPDATE SET ${ELEMENT_COLS.split(", ")
    .slice(3)
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")}`;
const INSERT_ITEM = `INSERT INTO task_items (id, execution_id, path, attempt, system_attempts, max_system_attempts, task, inputs, options, ready_at, lease_token, lease_owner, lease_expires_at, started)
  VALUES (@id, @execution_id, @path, @attempt, @system_attempts, @max_system_attempts, @task, @inputs, @options, @ready_at, @lease_token, @lease_owner, @lease_expires_at, @started)`;
const UPSERT_CACHE = `INSERT INTO cache (key, task, version, outputs, created_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET task = excluded.task, version = excluded.version, outputs = excluded.outputs, created_at = excluded.created_at`;

/**
 * Whether an execution exists.
 *
 * @example
 * ```ts
 * if (!executionExists(sql, id)) throw conflict.executionMissing("addEvents", id, "event");
 * ```
 */
export function executionExists(sql: Sql, id: string): boolean {
  return sql.get("SELECT 1 FROM executions WHERE id = ?", id) !== undefined;
}

/**
 * What the steps of one group (one savepoint: they land or are rolled back together) have checked already:
 * executions seen to exist, maps seen stored, fences seen held. No step undoes any of them (a step removes no
 * execution or node and moves no owner), so each is read once a group rather than once a step: a tick's
 * group holds every result of an execution that came in meanwhile, a step each.
 *
 * @example
 * ```ts
 * const checks = new StepChecks();
 * for (const step of group) applyStep(sql, step, checks);
 * ```
 */
export class StepChecks {
  readonly executions = new Set<string>();
  readonly maps = new Set<string>();
  readonly fences = new Set<string>();

  /** Whether execution `id` exists, read at most once. */
  exists(sql: Sql, id: string): boolean {
    if (this.executions.has(id)) return true;
    if (!executionExists(sql, id)) return false;
    this.executions.add(id);
    return true;
  }
}

/**
 * Inserts an execution; `DuplicateExecutionError` if its id is taken.
 *
 * @example
 * ```ts
 * sql.write(() => insertExecution(sql, row, "createExecution"));
 * ```
 */
export function insertExecution(sql: Sql, row: ExecutionRow, method: "createExecution" | "commit"): void {
  if (executionExists(sql, row.id)) throw duplicateExecution(row.id, method);
  sql.run(INSERT_EXECUTION, executionToCols(row));
}

/**
 * Inserts an event for an existing execution; `StoreConflictError` otherwise.
 *
 * @example
 * ```ts
 * sql.write(() => insertEvent(sql, { executionId: "e1", body: { type: "abort" } }, 0, "addEvents"));
 * ```
 */
export function insertEvent(sql: Sql, e: NewEvent, defaultDueAt: number, method: string): void {
  if (!executionExists(sql, e.executionId)) throw conflict.executionMissing(method, e.executionId, `event "${e.body.type}"`);
  sql.run("INSERT INTO events (execution_id, due_at, body) VALUES (?, ?, ?)", e.executionId, e.dueAt ?? defaultDueAt, toJson(e.body));
}

/**
 * Writes a node row; a map's inputs go to `map_inputs` the first time only (they never change, and are the
 * whole list it maps), so its row stays small however often it is written.
 */
function writeNode(sql: Sql, n: NodeRow): void {
  if (n.data.kind !== "array") {
    sql.run(UPSERT_NODE, nodeToCols(n));
    return;
  }
  sql.run(UPSERT_NODE, { ...nodeToCols(n), inputs: null });
  if (!sql.get("SELECT 1 FROM map_inputs WHERE execution_id = ? AND path = ?", n.executionId, n.path)) {
    sql.run("INSERT INTO map_inputs (execution_id, path, inputs) VALUES (?, ?, ?)", n.executionId, n.path, valueToJson(n.inputs));
  }
}

/**
 * Applies one engine step inside the caller's transaction, in the order the
 * port documents (and `MemoryStore` checks): consumed events (removed), new
 * executions, changed executions, nodes, withdrawn tasks, queued tasks,
 * events, cache entries.
 *
 * @example
 * ```ts
 * sql.write(() => applyStep(sql, step));
 * ```
 */
export function applyStep(sql: Sql, step: StepCommit, checks: StepChecks = new StepChecks()): void {
  for (const id of step.consumed) {
    // A consumed event is pruned: its effects are in the rows this step writes, and nothing reads it again.
    if (sql.run("DELETE FROM events WHERE id = ? AND consumed = 0", id).changes === 1) continue;
    // Gone, or marked consumed (rows written before events were pruned): consumed if its id was handed out
    // (AUTOINCREMENT never hands out an id twice, and a rolled-back insert takes its number back).
    const seq = sql.get<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'")?.seq ?? 0;
    throw Number.isInteger(id) && id >= 1 && id <= seq ? conflict.eventConsumed(id) : conflict.eventMissing(id);
  }
  for (const f of step.finished ?? []) {
    if (sql.run("DELETE FROM task_items WHERE id = ? AND lease_token = ?", f.itemId, f.leaseToken).changes !== 1) throw conflict.leaseLost(f.itemId);
  }
  for (const row of step.createExecutions ?? []) insertExecution(sql, row, "commit");
  for (const row of step.executions ?? []) {
    if (sql.run(UPDATE_EXECUTION, executionToCols(row)).changes === 0) throw conflict.executionMissing("commit", row.id, "changed by the step");
    checks.executions.add(row.id);
  }
  // Nodes first, then map elements (whose map row is stored already or written by this step).
  const elements: [NodeRow, string, number][] = [];
  for (const n of step.nodes ?? []) {
    if (!checks.exists(sql, n.executionId)) throw conflict.executionMissing("commit", n.executionId, `node "${n.path}"`);
    const el = elementOfPath(n.path);
    if (el) elements.push([n, el[0], el[1]]);
    else writeNode(sql, n);
  }
  for (const [n, mapPath, index] of elements) {
    const key = `${n.executionId}\u0000${mapPath}`;
    if (!checks.maps.has(key)) {
      if (!sql.get("SELECT 1 FROM nodes WHERE execution_id = ? AND path = ? AND json_extract(data, '$.kind') = 'array'", n.executionId, mapPath)) throw conflict.mapMissing(n.executionId, n.path, mapPath);
      checks.maps.add(key);
    }
    sql.run(UPSERT_ELEMENT, elementToCols(n, mapPath, index));
  }
  for (const c of step.cancelTasks ?? []) sql.run("DELETE FROM task_items WHERE execution_id = ? AND path = ?", c.executionId, c.path);
  checkLeased(step);
  const leases = new Map((step.leased ?? []).map((l) => [l.itemId, l]));
  for (const item of step.enqueue ?? []) {
    if (!checks.exists(sql, item.executionId)) throw conflict.executionMissing("commit", item.executionId, `task item "${item.id}"`);
    if (sql.get("SELECT 1 FROM task_items WHERE id = ?", item.id)) throw conflict.taskItemExists(item.id);
    const lease = leases.get(item.id);
    sql.run(INSERT_ITEM, lease ? { ...taskItemToCols(item), lease_token: lease.leaseToken, lease_owner: lease.owner, lease_expires_at: lease.leaseExpiresAt, started: lease.started === false ? 0 : 1 } : taskItemToCols(item));
  }
  for (const e of step.events ?? []) insertEvent(sql, e, 0, "commit");
  for (const c of step.cachePut ?? []) sql.run(UPSERT_CACHE, c.key, c.task, c.version, toJson(c.outputs), c.createdAt);
}
