/**
 * Writes of `PostgresStore` that several methods share (events, executions)
 * and `commit`, the engine's step, inside the caller's transaction: a refusal
 * thrown here rolls the whole step back. Row locks (`FOR UPDATE`, conditional
 * updates) make two engines' steps over one database exclude each other.
 *
 * @module
 */
import { checkLeased, conflict, duplicateExecution } from "../rules.js";
import type { ExecutionRow, NewEvent, StepCommit, TaskItem } from "../store.js";
import { executionToCols, nodeToCols, taskItemToCols, toJson, type TaskItemCols } from "../sqlite/codec.js";
import type { Queries } from "./sql.js";

const EXECUTION_COLS = [
  "id", "project", "domain", "workflow", "workflow_name", "launch_plan", "launch_plan_name", "phase", "inputs", "outputs", "error",
  "parent_id", "parent_path", "options", "created_at", "started_at", "ended_at", "updated_at",
] as const;
const NODE_COLS = [
  "execution_id", "path", "entity", "phase", "attempts", "system_attempts", "cache_status", "inputs", "outputs", "error", "started_at", "ended_at", "updated_at", "data",
] as const;
const ITEM_COLS = [
  "id", "execution_id", "path", "attempt", "system_attempts", "max_system_attempts", "task", "inputs", "options", "ready_at", "lease_token", "lease_owner", "lease_expires_at",
] as const;

const placeholders = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => `$${i + from}`).join(", ");

const INSERT_EXECUTION = `INSERT INTO executions (${EXECUTION_COLS.join(", ")}) VALUES (${placeholders(EXECUTION_COLS.length)}) ON CONFLICT (id) DO NOTHING`;
const UPDATE_EXECUTION = `UPDATE executions SET ${EXECUTION_COLS.slice(1)
  .map((c, i) => `${c} = $${i + 2}`)
  .join(", ")} WHERE id = $1`;
const UPSERT_NODE = `INSERT INTO nodes (${NODE_COLS.join(", ")}) VALUES (${placeholders(NODE_COLS.length)})
  ON CONFLICT (execution_id, path) DO UPDATE SET ${NODE_COLS.slice(2)
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")}`;
const INSERT_ITEM = `INSERT INTO task_items (${ITEM_COLS.join(", ")}) VALUES (${placeholders(ITEM_COLS.length)}) ON CONFLICT (id) DO NOTHING`;
// Many rows in one statement: the rows travel as one JSON array of column records.
const UPSERT_NODES = `INSERT INTO nodes (${NODE_COLS.join(", ")}) SELECT ${NODE_COLS.join(", ")} FROM json_populate_recordset(NULL::nodes, $1::json)
  ON CONFLICT (execution_id, path) DO UPDATE SET ${NODE_COLS.slice(2)
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")}`;
const INSERT_ITEMS = `INSERT INTO task_items (${ITEM_COLS.join(", ")}) SELECT ${ITEM_COLS.join(", ")} FROM json_populate_recordset(NULL::task_items, $1::json)
  ON CONFLICT (id) DO NOTHING RETURNING id`;
const UPSERT_CACHE = `INSERT INTO cache (key, task, version, outputs, created_at) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (key) DO UPDATE SET task = excluded.task, version = excluded.version, outputs = excluded.outputs, created_at = excluded.created_at`;

/** The values of `cols` of a column record, in that order. */
function valuesOf<C extends object>(record: C, cols: readonly (keyof C)[]): unknown[] {
  return cols.map((c) => record[c]);
}

/**
 * Execution ids known to exist in this transaction, so a step with many
 * nodes asks the database once per execution. The `FOR KEY SHARE` lock
 * keeps the execution from vanishing before the transaction ends.
 *
 * @example
 * ```ts
 * const known = new ExistingExecutions(q);
 * if (!(await known.has("e1"))) throw conflict.executionMissing("commit", "e1", "node");
 * ```
 */
export class ExistingExecutions {
  private readonly known = new Set<string>();
  private readonly epochs = new Map<string, number>();
  constructor(private readonly q: Queries) {}

  async has(id: string): Promise<boolean> {
    if (this.known.has(id)) return true;
    const found = (await this.q.get("SELECT 1 FROM executions WHERE id = $1 FOR KEY SHARE", [id])) !== undefined;
    if (found) this.known.add(id);
    return found;
  }

  add(id: string): void {
    this.known.add(id);
  }

  /** Whether the transaction checked (and locked) execution `id` at `epoch` already. */
  fenced(id: string, epoch: number): boolean {
    return this.epochs.get(id) === epoch;
  }

  /** Execution `id` passed its fence check at `epoch`: it exists, and its row is locked until the commit. */
  fence(id: string, epoch: number): void {
    this.epochs.set(id, epoch);
    this.known.add(id);
  }
}

/**
 * Inserts an execution; `DuplicateExecutionError` if its id is taken.
 *
 * @example
 * ```ts
 * await transaction(pool, (q) => insertExecution(q, row, "createExecution"));
 * ```
 */
export async function insertExecution(q: Queries, row: ExecutionRow, method: "createExecution" | "commit", known?: ExistingExecutions): Promise<void> {
  if ((await q.run(INSERT_EXECUTION, valuesOf(executionToCols(row), EXECUTION_COLS))) === 0) throw duplicateExecution(row.id, method);
  known?.add(row.id);
}

/**
 * Inserts an event for an existing execution; `StoreConflictError` otherwise.
 *
 * @example
 * ```ts
 * await transaction(pool, (q) => insertEvent(q, { executionId: "e1", body: { type: "abort" } }, 0, "addEvents", new ExistingExecutions(q)));
 * ```
 */
export async function insertEvent(q: Queries, e: NewEvent, defaultDueAt: number, method: string, known: ExistingExecutions): Promise<void> {
  if (!(await known.has(e.executionId))) throw conflict.executionMissing(method, e.executionId, `event "${e.body.type}"`);
  await q.run("INSERT INTO events (execution_id, due_at, body) VALUES ($1, $2, $3)", [e.executionId, e.dueAt ?? defaultDueAt, toJson(e.body)]);
}

/**
 * Applies one engine step inside the caller's transaction, in the order the
 * port documents: consumed events, new executions, changed executions,
 * nodes, withdrawn tasks, queued tasks, events, cache entries.
 *
 * @example
 * ```ts
 * await transaction(pool, (q) => applyStep(q, step));
 * ```
 */
export async function applyStep(q: Queries, step: StepCommit, known: ExistingExecutions = new ExistingExecutions(q)): Promise<void> {
  if (step.consumed.length > 0) {
    const ids = [...step.consumed];
    // A consumed event is pruned: its effects are in the rows this step writes, and nothing reads it again.
    const done = await q.all<{ id: number }>("DELETE FROM events WHERE id = ANY($1::bigint[]) AND consumed = 0 RETURNING id", [ids]);
    if (done.length !== new Set(ids).size || done.length !== ids.length) {
      const taken = new Set(done.map((r) => r.id));
      const seen = new Set<number>();
      for (const id of ids) {
        if (taken.has(id) && !seen.has(id)) {
          seen.add(id);
          continue;
        }
        // Gone, or marked consumed (rows written before events were pruned): consumed if its id was handed out.
        const stored = await q.get<{ consumed: number }>("SELECT consumed FROM events WHERE id = $1", [id]);
        const last = await q.get<{ last: string | number | null }>("SELECT pg_sequence_last_value(pg_get_serial_sequence('events', 'id')::regclass) AS last");
        const handedOut = Number.isInteger(id) && id >= 1 && id <= Number(last?.last ?? 0);
        throw stored || handedOut ? conflict.eventConsumed(id) : conflict.eventMissing(id);
      }
    }
  }
  const finished = step.finished ?? [];
  if (finished.length > 0) {
    // Removed only under the lease the result came with; the first one not so held refuses the step.
    const gone = new Set(
      (
        await q.all<{ id: string }>("DELETE FROM task_items t USING unnest($1::text[], $2::text[]) AS f(id, token) WHERE t.id = f.id AND t.lease_token = f.token RETURNING t.id", [
          finished.map((f) => f.itemId),
          finished.map((f) => f.leaseToken),
        ])
      ).map((r) => r.id),
    );
    const seen = new Set<string>();
    for (const f of finished) {
      if (!gone.has(f.itemId) || seen.has(f.itemId)) throw conflict.leaseLost(f.itemId);
      seen.add(f.itemId);
    }
  }
  for (const row of step.createExecutions ?? []) await insertExecution(q, row, "commit", known);
  for (const row of step.executions ?? []) {
    if ((await q.run(UPDATE_EXECUTION, valuesOf(executionToCols(row), EXECUTION_COLS))) === 0) throw conflict.executionMissing("commit", row.id, "changed by the step");
    known.add(row.id);
  }
  const nodes = step.nodes ?? [];
  for (const n of nodes) if (!(await known.has(n.executionId))) throw conflict.executionMissing("commit", n.executionId, `node "${n.path}"`);
  if (nodes.length === 1 && nodes[0]) await q.run(UPSERT_NODE, valuesOf(nodeToCols(nodes[0]), NODE_COLS));
  else if (nodes.length > 1) {
    // One row per node, the last write of a node winning, as one upsert after another would leave it.
    const last = new Map(nodes.map((n) => [`${n.executionId}\u0000${n.path}`, n]));
    await q.run(UPSERT_NODES, [JSON.stringify([...last.values()].map(nodeToCols))]);
  }
  for (const c of step.cancelTasks ?? []) await q.run("DELETE FROM task_items WHERE execution_id = $1 AND path = $2", [c.executionId, c.path]);
  const items = step.enqueue ?? [];
  for (const item of items) if (!(await known.has(item.executionId))) throw conflict.executionMissing("commit", item.executionId, `task item "${item.id}"`);
  checkLeased(step);
  const leases = new Map((step.leased ?? []).map((l) => [l.itemId, l]));
  const itemCols = (item: TaskItem): TaskItemCols => {
    const lease = leases.get(item.id);
    return lease ? { ...taskItemToCols(item), lease_token: lease.leaseToken, lease_owner: lease.owner, lease_expires_at: lease.leaseExpiresAt } : taskItemToCols(item);
  };
  if (items.length === 1 && items[0]) {
    if ((await q.run(INSERT_ITEM, valuesOf(itemCols(items[0]), ITEM_COLS))) === 0) throw conflict.taskItemExists(items[0].id);
  } else if (items.length > 1) {
    const inserted = new Set((await q.all<{ id: string }>(INSERT_ITEMS, [JSON.stringify(items.map(itemCols))])).map((r) => r.id));
    // The first item that was there already (or twice in the step) is the one refused, as when inserted one by one.
    const seen = new Set<string>();
    for (const item of items) {
      if (!inserted.has(item.id) || seen.has(item.id)) throw conflict.taskItemExists(item.id);
      seen.add(item.id);
    }
  }
  for (const e of step.events ?? []) await insertEvent(q, e, 0, "commit", known);
  for (const c of step.cachePut ?? []) await q.run(UPSERT_CACHE, [c.key, c.task, c.version, toJson(c.outputs), c.createdAt]);
}
