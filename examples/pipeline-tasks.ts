/**
 * The tasks of examples/pipeline-features.yaml, named as the pipeline names them.
 *
 *   npx aloft run examples/pipeline-features.yaml report --tasks examples/pipeline-tasks.ts --readings '[3, -1, 4]' --unit celsius
 */
import { task, t } from "aloft";

export const clean = task({ name: "clean", inputs: { value: t.float }, outputs: t.float }, ({ value }) => Math.max(0, value));
export const total = task({ name: "total", inputs: { values: t.list(t.float), scale: t.float }, outputs: t.float }, ({ values, scale }) => values.reduce((a, b) => a + b, 0) * scale);
export const label = task({ name: "label", inputs: { amount: t.float, unit: t.str }, outputs: t.str }, ({ amount, unit }) => `${amount} ${unit}`);
export const warn = task({ name: "warn", inputs: { amount: t.float, unit: t.str }, outputs: t.str }, ({ amount, unit }) => `low: ${amount} ${unit}`);
export const announce = task({ name: "announce", outputs: t.str }, () => "starting");
