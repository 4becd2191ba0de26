/** Tasks shared by the tests. */
import { task, t } from "aloft";
export { slope, intercept } from "../examples/regression-tasks.js";

export const add = task({ name: "add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
export const toStr = task({ name: "to_str", inputs: { a: t.int }, outputs: t.str }, ({ a }) => String(a));
export const sumList = task({ name: "sum_list", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((p, c) => p + c, 0));
export const noOutputs = task({ name: "no_outputs", inputs: { a: t.int } }, () => {});
export const pair = task({ name: "pair", inputs: { a: t.int }, outputs: [t.int, t.str] }, ({ a }) => [a * 2, `v${a}`]);
export const named = task({ name: "named", inputs: { a: t.int }, outputs: { doubled: t.int, label: t.str } }, ({ a }) => ({ doubled: a * 2, label: `n${a}` }));
