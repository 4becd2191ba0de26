/**
 * The `Store` port: everything the durable engine keeps, behind one narrow
 * interface that every database implements (memory, SQLite, PostgreSQL) and
 * one conformance suite checks (`test/store/conformance.ts`).
 *
 * Every method is one atomic operation: the engine never holds a transaction
 * open across an `await`. `commit` is the heart of it: one step of the engine
 * (events consumed, node and execution changes, work made ready) lands whole
 * or not at all, so a crash at any point loses nothing and duplicates nothing.
 *
 * Values (inputs, outputs, specs) are plain JSON: the store never interprets
 * them, except the few columns it filters and orders by.
 *
 * @module
 */
import type { LiteralMap } from "../idl/core.js";
import type { CacheStatus, ExecutionPhase, NodePhase } from "../phases.js";
import type { EngineEvent, TaskItemOptions, TaskResultEvent } from "./events.js";
import type { ExecutionLineage, ExecutionLiveState, ExecutionSettings } from "./execution-parts.js";
import type { NodeData } from "./node-data.js";

export type { ExecutionPhase, NodePhase, CacheStatus } from "../phases.js";

import type { ErrorInfo } from "../rules/failure.js";

/**
 * The kinds of registered entity.
 *
 * @example
 * ```ts
 * const kinds: RegisteredKind[] = ["task", "workflow", "launchPlan"];
 * await store.listEntities("workflow");
 * ```
 */
export type RegisteredKind = "task" | "workflow" | "launchPlan";

/**
 * Flyte's identity of a registered entity.
 *
 * @example
 * ```ts
 * const key: EntityKey = { project: "aloft", domain: "development", name: "regression", version: "3f2a9c1e" };
 * await store.getEntity("workflow", key);
 * ```
 */
export interface EntityKey {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
  readonly version: string;
}

/**
 * A registered entity: its compiled spec, immutable once stored.
 *
 * @example
 * ```ts
 * const spec = compile(wf, { version: "v1" });
 * await store.registerEntity({ kind: "workflow", key, spec, digest: specDigest(spec), createdAt: Date.now() }); // "created"
 * ```
 */
export interface RegisteredEntity {
  readonly kind: RegisteredKind;
  readonly key: EntityKey;
  /** The flyteidl admin spec (`TaskSpec`, `WorkflowSpec`, `LaunchPlanSpec`) in protobufjs object form. */
  readonly spec: unknown;
  /** A hash of the canonical spec: registering the same digest again is a no-op, another digest is a conflict. */
  readonly digest: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/**
 * A stored execution.
 *
 * @example
 * ```ts
 * const row: ExecutionRow | undefined = await store.getExecution(id);
 * if (row?.phase === "failed") console.log(row.error?.message, row.error?.nodeId);
 * if (row?.lineage.recoverOf) console.log(`recovers ${row.lineage.recoverOf}`);
 * ```
 */
export interface ExecutionRow {
  readonly id: string;
  readonly project: string;
  readonly domain: string;
  /** The workflow run. */
  readonly workflow: EntityKey;
  /** The launch plan it was started from, if any. */
  readonly launchPlan: EntityKey | undefined;
  readonly phase: ExecutionPhase;
  /** The inputs, as a flyteidl `LiteralMap` (values may be offloaded to the blob store). */
  readonly inputs: LiteralMap;
  /** The outputs once succeeded, as a `LiteralMap`. */
  readonly outputs: LiteralMap | undefined;
  /** Why it failed or was aborted. */
  /** Why it failed; `failure` is the error `engine.result()` throws, as plain data (`rules/failure.ts`). */
  readonly error: { readonly message: string; readonly nodeId?: string; readonly failure?: ErrorInfo } | undefined;
  /** How it runs, fixed at start: `maxParallelism`, `overwriteCache`, the modules of its tasks. */
  readonly settings: ExecutionSettings;
  /** Where it came from: the parent execution and node, the execution it relaunches or recovers, its schedule tick. */
  readonly lineage: ExecutionLineage;
  /** What the engine keeps while it runs (answers to gates not started yet). */
  readonly live: ExecutionLiveState;
  readonly createdAt: number;
  readonly startedAt: number | undefined;
  readonly endedAt: number | undefined;
  readonly updatedAt: number;
}

/**
 * A stored node execution, keyed by its path in the execution (`n1`, `n2/n0`, `n3[17]`).
 *
 * @example
 * ```ts
 * for (const n of await store.listNodes(id)) console.log(n.path, n.phase, n.attempts); // "n0" "succeeded" 1
 * ```
 */
export interface NodeRow {
  readonly executionId: string;
  readonly path: string;
  /** What the node runs, for people: `task "slope"`, `workflow "sub"`. */
  readonly entity: string;
  readonly phase: NodePhase;
  /** User attempts made (1 once started). */
  readonly attempts: number;
  /** Attempts lost to dead workers or expired leases, counted apart. */
  readonly systemAttempts: number;
  readonly cacheStatus: CacheStatus;
  readonly inputs: LiteralMap | undefined;
  readonly outputs: LiteralMap | undefined;
  readonly error: string | undefined;
  readonly startedAt: number | undefined;
  readonly endedAt: number | undefined;
  readonly updatedAt: number;
  /** State the engine keeps for the node's kind (chosen branch, map progress, child execution, ...), discriminated by `data.kind`. */
  readonly data: NodeData;
}

/**
 * Work for a worker: one attempt of one task.
 *
 * @example
 * ```ts
 * const item: TaskItem = { id: `${execId}|n0|1`, executionId: execId, path: "n0", attempt: 1, systemAttempts: 0, maxSystemAttempts: 3,
 *   task: key, inputs: { literals: {} }, options: { taskDigest }, readyAt: Date.now() };
 * await store.commit({ consumed: [event.id], enqueue: [item] });
 * ```
 */
export interface TaskItem {
  readonly id: string;
  readonly executionId: string;
  readonly path: string;
  /** The user attempt this is (1-based). */
  readonly attempt: number;
  /** How many leases on this attempt were lost so far. */
  readonly systemAttempts: number;
  /** How many leases may be lost before the attempt fails as a system error. */
  readonly maxSystemAttempts: number;
  /** The registered task to run. */
  readonly task: EntityKey;
  /** The inputs, as a `LiteralMap`. */
  readonly inputs: LiteralMap;
  /** What else the worker needs: the task's digest, timeout, cache policy, ... */
  readonly options: TaskItemOptions;
  /** Not handed out before this time (backoff). */
  readonly readyAt: number;
}

/**
 * A task item handed to a worker, with its lease.
 *
 * @example
 * ```ts
 * const [item] = await store.claimTasks("worker-1", 1, 30_000, Date.now());
 * if (item) await store.heartbeat(item.id, item.leaseToken, 30_000, Date.now());
 * ```
 */
export interface ClaimedTask extends TaskItem {
  /** Proof of the lease: heartbeats and results must carry it. */
  readonly leaseToken: string;
  readonly leaseExpiresAt: number;
  /**
   * Claimed ahead of a free slot (`claimTasks`' `ahead`, a grant with `started: false`): the store takes its
   * attempt as not started until the worker says it started (`heartbeat` with `started`), so a lease that runs
   * out before then gives the item back counting no system attempt.
   */
  readonly ahead?: boolean;
}

/**
 * An event in the engine's inbox, applied to one execution in order.
 *
 * @example
 * ```ts
 * for (const e of await store.dueEvents(Date.now(), 100)) console.log(e.id, e.executionId, e.body.type);
 * ```
 */
export interface InboxEvent {
  /** Increasing: events are applied in id order. */
  readonly id: number;
  readonly executionId: string;
  /** Not applied before this time (timers). */
  readonly dueAt: number;
  /** The event, for the engine's state machine. */
  readonly body: EngineEvent;
}

/**
 * A new event to add.
 *
 * @example
 * ```ts
 * await store.addEvents([{ executionId: id, body: { type: "abort", reason: "by hand" } }]);
 * ```
 */
export interface NewEvent {
  readonly executionId: string;
  /** Not applied before this time; absent: due at once (0, or `now` where the method is given one). */
  readonly dueAt?: number;
  readonly body: EngineEvent;
}

/**
 * A cached task result.
 *
 * @example
 * ```ts
 * const hit: CacheEntry | undefined = await store.getCached(key);
 * if (hit) console.log(hit.task, hit.version, hit.outputs);
 * ```
 */
export interface CacheEntry {
  readonly key: string;
  readonly task: string;
  readonly version: string;
  /** The outputs, as a `LiteralMap`. */
  readonly outputs: LiteralMap;
  readonly createdAt: number;
}

/**
 * Which cached results `clearCache` removes: all, one task's, or one cache version of one task.
 *
 * @example
 * ```ts
 * await store.clearCache({ task: "slope", version: "1" }); // 3
 * ```
 */
export interface CacheFilter {
  /** The task's name (`task({ name })`). */
  readonly task?: string;
  /** Its cache version (`cache: { version }`); only with `task`. */
  readonly version?: string;
}

/**
 * One step of the engine, applied atomically by `commit`.
 *
 * @example
 * ```ts
 * const step: StepCommit = { consumed: [event.id], executions: [{ ...row, phase: "running", updatedAt: now }] };
 * await store.commit(step);
 * ```
 */
export interface StepCommit {
  /** Inbox events this step consumed. */
  readonly consumed: readonly number[];
  /** Executions created (child executions of launch-plan nodes, relaunches). */
  readonly createExecutions?: readonly ExecutionRow[];
  /** Executions changed: the full new rows. */
  readonly executions?: readonly ExecutionRow[];
  /** Node executions created or changed: the full new rows. */
  readonly nodes?: readonly NodeRow[];
  /** Task attempts made ready. */
  readonly enqueue?: readonly TaskItem[];
  /** Task items withdrawn (abort, fail-fast): their leases stop, their results are ignored. */
  readonly cancelTasks?: readonly { readonly executionId: string; readonly path: string }[];
  /** Events for later (timers) or for other executions (a child telling its parent). */
  readonly events?: readonly NewEvent[];
  /** Results to cache. */
  readonly cachePut?: readonly CacheEntry[];
  /**
   * Task items whose results this step applies itself: a worker of the engine's own process handed the
   * result straight to the engine instead of reporting it with `finishTask` (no inbox event). Each is removed,
   * and must still be held under that lease token, as `finishTask` would accept it (a lease that expired but
   * was not taken over still counts); otherwise the step is refused (`StoreConflictError` "leaseLost") and the
   * result is not recorded.
   */
  readonly finished?: readonly HeldTask[];
  /**
   * Leases on items this step enqueues, given in the step itself: the engine hands them straight to a worker
   * of its own process, with no claim. Each names an item of this step's `enqueue` (else the step is refused,
   * `StoreConflictError` "taskItemMissing"), which is stored leased to `owner` under `leaseToken` until
   * `leaseExpiresAt`, as a claim would have left it (no system attempt counted).
   */
  readonly leased?: readonly TaskLeaseGrant[];
  /**
   * The engine committing and the ownership it holds of every execution the
   * step touches: the step is refused (`StoreConflictError` "fenced") unless
   * each is still owned by that engine with that epoch. Executions the step
   * creates become the engine's, at epoch 1.
   */
  readonly fence?: { readonly engineId: string; readonly executions: readonly Ownership[] };
}

/**
 * A task item as its worker holds it: the item and the token of its lease.
 *
 * @example
 * ```ts
 * const held: HeldTask = { itemId: item.id, leaseToken: item.leaseToken };
 * await store.commit({ consumed: [], finished: [held], nodes: [succeededNode] });
 * ```
 */
export interface HeldTask {
  readonly itemId: string;
  readonly leaseToken: string;
}

/**
 * A lease given on an item in the step that enqueues it (`StepCommit.leased`).
 *
 * @example
 * ```ts
 * const grant: TaskLeaseGrant = { itemId: item.id, owner: "h-42-ab12/pool", leaseToken: randomUUID(), leaseExpiresAt: now + 30_000 };
 * await store.commit({ consumed: [event.id], enqueue: [item], leased: [grant] });
 * ```
 */
export interface TaskLeaseGrant extends HeldTask {
  /** The worker it is leased to (its `workerId`). */
  readonly owner: string;
  readonly leaseExpiresAt: number;
  /**
   * Whether its attempt starts at once (the default), or waits in the worker behind others (`false`: leased ahead
   * of a free slot, as `claimTasks`' `ahead`; it counts as started once the worker's `heartbeat` says so).
   */
  readonly started?: boolean;
}

/**
 * An engine's ownership of one execution: only the owner steps it, and its
 * epoch goes up each time another engine takes it over, so a step made from
 * a stale copy is refused (fencing).
 *
 * @example
 * ```ts
 * const owned: Ownership[] = await store.acquireExecutions("engine-a", ["e1"], Date.now()); // [{ executionId: "e1", epoch: 1 }]
 * ```
 */
export interface Ownership {
  readonly executionId: string;
  readonly epoch: number;
}

/**
 * An engine as it registered itself; it is alive while its lease runs.
 *
 * @example
 * ```ts
 * await store.renewEngine({ id: "h-42-ab12", pid: 42, host: "h", command: "aloft serve", since: Date.now() }, 15_000, Date.now());
 * ```
 */
export interface EngineRecord {
  /** Its name; the workers in its process lease task items as `<id>/...`. */
  readonly id: string;
  readonly pid: number;
  readonly host: string;
  /** The command line of its process. */
  readonly command: string;
  /** When it started (ms since the epoch). */
  readonly since: number;
  /** Its lease: it counts as dead from this time on. */
  readonly expiresAt: number;
}

/**
 * Filters for listing executions.
 *
 * @example
 * ```ts
 * await store.listExecutions({ workflowName: "regression", phase: "failed", createdAfter: Date.now() - 86_400_000 }, { limit: 20 });
 * ```
 */
export interface ExecutionFilter {
  readonly project?: string;
  readonly domain?: string;
  /** Executions of this workflow name. */
  readonly workflowName?: string;
  /** Executions started from this launch plan name. */
  readonly launchPlanName?: string;
  readonly phase?: ExecutionPhase;
  /** Created at or after this time (inclusive). */
  readonly createdAfter?: number;
  /** Created before this time (exclusive). */
  readonly createdBefore?: number;
  /** Child executions of this execution. */
  readonly parentId?: string;
}

/**
 * A page of a listing: newest first.
 *
 * @example
 * ```ts
 * let page: Page<ExecutionRow> = await store.listExecutions({}, { limit: 50 });
 * while (page.next) page = await store.listExecutions({}, { limit: 50, cursor: page.next });
 * ```
 */
export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly next: string | undefined;
}

/**
 * What a worker reports when it finishes an attempt (becomes an inbox event for the execution).
 *
 * @example
 * ```ts
 * await store.finishTask(item.id, item.leaseToken, { body: { type: "taskSucceeded", path: item.path, attempt: item.attempt, outputs } }, Date.now());
 * ```
 */
export interface TaskResult {
  readonly body: TaskResultEvent;
}

/**
 * One result of a batch given to `finishTasks`: the item, the token of the lease it was run under, and what it gave.
 *
 * @example
 * ```ts
 * const report: TaskReport = { itemId: item.id, leaseToken: item.leaseToken, result: { body: { type: "taskSucceeded", path: item.path, attempt: item.attempt, outputs } } };
 * const [accepted] = await store.finishTasks([report], Date.now());
 * ```
 */
export interface TaskReport {
  readonly itemId: string;
  readonly leaseToken: string;
  readonly result: TaskResult;
}

/**
 * An item a worker gives back with `releaseTasks`: the item, the token of its lease, and whether its attempt
 * started (a child began to run it, or to prepare its cache key).
 *
 * @example
 * ```ts
 * const release: TaskRelease = { itemId: item.id, leaseToken: item.leaseToken, started: false };
 * const [given] = await store.releaseTasks([release], Date.now());
 * ```
 */
export interface TaskRelease {
  readonly itemId: string;
  readonly leaseToken: string;
  readonly started: boolean;
}

/**
 * The store port.
 *
 * @example
 * ```ts
 * const store: Store = await openSqliteStore(".aloft/aloft.db");
 * await store.registerEntity({ kind: "task", key, spec, digest, createdAt: Date.now() });
 * ```
 */
export interface Store {
  /** Registers an entity. Resolves `"created"` or `"exists"` (same digest); rejects with `RegistryConflictError` for another digest under the same key. */
  registerEntity(entity: RegisteredEntity): Promise<"created" | "exists">;
  /** One registered entity, or undefined. */
  getEntity(kind: RegisteredKind, key: EntityKey): Promise<RegisteredEntity | undefined>;
  /** Registered entities of a kind, filtered, ordered by name then creation. */
  listEntities(kind: RegisteredKind, filter?: { readonly project?: string; readonly domain?: string; readonly name?: string }): Promise<RegisteredEntity[]>;

  /**
   * Creates an execution and its first event, atomically; rejects with `DuplicateExecutionError` if the id exists.
   * With `owner` (the id of the running engine creating it, which will step it), the execution is created owned by
   * that engine at epoch 1, as a child execution a fenced commit creates is, so that engine needs no
   * `acquireExecutions` for it; without, it is owned by no engine until one acquires it.
   */
  createExecution(row: ExecutionRow, first: NewEvent, owner?: string): Promise<void>;
  /** One execution, or undefined. */
  getExecution(id: string): Promise<ExecutionRow | undefined>;
  /** Executions, newest first, one page at a time (`limit` 1..1000). */
  listExecutions(filter: ExecutionFilter, page: { readonly limit: number; readonly cursor?: string }): Promise<Page<ExecutionRow>>;
  /**
   * The node executions of an execution, ordered by start time (not started last) then path. The elements of
   * a map task (`<map>[i]`) are kept apart from its row and read back with its entity, kind and task run; a
   * map's `next`, `inFlight`, `succeeded` and `failed` are counted from its elements, whatever its row was
   * written with, and its inputs are those it was first written with (`store/map-elements.ts`).
   */
  listNodes(executionId: string): Promise<NodeRow[]>;

  /** Events due at `now` and not consumed, in id order (at most `limit`). */
  dueEvents(now: number, limit: number): Promise<InboxEvent[]>;
  /** The earliest `dueAt` of the events not consumed yet, if any (so the engine knows when to wake); in the past when some are due already. */
  nextEventDue(): Promise<number | undefined>;
  /** Adds events (signals, abort requests, timers) outside a step. */
  addEvents(events: readonly NewEvent[]): Promise<void>;
  /** The events of one execution not consumed yet, due or not, in id order (answers to gates given but not yet applied). */
  pendingEvents(executionId: string): Promise<InboxEvent[]>;
  /**
   * Applies one engine step atomically, in this order: consumed events, `finished`
   * items, created and changed executions, nodes, `cancelTasks` (before the step's own
   * `enqueue`), `enqueue`, `leased`, events, `cachePut` (replacing an entry of the same key).
   * Rejects, writing nothing, with `StoreConflictError` (an event unknown or
   * already consumed, a finished item's lease lost, an execution unknown, a task item
   * id taken, a lease on an item the step does not enqueue, an element of a map task
   * whose map row is neither stored nor in the step) or `DuplicateExecutionError`.
   */
  commit(step: StepCommit): Promise<void>;
  /**
   * Group commit: applies groups of steps in one transaction, so that many
   * steps cost one durable write. Each group (the steps of one execution, in
   * order) lands whole or not at all: a group that `commit` would refuse
   * (`StoreConflictError`, `DuplicateExecutionError`) is rolled back alone,
   * and its error is returned in its place (undefined for a group applied).
   * Any other failure rejects the whole call, writing nothing.
   */
  commitGroups(groups: readonly (readonly StepCommit[])[]): Promise<(Error | undefined)[]>;

  /**
   * Claims up to `limit` ready task items for `workerId`, each with a lease of
   * `leaseMs`. The last `ahead` (default 0) of the `limit` asked for are claimed
   * ahead of a free slot (`ClaimedTask.ahead`): their attempts count as started
   * only once a `heartbeat` says so; the others count as started at once. An item
   * whose lease expired after its attempt started is handed out again with
   * `systemAttempts` one higher (one that never started, with it unchanged); an
   * item that has lost `maxSystemAttempts` leases is not handed out but turned,
   * in the same operation, into a `taskSystemFailed` event for its execution.
   */
  claimTasks(workerId: string, limit: number, leaseMs: number, now: number, ahead?: number): Promise<ClaimedTask[]>;
  /**
   * Extends a live lease (its token, not expired) to `now + leaseMs`, and with `started` records that its attempt
   * started (an item claimed ahead); false when the lease expired or was lost or the item withdrawn (the worker
   * must stop the attempt).
   */
  heartbeat(itemId: string, leaseToken: string, leaseMs: number, now: number, started?: boolean): Promise<boolean>;
  /** Removes a leased item and adds its result event (due at `now`), atomically; false (and nothing written) when the lease was lost: the item was withdrawn or leased again to another worker (a late result whose lease expired but was not taken over is still accepted). */
  finishTask(itemId: string, leaseToken: string, result: TaskResult, now: number): Promise<boolean>;
  /**
   * `finishTask` for many results in one transaction (one durable write for the batch), in order: resolves to
   * whether each was accepted, as `finishTask` would have answered it at that point. A report that is refused
   * writes nothing and does not stop the others; any other failure rejects the whole call, writing nothing.
   */
  finishTasks(reports: readonly TaskReport[], now: number): Promise<boolean[]>;
  /**
   * A worker that stops gives back the items it holds, in one transaction, so that others run them at once
   * instead of after their leases. An item whose attempt never `started` is unleased as if never claimed (no
   * system attempt counted); one whose attempt started and was cut short has its lease end at `now`, so the
   * next claim hands it out as a lost lease (a system attempt, as after a crash). Resolves to whether each was
   * still held under that token (false, and nothing written, when the lease was lost or the item is gone).
   */
  releaseTasks(releases: readonly TaskRelease[], now: number): Promise<boolean[]>;

  /** A cached result, or undefined. */
  getCached(key: string): Promise<CacheEntry | undefined>;
  /**
   * Removes cached results, atomically: every one, or those of one task
   * (`task`), or of one cache version of it (`task` and `version`; a version
   * alone is refused with a `RangeError`, since versions are per task).
   * Resolves to how many were removed. Locks are left alone.
   */
  clearCache(filter?: CacheFilter): Promise<number>;
  /** Takes the lock of a cache key for `owner` until `now + ttlMs`; false while someone else holds a live lock. */
  lockCacheKey(key: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
  /** Releases a cache key lock held by `owner`. */
  unlockCacheKey(key: string, owner: string): Promise<void>;

  /** Records that schedule `schedule` fired for `tickAt`; true only the first time for that tick. */
  claimScheduleTick(schedule: string, tickAt: number): Promise<boolean>;
  /** The latest tick recorded for a schedule. */
  lastScheduleTick(schedule: string): Promise<number | undefined>;

  /** Records engine `engine.id`, or renews its lease, until `now + leaseMs`. */
  renewEngine(engine: Omit<EngineRecord, "expiresAt">, leaseMs: number, now: number): Promise<void>;
  /** The engines whose lease runs at `now`, oldest first. */
  liveEngines(now: number): Promise<EngineRecord[]>;
  /**
   * Due events (as `dueEvents`) of the executions `engineId` owns or that no
   * live engine owns (never owned, released, or the owner's lease expired at `now`).
   */
  dueEventsFor(engineId: string, now: number, limit: number): Promise<InboxEvent[]>;
  /**
   * Takes ownership of those of `executionIds` that no live engine owns,
   * each one epoch higher; resolves to the ownership `engineId` holds of
   * them now (taken, or already its own; not those another live engine owns).
   * Engines found dead are cleared up in the same operation: their executions
   * freed, and the task items their workers leased (lease owner
   * `<engine id>/...`) handed out again at once, each a lost lease (if its attempt started; see `claimTasks`).
   */
  acquireExecutions(engineId: string, executionIds: readonly string[], now: number): Promise<Ownership[]>;
  /**
   * Ends the lease of every engine but `keep` at once, cleared up as
   * `acquireExecutions` clears up dead ones; for a caller that knows they are
   * gone (it holds the SQLite file's engine lock). Resolves to their ids.
   */
  retireEngines(keep: string, now: number): Promise<string[]>;
  /** An engine stops: its executions are freed (another engine takes them at once) and its record removed. */
  releaseEngine(engineId: string): Promise<void>;

  /** Releases the store's resources. */
  close(): Promise<void>;
}
