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
  /** Writes asked for with `batch` and not yet run. */
  private pending: { readonly fn: () => unknown; readonly synced: boolean; readonly resolve: (value: unknown) => void; readonly reject: (error: unknown) => void }[] = [];
  /**
   * Set while the writes asked for need no sync of their own (`SqliteStore.localWorkQueue`): such a `write`,
   * and a batch made only of such writes, commits at `synchronous = NORMAL`; a batch with any other write is
   * synced as the connection is.
   */
  unsynced = false;

  /** The connection's `synchronous` level as opened (2: FULL, 1: NORMAL). */
  private readonly level: number;

  /**
   * One transaction function for every transaction, running the function it is given: `db.transaction(fn)` builds
   * five functions and their properties each call, a few per engine step. Inside a transaction it is a savepoint.
   */
  private readonly tx: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(readonly db: Database.Database) {
    this.level = db.pragma("synchronous", { simple: true }) as number;
    this.tx = db.transaction((fn: () => unknown) => fn());
  }

  /** Runs `fn` in a savepoint of the transaction under way (one that throws is rolled back alone), or in a transaction of its own. */
  savepoint<T>(fn: () => T): T {
    return this.tx(fn) as T;
  }

  /** Runs `fn` at `synchronous = NORMAL` when the writes it commits need no sync (`unsynced`), then puts the level back. */
  private atLevel<T>(synced: boolean, fn: () => T): T {
    if (synced || this.level < 2) return fn();
    this.db.pragma("synchronous = NORMAL");
    try {
      return fn();
    } finally {
      this.db.pragma(`synchronous = ${this.level}`);
    }
  }

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
    return this.atLevel(!this.unsynced, () => this.tx.immediate(fn) as T);
  }

  /**
   * `write`, shared: the writes asked for in one turn of the event loop run in
   * one `BEGIN IMMEDIATE` transaction, each in a savepoint of its own (one that
   * throws is rolled back alone and rejects alone), so callers that write at
   * about the same time (the engine's steps, a worker's claims and results,
   * executions started together) share one commit and, with
   * `synchronous = FULL`, one sync. Each promise settles once that transaction
   * has committed: what it resolves is durable (a local worker's unsynced write:
   * on disk, synced by the engine's next commit). A failed commit, or an error
   * after which SQLite rolled the whole transaction back, rejects them all, and
   * nothing of the batch is written.
   */
  batch<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, synced: !this.unsynced, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Runs the writes `batch` holds now, in one transaction (`close` calls it first). */
  flush(): void {
    const ops = this.pending;
    this.pending = [];
    if (ops.length === 0) return;
    const outcomes: ({ readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown })[] = [];
    try {
      this.atLevel(
        ops.some((op) => op.synced),
        () =>
          this.tx.immediate(() => {
              for (const op of ops) {
                try {
                  // A transaction inside a transaction is a savepoint.
                  outcomes.push({ ok: true, value: this.tx(op.fn) });
                } catch (error) {
                  // SQLite rolls the whole transaction back by itself on some errors (SQLITE_FULL, IOERR, NOMEM):
                  // the writes after it would then commit one by one outside it. Fail the batch whole instead.
                  if (!this.db.inTransaction) throw error;
                  outcomes.push({ ok: false, error });
                }
              }
            }),
      );
    } catch (error) {
      for (const op of ops) op.reject(error);
      return;
    }
    ops.forEach((op, i) => {
      const o = outcomes[i]!;
      if (o.ok) op.resolve(o.value);
      else op.reject(o.error);
    });
  }

  /** Runs `fn` in one deferred (read) transaction, for a consistent view. */
  read<T>(fn: () => T): T {
    return this.tx.deferred(fn) as T;
  }
}
