/**
 * A pipeline that shows every part of the web console: a conditional, a map
 * task (one element fails and is retried), a subworkflow, a dynamic workflow,
 * a launch-plan child, an approval gate, a typed signal, and a node that
 * fails the run when `fail` is true. Serve it and open http://127.0.0.1:8080:
 *
 *   npx aloft serve examples/console-demo.ts
 */
import { LaunchPlan, RecoverableError, approve, conditional, dynamic, mapTask, task, t, waitForInput, workflow } from "aloft";

export const load = task({ name: "load", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) => {
  console.log(`loading ${n} records`);
  return Array.from({ length: n }, (_, i) => i);
});

export const score = task({ name: "score", inputs: { x: t.int }, outputs: t.float, retries: 1 }, ({ x }, ctx) => {
  // A RecoverableError is retried (a plain error is final, as in Flyte).
  if (x === 3 && ctx.attempt === 1) throw new RecoverableError(`element ${x}: the scorer timed out once`);
  return x * 1.5;
});
export const scoreAll = mapTask(score, { concurrency: 8 });

export const total = task({ name: "total", inputs: { xs: t.list(t.float) }, outputs: t.float }, ({ xs }) => {
  const sum = xs.reduce((a, b) => a + b, 0);
  console.log(`total of ${xs.length} scores: ${sum}`);
  return sum;
});

export const big = task({ name: "big", inputs: { s: t.float }, outputs: t.str }, ({ s }) => `big batch (${s})`);
export const small = task({ name: "small", inputs: { s: t.float }, outputs: t.str }, ({ s }) => `small batch (${s})`);

export const summarize = workflow({ name: "summarize", inputs: { xs: t.list(t.int) } }, ({ xs }) => ({ s: total({ xs: scoreAll({ x: xs }) }) }));

export const square = task({ name: "square", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * x);
export const addUp = task({ name: "add_up", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
export const squares = dynamic({ name: "squares", inputs: { n: t.int }, outputs: t.int }, ({ n }) => addUp({ xs: Array.from({ length: n }, (_, i) => square({ x: i })) }));

export const notify = task({ name: "notify", inputs: { label: t.str }, outputs: t.str }, ({ label }) => `notified: ${label}`);
export const notifyWf = workflow({ name: "notify_wf", inputs: { label: t.str } }, ({ label }) => ({ o: notify({ label }) }));
export const notifyPlan = LaunchPlan.create("notify_plan", notifyWf, { defaultInputs: { label: "nightly" } });

export const publish = task({ name: "publish", inputs: { label: t.str, factor: t.int, fail: t.bool }, outputs: t.str }, ({ label, factor, fail }) => {
  console.error(`publishing ${label} with factor ${factor}`);
  if (fail) throw new Error(`publish refused: ${label} is not ready (fail was set)`);
  return `${label} x${factor}`;
});

export const pipeline = workflow(
  { name: "pipeline", inputs: { n: t.int, fail: t.bool } },
  ({ n, fail }) => {
    const xs = load({ n });
    const { s } = summarize({ xs });
    const label = conditional("size").if(s.gt(20)).then(big, { s }).else().then(small, { s });
    const sq = squares({ n: 3 });
    notifyPlan({ label });
    const factor = waitForInput("factor", t.int);
    const released = approve(label, "release");
    return { published: publish({ label: released, factor, fail }), squares: sq };
  },
);

export const pipelinePlan = LaunchPlan.create("pipeline_nightly", pipeline, { defaultInputs: { n: 12 }, fixedInputs: { fail: false } });

/** A wide map task (2,000 elements by default) for the console's element view. */
export const wide = workflow({ name: "wide", inputs: { n: t.int } }, ({ n }) => ({ scores: scoreAll({ x: load({ n }) }) }));
