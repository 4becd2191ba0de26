/**
 * How a worker hands its results to the store: results that arrive close
 * together go in one `finishTasks` call (one transaction, one durable write
 * for the batch) instead of one transaction each. A result is queued, and the
 * queue is flushed on the next turn of the event loop; while a flush is under
 * way the next results wait for it, so the batch grows with the store's
 * commit time (group commit) and a lone result waits for nothing.
 *
 * A store that fails (the database or the server restarting) is retried for
 * as long as a result's lease could last, since the heartbeats keep it the
 * worker's meanwhile; after that the result is given up (its lease expires
 * and another worker runs the attempt).
 *
 * @module
 */
import type { TaskReport, TaskResult } from "../store/store.js";
import type { WorkQueue } from "./work-queue.js";

/** What became of a result: accepted, refused (the lease was lost), or given up after the store kept failing. */
export type ReportOutcome = "accepted" | "refused" | { readonly gaveUp: string };

interface Queued {
  readonly report: TaskReport;
  readonly giveUpAt: number;
  tries: number;
  readonly done: (outcome: ReportOutcome) => void;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Batches a worker's results into `finishTasks` calls (or `finishTask` calls
 * for a queue that has no batch call).
 *
 * @example
 * ```ts
 * const reporter = new Reporter(store, () => false);
 * const outcome = await reporter.report({ itemId: item.id, leaseToken: item.leaseToken, result: { body } }, Date.now() + 30_000);
 * if (outcome === "refused") console.log("the lease was lost meanwhile");
 * ```
 */
export class Reporter {
  private queue: Queued[] = [];
  private scheduled = false;
  private flushing = false;

  /** `stopped()` true (a hard stop): results that fail are given up at once instead of retried. */
  constructor(
    private readonly store: WorkQueue,
    private readonly stopped: () => boolean,
  ) {}

  /** Queues one result; resolves once the store took (or refused) it, or it was given up after `giveUpAt`. */
  report(report: TaskReport, giveUpAt: number): Promise<ReportOutcome> {
    return new Promise((done) => {
      this.queue.push({ report, giveUpAt, tries: 0, done });
      this.schedule(0);
    });
  }

  private schedule(ms: number): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    const run = (): void => {
      this.scheduled = false;
      void this.flush();
    };
    if (ms > 0) setTimeout(run, ms);
    else setImmediate(run);
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.flushing = true;
    let retryIn = 0;
    try {
      const accepted = await this.finish(batch.map((q) => q.report));
      batch.forEach((q, i) => q.done(accepted[i] === true ? "accepted" : "refused"));
    } catch (e) {
      const now = Date.now();
      const again: Queued[] = [];
      for (const q of batch) {
        q.tries++;
        if (now >= q.giveUpAt || this.stopped()) q.done({ gaveUp: message(e) });
        else again.push(q);
      }
      this.queue = [...again, ...this.queue];
      const soonest = Math.min(...again.map((q) => q.giveUpAt));
      if (again.length > 0) retryIn = Math.max(1, Math.min(100 * Math.max(...again.map((q) => q.tries)), 1000, soonest - now));
    } finally {
      this.flushing = false;
    }
    if (this.queue.length > 0) this.schedule(retryIn);
  }

  private finish(reports: readonly TaskReport[]): Promise<boolean[]> {
    const now = Date.now();
    if (this.store.finishTasks) return this.store.finishTasks(reports, now);
    return Promise.all(reports.map((r) => this.store.finishTask(r.itemId, r.leaseToken, r.result as TaskResult, now)));
  }
}
