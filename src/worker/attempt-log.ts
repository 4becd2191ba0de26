/**
 * One attempt's log as a worker collects it: the lines its task writes
 * (arriving from the child process as it writes them), kept up to
 * `MAX_LOG_BYTES`, then the record the worker stores once the attempt is over.
 *
 * @module
 */
import type { ClaimedTask } from "../store/store.js";
import { MAX_LOG_BYTES, type AttemptOutcome, type AttemptRecord, type LogLine } from "../store/attempt-logs.js";
import type { AttemptResult } from "./attempt.js";

/**
 * The log of an attempt in hand.
 *
 * @example
 * ```ts
 * const log = new AttemptLog(Date.now());
 * await slot.run(item, (lines) => log.add(lines));
 * await logs.put(log.record(item, workerId, result, Date.now()));
 * ```
 */
export class AttemptLog {
  private readonly lines: LogLine[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(readonly startedAt: number) {}

  /** Keeps lines while under the limit; counts the bytes past it. */
  add(lines: readonly LogLine[]): void {
    for (const l of lines) {
      const bytes = Buffer.byteLength(l.text);
      if (this.kept + bytes <= MAX_LOG_BYTES) {
        this.lines.push(l);
        this.kept += bytes;
      } else {
        this.dropped += bytes;
      }
    }
  }

  /** The record of the attempt, once it ended with `result`. */
  record(item: ClaimedTask, workerId: string, result: AttemptResult, endedAt: number): AttemptRecord {
    const outcome: AttemptOutcome = result.type === "taskSucceeded" ? (result.cacheStatus === "hit" ? "cacheHit" : "succeeded") : result.type === "taskFailed" && result.timedOut ? "timedOut" : "failed";
    return {
      executionId: item.executionId,
      path: item.path,
      attempt: item.attempt,
      systemAttempt: item.systemAttempts,
      workerId,
      startedAt: this.startedAt,
      endedAt,
      outcome,
      ...(result.type === "taskFailed" ? { error: result.message } : {}),
      lines: [...this.lines],
      droppedBytes: this.dropped,
    };
  }
}
