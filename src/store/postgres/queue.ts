/**
 * The task queue of `PostgresStore`: claims with leases, heartbeats and
 * results. Claims lock the rows they take with `FOR UPDATE SKIP LOCKED`, so
 * any number of workers on any number of machines claim at once and never
 * take the same item.
 *
 * @module
 */
import type { TaskSystemFailedEvent } from "../events.js";
import { randomUUID } from "node:crypto";
import { compareText, systemFailureMessage } from "../rules.js";
import type { ClaimedTask, TaskRelease, TaskReport, TaskResult } from "../store.js";
import { taskItemFromCols, toJson, type TaskItemCols } from "../sqlite/codec.js";
import type { Queries } from "./sql.js";

/**
 * Leases up to `limit` ready items (never leased, or lease expired with
 * system attempts left: then `systemAttempts` is one higher) in `readyAt`,
 * then id, order, in one statement on its own (no transaction round trips);
 * then, if that statement saw items whose last allowed lease expired, turns
 * them into `taskSystemFailed` events (`sweepExhausted`).
 *
 * @example
 * ```ts
 * const claimed = await claimTasks(new Queries(pool), "worker-1", 4, 30_000, Date.now(), "aloft_events", (fn) => transaction(pool, fn));
 * ```
 */
export async function claimTasks(
  q: Queries,
  workerId: string,
  limit: number,
  leaseMs: number,
  now: number,
  eventsChannel: string,
  tx: <T>(fn: (q: Queries) => Promise<T>) => Promise<T>,
  starting = limit,
): Promise<ClaimedTask[]> {
  const tokens = Array.from({ length: limit }, () => randomUUID());
  // Pick the ready rows (skipping rows another claimer holds), number them, lease each with its own token; and
  // say whether any lease ran out for good (one row with no item when nothing was claimed).
  // A lease lost after its attempt started counts a system attempt; one claimed ahead and never started does not.
  // The first `starting` items claimed count as started at once, the others were claimed ahead.
  const rows = await q.all<(TaskItemCols & { prior_token: string | null; exhausted: boolean }) | { id: null; exhausted: boolean }>(
    `WITH picked AS (
       SELECT id, lease_token AS prior_token, started AS prior_started, row_number() OVER (ORDER BY ready_at, id) AS n FROM (
         SELECT id, lease_token, started, ready_at FROM task_items
         WHERE ready_at <= $1 AND (lease_token IS NULL OR (lease_expires_at <= $1 AND (started = 0 OR system_attempts + 1 < max_system_attempts)))
         ORDER BY ready_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) AS ready),
     leased AS (
       UPDATE task_items t SET
         system_attempts = CASE WHEN picked.prior_token IS NULL OR picked.prior_started = 0 THEN t.system_attempts ELSE t.system_attempts + 1 END,
         lease_token = ($3::text[])[picked.n], lease_owner = $4, lease_expires_at = $5,
         started = CASE WHEN picked.n <= $6 THEN 1 ELSE 0 END
       FROM picked WHERE t.id = picked.id
       RETURNING t.*, picked.prior_token)
     SELECT leased.*, EXISTS (SELECT 1 FROM task_items WHERE lease_token IS NOT NULL AND lease_expires_at <= $1 AND started = 1 AND system_attempts + 1 >= max_system_attempts) AS exhausted
     FROM (SELECT 1) AS one LEFT JOIN leased ON true`,
    [now, limit, tokens, workerId, now + leaseMs, starting],
  );
  if (rows.some((r) => r.exhausted)) await tx((t) => sweepExhausted(t, now, eventsChannel));
  const claimed = rows.filter((r): r is TaskItemCols & { prior_token: string | null; exhausted: boolean } => r.id !== null);
  claimed.sort((a, b) => a.ready_at - b.ready_at || compareText(a.id, b.id));
  return claimed.map((r) => ({ ...taskItemFromCols(r), leaseToken: r.lease_token ?? "", leaseExpiresAt: r.lease_expires_at ?? now + leaseMs, ...(r.started === 0 ? { ahead: true } : {}) }));
}

/**
 * Turns items whose last allowed lease expired into `taskSystemFailed`
 * events (in `readyAt`, then id, order), inside the caller's transaction.
 *
 * @example
 * ```ts
 * await transaction(pool, (q) => sweepExhausted(q, Date.now(), "aloft_events"));
 * ```
 */
export async function sweepExhausted(q: Queries, now: number, eventsChannel: string): Promise<void> {
  const exhausted = await q.all<TaskItemCols>(
    `DELETE FROM task_items WHERE id IN (
       SELECT id FROM task_items WHERE lease_token IS NOT NULL AND lease_expires_at <= $1 AND started = 1 AND system_attempts + 1 >= max_system_attempts
       FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    [now],
  );
  exhausted.sort((a, b) => a.ready_at - b.ready_at || compareText(a.id, b.id));
  for (const r of exhausted) {
    const lost = r.system_attempts + 1;
    const body: TaskSystemFailedEvent = { type: "taskSystemFailed", path: r.path, attempt: r.attempt, systemAttempts: lost, message: systemFailureMessage(r.id, lost, r.lease_owner ?? undefined) };
    await q.run("INSERT INTO events (execution_id, due_at, body) VALUES ($1, $2, $3)", [r.execution_id, now, toJson(body)]);
  }
  if (exhausted.length > 0) await q.run("SELECT pg_notify($1, '')", [eventsChannel]);
}

/**
 * Extends a live lease (same token, not expired); false otherwise.
 *
 * @example
 * ```ts
 * const alive = await extendLease(q, item.id, item.leaseToken, 30_000, Date.now());
 * ```
 */
export async function extendLease(q: Queries, itemId: string, leaseToken: string, leaseMs: number, now: number, started = false): Promise<boolean> {
  if (started) return (await q.run("UPDATE task_items SET lease_expires_at = $1, started = 1 WHERE id = $2 AND lease_token = $3 AND lease_expires_at > $4", [now + leaseMs, itemId, leaseToken, now])) === 1;
  return (await q.run("UPDATE task_items SET lease_expires_at = $1 WHERE id = $2 AND lease_token = $3 AND lease_expires_at > $4", [now + leaseMs, itemId, leaseToken, now])) === 1;
}

/**
 * Removes a leased item and adds its result event, in one statement; false
 * (nothing written) when the token is not the item's (withdrawn, or re-leased).
 *
 * @example
 * ```ts
 * const ok = await finishTask(q, item.id, item.leaseToken, { body: { type: "taskSucceeded" } }, Date.now(), "aloft_events");
 * ```
 */
export async function finishTask(q: Queries, itemId: string, leaseToken: string, result: TaskResult, now: number, eventsChannel: string): Promise<boolean> {
  // One statement: the item goes, its result event comes, and the engine is told when it commits.
  const r = await q.all(
    `WITH gone AS (DELETE FROM task_items WHERE id = $1 AND lease_token = $2 RETURNING execution_id),
          added AS (INSERT INTO events (execution_id, due_at, body) SELECT execution_id, $3, $4 FROM gone RETURNING id)
     SELECT id, pg_notify($5, '') FROM added`,
    [itemId, leaseToken, now, toJson(result.body), eventsChannel],
  );
  return r.length === 1;
}

/**
 * `finishTask` for results of distinct items, in one statement: each item held under its report's token is
 * removed and its result event added, in the order of the reports (so their event ids follow it); resolves to
 * whether each was accepted. The engine is told when the statement commits, if any was.
 *
 * @example
 * ```ts
 * const accepted = await finishTasks(q, [{ itemId, leaseToken, result: { body } }], Date.now(), "aloft_events");
 * ```
 */
export async function finishTasks(q: Queries, reports: readonly TaskReport[], now: number, eventsChannel: string): Promise<boolean[]> {
  const rows = await q.all<{ id: string }>(
    `WITH r AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS r(id, token, body, ord)),
          gone AS (DELETE FROM task_items t USING r WHERE t.id = r.id AND t.lease_token = r.token RETURNING t.id, t.execution_id, r.body, r.ord),
          added AS (INSERT INTO events (execution_id, due_at, body) SELECT execution_id, $4, body FROM gone ORDER BY ord RETURNING id),
          told AS (SELECT pg_notify($5, '') FROM (SELECT 1 FROM added LIMIT 1) AS one)
     SELECT id FROM gone WHERE (SELECT count(*) FROM told) >= 0`,
    [reports.map((r) => r.itemId), reports.map((r) => r.leaseToken), reports.map((r) => toJson(r.result.body)), now, eventsChannel],
  );
  const accepted = new Set(rows.map((r) => r.id));
  return reports.map((r) => accepted.has(r.itemId));
}

/**
 * Gives back an item a stopping worker holds under a live lease: unleased when its attempt never started,
 * its lease ended at `now` (a lost lease at the next claim) when it did; false (nothing written) otherwise.
 *
 * @example
 * ```ts
 * const given = await releaseTask(q, { itemId: item.id, leaseToken: item.leaseToken, started: false }, Date.now());
 * ```
 */
export async function releaseTask(q: Queries, r: TaskRelease, now: number): Promise<boolean> {
  const changed = r.started
    ? await q.run("UPDATE task_items SET lease_expires_at = $1, started = 1 WHERE id = $2 AND lease_token = $3 AND lease_expires_at > $1", [now, r.itemId, r.leaseToken])
    : await q.run("UPDATE task_items SET lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_token = $2 AND lease_expires_at > $3", [r.itemId, r.leaseToken, now]);
  return changed === 1;
}
