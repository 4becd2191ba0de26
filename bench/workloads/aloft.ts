/**
 * The Aloft side of the benchmark: a trivial task and the two workflow
 * shapes, built with the imperative `Workflow` builder.
 *
 * @module
 */
import { Workflow, task, t, type Handle } from "aloft";

/** The body of the trivial task, kept apart so the baseline can call it directly. */
export function incBody({ x }: { x: number }): number {
  return x + 1;
}

/** A trivial synchronous task: `o0 = x + 1`. */
export const inc = task({ name: "inc", inputs: { x: t.int }, outputs: t.int }, incBody);

/**
 * A chain of `n` nodes: node `i` takes node `i - 1`'s output; the workflow
 * outputs the last node's value (`x + n`).
 *
 * @example
 * ```ts
 * await buildChain(3).run({ x: 0 }); // { out: 3 }
 * ```
 */
export function buildChain(n: number, name = `chain_${n}`): Workflow {
  const wf = new Workflow(name);
  const x = wf.addWorkflowInput("x", t.int);
  let prev = wf.addEntity(inc, { x });
  for (let i = 1; i < n; i++) prev = wf.addEntity(inc, { x: prev.outputs.o0 });
  wf.addWorkflowOutput("out", prev.outputs.o0);
  return wf;
}

/**
 * A fan-out of `n` independent nodes, each bound to the workflow input `x`;
 * their outputs are gathered into one workflow output, a list of `n` ints.
 *
 * @example
 * ```ts
 * await buildFanOut(3).run({ x: 1 }); // { out: [2, 2, 2] }
 * ```
 */
export function buildFanOut(n: number, name = `fanout_${n}`): Workflow {
  const wf = new Workflow(name);
  const x = wf.addWorkflowInput("x", t.int);
  const outs = new Array<Handle<number>>(n);
  for (let i = 0; i < n; i++) outs[i] = wf.addEntity(inc, { x }).outputs.o0;
  wf.addWorkflowOutput("out", outs, t.list(t.int));
  return wf;
}
