/**
 * The store's parts a worker uses, through the server's worker endpoints:
 * the task queue and the cache (`RemoteQueue`), the engine's large values
 * (`RemoteValues`) and the attempt logs (`RemoteAttemptLogs`). The semantics
 * are the store's: a heartbeat or report whose lease was lost resolves false
 * (the server's 409 `lease_lost`), and the worker stops that attempt.
 *
 * @module
 */
import type { BlobStore } from "../store/blob-store.js";
import type { AttemptLogStore, AttemptRecord } from "../store/attempt-logs.js";
import type { CacheEntry, ClaimedTask, TaskRelease, TaskResult } from "../store/store.js";
import { RemoteServerError, type RemoteServer } from "./remote-client.js";
import type { WorkQueue } from "./work-queue.js";

function recordKey(executionId: string, path: string, attempt: number): string {
  return `${executionId}\u0000${path}\u0000${attempt}`;
}

/** Resolves false for the server's `lease_lost`, true for an answer; rethrows anything else. */
async function leaseKept(request: Promise<unknown>): Promise<boolean> {
  try {
    await request;
    return true;
  } catch (e) {
    if (e instanceof RemoteServerError && e.code === "lease_lost") return false;
    throw e;
  }
}

/**
 * The task queue and the cache of a server, for a worker.
 *
 * @example
 * ```ts
 * const queue = new RemoteQueue(new RemoteServer("http://127.0.0.1:8080", token));
 * await startWorker({ store: queue, modules: ["flows.ts"], concurrency: 4 });
 * ```
 */
export class RemoteQueue implements WorkQueue {
  /** Attempt records kept by `RemoteAttemptLogs`, sent with their attempt's report (one request instead of two). */
  private readonly records = new Map<string, AttemptRecord>();

  private claiming: AbortController | undefined;

  /** Whether claims wait on the server for work (a long poll). */
  get claimsWait(): boolean {
    return this.waitMs > 0;
  }

  /** @param waitMs how long a claim waits on the server for work when none is ready (a long poll; 0: not at all). */
  constructor(
    private readonly server: RemoteServer,
    private readonly waitMs = 0,
  ) {}

  /** Ends a claim waiting on the server: it resolves with no items (the worker is stopping). */
  interrupt(): void {
    this.claiming?.abort();
  }

  /** Keeps `record` to send with the report of its attempt. */
  keepRecord(record: AttemptRecord): void {
    this.records.set(recordKey(record.executionId, record.path, record.attempt), record);
  }

  // The `now` arguments of the store's methods are left out: the server's clock times the leases.

  async claimTasks(workerId: string, limit: number, leaseMs: number, _now?: number): Promise<ClaimedTask[]> {
    const controller = (this.claiming = new AbortController());
    try {
      const response = await this.server.request("POST", "/claim", { json: { workerId, limit, leaseMs: Math.ceil(leaseMs), ...(this.waitMs > 0 ? { waitMs: this.waitMs } : {}) }, signal: controller.signal });
      return ((await response.json()) as { items: ClaimedTask[] }).items;
    } catch (e) {
      if (controller.signal.aborted) return [];
      throw e;
    } finally {
      if (this.claiming === controller) this.claiming = undefined;
    }
  }

  heartbeat(itemId: string, leaseToken: string, leaseMs: number, _now?: number): Promise<boolean> {
    return leaseKept(this.server.json("POST", "/heartbeat", { itemId, leaseToken, leaseMs: Math.ceil(leaseMs) }));
  }

  async finishTask(itemId: string, leaseToken: string, result: TaskResult, _now?: number): Promise<boolean> {
    const executionId = itemId.split("|")[0] ?? "";
    const key = recordKey(executionId, result.body.path, result.body.attempt);
    const log = this.records.get(key);
    const kept = await leaseKept(this.server.json("POST", "/report", { itemId, leaseToken, result: result.body, ...(log ? { log } : {}) }));
    this.records.delete(key);
    return kept;
  }

  async releaseTasks(releases: readonly TaskRelease[], _now?: number): Promise<boolean[]> {
    if (releases.length === 0) return [];
    return (await this.server.json<{ released: boolean[] }>("POST", "/release", { items: releases.map((r) => ({ itemId: r.itemId, leaseToken: r.leaseToken, started: r.started })) })).released;
  }

  async getCached(key: string): Promise<CacheEntry | undefined> {
    return (await this.server.json<{ entry?: CacheEntry }>("GET", `/cache/${encodeURIComponent(key)}`)).entry;
  }

  async lockCacheKey(key: string, owner: string, ttlMs: number, _now?: number): Promise<boolean> {
    return (await this.server.json<{ locked: boolean }>("POST", "/cache-locks", { key, owner, ttlMs: Math.ceil(ttlMs) })).locked;
  }

  async unlockCacheKey(key: string, owner: string): Promise<void> {
    await this.server.json("POST", "/cache-locks/release", { key, owner });
  }
}

/**
 * The engine's value store (large inputs and outputs), through the server.
 *
 * @example
 * ```ts
 * await startWorker({ store: queue, values: new RemoteValues(server), modules: ["flows.ts"], concurrency: 4 });
 * ```
 */
export class RemoteValues implements BlobStore {
  constructor(private readonly server: RemoteServer) {}

  async put(bytes: Uint8Array, hint?: string): Promise<string> {
    const response = await this.server.request("PUT", "/values", { bytes, query: { hint } });
    return ((await response.json()) as { uri: string }).uri;
  }

  get(uri: string): Promise<Uint8Array> {
    return this.server.bytes("/values", { uri });
  }

  async has(uri: string): Promise<boolean> {
    try {
      await this.get(uri);
      return true;
    } catch (e) {
      if (e instanceof RemoteServerError && e.code === "not_found") return false;
      throw e;
    }
  }
}

/**
 * Where a worker through the server keeps attempt records: the server's attempt logs.
 *
 * @example
 * ```ts
 * await startWorker({ store: queue, logs: new RemoteAttemptLogs(server), modules: ["flows.ts"], concurrency: 4 });
 * ```
 */
export class RemoteAttemptLogs implements Pick<AttemptLogStore, "put"> {
  /** @param queue with it, a record goes with its attempt's report instead of a request of its own. */
  constructor(
    private readonly server: RemoteServer,
    private readonly queue?: RemoteQueue,
  ) {}

  async put(record: AttemptRecord): Promise<void> {
    if (this.queue) this.queue.keepRecord(record);
    else await this.server.json("POST", "/attempt-logs", record);
  }
}
