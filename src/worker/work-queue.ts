/**
 * What a worker needs of the store: the task queue (claim, heartbeat,
 * report, one result or a batch, give back what it will not run) and the output cache (lookups and key locks). A `Store` is one
 * (a worker over the database); `RemoteQueue` is another (a worker through
 * the server's HTTP API, with no database access).
 *
 * @module
 */
import type { Store } from "../store/store.js";

/**
 * The part of the `Store` port a worker uses, with the same semantics
 * (see `Store`): leases with tokens, a refused heartbeat or report when the
 * lease was lost.
 *
 * @example
 * ```ts
 * const queue: WorkQueue = await openSqliteStore(".aloft/aloft.db");
 * const [item] = await queue.claimTasks("w1", 1, 30_000, Date.now());
 * ```
 */
export type WorkQueue = Pick<Store, "claimTasks" | "heartbeat" | "finishTask" | "releaseTasks" | "getCached" | "lockCacheKey" | "unlockCacheKey"> &
  /** Many results in one call, where the queue has it (a `Store`); otherwise the worker calls `finishTask` for each. */
  Partial<Pick<Store, "finishTasks">> & {
    /** Claims wait on the other side until work comes (a long poll, `RemoteQueue`): a slot that frees claims at once, and the claim is waiting when the next work is enqueued. */
    readonly claimsWait?: boolean;
  };
