/**
 * Where the engine commands find the database (`--db`, default
 * `.aloft/aloft.db`), and opening it to read executions and entities or to
 * leave requests (aborts, signals) for the engine that runs them.
 *
 * @module
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { Engine } from "../../engine/engine.js";
import { DirectoryBlobStore } from "../../store/blob-store.js";
import { openStore, shownDb } from "../../store/open-store.js";
import { isPostgresUrl } from "../../store/postgres-store.js";
import type { ExecutionRow, Store } from "../../store/store.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { ExecutionNotFoundError } from "../../engine/errors.js";

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
 * `--db` names a path that cannot be an Aloft database: a directory, a file
 * that is not SQLite, or a path under a file. Nothing was opened or made.
 *
 * @example
 * ```ts
 * throw new DatabasePathError("notes.txt", "it is a file but not an SQLite database");
 * ```
 */
export class DatabasePathError extends UsageError {
  override name = "DatabasePathError";
  constructor(
    /** The path, as shown to the user. */
    readonly shown: string,
    why: string,
  ) {
    super(`--db ${shown}: ${why}; pass --db <path of an aloft.db, or of one to create>`);
  }
}

/** The first bytes of every SQLite database file. */
const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

function startsLikeSqlite(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const n = readSync(fd, head, 0, head.length, 0);
    return n === 0 || (n === head.length && head.equals(SQLITE_HEADER));
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks that `ref` can be an Aloft database, before anything is opened or
 * made beside it (a lock file, a values folder): an SQLite file (or an empty
 * one), or a path that does not exist yet under directories.
 *
 * @throws DatabasePathError naming the path and what is wrong with it.
 *
 * @example
 * ```ts
 * checkDatabasePath({ path: "/tmp", shown: "/tmp" }); // throws: --db /tmp: it is a directory; ...
 * ```
 */
export function checkDatabasePath(ref: DatabaseRef): void {
  let stat: ReturnType<typeof statSync> | undefined;
  try {
    stat = statSync(ref.path);
  } catch {
    stat = undefined;
  }
  if (stat?.isDirectory()) throw new DatabasePathError(ref.shown, "it is a directory, not a database file");
  if (stat && !stat.isFile()) throw new DatabasePathError(ref.shown, "it is not a regular file");
  if (stat) {
    let sqlite: boolean;
    try {
      sqlite = startsLikeSqlite(ref.path);
    } catch (e) {
      throw new DatabasePathError(ref.shown, `it cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    if (!sqlite) throw new DatabasePathError(ref.shown, "it is a file but not an SQLite database");
    return;
  }
  for (let dir = path.dirname(ref.path); ; dir = path.dirname(dir)) {
    let parent: ReturnType<typeof statSync> | undefined;
    try {
      parent = statSync(dir);
    } catch {
      parent = undefined;
    }
    if (parent?.isDirectory()) return;
    if (parent) {
      const shownDir = ref.shown.slice(0, Math.max(0, ref.shown.length - (ref.path.length - dir.length))) || dir;
      throw new DatabasePathError(ref.shown, `${shownDir} is a file, so nothing can be made under it`);
    }
    if (path.dirname(dir) === dir) return;
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
 * @throws DatabasePathError when the path cannot be a database (see `checkDatabasePath`).
 *
 * @example
 * ```ts
 * databaseRef(ctx, undefined).shown; // ".aloft/aloft.db"
 * ```
 */
export function databaseRef(ctx: CliContext, db: string | undefined): DatabaseRef {
  if (db !== undefined && isPostgresUrl(db)) return { path: db, shown: shownDb(db), dir: path.resolve(ctx.io.cwd, ".aloft") };
  const absolute = path.resolve(ctx.io.cwd, db ?? DEFAULT_DB);
  const ref = { path: absolute, shown: shownPath(absolute, ctx.io.cwd), dir: path.dirname(absolute) };
  checkDatabasePath(ref);
  return ref;
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
  if (db !== undefined && isPostgresUrl(db)) return databaseRef(ctx, db); // the server says, on connecting, whether it is there
  const absolute = path.resolve(ctx.io.cwd, db ?? DEFAULT_DB);
  if (!existsSync(absolute)) throw new MissingDatabaseError(shownPath(absolute, ctx.io.cwd), db === undefined);
  return databaseRef(ctx, db);
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
 * @throws ExecutionNotFoundError naming the id and the database when there is none.
 *
 * @example
 * ```ts
 * const row = await requireExecution(db, "a1b2c3");
 * ```
 */
export async function requireExecution(db: OpenDatabase, id: string): Promise<ExecutionRow> {
  const row = await db.store.getExecution(id);
  if (!row) throw new ExecutionNotFoundError(id, `in ${db.ref.shown} (aloft get executions lists them)`);
  return row;
}
