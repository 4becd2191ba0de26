/**
 * One engine per database. The engine keeps executions it is stepping in
 * memory, so two engine loops over one SQLite file would step the same
 * execution from two stale copies. An engine therefore holds a lock beside
 * its database (`aloft.db.lock`) for as long as it runs.
 *
 * The lock is an exclusive transaction on a small SQLite file: the operating
 * system releases it when its process ends, however it ends (`kill -9`
 * included), so a lock is never stale. Who holds it is written, for messages
 * only, to `aloft.db.lock.json`.
 *
 * @module
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type Database from "better-sqlite3";
import { connectSqlite } from "./driver.js";
import { AloftError } from "../../errors.js";

/** Who holds the engine lock of a database (as it wrote it when it took the lock). */
export interface EngineLockHolder {
  readonly pid: number;
  readonly host: string;
  /** The command line of the holding process. */
  readonly command: string;
  /** When it took the lock (ms since the epoch). */
  readonly since: number;
}

/** A held engine lock. */
export interface EngineLock {
  /** The database the lock is for. */
  readonly dbPath: string;
  /** Releases the lock (once; later calls do nothing). */
  release(): void;
}

/**
 * Another engine runs over the database already.
 *
 * @example
 * ```ts
 * try { await acquireEngineLock(".aloft/aloft.db"); } catch (e) { if (e instanceof EngineLockedError) console.error(e.holder?.pid); }
 * ```
 */
export class EngineLockedError extends AloftError {
  override name = "EngineLockedError";
  constructor(
    /** The database. */
    readonly dbPath: string,
    /** Who holds the lock, when it said so. */
    readonly holder: EngineLockHolder | undefined,
  ) {
    super(`another Aloft engine is running over ${dbPath}${holder ? ` (${describeHolder(holder)})` : ""}; only one engine may run over a database`);
  }
}

/**
 * The holder as people read it: `pid 4242 on host "ci-1", since 2024-01-31T12:00:00.000Z: aloft run flows.ts`.
 *
 * @example
 * ```ts
 * describeHolder({ pid: 42, host: "h", command: "aloft serve", since: 0 }); // 'pid 42 on h since 1970-01-01T00:00:00.000Z: aloft serve'
 * ```
 */
export function describeHolder(holder: EngineLockHolder): string {
  return `pid ${holder.pid} on ${holder.host} since ${new Date(holder.since).toISOString()}: ${holder.command}`;
}

function lockFile(dbPath: string): string {
  return `${path.resolve(dbPath)}.lock`;
}

function infoFile(dbPath: string): string {
  return `${lockFile(dbPath)}.json`;
}

function readHolder(dbPath: string): EngineLockHolder | undefined {
  try {
    const v = JSON.parse(readFileSync(infoFile(dbPath), "utf8")) as Partial<EngineLockHolder>;
    if (typeof v.pid !== "number" || typeof v.host !== "string" || typeof v.command !== "string" || typeof v.since !== "number") return undefined;
    return { pid: v.pid, host: v.host, command: v.command, since: v.since };
  } catch {
    return undefined;
  }
}

/** Tries the lock: the open connection holding it, or undefined when someone else holds it. The driver is loaded on first use. */
async function tryLock(dbPath: string): Promise<Database.Database | undefined> {
  const db = await connectSqlite(lockFile(dbPath));
  try {
    db.pragma("busy_timeout = 0");
    db.exec("BEGIN EXCLUSIVE");
    return db;
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === "SQLITE_BUSY" || (e as { code?: string }).code === "SQLITE_LOCKED") return undefined;
    throw e;
  }
}

/**
 * The command line of this process, as people typed it: `aloft run flows.ts`, `aloft-engine --dir .aloft`.
 *
 * @example
 * ```ts
 * commandLine(); // "aloft serve flows.ts --port 8080"
 * ```
 */
export function commandLine(): string {
  const [, script = "", ...args] = process.argv;
  const role = path.basename(path.dirname(script));
  const named: Readonly<Record<string, string>> = { cli: "aloft", engine: "aloft-engine", worker: "aloft-worker" };
  const name = /^main\.[cm]?[jt]s$/.test(path.basename(script)) ? named[role] : undefined;
  return [name ?? `node ${script}`, ...args].join(" ");
}

/**
 * Takes the engine lock of a database, for as long as this process runs an
 * engine over it.
 *
 * @throws EngineLockedError when another engine (in this process or another) holds it.
 *
 * @example
 * ```ts
 * const lock = await acquireEngineLock(".aloft/aloft.db");
 * try { await runTheEngine(); } finally { lock.release(); }
 * ```
 */
export async function acquireEngineLock(dbPath: string): Promise<EngineLock> {
  const db = await tryLock(dbPath);
  if (!db) throw new EngineLockedError(dbPath, readHolder(dbPath));
  const holder: EngineLockHolder = { pid: process.pid, host: os.hostname(), command: commandLine(), since: Date.now() };
  try {
    writeFileSync(infoFile(dbPath), `${JSON.stringify(holder)}\n`);
  } catch {
    // the information is for messages only
  }
  let held = true;
  return {
    dbPath,
    release() {
      if (!held) return;
      held = false;
      try {
        if (readHolder(dbPath)?.pid === process.pid) rmSync(infoFile(dbPath), { force: true });
      } catch {
        // for messages only
      }
      try {
        db.exec("ROLLBACK");
      } finally {
        db.close();
      }
    },
  };
}

/**
 * Whether an engine runs over a database now, and who it is: the holder of
 * its lock (`{ pid: 0, ... }` when the holder did not say), or undefined.
 *
 * @example
 * ```ts
 * const running = await engineLockHolder(".aloft/aloft.db");
 * if (running) console.log(`an engine runs: ${describeHolder(running)}`);
 * ```
 */
export async function engineLockHolder(dbPath: string): Promise<EngineLockHolder | undefined> {
  const db = await tryLock(dbPath);
  if (db) {
    db.exec("ROLLBACK");
    db.close();
    return undefined;
  }
  return readHolder(dbPath) ?? { pid: 0, host: "", command: "", since: 0 };
}
