/**
 * Local execution overhead per node, Aloft and LangGraph.js side by side in
 * one worker process per shape, with a watchdog on the peer's runs.
 *
 * @module
 */
import type { AloftRun, OverheadMessage, PeerRun, PeerStop, Shape } from "./results.js";
import { startWorker } from "./spawn.js";
import { waitForIdle } from "./machine.js";
import { IDLE_GATE } from "./config.js";

/** Everything measured for one shape. */
export interface OverheadResult {
  readonly shape: Shape;
  readonly aloft: readonly AloftRun[];
  readonly peer: readonly PeerRun[];
  /** Where and why the peer stopped, when it did not run every size. */
  readonly peerStop: PeerStop | undefined;
  /** Whether the worker started without the machine becoming idle first. */
  readonly busyStart: boolean;
}

/**
 * Measures one shape at every size. The worker is killed, and the peer marked
 * as stopped at that size, when one of its first invokes runs past `limitMs`.
 */
export async function measureOverhead(shape: Shape, sizes: readonly number[], limitMs: number): Promise<OverheadResult> {
  const busyStart = !(await waitForIdle(IDLE_GATE.minIdle, IDLE_GATE.maxWaitMs));
  let watchdog: NodeJS.Timeout | undefined;
  let timedOut: PeerStop | undefined;
  const worker = startWorker<OverheadMessage>("overhead.ts", [shape, sizes.join(","), String(limitMs)], (message) => {
    if (message.type === "peer-start") {
      watchdog = setTimeout(() => {
        timedOut = { type: "peer-stop", shape, size: message.size, reason: `its first invoke ran past the ${limitMs / 1000} s limit and was stopped` };
        worker.kill();
      }, limitMs);
    } else if (message.type === "peer-first") {
      clearTimeout(watchdog);
    }
  });
  const { code, signal } = await worker.exited;
  clearTimeout(watchdog);
  if (code !== 0 && !timedOut) throw new Error(`the ${shape} overhead worker failed (${signal ?? `exit code ${String(code)}`})`);
  const messages = worker.messages;
  return {
    shape,
    aloft: messages.filter((m): m is AloftRun => m.type === "aloft"),
    peer: messages.filter((m): m is PeerRun => m.type === "peer"),
    peerStop: timedOut ?? messages.find((m): m is PeerStop => m.type === "peer-stop"),
    busyStart,
  };
}
