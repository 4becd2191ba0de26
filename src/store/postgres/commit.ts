/**
 * Writes of `PostgresStore` that several methods share (events, executions)
 * and `commit`, the engine's step: one statement (`aloft_commit`, a function
 * of the schema, migration 4) for a whole group commit, a refusal raised in it
 * rolling its step's group back. Row locks (the fence's `FOR NO KEY UPDATE`,
 * conditional updates) make two engines' steps over one database exclude each other.
 *
 * @module
 */
import type { DuplicateExecutionError, StoreConflictError } from "../../errors.js";
import { conflict, duplicateExecution, isRefusal } from "../rules.js";
import { mergeSteps } from "./merge.js";
import { insertLogs, logsJson } from "./attempt-logs.js";
import type { AttemptRecord } from "../attempt-logs.js";
import type { ExecutionRow, NewEvent, NodeRow, StepCommit } from "../store.js";
import { elementOfPath } from "../map-elements.js";
import { elementToCols, executionToCols, nodeToCols, taskItemToCols, toJson, valueToJson, type ElementCols, type NodeCols } from "../sqlite/codec.js";
import { sqlState, type Queries } from "./sql.js";

const EXECUTION_COLS = [
  "id", "project", "domain", "workflow", "workflow_name", "launch_plan", "launch_plan_name", "phase", "inputs", "outputs", "error",
  "parent_id", "parent_path", "options", "created_at", "started_at", "ended_at", "updated_at",
] as const;
const placeholders = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => `$${i + from}`).join(", ");


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

const N = EXECUTION_COLS.length;
/** A new execution and its first event in one statement, notifying `events` when it is created. */
/** Its owner (`$N+4`, or NULL) and owner epoch (`$N+5`: 1 when owned, else 0) are written with the row. */
const CREATE_EXECUTION = `WITH x AS (INSERT INTO executions (${EXECUTION_COLS.join(", ")}, owner, owner_epoch)
    VALUES (${placeholders(N)}, $${N + 4}, $${N + 5}) ON CONFLICT (id) DO NOTHING RETURNING id),
  e AS (INSERT INTO events (execution_id, due_at, body) SELECT id, $${N + 1}, $${N + 2} FROM x RETURNING id)
  SELECT (SELECT count(*) FROM x)::int AS created, (SELECT count(pg_notify($${N + 3}, '')) FROM e) AS told`;

/**
 * Creates an execution with its first event (addressed to it), in one statement (no BEGIN and COMMIT round
 * trips), and notifies `channel`; `DuplicateExecutionError` (nothing written) if its id is taken. With `owner`
 * (an engine id) the execution is created owned by that engine at epoch 1.
 *
 * @example
 * ```ts
 * await createExecution(new Queries(pool), row, { executionId: row.id, body: { type: "start" } }, "aloft_events", "engine-a");
 * ```
 */
export async function createExecution(q: Queries, row: ExecutionRow, first: NewEvent, channel: string, owner?: string): Promise<void> {
  const r = await q.get<{ created: number }>(CREATE_EXECUTION, [
    ...valuesOf(executionToCols(row), EXECUTION_COLS),
    first.dueAt ?? 0,
    toJson(first.body),
    channel,
    owner ?? null,
    owner === undefined ? 0 : 1,
  ]);
  if (r?.created !== 1) throw duplicateExecution(row.id, "createExecution");
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

/** A step as `aloft_apply_step` reads it (migration 4): short keys, rows as their column records, absent lists left out. */
interface StepJson {
  c: readonly number[];
  fi?: [string, string][];
  le?: string[];
  f?: { e: string; x: [string, number][] };
  ce?: ReturnType<typeof executionToCols>[];
  ex?: ReturnType<typeof executionToCols>[];
  n?: ReturnType<typeof nodeToCols>[];
  me?: ElementCols[];
  mi?: [string, string, string | null][];
  ct?: [string, string][];
  q?: ReturnType<typeof taskItemToCols>[];
  ev?: { x: string; d: number; b: string | null; t: string }[];
  cp?: { key: string; task: string; version: string; outputs: string | null; created_at: number }[];
}

/** `step` as `aloft_apply_step` reads it. */
function stepJson(step: StepCommit, sent: MapInputsSent | undefined): StepJson {
  const j: StepJson = { c: step.consumed };
  if (step.fence && step.fence.executions.length > 0) j.f = { e: step.fence.engineId, x: step.fence.executions.map((o) => [o.executionId, o.epoch]) };
  if (step.createExecutions?.length) j.ce = step.createExecutions.map(executionToCols);
  if (step.executions?.length) j.ex = step.executions.map(executionToCols);
  if (step.nodes?.length) {
    // Map elements and map inputs apart from the nodes (src/store/map-elements.ts); a map's row without its inputs.
    const nodes: NodeCols[] = [];
    const elements: ElementCols[] = [];
    const inputs: [string, string, string | null][] = [];
    for (const n of step.nodes) {
      const el = elementOfPath(n.path);
      if (el) elements.push(elementToCols(n, el[0], el[1]));
      else if (n.data.kind === "array") {
        nodes.push({ ...nodeToCols(n), inputs: null });
        if (!sent?.has(n)) inputs.push([n.executionId, n.path, valueToJson(n.inputs)]);
      } else nodes.push(nodeToCols(n));
    }
    if (nodes.length > 0) j.n = nodes;
    if (elements.length > 0) j.me = elements;
    if (inputs.length > 0) j.mi = inputs;
  }
  if (step.cancelTasks?.length) j.ct = step.cancelTasks.map((c) => [c.executionId, c.path]);
  if (step.finished?.length) j.fi = step.finished.map((f) => [f.itemId, f.leaseToken]);
  if (step.enqueue?.length) {
    const leases = new Map((step.leased ?? []).map((l) => [l.itemId, l]));
    j.q = step.enqueue.map((item) => {
      const lease = leases.get(item.id);
      return lease ? { ...taskItemToCols(item), lease_token: lease.leaseToken, lease_owner: lease.owner, lease_expires_at: lease.leaseExpiresAt, started: lease.started === false ? 0 : 1 } : taskItemToCols(item);
    });
  }
  if (step.leased?.length) j.le = step.leased.map((l) => l.itemId);
  if (step.events?.length) j.ev = step.events.map((e) => ({ x: e.executionId, d: e.dueAt ?? 0, b: toJson(e.body), t: e.body.type }));
  if (step.cachePut?.length) j.cp = step.cachePut.map((c) => ({ key: c.key, task: c.task, version: c.version, outputs: toJson(c.outputs), created_at: c.createdAt }));
  return j;
}

/** The SQLSTATE `aloft_apply_step` raises a refusal with. */
const REFUSAL = "AL001";

/** The refusal `aloft_apply_step` described (the JSON array of its message) as the port's error. */
function refusalFrom(text: string): StoreConflictError | DuplicateExecutionError {
  const [reason, a, b, c] = JSON.parse(text) as [string, string | number, string | undefined, string | undefined];
  switch (reason) {
    case "fenced":
      return conflict.fenced(String(a), String(b));
    case "eventConsumed":
      return conflict.eventConsumed(Number(a));
    case "eventMissing":
      return conflict.eventMissing(Number(a));
    case "duplicateExecution":
      return duplicateExecution(String(a), "commit");
    case "executionMissing":
      return conflict.executionMissing("commit", String(a), String(b));
    case "taskItemExists":
      return conflict.taskItemExists(String(a));
    case "leaseLost":
      return conflict.leaseLost(String(a));
    case "taskItemMissing":
      return conflict.taskItemMissing(String(a));
    case "mapMissing":
      return conflict.mapMissing(String(a), String(b), String(c));
    default:
      throw new Error(`aloft_apply_step refused a step for a reason this Aloft does not know: ${text}`);
  }
}

/**
 * Commits groups of engine steps in one statement (`aloft_commit`, one round trip; alone on a connection, one
 * implicit transaction): each group's steps in order, in the order the port documents (fence, consumed events,
 * finished items, new executions, changed executions, nodes, withdrawn tasks, queued tasks and their leases,
 * events, cache entries), then the
 * group's `notify` channels. `whole`: a refusal rejects the call (nothing written); otherwise each group is a
 * subtransaction of its own and its refusal comes back in its place (undefined for a group applied).
 *
 * @example
 * ```ts
 * const [refused] = await commitSteps(new Queries(pool), [{ steps: [step], notify: ["aloft_events"] }], false);
 * ```
 */
export async function commitSteps(
  q: Queries,
  groups: readonly { readonly steps: readonly StepCommit[]; readonly notify: readonly string[] }[],
  whole: boolean,
  logs: readonly AttemptRecord[] = [],
  sent?: MapInputsSent,
): Promise<(Error | undefined)[]> {
  // Every step as one, when that writes the same rows: the step function's statements run once. Refused, it
  // says nothing of which step was at fault (nor, for groups, which group to roll back alone): then the steps
  // go one by one, as if the merged step had not been tried (it wrote nothing).
  const merged = mergeSteps(groups.flatMap((g) => g.steps));
  if (merged) {
    try {
      await callCommit(q, [{ steps: [merged], notify: [...new Set(groups.flatMap((g) => g.notify))] }], true, logs, sent);
      return groups.map(() => undefined);
    } catch (e) {
      if (!isRefusal(e)) throw e;
    }
  }
  return callCommit(q, groups, whole, logs, sent);
}

/** `aloft_commit` with attempt records: the same statement writes them (a data-modifying `WITH`), whatever becomes of the groups, unless it fails whole. */
const COMMIT_WITH_LOGS = `WITH l AS (${insertLogs("$3")}) SELECT aloft_commit($1::jsonb, $2) AS r, (SELECT count(*) FROM l) AS logs`;

/** One call of `aloft_commit` (with `logs`, written in the same statement). */
async function callCommit(
  q: Queries,
  groups: readonly { readonly steps: readonly StepCommit[]; readonly notify: readonly string[] }[],
  whole: boolean,
  logs: readonly AttemptRecord[],
  sent: MapInputsSent | undefined,
): Promise<(Error | undefined)[]> {
  const payload = JSON.stringify(groups.map((g) => ({ s: g.steps.map((step) => stepJson(step, sent)), n: g.notify })));
  let row: { r: (string | null)[] } | undefined;
  try {
    row =
      logs.length === 0
        ? await q.get<{ r: (string | null)[] }>("SELECT aloft_commit($1::jsonb, $2) AS r", [payload, whole])
        : await q.get<{ r: (string | null)[] }>(COMMIT_WITH_LOGS, [payload, whole, logsJson(logs)]);
  } catch (e) {
    if (sqlState(e) === REFUSAL && e instanceof Error) throw refusalFrom(e.message);
    throw e;
  }
  return groups.map((g, i) => {
    const refused = row?.r[i];
    if (refused === null || refused === undefined) {
      sent?.add(g.steps);
      return undefined;
    }
    return refusalFrom(refused);
  });
}

/**
 * The map inputs a store has committed, by the inputs object the engine holds (the same object each time it
 * writes the map's row, until it reloads the execution): a map's row is then sent without them, as they are
 * stored already and never change. A group that did not commit marks nothing, so its maps' inputs go again.
 *
 * @example
 * ```ts
 * const sent = new MapInputsSent();
 * await commitSteps(q, [{ steps: [step], notify: [] }], true, sent); // a later step writing the same map row sends no inputs
 * ```
 */
export class MapInputsSent {
  private readonly sent = new WeakMap<object, Set<string>>();

  /** Whether map row `n`'s inputs are committed already. */
  has(n: NodeRow): boolean {
    return n.inputs !== undefined && (this.sent.get(n.inputs)?.has(`${n.executionId}\u0000${n.path}`) ?? false);
  }

  /** The maps' inputs of `steps`, which committed. */
  add(steps: readonly StepCommit[]): void {
    for (const step of steps) {
      for (const n of step.nodes ?? []) {
        if (n.data.kind !== "array" || n.inputs === undefined) continue;
        let keys = this.sent.get(n.inputs);
        if (!keys) this.sent.set(n.inputs, (keys = new Set()));
        keys.add(`${n.executionId}\u0000${n.path}`);
      }
    }
  }
}
