/**
 * The map-task workload: one node mapping the trivial task over a list of
 * `n` ints, built with the imperative `Workflow` builder. Its local run costs
 * one task run per element and keeps only the output list.
 *
 * @module
 */
import { Workflow, mapTask, t } from "aloft";
import { inc, incBody } from "./aloft.js";

/** `inc` mapped over a list: `o0[i] = x[i] + 1`. */
export const incAll = mapTask(inc);

/**
 * A workflow of one map-task node: input `xs` (a list of ints), output `out`,
 * the list of `xs[i] + 1`.
 *
 * @example
 * ```ts
 * await buildMap().run(mapInputs(3)); // { out: [1, 2, 3] }
 * ```
 */
export function buildMap(name = "map_inc"): Workflow {
  const wf = new Workflow(name);
  const xs = wf.addWorkflowInput("xs", t.list(t.int));
  const node = wf.addEntity(incAll, { x: xs });
  wf.addWorkflowOutput("out", node.outputs.o0);
  return wf;
}

/**
 * The inputs of a run over `n` elements: `xs = [0, 1, ..., n - 1]`.
 *
 * @example
 * ```ts
 * mapInputs(3); // { xs: [0, 1, 2] }
 * ```
 */
export function mapInputs(n: number): { xs: number[] } {
  return { xs: Array.from({ length: n }, (_, i) => i) };
}

/**
 * The same work without Aloft, for the baseline: the task body on each element.
 *
 * @example
 * ```ts
 * directMap([0, 1, 2]); // [1, 2, 3]
 * ```
 */
export function directMap(xs: readonly number[]): number[] {
  const out = new Array<number>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = incBody({ x: xs[i]! });
  return out;
}
