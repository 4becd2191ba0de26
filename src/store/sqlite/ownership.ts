/**
 * Engines and their ownership of executions in `SqliteStore` (see the port's
 * `acquireExecutions`): each function runs inside the caller's transaction.
 *
 * @module
 */
import { conflict } from "../rules.js";
import type { EngineRecord, Ownership, StepCommit } from "../store.js";
import type { Sql } from "./sql.js";
import type { StepChecks } from "./commit.js";

/** The condition that no live engine but `?` (the caller) owns execution `x`; parameters: engine id, now. */
export const OWNABLE = `(x.owner IS NULL OR x.owner = ? OR NOT EXISTS (SELECT 1 FROM engines g WHERE g.id = x.owner AND g.expires_at > ?))`;

interface EngineCols {
  id: string;
  pid: number;
  host: string;
  command: string;
  since: number;
  expires_at: number;
}

/**
 * An engine record read back.
 *
 * @example
 * ```ts
 * sql.all<EngineCols>("SELECT * FROM engines").map(engineFromCols);
 * ```
 */
export function engineFromCols(r: EngineCols): EngineRecord {
  return { id: r.id, pid: r.pid, host: r.host, command: r.command, since: r.since, expiresAt: r.expires_at };
}

/**
 * Records or renews an engine's lease.
 *
 * @example
 * ```ts
 * sql.write(() => renewEngine(sql, engine, 15_000, Date.now()));
 * ```
 */
export function renewEngine(sql: Sql, e: Omit<EngineRecord, "expiresAt">, leaseMs: number, now: number): void {
  sql.run(
    `INSERT INTO engines (id, pid, host, command, since, expires_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`,
    e.id,
    e.pid,
    e.host,
    e.command,
    e.since,
    now + leaseMs,
  );
}

/**
 * Clears up engines: those whose lease expired at `now` or, with `keep`,
 * every engine but that one. Their executions are freed and the items
 * their workers leased are handed out again at once. Resolves to their ids.
 *
 * @example
 * ```ts
 * sql.write(() => reapEngines(sql, Date.now()));
 * ```
 */
export function reapEngines(sql: Sql, now: number, keep?: string): string[] {
  const dead =
    keep === undefined
      ? sql.all<{ id: string }>("SELECT id FROM engines WHERE expires_at <= ? ORDER BY id", now)
      : sql.all<{ id: string }>("SELECT id FROM engines WHERE id <> ? ORDER BY id", keep);
  for (const { id } of dead) {
    const prefix = `${id}/`;
    sql.run(
      "UPDATE task_items SET lease_expires_at = ? WHERE lease_token IS NOT NULL AND lease_expires_at > ? AND substr(lease_owner, 1, ?) = ?",
      now,
      now,
      prefix.length,
      prefix,
    );
    sql.run("UPDATE executions SET owner = NULL WHERE owner = ?", id);
    sql.run("DELETE FROM engines WHERE id = ?", id);
  }
  return dead.map((d) => d.id);
}

/**
 * Takes the executions no live engine owns, after clearing up dead engines.
 *
 * @example
 * ```ts
 * const owned = sql.write(() => acquireExecutions(sql, "engine-a", ["e1"], Date.now()));
 * ```
 */
export function acquireExecutions(sql: Sql, engineId: string, ids: readonly string[], now: number): Ownership[] {
  reapEngines(sql, now);
  const out: Ownership[] = [];
  for (const id of new Set(ids)) {
    sql.run(`UPDATE executions AS x SET owner = ?, owner_epoch = owner_epoch + 1 WHERE id = ? AND (x.owner IS NULL OR x.owner <> ?) AND ${OWNABLE}`, engineId, id, engineId, engineId, now);
    const r = sql.get<{ owner_epoch: number }>("SELECT owner_epoch FROM executions WHERE id = ? AND owner = ?", id, engineId);
    if (r) out.push({ executionId: id, epoch: r.owner_epoch });
  }
  return out;
}

/**
 * Refuses a step whose engine no longer owns, at the epoch it holds, every execution it touches. With `checks`
 * (a group of steps in one savepoint), a fence seen held is not read again.
 *
 * @example
 * ```ts
 * sql.write(() => { checkFence(sql, step); applyStep(sql, step); });
 * ```
 */
export function checkFence(sql: Sql, fence: NonNullable<StepCommit["fence"]>, checks?: StepChecks): void {
  for (const o of fence.executions) {
    const key = `${fence.engineId}\u0000${o.executionId}\u0000${o.epoch}`;
    if (checks?.fences.has(key)) continue;
    const r = sql.get<{ owner: string | null; owner_epoch: number }>("SELECT owner, owner_epoch FROM executions WHERE id = ?", o.executionId);
    if (!r || r.owner !== fence.engineId || r.owner_epoch !== o.epoch) throw conflict.fenced(o.executionId, fence.engineId);
    checks?.fences.add(key);
    checks?.executions.add(o.executionId);
  }
}
