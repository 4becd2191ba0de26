/**
 * TypeScript versions of the tasks of flytesnacks "core" examples, named as
 * flytekit names them (`<module>.<function>`), for the specs of
 * `flytekit-specs.ts` to bind to. A `--tasks` module for the CLI tests too.
 */
import { dynamic, task, t } from "aloft";

// core.control_flow.chain_tasks
export const write = task({ name: "core.control_flow.chain_tasks.write" }, () => undefined);
export const read = task({ name: "core.control_flow.chain_tasks.read", outputs: t.str }, () => "banana");

// core.control_flow.conditions
export const coinToss = task({ name: "core.control_flow.conditions.coin_toss", inputs: { seed: t.int }, outputs: t.bool }, ({ seed }) => seed % 2 === 0);
export const success = task({ name: "core.control_flow.conditions.success", outputs: t.int }, () => 0);
export const failed = task({ name: "core.control_flow.conditions.failed", outputs: t.int }, () => -1);
export const square = task({ name: "core.control_flow.conditions.square", inputs: { n: t.float }, outputs: t.float }, ({ n }) => n * n);
export const double = task({ name: "core.control_flow.conditions.double", inputs: { n: t.float }, outputs: t.float }, ({ n }) => 2 * n);

// core.flyte_basics.lp
export const lpSquare = task({ name: "core.flyte_basics.lp.square", inputs: { val: t.int }, outputs: t.int }, ({ val }) => val * val);

// core.control_flow.map_task
export const mappable = task({ name: "core.control_flow.map_task.a_mappable_task", inputs: { a: t.int }, outputs: t.str }, ({ a }) => String(a + 2));
export const mappableWithSuffix = task({ name: "core.control_flow.map_task.a_mappable_task_with_suffix", inputs: { a: t.int, suffix: t.str }, outputs: t.str }, ({ a, suffix }) => `${a + 2}${suffix}`);
export const coalesce = task({ name: "core.control_flow.map_task.coalesce", inputs: { b: t.list(t.str) }, outputs: t.str }, ({ b }) => b.join(""));

// core.control_flow.subworkflows
export const t1 = task({ name: "core.control_flow.subworkflows.t1", inputs: { a: t.int }, outputs: { t1_int_output: t.int, c: t.str } }, ({ a }) => ({ t1_int_output: a + 2, c: "world" }));

// core.control_flow.dynamics
export const countCharacters = task({ name: "core.control_flow.dynamics.count_characters", inputs: { s: t.str }, outputs: t.int }, ({ s }) => s.length);
export const countAll = dynamic({ name: "core.control_flow.dynamics.count_all", inputs: { words: t.list(t.str) }, outputs: t.list(t.int) }, ({ words }) => words.map((s) => countCharacters({ s })));

// core.extend_flyte.custom_types: an untyped dict
export const sumValues = task({ name: "core.type_system.dicts.sum_values", inputs: { d: t.map(t.int) }, outputs: t.int }, ({ d }) => Object.values(d).reduce((a, b) => a + b, 0));

// core.control_flow.failure_node
export const divide = task({ name: "core.control_flow.failure_node.divide", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => {
  if (b === 0) throw new Error("division by zero");
  return Math.trunc(a / b);
});
export const cleanUp = task({ name: "core.control_flow.failure_node.clean_up", inputs: { a: t.int, b: t.int, err: t.optional(t.error) } }, () => undefined);

// core.control_flow.waiting_for_external_inputs
export const createReport = task({ name: "core.control_flow.waiting_for_external_inputs.create_report", inputs: { title: t.str }, outputs: t.str }, ({ title }) => `# ${title}`);
