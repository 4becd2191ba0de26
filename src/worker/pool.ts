/**
 * A pool of child processes that run task code out of the worker's (and the
 * engine's) process. Each child loads the user's modules once and runs one
 * attempt at a time. A child that crashes, or hangs past its attempt's
 * timeout and a grace period, is killed if need be and replaced by a fresh
 * one; its attempt fails with a message that says so.
 *
 * @module
 */
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AloftError } from "../errors.js";
import { failureResult, lostResult, timeoutError, type AttemptItem, type AttemptResult } from "./attempt.js";
import type { TaskFailedEvent, TaskLostEvent } from "../engine/events.js";
import type { LogLine } from "../store/attempt-logs.js";
import type { AbortReason, ChildMessage, ParentMessage } from "./protocol.js";

/** Options of a `WorkerPool`. */
export interface PoolOptions {
  /** How many child processes (each runs one attempt at a time). */
  readonly size: number;
  /** The user's modules (TypeScript or JavaScript), relative to `cwd`. */
  readonly modules: readonly string[];
  /** The directory module paths are relative to (default `process.cwd()`). */
  readonly cwd?: string;
  /** The blob store's directory, where tasks create files (`ctx.blobs`); default `.aloft/blobs` under `cwd`. */
  readonly blobDir?: string;
  /** How long an aborted attempt may take to end before its process is killed (default 1000 ms). */
  readonly graceMs?: number;
  /** Where problems are reported, one line each (default: stderr). */
  readonly log?: (line: string) => void;
  /** Where what task code writes to stdout goes: this process's stdout (the default) or its stderr (`aloft run --json` keeps stdout for its JSON). */
  readonly taskStdout?: "stdout" | "stderr";
}

/** What preparing an attempt gives: its cache key (undefined without caching), or the failure that ends it. */
export type PrepareOutcome = { readonly cacheKey: string | undefined } | { readonly failure: TaskFailedEvent | TaskLostEvent };

/**
 * A child process lent to one attempt by `WorkerPool.acquire`; give it back
 * with `release`.
 */
export interface PoolSlot {
  /** Resolves the item's task and computes its cache key, in the child. `onStart` is called when the child takes it up. */
  prepare(item: AttemptItem, onStart?: () => void): Promise<PrepareOutcome>;
  /**
   * Runs one attempt; never rejects: a crash or a timeout is a failed result. `onLog` gets what the task writes,
   * as it writes it; `onStart` is called when the child takes the attempt up (at once on an idle child; on a
   * queued slot, once the attempts ahead of it have ended; never, if it is aborted or the child dies first).
   */
  run(item: AttemptItem, onLog?: (lines: readonly LogLine[]) => void, onStart?: () => void): Promise<AttemptResult>;
  /** How long the last attempt `run` on this slot took where it ran (without the trips to it), if known. */
  ranMs(): number | undefined;
  /** Fires the running attempt's `AbortSignal`; kills the child if the attempt has not ended after the grace period. */
  abort(reason: Exclude<AbortReason, "timeout">): void;
  /** Gives the child back to the pool. */
  release(): void;
}

/**
 * Where a worker runs its attempts: a pool of child processes
 * (`WorkerPool`), or this process (`InProcessPool`).
 *
 * @example
 * ```ts
 * const pool: AttemptPool = await WorkerPool.start({ size: 4, modules: ["flows.ts"] });
 * ```
 */
export interface AttemptPool {
  /**
   * Lends a slot for one attempt (waits for a free one). With `queue`, when no child is idle, a slot on a busy
   * child (at most `QUEUE_DEPTH` attempts in hand) is lent at once: the attempt is sent now and waits in that
   * child behind the others (for short attempts, so a child never waits on the parent between two of them).
   */
  acquire(options?: { readonly queue?: boolean }): Promise<PoolSlot>;
  /** The process ids running task code (none in process). */
  pids(): number[];
  /** Ends the pool: waits for the attempts in hand, or kills them with `hard`. */
  close(options?: { readonly hard?: boolean }): Promise<void>;
}

/**
 * The pool could not start: a child process did not load the modules.
 *
 * @example
 * ```ts
 * try { await WorkerPool.start({ size: 2, modules: ["flows.ts"] }); } catch (e) { if (e instanceof WorkerStartError) console.error(e.message); }
 * ```
 */
export class WorkerStartError extends AloftError {
  override name = "WorkerStartError";
}

const FROM_SOURCES = import.meta.url.endsWith(".ts");
const CHILD_SCRIPT = fileURLToPath(new URL(FROM_SOURCES ? "./child.ts" : "./child.js", import.meta.url));

/** Running from the TypeScript sources (tests), the child runs under tsx too. */
function childExecArgv(): string[] {
  if (!FROM_SOURCES) return [];
  return ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href];
}

function defaultLog(line: string): void {
  process.stderr.write(`aloft worker: ${line}\n`);
}

/**
 * How many attempts a child may hold at once, the first running and the others waiting in it (`acquire({ queue
 * })`): while the parent is busy (a commit that syncs blocks its event loop), a child goes on to the next one.
 * Only a cap: a worker queues attempts only while they are short, and holds no more than about 20 ms of them per
 * slot (its claim-ahead), so a child holds about that much. It is high enough for what a worker holds of
 * trivial tasks (up to 64 ahead): the engine's own worker takes a commit's worth of them at once, and with 4 a
 * commit carried about 7 results for two children, the children idle while the engine committed.
 */
export const QUEUE_DEPTH = 32;

interface Pending {
  readonly id: number;
  readonly onMessage: (message: ChildMessage) => void;
  /** The child died with it in hand: `started`, whether it was running (the first in hand) or still waiting. */
  readonly onExit: (code: number | null, signal: NodeJS.Signals | null, started: boolean) => void;
  /** The child takes it up: the attempts before it have ended. */
  readonly onStart: () => void;
}

/** One child process. */
class Child {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  dead = false;
  killedFor: AbortReason | undefined;
  /** The requests sent and not answered, in the order the child takes them up (it runs one at a time, in order). */
  readonly pending = new Map<number, Pending>();
  /** How many slots on it are lent out. */
  lent = 0;
  private readonly exitWaiters: (() => void)[] = [];

  constructor(options: { modules: readonly string[]; cwd: string; blobDir: string }, taskStdout: "stdout" | "stderr", onExit: (child: Child, code: number | null, signal: NodeJS.Signals | null) => void) {
    // Task code runs in the worker's directory: relative paths, and the tsconfig tsx reads, are the user's.
    // Messages are JSON (items, results and log lines are plain JSON, as the store keeps them): Node's "json"
    // serialization costs less per message than "advanced" (structured clone), which they do not need.
    this.proc = fork(CHILD_SCRIPT, [], { cwd: options.cwd, execArgv: childExecArgv(), serialization: "json", stdio: ["ignore", taskStdout === "stderr" ? 2 : "inherit", "inherit", "ipc"] });
    let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
    this.ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.proc.on("message", (message: ChildMessage) => {
      if (message.type === "ready") settle?.resolve();
      else if (message.type === "initFailed") settle?.reject(new WorkerStartError(`a worker process could not load its modules: ${message.message}`));
      else if ("id" in message) this.pending.get(message.id)?.onMessage(message);
    });
    this.proc.on("error", () => {}); // a failed send or spawn ends in "exit", handled there
    this.proc.on("exit", (code, signal) => {
      this.dead = true;
      settle?.reject(new WorkerStartError(`a worker process exited (${signal ?? `code ${String(code)}`}) before it loaded its modules`));
      const pending = [...this.pending.values()];
      this.pending.clear();
      pending.forEach((p, i) => p.onExit(code, signal, i === 0));
      onExit(this, code, signal);
      for (const w of this.exitWaiters.splice(0)) w();
    });
    this.send({ type: "init", ...options });
  }

  /** Whether `id` is the request the child runs now (the first one in hand). */
  isHead(id: number): boolean {
    for (const first of this.pending.keys()) return first === id;
    return false;
  }

  /** Adds a request; called once it is sent. It starts at once when nothing was in hand. */
  add(p: Pending): void {
    this.pending.set(p.id, p);
    if (this.pending.size === 1) p.onStart();
  }

  /** Removes a request that ended (answered, or withdrawn while waiting); the next one in hand starts. */
  remove(id: number): void {
    const wasHead = this.isHead(id);
    if (!this.pending.delete(id) || !wasHead) return;
    for (const next of this.pending.values()) {
      next.onStart();
      return;
    }
  }

  send(message: ParentMessage): void {
    if (this.dead || !this.proc.connected) return;
    this.proc.send(message, (e) => {
      if (e) this.kill();
    });
  }

  kill(reason?: AbortReason): void {
    if (this.dead) return;
    this.killedFor ??= reason;
    this.proc.kill("SIGKILL");
  }

  /** Resolves once the process has exited. */
  exited(): Promise<void> {
    return this.dead ? Promise.resolve() : new Promise((resolve) => this.exitWaiters.push(resolve));
  }
}

function crashResult(item: AttemptItem, pid: number | undefined, code: number | null, signal: NodeJS.Signals | null, started = true): TaskLostEvent {
  const how = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
  if (!started) return lostResult(item, `the worker process (pid ${String(pid)}) that attempt ${item.attempt} of task ${JSON.stringify(item.task.name)} waited in ${how} before it started; a new process took its place`);
  return lostResult(item, `the worker process (pid ${String(pid)}) running task ${JSON.stringify(item.task.name)} ${how} during attempt ${item.attempt}; a new process took its place`);
}

/**
 * A pool of child processes that load the user's modules and run attempts.
 *
 * @example
 * ```ts
 * const pool = await WorkerPool.start({ size: 4, modules: ["flows.ts"] });
 * const slot = await pool.acquire();
 * try {
 *   const result = await slot.run(item); // { type: "taskSucceeded", ... } or { type: "taskFailed", ... }
 * } finally {
 *   slot.release();
 * }
 * await pool.close();
 * ```
 */
export class WorkerPool implements AttemptPool {
  private readonly children = new Set<Child>();
  private readonly idle: Child[] = [];
  /** Attempts waiting for a child; those with `queue` may also take one that is busy but has room. */
  private readonly waiters: { resolve: (child: Child) => void; reject: (e: Error) => void; queue: boolean }[] = [];
  private closing = false;
  private nextId = 1;
  private readonly graceMs: number;
  private readonly log: (line: string) => void;
  private readonly init: { modules: readonly string[]; cwd: string; blobDir: string };
  private readonly taskStdout: "stdout" | "stderr";
  private respawnDelay = 0;

  private constructor(options: PoolOptions) {
    this.graceMs = options.graceMs ?? 1000;
    this.log = options.log ?? defaultLog;
    this.taskStdout = options.taskStdout ?? "stdout";
    const cwd = path.resolve(options.cwd ?? process.cwd());
    this.init = { modules: [...options.modules], cwd, blobDir: path.resolve(cwd, options.blobDir ?? ".aloft/blobs") };
  }

  /**
   * Starts `size` child processes and resolves once every one has loaded the
   * modules.
   *
   * @throws WorkerStartError when a child cannot load them (the others are stopped).
   */
  static async start(options: PoolOptions): Promise<WorkerPool> {
    if (!Number.isInteger(options.size) || options.size < 1) throw new WorkerStartError(`the pool size must be a positive integer, got ${String(options.size)}`);
    const pool = new WorkerPool(options);
    const children = Array.from({ length: options.size }, () => pool.spawn());
    try {
      await Promise.all(children.map((c) => c.ready));
    } catch (e) {
      await pool.close({ hard: true });
      throw e;
    }
    for (const c of children) pool.makeAvailable(c);
    return pool;
  }

  /** The process ids of the live children. */
  pids(): number[] {
    return [...this.children].filter((c) => !c.dead && c.proc.pid !== undefined).map((c) => c.proc.pid!);
  }

  private spawn(): Child {
    const child = new Child(this.init, this.taskStdout, (c, code, signal) => this.exited(c, code, signal));
    this.children.add(child);
    return child;
  }

  private exited(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    this.children.delete(child);
    const i = this.idle.indexOf(child);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.closing) return;
    if (child.killedFor === undefined) this.log(`worker process ${String(child.proc.pid)} ${signal ? `was killed by ${signal}` : `exited with code ${String(code)}`}; starting another`);
    this.replace();
  }

  /** Starts a child in place of one that died; retries with backoff if it cannot load the modules. */
  private replace(): void {
    const child = this.spawn();
    child.ready.then(
      () => {
        this.respawnDelay = 0;
        this.makeAvailable(child);
      },
      (e: unknown) => {
        if (this.closing) return;
        this.log(`${e instanceof Error ? e.message : String(e)}; trying again`);
        child.kill();
        this.respawnDelay = Math.min(30_000, Math.max(500, this.respawnDelay * 2));
        setTimeout(() => {
          if (!this.closing) this.replace();
        }, this.respawnDelay).unref();
      },
    );
  }

  /** A child with nothing lent: the first waiter gets it (and queuing waiters after it fill its room), or it idles. */
  private makeAvailable(child: Child): void {
    if (child.dead || this.closing) return;
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.idle.push(child);
      return;
    }
    child.lent++;
    waiter.resolve(child);
    this.offerRoom(child);
  }

  /** A busy child with room: lent to the waiters that may queue, as far as its room goes. */
  private offerRoom(child: Child): void {
    while (!child.dead && !this.closing && child.lent < QUEUE_DEPTH) {
      const i = this.waiters.findIndex((w) => w.queue);
      if (i < 0) return;
      const [waiter] = this.waiters.splice(i, 1);
      child.lent++;
      waiter!.resolve(child);
    }
  }

  /** A child for one attempt, once one is free (or, with `queue`, one with room in hand). */
  async acquire(options: { readonly queue?: boolean } = {}): Promise<PoolSlot> {
    if (this.closing) throw new WorkerStartError("the worker pool is closed");
    const queue = options.queue === true;
    let child = this.idle.pop();
    if (!child && queue) {
      // The least busy live child with room: the attempt waits in it behind those it holds.
      for (const c of this.children) if (!c.dead && c.lent > 0 && c.lent < QUEUE_DEPTH && (!child || c.lent < child.lent)) child = c;
    }
    if (child) child.lent++;
    // A waiter is handed its child already counted as lent (`makeAvailable`, `offerRoom`).
    else child = await new Promise<Child>((resolve, reject) => this.waiters.push({ resolve, reject, queue }));
    return this.slot(child);
  }

  private slot(child: Child): PoolSlot {
    let released = false;
    let current: { id: number; item: AttemptItem; abortedWaiting?: AbortReason } | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let ranMs: number | undefined;
    const stop = (reason: AbortReason): void => {
      if (!current || child.dead) return;
      child.send({ type: "abort", id: current.id, reason });
      // Still waiting in the child behind another attempt, as far as this process knows: the child answers
      // `withdrawn` if it dropped it unstarted, or, if it took it up meanwhile (the answer to the one before is on
      // its way), aborts it as it runs and answers with its result. Only that answer settles it, so an attempt
      // given back as never started has not started anywhere. Killed after the grace only once it runs.
      if (!child.isHead(current.id)) {
        current.abortedWaiting ??= reason;
        return;
      }
      killAfterGrace(reason);
    };
    const killAfterGrace = (reason: AbortReason): void => {
      graceTimer ??= setTimeout(() => {
        if (current) {
          if (reason === "timeout") this.log(`task ${JSON.stringify(current.item.task.name)} (${current.item.path}, attempt ${current.item.attempt}) ignored its timeout; killing its worker process ${String(child.proc.pid)}`);
          child.kill(reason);
        }
      }, this.graceMs);
    };
    const request = <T>(
      item: AttemptItem,
      message: (id: number) => ParentMessage,
      onMessage: (m: ChildMessage, finish: (r: T) => void) => void,
      onExit: (code: number | null, signal: NodeJS.Signals | null, started: boolean) => T,
      withdrawn: () => T,
      onStart: (() => void) | undefined,
      timeoutMs?: number,
    ): Promise<T> => {
      if (released) throw new WorkerStartError("this pool slot was released");
      const id = this.nextId++;
      return new Promise<T>((resolve) => {
        if (child.dead) return resolve(onExit(null, null, false));
        let timer: NodeJS.Timeout | undefined;
        const finish = (r: T) => {
          clearTimeout(timer);
          clearTimeout(graceTimer);
          graceTimer = undefined;
          current = undefined;
          child.remove(id);
          resolve(r);
        };
        const mine: { id: number; item: AttemptItem; abortedWaiting?: AbortReason } = { id, item };
        current = mine;
        child.send(message(id));
        child.add({
          id,
          onMessage: (m) => (m.type === "withdrawn" ? finish(withdrawn()) : onMessage(m, finish)),
          onExit: (code, signal, started) => finish(onExit(code, signal, started)),
          onStart: () => {
            onStart?.();
            // Aborted while it waited, and the child took it up before the abort reached it: it runs aborted.
            if (mine.abortedWaiting !== undefined) return killAfterGrace(mine.abortedWaiting);
            // Timed from when the child takes it up, not while it waits behind another.
            if (timeoutMs !== undefined) timer = setTimeout(() => stop("timeout"), timeoutMs);
          },
        });
      });
    };
    const notStarted = (item: AttemptItem): TaskLostEvent => lostResult(item, `attempt ${item.attempt} of task ${JSON.stringify(item.task.name)} was withdrawn before it started`);
    return {
      prepare: (item, onStart) =>
        request<PrepareOutcome>(
          item,
          (id) => ({ type: "prepare", id, item }),
          (m, finish) => {
            if (m.type === "prepared") finish("failure" in m ? { failure: m.failure } : { cacheKey: m.cacheKey });
          },
          (code, signal, started) => ({ failure: crashResult(item, child.proc.pid, code, signal, started) }),
          () => ({ failure: notStarted(item) }),
          onStart,
        ),
      run: (item, onLog, onStart) => {
        const timeoutMs = (item.options as { timeoutMs?: unknown }).timeoutMs;
        const ms = typeof timeoutMs === "number" && timeoutMs > 0 ? timeoutMs : undefined;
        return request<AttemptResult>(
          item,
          (id) => ({ type: "run", id, item }),
          (m, finish) => {
            if (m.type === "log") onLog?.(m.lines);
            else if (m.type === "done") {
              ranMs = m.ms;
              finish(m.result);
            }
          },
          (code, signal, started) => (started && child.killedFor === "timeout" ? failureResult(item, timeoutError(item, ms ?? 0)) : crashResult(item, child.proc.pid, code, signal, started)),
          () => notStarted(item),
          onStart,
          ms,
        );
      },
      ranMs: () => ranMs,
      abort: (reason) => stop(reason),
      release: () => {
        if (released) return;
        released = true;
        child.lent--;
        if (current) child.kill("stop"); // released mid-attempt: the child cannot be trusted with another
        else if (child.lent === 0) this.makeAvailable(child);
        else this.offerRoom(child);
      },
    };
  }

  /**
   * Stops every child: lets them exit when their channel closes, or kills
   * them (`hard`). Resolves once all have exited.
   */
  async close(options: { readonly hard?: boolean } = {}): Promise<void> {
    this.closing = true;
    const children = [...this.children];
    this.idle.length = 0;
    for (const w of this.waiters.splice(0)) w.reject(new WorkerStartError("the worker pool closed"));
    for (const c of children) {
      if (options.hard || c.pending.size > 0) c.kill("stop");
      else if (c.proc.connected) c.proc.disconnect();
    }
    const killAfter = setTimeout(() => children.forEach((c) => c.kill("stop")), this.graceMs);
    await Promise.all(children.map((c) => c.exited()));
    clearTimeout(killAfter);
  }
}
