/**
 * Building and compiling imperative workflows of growing size, each in a
 * fresh process.
 *
 * @module
 */
import type { BuildCompileSample, Shape } from "./results.js";
import { runWorker } from "./spawn.js";
import { waitForIdle } from "./machine.js";
import { IDLE_GATE } from "./config.js";

/** What to measure. */
export interface BuildCompilePlan {
  readonly sizes: readonly number[];
  readonly shapes: readonly Shape[];
  /** Fresh processes per size and shape; medians are reported. */
  readonly runs: number;
}

/** Every sample of one size and shape. */
export interface BuildCompileResult {
  readonly shape: Shape;
  readonly size: number;
  readonly samples: readonly BuildCompileSample[];
  /** Processes that started without the machine becoming idle first. */
  readonly busyStarts: number;
}

/** Measures every size and shape `runs` times, one fresh process each, rounds interleaved so drift in machine load spreads evenly. */
export async function measureBuildCompile(plan: BuildCompilePlan, log: (line: string) => void): Promise<BuildCompileResult[]> {
  const results = plan.shapes.flatMap((shape) => plan.sizes.map((size) => ({ shape, size, samples: [] as BuildCompileSample[], busyStarts: 0 })));
  for (let round = 1; round <= plan.runs; round++) {
    log(`build + compile, round ${round} of ${plan.runs}`);
    for (const r of results) {
      if (!(await waitForIdle(IDLE_GATE.minIdle, IDLE_GATE.maxWaitMs))) r.busyStarts++;
      const [sample] = await runWorker<BuildCompileSample>("build-compile.ts", [String(r.size), r.shape]);
      if (!sample) throw new Error(`no result for ${r.shape} of ${r.size}`);
      r.samples.push(sample);
    }
  }
  return results;
}
