/**
 * The rules every `Store` implementation shares, so that they answer alike:
 * argument checks, listing cursors, text order, copies of JSON values and the
 * wording of refusals.
 *
 * @module
 */
import { AloftError, DuplicateExecutionError, RegistryConflictError, StoreConflictError } from "../errors.js";
import type { EntityKey, RegisteredKind, StepCommit } from "./store.js";
import { isExecutionEnded } from "../phases.js";

/**
 * The largest page `listExecutions` returns.
 *
 * @example
 * ```ts
 * if (limit > MAX_PAGE) throw new RangeError("too many");
 * ```
 */
export const MAX_PAGE = 1000;

/**
 * Checks the `limit` of a page: an integer from 1 to 1000.
 *
 * @example
 * ```ts
 * checkPageLimit(50); // ok
 * checkPageLimit(0);  // RangeError
 * ```
 */
export function checkPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new RangeError(`listExecutions: page.limit must be an integer from 1 to ${MAX_PAGE}, got ${String(limit)}`);
  }
}

/**
 * Checks a batch size (`dueEvents`, `claimTasks`): an integer from 0 up.
 *
 * @example
 * ```ts
 * checkBatchLimit("claimTasks", 10); // ok
 * ```
 */
export function checkBatchLimit(method: string, limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`${method}: limit must be an integer of 0 or more, got ${String(limit)}`);
}

/**
 * Checks a duration in milliseconds (a lease, a lock's time to live): a finite number above 0.
 *
 * @example
 * ```ts
 * checkDuration("claimTasks", "leaseMs", 30_000); // ok
 * ```
 */
export function checkDuration(method: string, name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${method}: ${name} must be a number of milliseconds above 0, got ${String(ms)}`);
}

/**
 * Checks that the first event of a new execution is addressed to it.
 *
 * @example
 * ```ts
 * checkFirstEvent(row, { executionId: row.id, body: { type: "start" } }); // ok
 * ```
 */
export function checkFirstEvent(row: { readonly id: string }, first: { readonly executionId: string }): void {
  if (first.executionId !== row.id) {
    throw new RangeError(`createExecution: the first event is addressed to execution "${first.executionId}", not to the new execution "${row.id}"`);
  }
}

/**
 * Where a page of executions ended: the last row's creation time and id.
 *
 * @example
 * ```ts
 * const pos: CursorPosition = { createdAt: row.createdAt, id: row.id };
 * ```
 */
export interface CursorPosition {
  readonly createdAt: number;
  readonly id: string;
}

/**
 * Encodes the position after which the next page starts (opaque to callers).
 *
 * @example
 * ```ts
 * const next = encodeCursor({ createdAt: row.createdAt, id: row.id });
 * ```
 */
export function encodeCursor(pos: CursorPosition): string {
  return Buffer.from(JSON.stringify([pos.createdAt, pos.id]), "utf8").toString("base64url");
}

/**
 * Decodes a cursor made by `encodeCursor`; throws `RangeError` for anything else.
 *
 * @example
 * ```ts
 * decodeCursor(page.next!); // { createdAt, id }
 * ```
 */
export function decodeCursor(cursor: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== "number" || typeof parsed[1] !== "string") {
    throw new RangeError(`listExecutions: page.cursor ${JSON.stringify(cursor)} is not a cursor this store made; pass back the \`next\` of the previous page`);
  }
  return { createdAt: parsed[0], id: parsed[1] };
}

/**
 * Orders strings as SQLite's `BINARY` collation does (by UTF-8 bytes, that is by code points).
 *
 * @example
 * ```ts
 * ["b", "a"].sort(compareText); // ["a", "b"]
 * ```
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * A deep copy of a JSON value, as it would come back from a database column:
 * `undefined` stays `undefined`; inside objects, `undefined` fields vanish.
 *
 * @example
 * ```ts
 * const copy = cloneJson({ a: [1, 2] });
 * ```
 */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * How an entity key reads in messages: `project/domain/name@version`.
 *
 * @example
 * ```ts
 * describeKey({ project: "p", domain: "d", name: "n", version: "1" }); // "p/d/n@1"
 * ```
 */
export function describeKey(key: EntityKey): string {
  return `${key.project}/${key.domain}/${key.name}@${key.version}`;
}

/**
 * The error for registering another digest under a taken key.
 *
 * @example
 * ```ts
 * throw registryConflict("task", key, storedDigest, newDigest);
 * ```
 */
export function registryConflict(kind: RegisteredKind, key: EntityKey, stored: string, given: string): RegistryConflictError {
  return new RegistryConflictError(
    `${kind} ${describeKey(key)} is already registered with another spec (digest ${stored}, not ${given}); register the change under a new version`,
    kind,
    { project: key.project, domain: key.domain, name: key.name, version: key.version },
  );
}

/**
 * The error for using a store after `close()`.
 *
 * @example
 * ```ts
 * if (this.closed) throw storeClosed();
 * ```
 */
export function storeClosed(): AloftError {
  return new AloftError("the store is closed; open a new one to go on");
}

/**
 * The error for creating an execution whose id is taken (by `createExecution`, or by `commit`).
 *
 * @example
 * ```ts
 * if (exists) throw duplicateExecution(row.id, "createExecution");
 * ```
 */
export function duplicateExecution(id: string, method: "createExecution" | "commit"): DuplicateExecutionError {
  const tail = method === "commit" ? "; nothing of the step was written" : "; choose another id";
  return new DuplicateExecutionError(`${method}: execution "${id}" already exists${tail}`);
}

/**
 * The refusals of `commit` and friends; nothing is written when one is thrown.
 *
 * @example
 * ```ts
 * if (!stored) throw conflict.eventMissing(id);
 * ```
 */
export const conflict = {
  eventMissing: (id: number) => new StoreConflictError(`commit: event ${id} does not exist, so it cannot be consumed; nothing of the step was written`, "eventMissing"),
  eventConsumed: (id: number) => new StoreConflictError(`commit: event ${id} was already consumed (by another step); nothing of the step was written`, "eventConsumed"),
  executionMissing: (method: string, id: string, what: string) =>
    new StoreConflictError(`${method}: execution "${id}" does not exist (${what})${method === "commit" ? "; nothing of the step was written" : ""}`, "executionMissing"),
  taskItemExists: (id: string) => new StoreConflictError(`commit: task item "${id}" is already queued; nothing of the step was written`, "taskItemExists"),
  leaseLost: (itemId: string) =>
    new StoreConflictError(`commit: task item "${itemId}" is no longer held under the lease its result came with (withdrawn, or leased again to another worker); nothing of the step was written`, "leaseLost"),
  taskItemMissing: (itemId: string) => new StoreConflictError(`commit: a lease was given on task item "${itemId}", which the step does not enqueue; nothing of the step was written`, "taskItemMissing"),
  mapMissing: (executionId: string, path: string, mapPath: string) =>
    new StoreConflictError(`commit: node "${path}" of execution "${executionId}" is an element of map task "${mapPath}", which has no row (a map's row is written before its elements); nothing of the step was written`, "mapMissing"),
  fenced: (id: string, engineId: string) =>
    new StoreConflictError(`commit: engine "${engineId}" no longer owns execution "${id}" (another engine took it over); nothing of the step was written`, "fenced"),
};

/**
 * The lease owner prefix of the workers of an engine's own process: `<engine id>/`.
 *
 * @example
 * ```ts
 * workerIdOf("h-42-ab12", "pool"); // "h-42-ab12/pool"
 * ```
 */
export function workerIdOf(engineId: string, name: string): string {
  return `${engineId}/${name}`;
}

/**
 * Whether a lease owner is a worker of engine `engineId`'s process.
 *
 * @example
 * ```ts
 * isWorkerOf("h-42-ab12/pool", "h-42-ab12"); // true
 * ```
 */
export function isWorkerOf(leaseOwner: string, engineId: string): boolean {
  return leaseOwner.startsWith(`${engineId}/`);
}

/**
 * The message of the `taskSystemFailed` event an item gets when it has lost
 * its last allowed lease.
 *
 * @example
 * ```ts
 * systemFailureMessage("e1|n1|1", 3, "worker-2"); // 'task item "e1|n1|1" lost 3 leases ...'
 * ```
 */
export function systemFailureMessage(itemId: string, lost: number, worker: string | undefined): string {
  return `task item "${itemId}" lost ${lost} lease${lost === 1 ? "" : "s"} (the last held by worker "${worker ?? "?"}"); its workers stopped heartbeating`;
}

/**
 * Whether an error is a store's refusal of a step (a conflict or a taken
 * execution id), which `commitGroups` returns for its group, rather than a failure.
 *
 * @example
 * ```ts
 * const results = groups.map((g) => { try { apply(g); return undefined; } catch (e) { if (isRefusal(e)) return e; throw e; } });
 * ```
 */
export function isRefusal(e: unknown): e is StoreConflictError | DuplicateExecutionError {
  return e instanceof StoreConflictError || e instanceof DuplicateExecutionError;
}

/**
 * Checks a `clearCache` filter: a version names a cache version of one task, so it needs the task.
 *
 * @throws RangeError for a version without a task.
 *
 * @example
 * ```ts
 * checkCacheFilter({ task: "slope", version: "1" }); // fine
 * ```
 */
export function checkCacheFilter(filter: { readonly task?: string; readonly version?: string }): void {
  if (filter.version !== undefined && filter.task === undefined) throw new RangeError("clearCache: a cache version is per task; give the task with the version");
}

/**
 * Checks a step's `leased` against its `enqueue`: every lease names an item the step enqueues, once.
 *
 * @throws StoreConflictError "taskItemMissing" for a lease on any other item.
 *
 * @example
 * ```ts
 * checkLeased({ consumed: [], enqueue: [item], leased: [{ itemId: item.id, owner: "w", leaseToken: "t", leaseExpiresAt: 1 }] }); // fine
 * ```
 */
export function checkLeased(step: StepCommit): void {
  if (!step.leased || step.leased.length === 0) return;
  const ids = new Set((step.enqueue ?? []).map((i) => i.id));
  for (const l of step.leased) {
    if (!ids.delete(l.itemId)) throw conflict.taskItemMissing(l.itemId);
  }
}

/**
 * Whether a step ends an execution (writes one's row in an ended phase): its commit wakes followers elsewhere
 * (the `ended` wake-up).
 *
 * @example
 * ```ts
 * endsExecution({ consumed: [], executions: [{ ...row, phase: "succeeded" }] }); // true
 * ```
 */
export function endsExecution(step: StepCommit): boolean {
  return (step.executions ?? []).some((x) => isExecutionEnded(x.phase)) || (step.createExecutions ?? []).some((x) => isExecutionEnded(x.phase));
}

/**
 * How many of a claim's items count as started at once: those before the last `ahead` of the `limit` asked for
 * (`claimTasks`' `ahead`, an integer of 0 or more).
 *
 * @throws RangeError for an `ahead` that is not such an integer.
 *
 * @example
 * ```ts
 * startedAtClaim(8, 6); // 2: items 0 and 1 start at once, the others were claimed ahead
 * ```
 */
export function startedAtClaim(limit: number, ahead: number | undefined): number {
  if (ahead === undefined) return limit;
  if (!Number.isSafeInteger(ahead) || ahead < 0) throw new RangeError(`claimTasks: ahead must be an integer of 0 or more, got ${String(ahead)}`);
  return Math.max(0, limit - ahead);
}
