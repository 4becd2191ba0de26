/**
 * The handle of a local run: its result, its node reports, and the answers
 * its gates wait for.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { AbortedError } from "../errors.js";
import type { Execution, NodeExecution, PendingSignal } from "../sdk/runner-port.js";
import type { RunEnvironment } from "./environment.js";
import type { Outputs } from "./target.js";

/**
 * A local run in progress.
 *
 * @example
 * ```ts
 * const run = wf.start({ x: 1 });
 * run.waitingFor();      // [{ name: "publish", kind: "approve", ... }]
 * run.approve("publish");
 * await run.result;
 * ```
 */
export class LocalExecution implements Execution<Outputs> {
  readonly id = randomUUID();
  readonly result: Promise<Outputs>;

  constructor(
    private readonly env: RunEnvironment,
    private readonly controller: AbortController,
    body: () => Promise<Outputs>,
  ) {
    let started: Promise<Outputs>;
    try {
      started = body();
    } catch (e) {
      started = Promise.reject(e);
    }
    this.result = started.finally(() => {
      env.recorder.abortRunning("the run ended");
      if (!controller.signal.aborted) controller.abort(new AbortedError("the run ended"));
    });
    // A caller that only uses nodes() or gates must not see an unhandled rejection; `result` still rejects.
    this.result.catch(() => {});
  }

  nodes(): NodeExecution[] {
    return this.env.recorder.snapshot();
  }

  waitingFor(): PendingSignal[] {
    return this.env.gates.pending();
  }

  signal(name: string, value: unknown): void {
    this.env.gates.deliver(name, value);
  }

  approve(name: string): void {
    this.env.gates.answer(name, true);
  }

  reject(name: string, reason?: string): void {
    this.env.gates.answer(name, false, reason);
  }

  abort(reason = "aborted by the caller"): void {
    if (this.controller.signal.aborted) return;
    this.env.recorder.abortRunning(reason);
    this.controller.abort(new AbortedError(`the run was aborted: ${reason}`));
  }
}
