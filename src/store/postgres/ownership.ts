/**
 * Engines and their ownership of executions in `PostgresStore` (see the
 * port's `acquireExecutions`), inside the caller's transaction. A takeover
 * updates the execution's row and a step's fence check (in `aloft_apply_step`,
 * migration 4) locks it `FOR NO KEY UPDATE`, so the two are ordered: a step
 * checked before a takeover commits whole first, a step after it sees the new
 * epoch and is refused. The lock is `FOR NO KEY UPDATE` so that it orders the
 * step with a takeover (an `UPDATE` of the owner takes the same lock) but not
 * with the `FOR KEY SHARE` that inserting an event takes on its execution (the
 * foreign key): a worker's batch of results holding one execution and wanting
 * another, while a step held the second and wanted the first, was a deadlock.
 *
 * @module
 */
import type { EngineRecord, Ownership } from "../store.js";
import type { Queries } from "./sql.js";

/** The condition that no live engine but `$1` owns execution `x`, at time `$2`. */
export const OWNABLE = `(x.owner IS NULL OR x.owner = $1 OR NOT EXISTS (SELECT 1 FROM engines g WHERE g.id = x.owner AND g.expires_at > $2))`;

/**
 * An engine record read back.
 *
 * @example
 * ```ts
 * (await q.all<EngineCols>("SELECT * FROM engines")).map(engineFromCols);
 * ```
 */
export function engineFromCols(r: { id: string; pid: number; host: string; command: string; since: number; expires_at: number }): EngineRecord {
  return { id: r.id, pid: r.pid, host: r.host, command: r.command, since: r.since, expiresAt: r.expires_at };
}

/**
 * Clears up engines: those whose lease expired at `now` or, with `keep`,
 * every engine but that one; their executions are freed and the items their
 * workers leased handed out again at once. Resolves to their ids.
 *
 * @example
 * ```ts
 * await transaction(pool, (q) => reapEngines(q, Date.now()));
 * ```
 */
export async function reapEngines(q: Queries, now: number, keep?: string): Promise<string[]> {
  const dead =
    keep === undefined
      ? await q.all<{ id: string }>("DELETE FROM engines WHERE expires_at <= $1 RETURNING id", [now])
      : await q.all<{ id: string }>("DELETE FROM engines WHERE id <> $1 RETURNING id", [keep]);
  if (dead.length === 0) return [];
  const ids = dead.map((d) => d.id);
  await q.run(
    `UPDATE task_items SET lease_expires_at = $1
     WHERE lease_token IS NOT NULL AND lease_expires_at > $1 AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS d(id) WHERE left(lease_owner, length(d.id) + 1) = d.id || '/')`,
    [now, ids],
  );
  await q.run("UPDATE executions SET owner = NULL WHERE owner = ANY($1::text[])", [ids]);
  return ids.sort();
}

/**
 * Takes the executions no live engine owns, after clearing up dead engines.
 *
 * @example
 * ```ts
 * const owned = await transaction(pool, (q) => acquireExecutions(q, "engine-a", ["e1"], Date.now()));
 * ```
 */
export async function acquireExecutions(q: Queries, engineId: string, ids: readonly string[], now: number): Promise<Ownership[]> {
  await reapEngines(q, now);
  const unique = [...new Set(ids)];
  await q.run(`UPDATE executions x SET owner = $1, owner_epoch = owner_epoch + 1 WHERE x.id = ANY($3::text[]) AND x.owner IS DISTINCT FROM $1 AND ${OWNABLE}`, [engineId, now, unique]);
  const rows = await q.all<{ id: string; owner_epoch: number }>("SELECT id, owner_epoch FROM executions WHERE id = ANY($2::text[]) AND owner = $1", [engineId, unique]);
  const epochs = new Map(rows.map((r) => [r.id, r.owner_epoch]));
  return unique.flatMap((id) => (epochs.has(id) ? [{ executionId: id, epoch: epochs.get(id) ?? 0 }] : []));
}
