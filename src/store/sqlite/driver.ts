/**
 * Opening a SQLite file with better-sqlite3, loaded on first use (so that
 * importing Aloft never loads the native module), and one clear error when
 * its native binding was never built: npm 12 runs only the install scripts a
 * project approved (`allowScripts`), and `--ignore-scripts` runs none, and
 * better-sqlite3's install script is what builds the binding.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import { AloftError } from "../../errors.js";

/**
 * better-sqlite3's native binding is not there, so no SQLite database can be
 * opened. Its message says how to build it.
 *
 * @example
 * ```ts
 * try { await openSqliteStore(".aloft/aloft.db"); } catch (e) { if (e instanceof SqliteBindingMissingError) console.error(e.message); }
 * ```
 */
export class SqliteBindingMissingError extends AloftError {
  override name = "SqliteBindingMissingError";
  /** A stable code for scripts and the CLI's exit code. */
  readonly code = "SQLITE_BINDING_MISSING";
  constructor(options?: { cause?: unknown }) {
    super(
      "SQLite's native binding (the better-sqlite3 package) was never built, so no SQLite database can be opened: its install script did not run " +
        "(npm 12 runs only the install scripts a project approves, and --ignore-scripts runs none). In your project, run: " +
        "npm install-scripts approve better-sqlite3 && npm rebuild better-sqlite3. Without it, aloft run --local runs in process, and --db postgres://... uses PostgreSQL",
      options,
    );
  }
}

/** What better-sqlite3 (through the `bindings` package) says when the compiled module is missing. */
const MISSING_BINDING = /Could not locate the bindings file|better_sqlite3\.node/;

let loaded: typeof Database | undefined;

/** The driver, once its native binding is known to load (tried on an in-memory database, before any file is made). */
async function driver(): Promise<typeof Database> {
  if (loaded) return loaded;
  const { default: Driver } = await import("better-sqlite3");
  try {
    new Driver(":memory:").close();
  } catch (e) {
    if (e instanceof Error && MISSING_BINDING.test(e.message)) throw new SqliteBindingMissingError({ cause: e });
    throw e;
  }
  return (loaded = Driver);
}

/**
 * A new connection to `file` (a path, whose directory is created, `:memory:`
 * or a `file:` URI). Nothing is made when the driver cannot load.
 *
 * @throws SqliteBindingMissingError when better-sqlite3's native binding was never built.
 *
 * @example
 * ```ts
 * const db = await connectSqlite(".aloft/aloft.db");
 * ```
 */
export async function connectSqlite(file: string): Promise<Database.Database> {
  const Driver = await driver();
  if (file !== ":memory:" && !file.startsWith("file:")) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return new Driver(file);
}
