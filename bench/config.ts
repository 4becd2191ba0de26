/**
 * What the benchmark measures and how many times: one place for the numbers
 * the workers use and the report states.
 *
 * @module
 */

/**
 * `npm run bench -- --quick` measures small sizes once, to try the benchmark
 * itself; its report goes to scratch/, not BENCHMARKS.md.
 */
export const QUICK = process.argv.includes("--quick");

/** Build + compile: workflow sizes, shapes, and fresh processes per size and shape. */
export const BUILD_COMPILE = {
  sizes: QUICK ? [1_000, 10_000] : [1_000, 10_000, 100_000],
  shapes: ["chain", "fanout"],
  runs: QUICK ? 1 : 5,
  warmupWorkflows: 3,
  warmupSize: 1_000,
} as const;

/** Local execution: sizes (the peer stops at the first it cannot finish in time). */
export const OVERHEAD_SIZES: readonly number[] = QUICK ? [1_000, 2_000] : [1_000, 2_000, 5_000, 10_000];

/** Aloft runs: first runs of fresh workflows, then warm runs of one workflow (untimed until both warm-up counts are reached). */
export const ALOFT_RUNS = { firstRuns: 5, earlyRuns: 4, warm: { warmup: 10, warmupMs: 250, runs: 15 } } as const;

/** Direct calls of the node function, the baseline subtracted from a run. */
export const DIRECT_RUNS = { warmup: 10, warmupMs: 50, runs: 15 } as const;

/** LangGraph.js runs and limits. */
export const PEER_RUNS = {
  /** A first invoke faster than this is a warm-up, followed by `runs` timed invokes. */
  repeatBelowMs: 2_000,
  runs: 5,
  /** A first invoke faster than this is repeated twice more (median of three); a slower one is the only run. */
  tripleBelowMs: 8_000,
  /** A first invoke running past this is killed, and larger sizes are not run. */
  limitMs: 60_000,
  /** A size extrapolated to take more than this multiple of the limit is not attempted. */
  skipFactor: 1.5,
} as const;

/** Before each measured process starts: wait until this share of the CPU was idle over half a second, for at most `maxWaitMs`. */
export const IDLE_GATE = { minIdle: 0.85, maxWaitMs: QUICK ? 2_000 : 30_000 } as const;
