/**
 * The embedded setup: the engine over the SQLite store and a pool of worker
 * processes, in one call (and one command, `aloft serve`). Separate workers
 * can join it by opening the same database file.
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import { acquireEngineLockOf, attemptLogsOf, localWorkQueueOf, openStore } from "../store/open-store.js";
import { openWakeups, type Wakeups } from "../store/wakeups.js";
import { isPostgresUrl, PostgresStore } from "../store/postgres-store.js";
import { workerIdOf } from "../store/rules.js";
import { DirectoryBlobStore } from "../store/blob-store.js";
import type { Store } from "../store/store.js";
import { startWorker, type LocalWorker, type WorkerHandle } from "../worker/worker.js";
import type { AttemptLogStore } from "../store/attempt-logs.js";
import { Engine, newEngineId, type EngineOptions } from "./engine.js";

/** Settings of an embedded setup. */
export interface EmbeddedOptions extends Omit<EngineOptions, "store" | "onWork"> {
  /** The working directory of the setup (default `.aloft` under `cwd`): the database and the blob store live here. */
  readonly dir?: string;
  /** The database: a SQLite file (default `aloft.db` in `dir`) or a PostgreSQL URL (`postgres://...`; values and blobs stay in `dir`). */
  readonly db?: string;
  /** The user's modules that define the tasks (relative to `cwd`). */
  readonly modules: readonly string[];
  /** Attempts that run at once in this setup's worker (default: the number of CPUs, at most 4; 0 for no worker). */
  readonly workers?: number;
  /** Where module paths are resolved from (default `process.cwd()`). */
  readonly cwd?: string;
  /** Lease length of the embedded worker (default 30 s). */
  readonly leaseMs?: number;
  /** Where problems are reported, one line each. */
  readonly log?: (line: string) => void;
  /** Where what task code writes to stdout goes: this process's stdout (the default) or its stderr. */
  readonly taskStdout?: "stdout" | "stderr";
}

/** A running embedded setup. */
export interface Embedded {
  readonly engine: Engine;
  readonly store: Store;
  readonly worker: WorkerHandle | undefined;
  /** Where large values are kept (give it to the API server so it can show them). */
  readonly values: DirectoryBlobStore;
  /** Where the workers keep each attempt with what it wrote (in PostgreSQL, or `logs` in the setup's directory beside `values` for SQLite; give it to the API server). */
  readonly logs: AttemptLogStore;
  /** The database file, or the PostgreSQL URL. */
  readonly dbPath: string;
  /** The directory tasks create files in (`blobs` in the setup's directory). */
  readonly blobDir: string;
  /**
   * Calls `fn` whenever work may be ready: this engine enqueued attempts, or (on PostgreSQL) another engine did.
   * The server passes it on to workers that join through it.
   */
  onWork(fn: () => void): void;
  /** Stops the worker (draining its attempts), the engine loop, and closes the store. */
  stop(): Promise<void>;
}

/**
 * Starts the engine and a worker pool over `<dir>/aloft.db`, holding the
 * database's engine lock until `stop()`; or over the PostgreSQL database `db`
 * names, beside any other engines there (they share its executions through leases).
 *
 * @throws EngineLockedError when another engine runs over the database.
 *
 * @example
 * ```ts
 * const setup = await startEmbedded({ modules: ["examples/imperative.ts"] });
 * const exec = await setup.engine.start(wf, { x: [-3, 0, 3], y: [7, 4, -2] });
 * console.log(await exec.result()); // { wf_output: 3 }
 * await setup.stop();
 * ```
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  const cwd = options.cwd ?? process.cwd();
  const dir = path.resolve(cwd, options.dir ?? ".aloft");
  const dbPath = options.db === undefined ? path.join(dir, "aloft.db") : isPostgresUrl(options.db) ? options.db : path.resolve(cwd, options.db);
  // One engine per database: a second one would step executions from stale copies.
  const lock = await acquireEngineLockOf(dbPath);
  let store: Store;
  const engineId = options.engineId ?? newEngineId();
  try {
    store = await openStore(dbPath);
  } catch (e) {
    lock.release();
    throw e;
  }
  try {
    // One engine per SQLite file: holding its lock proves every engine recorded before is gone, so the
    // attempts their workers held run again at once rather than after their leases (issue 13).
    if (!isPostgresUrl(dbPath)) await store.retireEngines(engineId, Date.now());
  } catch (e) {
    await store.close();
    lock.release();
    throw e;
  }
  const values = new DirectoryBlobStore(path.join(dir, "values"));
  const blobDir = path.join(dir, "blobs");
  const logs = attemptLogsOf(store, dir);
  let worker: LocalWorker | undefined;
  // Other processes (workers that joined, commands that add executions or answer gates) wake this engine up.
  let wakeups: Wakeups;
  try {
    wakeups = await openWakeups(dbPath, { store });
  } catch (e) {
    await store.close();
    lock.release();
    throw e;
  }
  const workListeners: (() => void)[] = [];
  const engine = await Engine.open({
    ...options,
    engineId,
    store,
    values,
    wakeups,
    onWork: () => {
      worker?.wake();
      for (const fn of workListeners) fn();
    },
  });
  const concurrency = options.workers ?? Math.min(4, os.cpus().length);
  try {
    if (concurrency > 0) {
      // The worker's claims, results and logs are made durable by the engine's commits that act on them.
      const local = store instanceof PostgresStore ? await store.localWorkQueue() : localWorkQueueOf(store);
      worker = await startWorker({
        store: local,
        modules: options.modules,
        concurrency,
        cwd,
        blobDir,
        values,
        logs: local instanceof PostgresStore ? attemptLogsOf(local, dir) : logs,
        wakeups,
        workerId: workerIdOf(engineId, "pool"),
        ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
        ...(options.log ? { log: options.log } : {}),
        ...(options.taskStdout ? { taskStdout: options.taskStdout } : {}),
        // Results go straight to the engine, which applies them in its next commit; those it does not take go to the store, and wake it.
        direct: engine,
        onReport: (r) => {
          if (!r.direct) engine.poke();
        },
      });
      // The items its steps make ready go to this worker leased in the same commit: no claim, no wake-up.
      engine.attachWorker(worker);
    }
  } catch (e) {
    await wakeups.close();
    await store.close();
    lock.release();
    throw e;
  }
  engine.run();
  return {
    engine,
    store,
    worker,
    values,
    logs,
    dbPath,
    blobDir,
    onWork(fn) {
      workListeners.push(fn);
      // Another engine's work, on PostgreSQL (on SQLite this engine is the only one).
      if (isPostgresUrl(dbPath)) wakeups.on("work", fn);
    },
    async stop() {
      try {
        await worker?.stop();
        await engine.stop();
        await wakeups.close();
        await store.close();
      } finally {
        lock.release();
      }
    },
  };
}
