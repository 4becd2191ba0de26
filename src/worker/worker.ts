/**
 * The worker: claims ready task attempts from the store with a lease, runs
 * them on its pool of child processes (up to its concurrency at once),
 * heartbeats while they run, serves and populates the cache, and reports
 * each result.
 *
 * A worker never reports an attempt whose lease it lost (the store withdrew
 * the item, or another worker took it over): it aborts the attempt instead.
 * An attempt cut short by a dead worker is run again by another (tasks should
 * be idempotent, as in Flyte).
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { AloftError } from "../errors.js";
import type { LiteralMap } from "../idl/core.js";
import type { TaskItemOptions } from "../engine/events.js";
import type { CacheEntry, ClaimedTask, TaskRelease, TaskReport } from "../store/store.js";
import type { WorkQueue } from "./work-queue.js";
import type { BlobStore } from "../store/blob-store.js";
import type { AttemptLogStore } from "../store/attempt-logs.js";
import { AttemptLog } from "./attempt-log.js";
import { inflate, offloadLarge } from "../engine/offload.js";
import type { AttemptResult } from "./attempt.js";
import { WorkerPool, type AttemptPool, type PoolSlot } from "./pool.js";
import { InProcessPool } from "./in-process-pool.js";
import type { LoadedModule } from "./resolver.js";
import { CacheLocks, type CacheLock } from "./cache-locks.js";
import type { Wakeups } from "../store/wakeups.js";
import type { FileTransfer } from "./file-transfer.js";
import { Reporter } from "./reporter.js";

/** Options of `startWorker`. */
export interface WorkerOptions {
  /** The store the engine uses (the same SQLite file, or the engine's own store object in an embedded setup), or a `RemoteQueue` through the server. */
  readonly store: WorkQueue;
  /** The user's modules (TypeScript or JavaScript) that define the tasks, relative to `cwd`. */
  readonly modules: readonly string[];
  /** How many attempts run at once: the number of child processes. */
  readonly concurrency: number;
  /** The worker's name in leases (default: host, pid and a random suffix). */
  readonly workerId?: string;
  /** How long a lease lasts without a heartbeat (default 30 s); heartbeats go every third of it. */
  readonly leaseMs?: number;
  /** How long to wait between claims when nothing is ready (default 100 ms; with `wakeups`, 1 s: a safety net only); `wake()` claims at once. */
  readonly pollMs?: number;
  /** Wake-ups from other processes (work enqueued by an engine elsewhere): the worker claims at once instead of at its next poll. */
  readonly wakeups?: Wakeups;
  /** How much work to claim beyond the free slots, in milliseconds of attempts per slot as recent attempts ran (default 20; see `AHEAD_MS`). */
  readonly claimAheadMs?: number;
  /** How long an aborted attempt may take to end before its process is killed (default 1000 ms). */
  readonly graceMs?: number;
  /** The directory module paths are relative to (default `process.cwd()`). */
  readonly cwd?: string;
  /** The blob store's directory, where tasks create files (`ctx.blobs`); default `.aloft/blobs` under `cwd`. */
  readonly blobDir?: string;
  /** Where problems are reported, one line each (default: stderr). */
  readonly log?: (line: string) => void;
  /** Where what task code writes to stdout goes, in the pool's child processes: this process's stdout (the default) or its stderr. */
  readonly taskStdout?: "stdout" | "stderr";
  /**
   * Called after each result is handed to the store (`accepted` false when the lease was lost meanwhile), or
   * taken by the `direct` engine (`direct` true): an embedded engine wakes up on the former.
   */
  readonly onReport?: (report: { readonly item: ClaimedTask; readonly result: AttemptResult; readonly accepted: boolean; readonly direct: boolean }) => void;
  /**
   * The engine of this process, when the worker runs beside it: each result goes to it first
   * (`Engine.deliver`), which applies it in its next step and removes the item in the same commit; a result
   * it does not take is reported to `store` as usual. The engine hands the worker work with `take`.
   */
  readonly direct?: DirectEngine;
  /** Where large input and output values live (the engine's value store); without it, values are inline only. */
  readonly values?: BlobStore;
  /** Where each attempt is recorded with what its task wrote to stdout and stderr (`aloft logs`, the console); without it, nothing is kept. */
  readonly logs?: Pick<AttemptLogStore, "put">;
  /** Moves each attempt's input and output files (a worker through the server); without it, files are local. */
  readonly files?: FileTransfer;
  /**
   * Run the attempts in this process, with these modules already loaded,
   * instead of child processes: the same attempt code, faster to start, but a
   * task that ignores its timeout or crashes is not isolated (`modules` is
   * then only named in messages). For tests and embedded use.
   */
  readonly inProcess?: readonly LoadedModule[];
}

/**
 * The engine of a worker's own process, taking the worker's results straight into its steps (`Engine.deliver`).
 *
 * @example
 * ```ts
 * const worker = await startWorker({ store, modules: ["flows.ts"], concurrency: 2, direct: engine });
 * ```
 */
export interface DirectEngine {
  /** Resolves `accepted` once a step that applied the result has committed, `unhandled` when the engine did not take it (the worker then reports it to the store). */
  deliver(report: TaskReport, executionId: string): Promise<"accepted" | "unhandled">;
}

/** A running worker. */
export interface WorkerHandle {
  /** The worker's name in leases. */
  readonly workerId: string;
  /** How many claimed attempts are in hand. */
  active(): number;
  /** The process ids of the child processes running task code. */
  pids(): number[];
  /** Claims at once instead of waiting for the next poll (an embedded engine calls it after enqueuing work). */
  wake(): void;
  /**
   * Stops claiming and waits for the attempts in hand to finish and be
   * reported (drain); with `hard`, kills them instead, unreported, and gives
   * them back to the store (`releaseTasks`: handed out again at once, each a
   * lost lease). Either way, items claimed but not started are given back at
   * once, counting no attempt. Then ends the child processes.
   */
  stop(options?: { readonly hard?: boolean }): Promise<void>;
}

/**
 * A worker `startWorker` started in this process, which the engine of this process can hand work to directly
 * (`Engine.attachWorker`).
 *
 * @example
 * ```ts
 * const worker: LocalWorker = await startWorker({ store, modules: ["flows.ts"], concurrency: 2, direct: engine });
 * engine.attachWorker(worker);
 * ```
 */
export interface LocalWorker extends WorkerHandle {
  /** How long its leases last without a heartbeat. */
  readonly leaseMs: number;
  /** How many more items it would take now: its free slots and the work it claims ahead (0 once stopping). */
  wants(): number;
  /** How many of those it would start at once: its idle slots (0 once stopping); the others it takes ahead. */
  idle(): number;
  /**
   * Runs items already leased to it (by the engine of its process, in the commit that enqueued them) as if
   * it had claimed them; once stopping, gives them back at once instead (`releaseTasks`, no attempt counted).
   * With `landed`, that commit is still under way: the attempts run now, and `landed` names the items whose
   * lease it made durable. Only their results are reported (after it resolves); the others' attempts are
   * abandoned (aborted if running), neither reported nor given back, as they never held a lease.
   */
  take(items: readonly ClaimedTask[], landed?: Promise<ReadonlySet<string>>): void;
}

/**
 * A worker option is not valid.
 *
 * @example
 * ```ts
 * await startWorker({ store, modules: [], concurrency: 2 }); // rejects: WorkerOptionError
 * ```
 */
export class WorkerOptionError extends AloftError {
  override name = "WorkerOptionError";
}

interface Running {
  readonly item: ClaimedTask;
  /** The lease was lost, or the worker stops hard: the attempt is abandoned, its result not reported. */
  abandoned: boolean;
  /** A child took the attempt (to run it, or to prepare its cache key): given back on a hard stop as a lost lease. */
  started: boolean;
  /** Claimed ahead (`ClaimedTask.ahead`): the store counts its attempt as started once a heartbeat says so. */
  marked: boolean;
  /** The heartbeat that records the start of an attempt claimed ahead, once it has run `START_MARK_MS`. */
  markTimer: NodeJS.Timeout | undefined;
  slot: PoolSlot | undefined;
  /** A cache key lock held for this attempt. */
  lock: CacheLock | undefined;
  /** What the attempt's task writes, and when it started. */
  readonly log: AttemptLog;
  /** Handed over before the commit that leases it landed: resolves whether that lease landed (`LocalWorker.take`). */
  readonly landed?: Promise<boolean>;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * How much work a worker claims beyond its free slots: about this many milliseconds of it per slot, judged by
 * how long its recent attempts held a slot (none at all for attempts that take longer). Claiming a batch costs
 * one transaction where claiming per freed slot costs one per attempt, and the children go from one attempt
 * to the next without waiting on the store; holding no more than this keeps the work with idle workers elsewhere.
 */
const AHEAD_MS = 20;
/** The most items claimed beyond the slots. */
const MAX_AHEAD = 64;
/**
 * How long an attempt claimed ahead runs before its worker records in the store that it started (a heartbeat
 * with `started`): until then a lease that runs out (the worker died) gives it back counting no system attempt.
 * Attempts claimed ahead are short ones, most of which end sooner, so recording their start costs no write; the
 * price is that one whose worker dies within this time of its start is not counted either.
 */
const START_MARK_MS = 50;

function describeItem(item: ClaimedTask): string {
  return `task ${JSON.stringify(item.task.name)} (execution ${item.executionId}, node ${item.path}, attempt ${item.attempt})`;
}

function checkOptions(o: WorkerOptions): void {
  if (typeof o !== "object" || o === null) throw new WorkerOptionError("startWorker takes an options object, like startWorker({ store, modules: ['flows.ts'], concurrency: 4 })");
  if (typeof o.store?.claimTasks !== "function") throw new WorkerOptionError("startWorker needs a store: startWorker({ store: await openSqliteStore(file), ... })");
  if (!Array.isArray(o.modules) || o.modules.length === 0 || o.modules.some((m) => typeof m !== "string" || m === "")) {
    throw new WorkerOptionError("startWorker needs the modules that define the tasks, as file paths: modules: ['flows.ts']");
  }
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 1000) throw new WorkerOptionError(`concurrency must be an integer from 1 to 1000, got ${String(o.concurrency)}`);
  for (const name of ["leaseMs", "pollMs", "graceMs", "claimAheadMs"] as const) {
    const v = o[name];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v <= 0)) throw new WorkerOptionError(`${name} must be a number of milliseconds above 0, got ${String(v)}`);
  }
  if (o.workerId !== undefined && (typeof o.workerId !== "string" || o.workerId === "")) throw new WorkerOptionError(`workerId must be a non-empty string, got ${String(o.workerId)}`);
}

class Worker implements LocalWorker {
  readonly workerId: string;
  private readonly store: WorkQueue;
  private readonly concurrency: number;
  readonly leaseMs: number;
  private readonly direct: DirectEngine | undefined;
  private readonly pollMs: number;
  private readonly claimAheadMs: number;
  private readonly log: (line: string) => void;
  private readonly onReport: WorkerOptions["onReport"];
  private readonly values: BlobStore | undefined;
  private readonly logs: Pick<AttemptLogStore, "put"> | undefined;
  private readonly files: FileTransfer | undefined;
  private readonly running = new Map<string, { state: Running; done: Promise<void> }>();
  private readonly cache: CacheLocks;
  private readonly reporter: Reporter;
  private stopping = false;
  private hard = false;
  private woken = false;
  /**
   * Work may be waiting beyond the free slots: the last claim took all it asked for, or a wake-up came while
   * every slot was busy. Only then does a slot that frees claim at once; otherwise the queue was empty at the
   * last claim, and new work wakes the worker (`wake()`, its wake-ups), so a freed slot does not ask in vain.
   */
  private backlog = false;
  private wakeUp: (() => void) | undefined;
  private readonly loopDone: Promise<void>;
  private stopped: Promise<void> | undefined;
  private claimProblem: string | undefined;
  /** Items claimed whose attempt has not run yet (waiting for a slot, or on one). */
  private unrun = 0;
  /** How long attempts run, on average (recent ones weigh most; as the slots measure it); undefined before the first. */
  private slotMs: number | undefined;

  constructor(
    options: WorkerOptions,
    private readonly pool: AttemptPool,
  ) {
    this.workerId = options.workerId ?? `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.store = options.store;
    this.concurrency = options.concurrency;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? (options.wakeups ? 1000 : 100);
    this.claimAheadMs = options.claimAheadMs ?? AHEAD_MS;
    this.log = options.log ?? ((line) => process.stderr.write(`aloft worker: ${line}\n`));
    this.onReport = options.onReport;
    this.direct = options.direct;
    this.values = options.values;
    this.logs = options.logs;
    this.files = options.files;
    this.cache = new CacheLocks(this.store, this.leaseMs, this.log);
    this.reporter = new Reporter(this.store, () => this.hard);
    options.wakeups?.on("work", () => this.wake());
    this.loopDone = this.loop();
  }

  active(): number {
    return this.running.size;
  }

  pids(): number[] {
    return this.pool.pids();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  wants(): number {
    if (this.stopping) return 0;
    return Math.max(0, this.concurrency + this.ahead() - this.unrun);
  }

  idle(): number {
    if (this.stopping) return 0;
    return Math.max(0, this.concurrency - this.unrun);
  }

  take(items: readonly ClaimedTask[], landed?: Promise<ReadonlySet<string>>): void {
    const confirmed = landed && this.withinLease(landed);
    const landedOf = (item: ClaimedTask): { landed?: Promise<boolean> } => (confirmed ? { landed: confirmed.then((ids) => ids.has(item.id)) } : {});
    if (this.stopping) {
      void this.release(items.map((item) => ({ item, abandoned: true, started: false, marked: true, markTimer: undefined, slot: undefined, lock: undefined, log: new AttemptLog(Date.now()), ...landedOf(item) })));
      return;
    }
    for (const item of items) this.start(item, landedOf(item).landed);
  }

  stop(options: { readonly hard?: boolean } = {}): Promise<void> {
    this.stopping = true;
    // What was claimed ahead and not started goes back at once, counting no attempt: others run it now.
    const unstarted = this.giveBack((s) => !s.started);
    let cut: Promise<void> = Promise.resolve();
    if (options.hard && !this.hard) {
      this.hard = true;
      const inHand = [...this.running.values()].filter((r) => !r.state.abandoned);
      for (const { state } of inHand) state.abandoned = true;
      void this.pool.close({ hard: true });
      // The attempts cut short go back once they have ended (a result reported meanwhile stands): each a lost lease, handed out at once.
      cut = Promise.all(inHand.map((r) => r.done)).then(() => this.release(inHand.map((r) => r.state)));
    }
    this.wake();
    const drained = (this.stopped ??= this.drain());
    return Promise.all([unstarted, cut, drained]).then(() => undefined);
  }

  /** Abandons the attempts in hand that `which` picks and gives their items back. */
  private giveBack(which: (state: Running) => boolean): Promise<void> {
    const picked = [...this.running.values()].filter((r) => !r.state.abandoned && which(r.state));
    for (const { state } of picked) {
      state.abandoned = true;
      state.slot?.abort("stop"); // one waiting in a child behind another attempt is withdrawn from it
    }
    // One sent to a child goes back once the child has answered: dropped unstarted (no attempt counted), or taken
    // up before the abort reached it (\`started\`: a lost lease, counted), so nothing given back runs twice unseen.
    const inChild = picked.filter((r) => r.state.slot !== undefined);
    const elsewhere = picked.filter((r) => r.state.slot === undefined).map((r) => r.state);
    return Promise.all([this.release(elsewhere), ...inChild.map((r) => r.done.then(() => this.release([r.state])))]).then(() => undefined);
  }

  /** `landed`, or no lease at all once a lease's length has passed unconfirmed (such a lease has run out: its item is anyone's). */
  private withinLease(landed: Promise<ReadonlySet<string>>): Promise<ReadonlySet<string>> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<ReadonlySet<string>>((resolve) => {
      timer = setTimeout(() => resolve(new Set()), this.leaseMs);
      timer.unref();
    });
    return Promise.race([landed.finally(() => clearTimeout(timer)), expired]);
  }

  /**
   * Gives items back to the store (`releaseTasks`); one that fails is reported: its lease then expires as after a
   * crash. One whose lease is still landing is given back once it has landed, and not at all if it did not.
   */
  private async release(states: readonly Running[]): Promise<void> {
    if (states.length === 0) return;
    const held = await Promise.all(states.map((s) => s.landed ?? Promise.resolve(true)));
    const releases: TaskRelease[] = states.filter((_, i) => held[i]).map((s) => ({ itemId: s.item.id, leaseToken: s.item.leaseToken, started: s.started }));
    if (releases.length === 0) return;
    try {
      await this.store.releaseTasks(releases, Date.now());
    } catch (e) {
      this.log(`cannot give back ${String(releases.length)} claimed item(s) on stopping: ${message(e)}; their leases will expire and they run elsewhere then`);
    }
  }

  private async drain(): Promise<void> {
    await this.loopDone;
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
    await this.cache.releaseAll();
    await this.pool.close({ hard: this.hard });
  }

  /** Waits up to `ms`, or until woken (a slot freed, `wake()`, `stop()`). */
  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }

  /** Items to claim beyond the slots (see `AHEAD_MS`; `claimAheadMs` sets it). */
  private ahead(): number {
    if (this.slotMs === undefined) return 0;
    return Math.min(MAX_AHEAD, Math.floor(this.claimAheadMs / Math.max(this.slotMs, 0.01)) * this.concurrency);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const woken = this.woken;
      this.woken = false;
      const capacity = this.concurrency + this.ahead();
      const free = capacity - this.unrun;
      let claimed: ClaimedTask[] = [];
      // Claimed when a slot is idle or half the work claimed ahead is done: one claim for many attempts.
      if (free > 0 && (this.unrun < this.concurrency || free * 2 >= capacity)) {
        try {
          // Beyond the idle slots, the items are claimed ahead: their attempts count as started only once they do.
          const ahead = free - Math.max(0, this.concurrency - this.unrun);
          claimed = await this.store.claimTasks(this.workerId, free, this.leaseMs, Date.now(), Math.max(0, ahead));
          this.claimProblem = undefined;
          this.backlog = claimed.length === free;
        } catch (e) {
          // One line per problem, not one per poll.
          const problem = `cannot claim tasks: ${message(e)}`;
          if (problem !== this.claimProblem) this.log(problem);
          this.claimProblem = problem;
        }
        // Claimed while stopping: not run, but given back at once (counting no attempt).
        if (this.stopping) await this.release(claimed.map((item) => ({ item, abandoned: true, started: false, marked: true, markTimer: undefined, slot: undefined, lock: undefined, log: new AttemptLog(Date.now()) })));
        else for (const item of claimed) this.start(item);
        if (claimed.length > 0 && claimed.length === free) continue;
      } else if (woken) {
        this.backlog = true;
      }
      await this.sleep(this.pollMs);
    }
  }

  private start(item: ClaimedTask, landed?: Promise<boolean>): void {
    const state: Running = { item, abandoned: false, started: false, marked: item.ahead !== true, markTimer: undefined, slot: undefined, lock: undefined, log: new AttemptLog(Date.now()), ...(landed ? { landed } : {}) };
    // A lease that did not land was never held: the attempt stops at once (its result would be refused).
    void landed?.then((ok) => {
      if (ok || state.abandoned) return;
      state.abandoned = true;
      state.slot?.abort("lost");
    });
    this.unrun++;
    // Keyed by lease, not item: an item leased again (its first lease never landed) may run while the first attempt,
    // abandoned, still ends; each is in hand, and seen by stop(), until it has.
    const key = `${item.id} ${item.leaseToken}`;
    const done = this.handle(state).finally(() => {
      this.running.delete(key);
      if (this.backlog || this.store.claimsWait === true) this.wake();
    });
    this.running.set(key, { state, done });
  }

  private async handle(state: Running): Promise<void> {
    const item = state.item;
    let beating = false;
    const heartbeat = setInterval(
      () => {
        if (beating) return;
        beating = true;
        void this.beat(state).finally(() => (beating = false));
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    let result: AttemptResult | undefined;
    try {
      try {
        result = await this.attempt(state);
      } finally {
        // Its start need not be recorded once it has ended: its result is on its way (or lost, and then it never counted).
        clearTimeout(state.markTimer);
        state.marked = true;
        this.unrun--;
        if (this.backlog || this.store.claimsWait === true) this.wake();
      }
      // Reported only under a lease that landed (one handed over with its commit under way waits for it).
      if (result && state.landed && !(await state.landed)) state.abandoned = true;
      if (result && !state.abandoned) {
        // Kept before the result is reported: once the node shows the outcome, its logs are there.
        await this.keepLog(state, result);
        await this.report(item, result);
      }
    } catch (e) {
      this.log(`${describeItem(item)}: ${message(e)}`);
    } finally {
      clearInterval(heartbeat);
      clearTimeout(state.markTimer);
      const lock = state.lock;
      if (lock) {
        if (result?.type === "taskSucceeded" && result.cacheStatus === "populated" && !state.abandoned) this.cache.releaseWhenCached(lock);
        else await this.cache.unlock(lock);
      }
    }
  }

  /** Extends the lease (and the cache lock); a lost lease abandons the attempt. */
  private async beat(state: Running): Promise<void> {
    if (state.abandoned || (state.landed && !(await state.landed))) return;
    const item = state.item;
    let alive: boolean;
    // An attempt claimed ahead that has started says so (the store counts a lease it loses from then on).
    const marking = !state.marked && state.started;
    try {
      alive = marking ? await this.store.heartbeat(item.id, item.leaseToken, this.leaseMs, Date.now(), true) : await this.store.heartbeat(item.id, item.leaseToken, this.leaseMs, Date.now());
      if (marking && alive) state.marked = true;
    } catch (e) {
      this.log(`cannot extend the lease of ${describeItem(item)}: ${message(e)}`);
      return;
    }
    if (!alive) {
      if (!state.abandoned) this.log(`${describeItem(item)} lost its lease (withdrawn, or taken over after a stall); stopping it`);
      state.abandoned = true;
      state.slot?.abort("lost");
      return;
    }
    if (state.lock) await this.cache.extend(state.lock, describeItem(item));
  }

  /**
   * Runs `use` with a child of the pool; undefined when the attempt was abandoned or the pool closed. While
   * attempts are short (as for claiming ahead), a busy child takes it to run next (`acquire({ queue })`), so the
   * children go from one attempt to the next without waiting on this process (busy with a commit, say).
   * `use` calls `started` when the child takes the attempt up.
   */
  private async withSlot<T>(state: Running, use: (slot: PoolSlot, started: () => void) => Promise<T>): Promise<T | undefined> {
    if (state.abandoned) return undefined;
    let slot: PoolSlot;
    try {
      slot = await this.pool.acquire({ queue: this.slotMs !== undefined && this.slotMs < AHEAD_MS });
    } catch {
      return undefined; // the pool closed: a hard stop
    }
    state.slot = slot;
    try {
      // Abandoned while waiting for the slot: given back on a stop, or the lease lost.
      if (state.abandoned) return undefined;
      return await use(slot, () => this.started(state));
    } finally {
      state.slot = undefined;
      const ms = slot.ranMs();
      slot.release();
      if (ms !== undefined) this.slotMs = this.slotMs === undefined ? ms : 0.9 * this.slotMs + 0.1 * ms;
    }
  }

  /** A child took the attempt up; one claimed ahead has its start recorded if it runs `START_MARK_MS`. */
  private started(state: Running): void {
    state.started = true;
    if (state.marked || state.markTimer !== undefined) return;
    state.markTimer = setTimeout(() => void this.beat(state), START_MARK_MS);
  }

  /** The result to report for an item: served from the cache, or run on a child. */
  private async attempt(state: Running): Promise<AttemptResult | undefined> {
    const result = await this.attemptInline(state);
    if (result?.type !== "taskSucceeded" || !this.values || result.cacheStatus === "hit") return result;
    return { ...result, outputs: await offloadLarge(result.outputs, this.values) };
  }

  /** The attempt, with its offloaded inputs read back. */
  private async attemptInline(state: Running): Promise<AttemptResult | undefined> {
    const item: ClaimedTask = this.values ? { ...state.item, inputs: await inflate(state.item.inputs as LiteralMap, this.values) } : state.item;
    const options = item.options as Partial<TaskItemOptions>;
    let key: string | undefined;
    // A dynamic workflow's outputs are those of the sub-workflow it builds, known only to the engine: it is not cached here.
    if (options.cache && !options.dynamic) {
      const prepared = await this.withSlot(state, (slot, started) => slot.prepare(item, started));
      if (!prepared) return undefined;
      if ("failure" in prepared) return prepared.failure;
      key = prepared.cacheKey;
      if (key !== undefined && options.overwriteCache !== true) {
        const hit = await this.cache.lookup(key, describeItem(item));
        if (hit) return this.hitResult(item, key, hit);
        if (options.cache.serialize) {
          const late = await this.cache.take(state, key, `${this.workerId}/${item.id}`, describeItem(item));
          if (late === "abandoned") return undefined;
          if (late) return this.hitResult(item, key, late);
        }
      }
    }
    const run = (local: ClaimedTask): Promise<AttemptResult | undefined> => this.withSlot(state, (slot, started) => slot.run(local, (lines) => state.log.add(lines), started));
    const result = this.files ? await this.files.around(item, run) : await run(item);
    if (result && key !== undefined && result.type === "taskSucceeded") return { ...result, cacheStatus: "populated", cacheKey: key };
    return result;
  }

  /** Records the attempt with what it wrote; a store that fails is reported and does not stop the result. */
  private async keepLog(state: Running, result: AttemptResult): Promise<void> {
    if (!this.logs) return;
    try {
      await this.logs.put(state.log.record(state.item, this.workerId, result, Date.now()));
    } catch (e) {
      this.log(`cannot keep the logs of ${describeItem(state.item)}: ${message(e)}`);
    }
  }

  private hitResult(item: ClaimedTask, key: string, entry: CacheEntry): AttemptResult {
    return { type: "taskSucceeded", path: item.path, attempt: item.attempt, outputs: entry.outputs as LiteralMap, cacheStatus: "hit", cacheKey: key };
  }

  /** Hands a result to the store, in a batch with the results that arrive close to it (`Reporter`). */
  private async report(item: ClaimedTask, result: AttemptResult): Promise<void> {
    const body = (item.systemAttempts > 0 ? { ...result, systemAttempts: item.systemAttempts } : result) as AttemptResult & Readonly<Record<string, unknown>>;
    const report: TaskReport = { itemId: item.id, leaseToken: item.leaseToken, result: { body } };
    // Straight into the engine's next step when it is in this process; otherwise (or when it does not take it) to the store.
    if (this.direct && (await this.direct.deliver(report, item.executionId)) === "accepted") {
      this.onReport?.({ item, result, accepted: true, direct: true });
      return;
    }
    const outcome = await this.reporter.report(report, Date.now() + this.leaseMs);
    if (typeof outcome === "object") {
      this.log(`cannot report the result of ${describeItem(item)}: ${outcome.gaveUp}; its lease will expire and the attempt run again`);
      return;
    }
    if (outcome === "refused") this.log(`the result of ${describeItem(item)} was not recorded: its lease was lost meanwhile`);
    this.onReport?.({ item, result, accepted: outcome === "accepted", direct: false });
  }
}

/**
 * Starts a worker: a pool of `concurrency` child processes that load
 * `modules`, and a loop that claims attempts from `store` and runs them.
 * Resolves once every child has loaded the modules.
 *
 * @throws WorkerOptionError for a bad option; WorkerStartError when the modules do not load.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore(".aloft/aloft.db");
 * const worker = await startWorker({ store, modules: ["flows.ts"], concurrency: 4 });
 * process.on("SIGTERM", () => void worker.stop());
 * ```
 */
export async function startWorker(options: WorkerOptions): Promise<LocalWorker> {
  checkOptions(options);
  if (options.inProcess) return new Worker(options, new InProcessPool(options.inProcess, options.blobDir ?? path.join(options.cwd ?? process.cwd(), ".aloft", "blobs")));
  const pool = await WorkerPool.start({
    size: options.concurrency,
    modules: options.modules,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.blobDir !== undefined ? { blobDir: options.blobDir } : {}),
    ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
    ...(options.taskStdout !== undefined ? { taskStdout: options.taskStdout } : {}),
  });
  return new Worker(options, pool);
}
