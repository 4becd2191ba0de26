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
import type { CacheEntry, ClaimedTask, TaskResult } from "../store/store.js";
import { RemoteServerError, type RemoteServer } from "./remote-client.js";
import type { WorkQueue } from "./work-queue.js";

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
  constructor(private readonly server: RemoteServer) {}

  // The `now` arguments of the store's methods are left out: the server's clock times the leases.

  async claimTasks(workerId: string, limit: number, leaseMs: number, _now?: number): Promise<ClaimedTask[]> {
    const answer = await this.server.json<{ items: ClaimedTask[] }>("POST", "/claim", { workerId, limit, leaseMs: Math.ceil(leaseMs) });
    return answer.items;
  }

  heartbeat(itemId: string, leaseToken: string, leaseMs: number, _now?: number): Promise<boolean> {
    return leaseKept(this.server.json("POST", "/heartbeat", { itemId, leaseToken, leaseMs: Math.ceil(leaseMs) }));
  }

  finishTask(itemId: string, leaseToken: string, result: TaskResult, _now?: number): Promise<boolean> {
    return leaseKept(this.server.json("POST", "/report", { itemId, leaseToken, result: result.body }));
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
  constructor(private readonly server: RemoteServer) {}

  async put(record: AttemptRecord): Promise<void> {
    await this.server.json("POST", "/attempt-logs", record);
  }
}
