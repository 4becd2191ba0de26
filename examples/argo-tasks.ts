/**
 * The tasks of examples/argo-dag.yaml and examples/argo-steps.yaml, named
 * after the Argo templates they stand for.
 *
 *   npx aloft run examples/argo-dag.yaml --tasks examples/argo-tasks.ts --count 4
 */
import { task, t } from "aloft";

export const generate = task({ name: "generate", inputs: { count: t.int }, outputs: { numbers: t.list(t.int) } }, ({ count }) => ({ numbers: Array.from({ length: count }, (_, i) => i + 1) }));
export const square = task({ name: "square", inputs: { n: t.int }, outputs: { result: t.int } }, ({ n }) => ({ result: n * n }));
export const sum = task({ name: "sum", inputs: { values: t.list(t.int), offset: t.int }, outputs: { total: t.int } }, ({ values, offset }) => ({ total: values.reduce((a, b) => a + b, 0) + offset }));
export const echo = task({ name: "echo", inputs: { message: t.str }, outputs: { said: t.str } }, ({ message }) => ({ said: message }));
export const shout = task({ name: "shout", inputs: { message: t.str }, outputs: { said: t.str } }, ({ message }) => ({ said: `${message.toUpperCase()}!` }));
