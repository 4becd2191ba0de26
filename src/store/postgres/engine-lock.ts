/**
 * One engine per PostgreSQL schema, as `sqlite/engine-lock.ts` is one per
 * SQLite file: the engine holds a session advisory lock on a connection of
 * its own for as long as it runs. The server releases it when that session
 * ends, however it ends (the process killed, the machine gone and its TCP
 * connection reset), so a lock is never stale. Who holds it is written, for
 * messages only, to `engine_lock_holder`.
 *
 * @module
 */
import os from "node:os";
import type pg from "pg";
import { EngineLockedError, commandLine, type EngineLock, type EngineLockHolder } from "../sqlite/engine-lock.js";
import { postgresPool, redactUrl, type PostgresStoreOptions } from "../postgres-store.js";
import { migratePostgres } from "./schema.js";

/** The lock's key in the schema: `hashtext` of a fixed word and the schema's name. */
const LOCK_KEY = "hashtext('aloft engine ' || current_schema())";

async function lockConnection(url: string, options: PostgresStoreOptions): Promise<{ pool: pg.Pool; client: pg.PoolClient }> {
  const pool = await postgresPool(url, { ...options, poolSize: 1, applicationName: "aloft engine lock" });
  try {
    await migratePostgres(pool, options.schema);
    const client = await pool.connect();
    client.on("error", () => undefined);
    return { pool, client };
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
}

async function readHolder(client: pg.PoolClient): Promise<EngineLockHolder> {
  const r = await client.query<{ pid: number; host: string; command: string; since: number }>("SELECT pid, host, command, since FROM engine_lock_holder WHERE one = 1");
  const row = r.rows[0];
  return row ? { pid: row.pid, host: row.host, command: row.command, since: Number(row.since) } : { pid: 0, host: "", command: "", since: 0 };
}

/**
 * Takes the engine lock of a PostgreSQL database (one schema of it).
 *
 * @throws EngineLockedError when another engine, on any machine, holds it.
 *
 * @example
 * ```ts
 * const lock = await acquirePostgresEngineLock("postgres://db.internal/aloft");
 * try { await runTheEngine(); } finally { lock.release(); }
 * ```
 */
export async function acquirePostgresEngineLock(url: string, options: PostgresStoreOptions = {}): Promise<EngineLock> {
  const { pool, client } = await lockConnection(url, options);
  try {
    const got = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`);
    if (!got.rows[0]?.ok) throw new EngineLockedError(redactUrl(url), await readHolder(client));
    const holder: EngineLockHolder = { pid: process.pid, host: os.hostname(), command: commandLine(), since: Date.now() };
    await client.query(
      `INSERT INTO engine_lock_holder (one, pid, host, command, since) VALUES (1, $1, $2, $3, $4)
       ON CONFLICT (one) DO UPDATE SET pid = excluded.pid, host = excluded.host, command = excluded.command, since = excluded.since`,
      [holder.pid, holder.host, holder.command, holder.since],
    );
  } catch (e) {
    client.release(true);
    await pool.end().catch(() => undefined);
    throw e;
  }
  let held = true;
  return {
    dbPath: redactUrl(url),
    release() {
      if (!held) return;
      held = false;
      // Ending the session releases the advisory lock.
      client.release(true);
      void pool.end().catch(() => undefined);
    },
  };
}

/**
 * Whether an engine runs over a PostgreSQL database now, and who it is.
 *
 * @example
 * ```ts
 * const running = await postgresEngineLockHolder("postgres://db.internal/aloft");
 * ```
 */
export async function postgresEngineLockHolder(url: string, options: PostgresStoreOptions = {}): Promise<EngineLockHolder | undefined> {
  const { pool, client } = await lockConnection(url, options);
  try {
    const got = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`);
    if (got.rows[0]?.ok) {
      await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
      return undefined;
    }
    return await readHolder(client);
  } finally {
    client.release();
    await pool.end().catch(() => undefined);
  }
}
