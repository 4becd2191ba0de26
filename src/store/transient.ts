/**
 * Which store failures pass by themselves: the database cannot be reached for
 * a while (PostgreSQL restarting, a dropped connection, SQLite busy), as
 * opposed to a refusal that says something (a conflict, a row of the wrong
 * shape). Callers that wait (a run following its execution) retry the first
 * kind and report the second at once.
 *
 * @module
 */
import { isConnectionError } from "./postgres/sql.js";

const PASSING_CODES = new Set(["SQLITE_BUSY", "SQLITE_LOCKED", "ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * Whether a store failure is one of the database being out of reach for a
 * while, worth trying again.
 *
 * @example
 * ```ts
 * isTransientStoreError(Object.assign(new Error("the database system is shutting down"), { code: "57P03" })); // true
 * isTransientStoreError(new StoreConflictError("event 4 was consumed already")); // false
 * ```
 */
export function isTransientStoreError(e: unknown): boolean {
  if (isConnectionError(e)) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && PASSING_CODES.has(code);
}
