/**
 * Running attempts in the worker's own process instead of child processes:
 * the same attempt code (`attempt.ts`: resolving the task, checking inputs
 * and outputs, timeouts through the `AbortSignal`) on modules already loaded.
 * For tests and embedded use where speed matters more than isolation: a task
 * that blocks the event loop or ignores its timeout cannot be killed, and a
 * crash takes the worker with it.
 *
 * @module
 */
import { executeAttempt, attemptCacheKey, failureResult, itemOptions, timeoutError, type AttemptItem, type AttemptResult } from "./attempt.js";
import type { AttemptPool, PoolSlot, PrepareOutcome } from "./pool.js";
import type { AbortReason } from "./protocol.js";
import { TaskResolver, type LoadedModule } from "./resolver.js";
import { LocalBlobStore } from "../local/blob-store.js";
import { AbortedError } from "../errors.js";

function abortError(item: AttemptItem, reason: AbortReason): Error {
  if (reason === "timeout") return timeoutError(item, (item.options as { timeoutMs?: number }).timeoutMs ?? 0);
  return new AbortedError(reason === "lost" ? "the attempt was withdrawn (its lease was lost or the execution no longer needs it)" : "the worker is stopping");
}

/**
 * A pool whose slots run attempts in this process.
 *
 * @example
 * ```ts
 * const pool = new InProcessPool([{ file: "flows.ts", exports: await import("./flows.ts") }], ".aloft/blobs");
 * const slot = await pool.acquire();
 * const result = await slot.run(item);
 * ```
 */
export class InProcessPool implements AttemptPool {
  private readonly resolver: TaskResolver;
  private readonly blobs: LocalBlobStore;
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(modules: readonly LoadedModule[], blobDir: string) {
    this.resolver = new TaskResolver(modules);
    this.blobs = new LocalBlobStore(blobDir);
  }

  pids(): number[] {
    return [];
  }

  acquire(): Promise<PoolSlot> {
    if (this.closed) return Promise.reject(new AbortedError("the pool is closed"));
    let controller: AbortController | undefined;
    let item: AttemptItem | undefined;
    let ranMs: number | undefined;
    const track = <T>(p: Promise<T>): Promise<T> => {
      this.running.add(p);
      return p.finally(() => this.running.delete(p));
    };
    const slot: PoolSlot = {
      prepare: (it, onStart): Promise<PrepareOutcome> =>
        track(
          (async () => {
            onStart?.();
            try {
              return { cacheKey: attemptCacheKey(this.resolver.resolve(it.task, itemOptions(it).taskDigest, itemOptions(it).mapElement, itemOptions(it).root), it) };
            } catch (e) {
              return { failure: failureResult(it, e) };
            }
          })(),
        ),
      run: (it, _onLog, onStart): Promise<AttemptResult> => {
        onStart?.();
        item = it;
        controller = new AbortController();
        const ms = (it.options as { timeoutMs?: unknown }).timeoutMs;
        const c = controller;
        const timer = typeof ms === "number" && ms > 0 ? setTimeout(() => c.abort(abortError(it, "timeout")), ms) : undefined;
        const since = performance.now();
        return track(
          executeAttempt(this.resolver, it, { signal: c.signal, blobs: this.blobs }).finally(() => {
            clearTimeout(timer);
            ranMs = performance.now() - since;
          }),
        );
      },
      ranMs: () => ranMs,
      abort: (reason) => {
        if (controller && item && !controller.signal.aborted) controller.abort(abortError(item, reason));
      },
      release: () => {},
    };
    return Promise.resolve(slot);
  }

  async close(options: { readonly hard?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (!options.hard) await Promise.allSettled([...this.running]);
  }
}
