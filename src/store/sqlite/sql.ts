/**
 * A thin layer over a better-sqlite3 connection: statements are prepared once
 * and reused, and only bound parameters ever carry values into SQL.
 *
 * @module
 */
import type Database from "better-sqlite3";

type Params = readonly unknown[] | readonly [Readonly<Record<string, unknown>>];

/**
 * Prepared-statement cache and typed helpers.
 *
 * @example
 * ```ts
 * const sql = new Sql(db);
 * const row = sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE consumed = ?", 0);
 * ```
 */
export class Sql {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  private prepare(source: string): Database.Statement {
    let s = this.statements.get(source);
    if (!s) this.statements.set(source, (s = this.db.prepare(source)));
    return s;
  }

  /** The first row, or undefined. */
  get<T>(source: string, ...params: Params): T | undefined {
    return this.prepare(source).get(...params) as T | undefined;
  }

  /** Every row. */
  all<T>(source: string, ...params: Params): T[] {
    return this.prepare(source).all(...params) as T[];
  }

  /** Runs a change; returns how many rows it changed and the last row id. */
  run(source: string, ...params: Params): Database.RunResult {
    return this.prepare(source).run(...params);
  }

  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so concurrent writers queue instead of failing midway. */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Runs `fn` in one deferred (read) transaction, for a consistent view. */
  read<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }
}
