/**
 * A database named by one string, as `--db` takes it: a SQLite file path, or
 * a PostgreSQL URL (`postgres://user@host:5432/db`, with `?schema=name` to
 * keep Aloft's tables in a schema of their own). Opening its store and its
 * engine lock goes through here, so every command and process accepts both.
 *
 * @module
 */
import path from "node:path";
import { DirectoryAttemptLogs, type AttemptLogStore } from "./attempt-logs.js";
import { PostgresAttemptLogs } from "./postgres/attempt-logs.js";
import { acquireEngineLock, engineLockHolder, type EngineLock, type EngineLockHolder } from "./sqlite/engine-lock.js";
import { openSqliteStore, SqliteStore } from "./sqlite-store.js";
import { PostgresStore, isPostgresUrl, openPostgresStore, redactUrl, type PostgresStoreOptions } from "./postgres-store.js";
import { livePostgresEngine } from "./postgres/live-engine.js";
import type { Store } from "./store.js";

/**
 * A PostgreSQL URL split into what `pg` connects to and Aloft's own `schema` parameter.
 *
 * @example
 * ```ts
 * postgresTarget("postgres://h/db?schema=team_a"); // { url: "postgres://h/db", options: { schema: "team_a" } }
 * ```
 */
export function postgresTarget(db: string): { readonly url: string; readonly options: PostgresStoreOptions } {
  const u = new URL(db);
  const schema = u.searchParams.get("schema") ?? undefined;
  u.searchParams.delete("schema");
  return { url: u.toString(), options: schema === undefined ? {} : { schema } };
}

/**
 * Opens the store `db` names (a SQLite file is created if need be; a PostgreSQL schema is migrated).
 *
 * @example
 * ```ts
 * const store = await openStore(process.env.ALOFT_DB ?? ".aloft/aloft.db");
 * ```
 */
export async function openStore(db: string, options: { readonly poolSize?: number } = {}): Promise<Store> {
  if (!isPostgresUrl(db)) return openSqliteStore(db);
  const t = postgresTarget(db);
  return openPostgresStore(t.url, { ...t.options, ...options });
}

/**
 * Where the attempts of an engine over `store` are kept: in PostgreSQL itself
 * (so that workers, servers and `aloft logs` on every machine share them),
 * or beside a SQLite file in `dir/logs` (one machine).
 *
 * @example
 * ```ts
 * const logs = attemptLogsOf(store, ".aloft"); // PostgresAttemptLogs, or DirectoryAttemptLogs(".aloft/logs")
 * ```
 */
export function attemptLogsOf(store: Store, dir: string): AttemptLogStore {
  return store instanceof PostgresStore ? new PostgresAttemptLogs(store.pool, store.logCarrier) : new DirectoryAttemptLogs(path.join(dir, "logs"));
}

/**
 * The task queue a worker on this machine uses over `store`: on SQLite, the store's `localWorkQueue()` (its
 * claims and results are synced by the engine's next commit rather than each on its own); otherwise the store.
 *
 * @example
 * ```ts
 * await startWorker({ store: localWorkQueueOf(store), modules: ["flows.ts"], concurrency: 2 });
 * ```
 */
export function localWorkQueueOf(store: Store): Pick<Store, "claimTasks" | "heartbeat" | "finishTask" | "finishTasks" | "releaseTasks" | "getCached" | "lockCacheKey" | "unlockCacheKey"> {
  return store instanceof SqliteStore ? store.localWorkQueue() : store;
}

/**
 * Takes the engine lock of `db`: one engine per SQLite file (a lock beside
 * it). PostgreSQL takes no lock: several engines run over one database and
 * share its executions through leases (the port's `acquireExecutions`).
 *
 * @throws EngineLockedError when another engine holds a SQLite file's lock.
 *
 * @example
 * ```ts
 * const lock = await acquireEngineLockOf(".aloft/aloft.db");
 * try { await runTheEngine(); } finally { lock.release(); }
 * ```
 */
export async function acquireEngineLockOf(db: string): Promise<EngineLock> {
  if (!isPostgresUrl(db)) return acquireEngineLock(db);
  return { dbPath: redactUrl(db), release: () => undefined };
}

/**
 * Who runs an engine over `db` now, if anyone (on PostgreSQL, the oldest live engine).
 *
 * @example
 * ```ts
 * const holder = await engineLockHolderOf(".aloft/aloft.db");
 * ```
 */
export function engineLockHolderOf(db: string): Promise<EngineLockHolder | undefined> {
  if (!isPostgresUrl(db)) return engineLockHolder(db);
  const t = postgresTarget(db);
  return livePostgresEngine(t.url, t.options);
}

/**
 * `db` as it may be shown to people (a PostgreSQL URL without its password).
 *
 * @example
 * ```ts
 * shownDb("postgres://u:pw@h/db"); // "postgres://u:***@h/db"
 * ```
 */
export function shownDb(db: string): string {
  return isPostgresUrl(db) ? redactUrl(db) : db;
}
