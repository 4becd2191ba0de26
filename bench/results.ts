/**
 * What the benchmark's worker processes report, one JSON object per line.
 *
 * @module
 */

/** The two shapes of workflow measured. */
export type Shape = "chain" | "fanout";

/** One build and compile of one workflow, in a fresh process. */
export interface BuildCompileSample {
  readonly size: number;
  readonly shape: Shape;
  /** Building the workflow with the imperative builder. */
  readonly buildMs: number;
  /** `compile(wf)` with default options (the version is a hash of the specs). */
  readonly compileMs: number;
  /** CPU time of the process (every thread, so GC helpers count) during build and compile. */
  readonly cpuMs: number;
  /** `compile(wf, { version })` afterwards, which skips hashing. */
  readonly compileVersionedMs: number;
  /** Peak resident set size of the process up to the end of the first compile, in MiB. */
  readonly peakRssMiB: number;
  /** Resident set size after warm-up, before building, in MiB. */
  readonly startRssMiB: number;
  /** Heap the workflow and its spec keep alive (heap used after a full GC, minus before building), in MiB. */
  readonly retainedHeapMiB: number;
}

/** Local execution of one Aloft workflow size and shape. */
export interface AloftRun {
  readonly type: "aloft";
  readonly shape: Shape;
  readonly size: number;
  /** First runs of freshly built workflows: compile, plan and execute. */
  readonly firstRunMs: readonly number[];
  /** The second to fifth runs of each freshly built workflow: the plan is cached, the JIT has not settled. */
  readonly earlyRunMs?: readonly number[];
  /** Runs of a workflow already run once (its plan is cached). */
  readonly warmRunMs: readonly number[];
  /** Calling the task's function `size` times directly. */
  readonly directMs: readonly number[];
}

/** The peer is about to run a size for the first time (the orchestrator's watchdog starts). */
export interface PeerStart {
  readonly type: "peer-start";
  readonly shape: Shape;
  readonly size: number;
  /** Extrapolated from the smaller sizes, when there are any. */
  readonly predictedMs: number | undefined;
}

/** The peer's first invoke of a size finished (the watchdog stops). */
export interface PeerFirst {
  readonly type: "peer-first";
  readonly shape: Shape;
  readonly size: number;
  readonly ms: number;
}

/** LangGraph.js running one size and shape. */
export interface PeerRun {
  readonly type: "peer";
  readonly shape: Shape;
  readonly size: number;
  /** Building and compiling the `StateGraph`. */
  readonly buildMs: number;
  /** Timed invokes; the first invoke is included only when it was too slow to repeat. */
  readonly runMs: readonly number[];
  /** Whether the first invoke was a discarded warm-up. */
  readonly warmedUp: boolean;
  /** Calling the node function `size` times directly. */
  readonly directMs: readonly number[];
}

/** The peer was not run at a size. */
export interface PeerStop {
  readonly type: "peer-stop";
  readonly shape: Shape;
  readonly size: number;
  readonly reason: string;
}

/** Any line of the overhead worker. */
export type OverheadMessage = AloftRun | PeerStart | PeerFirst | PeerRun | PeerStop;
