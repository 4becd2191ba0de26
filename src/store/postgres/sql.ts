/**
 * A thin layer over a `pg` pool: every statement is prepared once per
 * connection (named after a hash of its text), values travel only as bound
 * parameters, 64-bit integers come back as numbers, and `tx` runs a function
 * in one transaction on one connection.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type pg from "pg";

const names = new Map<string, string>();

/** The prepared statement's name for a text (stable across connections). */
function statementName(text: string): string {
  let n = names.get(text);
  if (!n) names.set(text, (n = `aloft_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`));
  return n;
}

/**
 * Statements on one connection (inside a transaction, or alone on the pool).
 *
 * @example
 * ```ts
 * const rows = await q.all<{ id: number }>("SELECT id FROM events WHERE consumed = 0 LIMIT $1", [10]);
 * ```
 */
export class Queries {
  constructor(private readonly on: pg.Pool | pg.PoolClient) {}

  /** Every row. */
  async all<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const r = await this.on.query({ name: statementName(text), text, values: params as unknown[] });
    return r.rows as T[];
  }

  /** The first row, or undefined. */
  async get<T>(text: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.all<T>(text, params))[0];
  }

  /** Runs a change; resolves to the number of rows it changed. */
  async run(text: string, params: readonly unknown[] = []): Promise<number> {
    const r = await this.on.query({ name: statementName(text), text, values: params as unknown[] });
    return r.rowCount ?? 0;
  }
}

/**
 * Runs `fn` in one transaction on one connection of `pool`: committed when
 * it resolves, rolled back (and the error passed on) when it throws.
 *
 * @example
 * ```ts
 * await transaction(pool, async (q) => { await q.run("UPDATE events SET consumed = 1 WHERE id = $1", [id]); });
 * ```
 */
export async function transaction<T>(pool: pg.Pool, fn: (q: Queries) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // A connection that drops between two statements (the server restarting) says so as an 'error' event on the
  // client, which the pool does not listen to while the client is lent: unheard, it would end the process.
  const dropped = (): void => {
    broken = true;
  };
  client.on("error", dropped);
  try {
    await client.query("BEGIN");
    try {
      const out = await fn(new Queries(client));
      await client.query("COMMIT");
      return out;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw e;
    }
  } catch (e) {
    if (isConnectionError(e)) broken = true;
    throw e;
  } finally {
    client.removeListener("error", dropped);
    client.release(broken);
  }
}

/**
 * The SQLSTATE of a PostgreSQL error, if it is one.
 *
 * @example
 * ```ts
 * if (sqlState(e) === "23505") console.log("unique violation");
 * ```
 */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Whether an error means the connection itself is gone (so it must not go back to the pool).
 *
 * @example
 * ```ts
 * client.release(isConnectionError(e));
 * ```
 */
export function isConnectionError(e: unknown): boolean {
  const state = sqlState(e);
  if (state) return state.startsWith("08") || state === "57P01" || state === "57P02" || state === "57P03";
  const code = (e as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "ECONNREFUSED" || code === "EPIPE" || /Connection terminated/i.test(e instanceof Error ? e.message : "");
}
