/**
 * The durable workloads' entities, in a module the worker processes load:
 * a trivial task, W1 (one map over N elements), W2 (a chain of N tasks, built
 * by `chain(n)`), W3 (a workflow of one task).
 *
 * @module
 */
import { Workflow, mapTask, task, t, workflow } from "aloft";

/** The trivial task: `x + 1`. */
export const inc = task({ name: "durable_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);

/** W1: `inc` over every element of `xs`, all at once (the map's concurrency is not limited). */
export const fanOut = workflow({ name: "durable_w1", inputs: { xs: t.list(t.int) } }, ({ xs }) => ({ out: mapTask(inc)({ x: xs }) }));

/** W3: one task. */
export const single = workflow({ name: "durable_w3", inputs: { x: t.int } }, ({ x }) => ({ y: inc({ x }) }));

/** W2: a chain of `n` tasks, each taking the previous one's output. */
export function chain(n: number): Workflow {
  const wf = new Workflow(`durable_w2_${n}`);
  const x = wf.addWorkflowInput("x", t.int);
  let prev = wf.addEntity(inc, { x });
  for (let i = 1; i < n; i++) prev = wf.addEntity(inc, { x: prev.outputs.o0 });
  wf.addWorkflowOutput("y", prev.outputs.o0);
  return wf;
}
