/**
 * Where the engine commands find the database (`--db`, default
 * `.aloft/aloft.db`), and opening it to read executions and entities or to
 * leave requests (aborts, signals) for the engine that runs them.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { Engine } from "../../engine/engine.js";
import { DirectoryBlobStore } from "../../store/blob-store.js";
import { openStore, shownDb } from "../../store/open-store.js";
import { isPostgresUrl } from "../../store/postgres-store.js";
import type { ExecutionRow, Store } from "../../store/store.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";

/**
 * The database `aloft run` uses by default, relative to the working directory.
 *
 * @example
 * ```ts
 * path.resolve(cwd, DEFAULT_DB); // "/work/.aloft/aloft.db"
 * ```
 */
export const DEFAULT_DB = path.join(".aloft", "aloft.db");

/** A database named on the command line: a SQLite file, or a PostgreSQL URL. */
export interface DatabaseRef {
  /** The absolute path of the file, or the PostgreSQL URL (`postgres://...`). */
  readonly path: string;
  /** The path as the user reads it (relative to the working directory when inside it; a URL without its password). */
  readonly shown: string;
  /** Where large values and task files live: beside the file, or `.aloft` in the working directory for PostgreSQL. */
  readonly dir: string;
}

/**
 * There is no database where the command looked.
 *
 * @example
 * ```ts
 * throw new MissingDatabaseError(".aloft/aloft.db", true); // no Aloft database at .aloft/aloft.db; run a workflow first or pass --db
 * ```
 */
export class MissingDatabaseError extends UsageError {
  override name = "MissingDatabaseError";
  constructor(shown: string, isDefault: boolean) {
    super(`no Aloft database at ${shown}; ${isDefault ? "run a workflow first or pass --db" : "check the path given to --db"}`);
  }
}

/**
 * A path as the user would write it: relative to `cwd` when inside it.
 *
 * @example
 * ```ts
 * shownPath("/work/.aloft/aloft.db", "/work"); // ".aloft/aloft.db"
 * ```
 */
export function shownPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/**
 * The database of `--db` (default `.aloft/aloft.db`).
 *
 * @example
 * ```ts
 * databaseRef(ctx, undefined).shown; // ".aloft/aloft.db"
 * ```
 */
export function databaseRef(ctx: CliContext, db: string | undefined): DatabaseRef {
  if (db !== undefined && isPostgresUrl(db)) return { path: db, shown: shownDb(db), dir: path.resolve(ctx.io.cwd, ".aloft") };
  const absolute = path.resolve(ctx.io.cwd, db ?? DEFAULT_DB);
  return { path: absolute, shown: shownPath(absolute, ctx.io.cwd), dir: path.dirname(absolute) };
}

/**
 * The database of `--db`, which must exist.
 *
 * @throws MissingDatabaseError when there is no file there.
 *
 * @example
 * ```ts
 * existingDatabase(ctx, flags.db); // throws: no Aloft database at .aloft/aloft.db; run a workflow first or pass --db
 * ```
 */
export function existingDatabase(ctx: CliContext, db: string | undefined): DatabaseRef {
  const ref = databaseRef(ctx, db);
  if (isPostgresUrl(ref.path)) return ref; // the server says, on connecting, whether it is there
  if (!existsSync(ref.path)) throw new MissingDatabaseError(ref.shown, db === undefined);
  if (!statSync(ref.path).isFile()) throw new UsageError(`${ref.shown} is not a database file; pass --db <path of aloft.db>`);
  return ref;
}

/** An open database: its store, and an engine over it whose loop does not run (another process's does). */
export interface OpenDatabase {
  readonly ref: DatabaseRef;
  readonly store: Store;
  readonly engine: Engine;
  close(): Promise<void>;
}

/**
 * Where an engine over `db` keeps large values (in the database's `dir`, as
 * `startEmbedded` and the worker process keep them).
 *
 * @example
 * ```ts
 * valuesStoreOf(databaseRef(ctx, "/work/.aloft/aloft.db")).root; // "/work/.aloft/values"
 * ```
 */
export function valuesStoreOf(db: DatabaseRef): DirectoryBlobStore {
  return new DirectoryBlobStore(path.join(db.dir, "values"));
}

/**
 * Opens an existing database. The engine it returns reads and leaves
 * requests; it never steps executions (its loop is not started).
 *
 * @throws MissingDatabaseError when the file does not exist.
 *
 * @example
 * ```ts
 * const db = await openDatabase(ctx, flags.db);
 * try { await db.engine.list(); } finally { await db.close(); }
 * ```
 */
export async function openDatabase(ctx: CliContext, db: string | undefined): Promise<OpenDatabase> {
  const ref = existingDatabase(ctx, db);
  const store = await openStore(ref.path, { poolSize: 2 });
  const engine = await Engine.open({ store, values: valuesStoreOf(ref), schedules: false });
  return { ref, store, engine, close: () => store.close() };
}

/**
 * Runs `use` with an open database, and closes it afterwards.
 *
 * @example
 * ```ts
 * const rows = await withDatabase(ctx, flags.db, (db) => db.engine.list());
 * ```
 */
export async function withDatabase<T>(ctx: CliContext, db: string | undefined, use: (db: OpenDatabase) => Promise<T>): Promise<T> {
  const open = await openDatabase(ctx, db);
  try {
    return await use(open);
  } finally {
    await open.close();
  }
}

/**
 * An execution by id.
 *
 * @throws UsageError naming the id and the database when there is none.
 *
 * @example
 * ```ts
 * const row = await requireExecution(db, "a1b2c3");
 * ```
 */
export async function requireExecution(db: OpenDatabase, id: string): Promise<ExecutionRow> {
  const row = await db.store.getExecution(id);
  if (!row) throw new UsageError(`no execution ${JSON.stringify(id)} in ${db.ref.shown} (aloft get executions lists them)`);
  return row;
}
