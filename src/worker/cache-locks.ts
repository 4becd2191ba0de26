/**
 * The worker's side of the store-backed output cache: looking entries up,
 * and, for tasks with `cache: { serialize: true }`, holding the lock of a
 * cache key while one attempt computes it, so that attempts of the same key
 * elsewhere wait for its entry instead of running again. A problem with the
 * store is logged and treated as a miss: the cache never fails an attempt.
 *
 * @module
 */
import type { CacheEntry } from "../store/store.js";
import type { WorkQueue } from "./work-queue.js";

/**
 * A lock on a cache key, held by one attempt.
 *
 * @example
 * ```ts
 * const lock: CacheLock = { key: "3f2a…", owner: "host-1234-ab12cd34/exec-1|n0|1" };
 * ```
 */
export interface CacheLock {
  readonly key: string;
  readonly owner: string;
}

/**
 * An attempt that may hold a cache lock: `take` records the lock it got, and
 * stops waiting once the attempt is abandoned.
 *
 * @example
 * ```ts
 * const holder: LockHolder = { abandoned: false, lock: undefined };
 * ```
 */
export interface LockHolder {
  readonly abandoned: boolean;
  lock: CacheLock | undefined;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The cache lookups and key locks of one worker.
 *
 * @example
 * ```ts
 * const locks = new CacheLocks(store, 30_000, log);
 * const hit = (await locks.lookup(key, "task \"slope\"")) ?? (await locks.take(attempt, key, owner, "task \"slope\""));
 * ```
 */
export class CacheLocks {
  /** Locks kept after a populated result until the engine has stored the entry. */
  private readonly held = new Map<string, CacheLock>();

  constructor(
    private readonly store: WorkQueue,
    private readonly leaseMs: number,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * The cached entry of `key`, or undefined (a miss, or a store problem,
   * logged naming `what`).
   *
   * @example
   * ```ts
   * const hit = await locks.lookup(key, describeItem(item));
   * ```
   */
  async lookup(key: string, what: string): Promise<CacheEntry | undefined> {
    try {
      return await this.store.getCached(key);
    } catch (e) {
      this.log(`cannot look up the cache for ${what}: ${message(e)}`);
      return undefined;
    }
  }

  /**
   * Takes the lock of a cache key for `holder`, waiting with backoff while
   * another holds it. Resolves undefined once taken (and the cache still
   * misses), the entry when another run stored it meanwhile, or `"abandoned"`.
   *
   * @example
   * ```ts
   * const late = await locks.take(state, key, `${workerId}/${item.id}`, describeItem(item));
   * if (late === undefined) run(); // state.lock is now held
   * ```
   */
  async take(holder: LockHolder, key: string, owner: string, what: string): Promise<CacheEntry | "abandoned" | undefined> {
    let wait = 10;
    for (;;) {
      if (holder.abandoned) return "abandoned";
      let taken = false;
      try {
        taken = await this.store.lockCacheKey(key, owner, this.leaseMs, Date.now());
      } catch (e) {
        this.log(`cannot lock the cache key of ${what}: ${message(e)}`);
      }
      if (taken) {
        holder.lock = { key, owner };
        return this.lookup(key, what);
      }
      await delay(wait);
      wait = Math.min(wait * 2, 500);
      const hit = await this.lookup(key, what);
      if (hit) return hit;
    }
  }

  /**
   * Extends a held lock by a lease's length (with the attempt's heartbeat).
   *
   * @example
   * ```ts
   * if (state.lock) await locks.extend(state.lock, describeItem(item));
   * ```
   */
  async extend(lock: CacheLock, what: string): Promise<void> {
    try {
      await this.store.lockCacheKey(lock.key, lock.owner, this.leaseMs, Date.now());
    } catch (e) {
      this.log(`cannot extend the cache lock of ${what}: ${message(e)}`);
    }
  }

  /**
   * Releases a lock now.
   *
   * @example
   * ```ts
   * await locks.unlock(state.lock);
   * ```
   */
  async unlock(lock: CacheLock): Promise<void> {
    try {
      await this.store.unlockCacheKey(lock.key, lock.owner);
    } catch (e) {
      this.log(`cannot release the cache lock ${lock.key}: ${message(e)}`);
    }
  }

  /**
   * Keeps a lock until the engine has stored the entry the result populates
   * (it does so when it applies the result), so that the attempts waiting for
   * the lock find the entry instead of running again; gives up after a
   * lease's length.
   *
   * @example
   * ```ts
   * if (result.cacheStatus === "populated") locks.releaseWhenCached(state.lock);
   * ```
   */
  releaseWhenCached(lock: CacheLock): void {
    this.held.set(lock.owner, lock);
    const deadline = Date.now() + this.leaseMs;
    const poll = async (): Promise<void> => {
      let wait = 5;
      while (this.held.has(lock.owner) && Date.now() < deadline) {
        try {
          if (await this.store.getCached(lock.key)) break;
        } catch {
          break;
        }
        await delay(wait);
        wait = Math.min(wait * 2, 200);
      }
      if (this.held.delete(lock.owner)) await this.unlock(lock);
    };
    void poll();
  }

  /**
   * Releases every lock still kept for the engine (the worker stops).
   *
   * @example
   * ```ts
   * await locks.releaseAll();
   * ```
   */
  async releaseAll(): Promise<void> {
    const locks = [...this.held.values()];
    this.held.clear();
    await Promise.all(locks.map((l) => this.unlock(l)));
  }
}
