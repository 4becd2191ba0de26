/**
 * Fixture modules the CLI tests load: TypeScript (in a directory with no
 * package.json, so not marked as ES modules) and plain `.mjs`.
 */

/** Tasks, two workflows, a launch plan with defaults, and a workflow taking every kind of input. */
export const FLOWS_TS = `
import { task, workflow, LaunchPlan, t } from "aloft";

export const add = task({ name: "add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
export const boom = task({ name: "boom", inputs: { msg: t.str }, outputs: t.int }, ({ msg }) => {
  throw new TypeError(msg + "\\nsecond line");
});

export const sum = workflow({ name: "sum_wf", inputs: { a: t.int, b: t.int, note: t.optional(t.str) } }, ({ a, b }) => {
  const s = add({ a, b });
  return { total: add({ a: s, b: 1 }) };
});
const inner = workflow({ name: "inner_wf", inputs: { msg: t.str } }, ({ msg }) => ({ out: boom({ msg }) }));
export const failing = workflow({ name: "failing_wf", inputs: { msg: t.str } }, ({ msg }) => ({ out: inner({ msg }).out }));
export const sumLp = LaunchPlan.create("sum_lp", sum, { defaultInputs: { b: 10 } });

const Point = t.struct({ x: t.float, y: t.float, at: t.optional(t.datetime) });
const kindsInputs = {
  n: t.int, f: t.float, s: t.str, yes: t.bool, when: t.datetime, wait: t.duration, mode: t.enum("fast", "exact"),
  xs: t.list(t.int), counts: t.map(t.int), point: Point, either: t.union(t.int, t.str), maybe: t.optional(t.int),
};
const echo = task({ name: "echo", inputs: kindsInputs, outputs: kindsInputs }, (inputs) => inputs);
export const kinds = workflow({ name: "kinds_wf", inputs: kindsInputs }, (inputs) => echo(inputs));
`;

/** A JavaScript module exporting one workflow (as default) and a task. */
export const SINGLE_MJS = `
import { task, workflow, t } from "aloft";
export const square = task({ name: "square", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * x);
export default workflow({ name: "square_wf", inputs: { x: t.int } }, ({ x }) => square({ x }));
`;

/** A workflow with a signal gate and an approval. */
export const GATES_MJS = `
import { task, workflow, waitForInput, approve, t } from "aloft";
const twice = task({ name: "twice", inputs: { x: t.int }, outputs: t.int }, ({ x }) => 2 * x);
export default workflow({ name: "gated_wf" }, () => {
  const factor = waitForInput("factor", t.int);
  return { out: approve(twice({ x: factor }), "publish") };
});
`;

/** A cached task. */
export const CACHED_MJS = `
import { task, workflow, t } from "aloft";
const inc = task({ name: "inc_cached", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, ({ x }) => x + 1);
export default workflow({ name: "cached_wf", inputs: { x: t.int } }, ({ x }) => inc({ x }));
`;

/** A task that says when it has started, then takes a long time. */
export const SLOW_MJS = `
import { task, t } from "aloft";
export const slow = task({ name: "slow", inputs: {}, outputs: t.int }, async () => {
  console.log("started");
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  return 1;
});
`;

/** Modules that do not load, or export nothing to run. */
export const BROKEN_TS = `export const x: number = (;\n`;
export const THROWS_MJS = `throw new Error("no config found");\n`;
export const EMPTY_MJS = `export const answer = 42;\n`;
