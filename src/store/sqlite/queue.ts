/**
 * The task queue of `SqliteStore`: claims with leases, heartbeats and
 * results. Each function runs inside the caller's immediate transaction, so
 * two processes on one file never both take the same item.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { compareText, systemFailureMessage } from "../rules.js";
import type { TaskSystemFailedEvent } from "../events.js";
import type { ClaimedTask, TaskRelease, TaskResult } from "../store.js";
import { taskItemFromCols, toJson, type TaskItemCols } from "./codec.js";
import type { Sql } from "./sql.js";

/**
 * Turns items whose last allowed lease expired into `taskSystemFailed`
 * events, then leases up to `limit` ready items (never leased, or lease
 * expired: then `systemAttempts` is one higher) in `readyAt`, then id, order.
 *
 * @example
 * ```ts
 * const claimed = sql.write(() => claim(sql, "worker-1", 4, 30_000, Date.now()));
 * ```
 */
export function claim(sql: Sql, workerId: string, limit: number, leaseMs: number, now: number, starting = limit): ClaimedTask[] {
  // Sorted here rather than in SQL, so that the lease index (not the readiness one) finds the few expired leases.
  const exhausted = sql
    .all<TaskItemCols>("SELECT * FROM task_items WHERE lease_token IS NOT NULL AND lease_expires_at <= ? AND started = 1 AND system_attempts + 1 >= max_system_attempts", now)
    .sort((a, b) => a.ready_at - b.ready_at || compareText(a.id, b.id));
  for (const r of exhausted) {
    const lost = r.system_attempts + 1;
    const body: TaskSystemFailedEvent = { type: "taskSystemFailed", path: r.path, attempt: r.attempt, systemAttempts: lost, message: systemFailureMessage(r.id, lost, r.lease_owner ?? undefined) };
    sql.run("DELETE FROM task_items WHERE id = ?", r.id);
    sql.run("INSERT INTO events (execution_id, due_at, body) VALUES (?, ?, ?)", r.execution_id, now, toJson(body));
  }
  if (limit === 0) return [];
  // One statement leases them all, each with its own token (the n-th ready item the n-th token), and gives back
  // the rows as leased: a lost lease (an expired one taken again) counts one more system attempt if its attempt
  // started (one claimed ahead and never started does not); the first `starting` count as started at once.
  const tokens = Array.from({ length: limit }, () => randomUUID());
  const leased = sql.all<TaskItemCols>(
    `WITH picked AS (
       SELECT id, lease_token AS prior_token, started AS prior_started, row_number() OVER (ORDER BY ready_at, id) AS n FROM (
         SELECT id, lease_token, started, ready_at FROM task_items WHERE ready_at <= ? AND (lease_token IS NULL OR lease_expires_at <= ?)
         ORDER BY ready_at, id LIMIT ?))
     UPDATE task_items AS t SET
       system_attempts = CASE WHEN picked.prior_token IS NULL OR picked.prior_started = 0 THEN t.system_attempts ELSE t.system_attempts + 1 END,
       lease_token = json_extract(?, '$[' || (picked.n - 1) || ']'), lease_owner = ?, lease_expires_at = ?,
       started = CASE WHEN picked.n <= ? THEN 1 ELSE 0 END
     FROM picked WHERE t.id = picked.id
     RETURNING *`,
    now,
    now,
    limit,
    JSON.stringify(tokens),
    workerId,
    now + leaseMs,
    starting,
  );
  leased.sort((a, b) => a.ready_at - b.ready_at || compareText(a.id, b.id));
  return leased.map((r) => ({ ...taskItemFromCols(r), leaseToken: r.lease_token!, leaseExpiresAt: r.lease_expires_at!, ...(r.started === 0 ? { ahead: true } : {}) }));
}

/**
 * Extends a live lease (same token, not expired); false otherwise.
 *
 * @example
 * ```ts
 * const alive = sql.write(() => extendLease(sql, item.id, item.leaseToken, 30_000, Date.now()));
 * ```
 */
export function extendLease(sql: Sql, itemId: string, leaseToken: string, leaseMs: number, now: number, started = false): boolean {
  const r = started
    ? sql.run("UPDATE task_items SET lease_expires_at = ?, started = 1 WHERE id = ? AND lease_token = ? AND lease_expires_at > ?", now + leaseMs, itemId, leaseToken, now)
    : sql.run("UPDATE task_items SET lease_expires_at = ? WHERE id = ? AND lease_token = ? AND lease_expires_at > ?", now + leaseMs, itemId, leaseToken, now);
  return r.changes === 1;
}

/**
 * Removes a leased item and adds its result event; false (nothing written)
 * when the token is not the item's (withdrawn, or re-leased to another worker).
 *
 * @example
 * ```ts
 * const ok = sql.write(() => finish(sql, item.id, item.leaseToken, { body: { type: "taskSucceeded" } }, Date.now()));
 * ```
 */
export function finish(sql: Sql, itemId: string, leaseToken: string, result: TaskResult, now: number): boolean {
  const r = sql.get<{ execution_id: string }>("SELECT execution_id FROM task_items WHERE id = ? AND lease_token = ?", itemId, leaseToken);
  if (!r) return false;
  const body = toJson(result.body);
  sql.run("DELETE FROM task_items WHERE id = ?", itemId);
  sql.run("INSERT INTO events (execution_id, due_at, body) VALUES (?, ?, ?)", r.execution_id, now, body);
  return true;
}

/**
 * Gives back an item a stopping worker holds under a live lease: unleased when its attempt never started,
 * its lease ended at `now` (a lost lease at the next claim) when it did; false (nothing written) otherwise.
 *
 * @example
 * ```ts
 * const given = sql.write(() => release(sql, { itemId: item.id, leaseToken: item.leaseToken, started: false }, Date.now()));
 * ```
 */
export function release(sql: Sql, r: TaskRelease, now: number): boolean {
  const changed = r.started
    ? sql.run("UPDATE task_items SET lease_expires_at = ?, started = 1 WHERE id = ? AND lease_token = ? AND lease_expires_at > ?", now, r.itemId, r.leaseToken, now)
    : sql.run("UPDATE task_items SET lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_token = ? AND lease_expires_at > ?", r.itemId, r.leaseToken, now);
  return changed.changes === 1;
}
