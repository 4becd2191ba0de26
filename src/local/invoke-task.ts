/**
 * Running one task attempt in process: check the inputs, call the function,
 * shape and check the outputs.
 *
 * @module
 */
import { InputValueError, OutputValueError } from "../errors.js";
import type { TaskContext } from "../sdk/task-options.js";
import type { PlannedTask } from "./targets/task.js";
import { checkOutput } from "../rules/values.js";
import { isThenable, type Outputs } from "./target.js";
import { keepNamedShape, keepRecordShape } from "../shapes.js";

/** The outputs record of a task with one output: the one literal its records are made by (`keepTaskShapes`). */
function singleOutput(name: string, value: unknown): Outputs {
  return { [name]: value };
}

/**
 * Keeps the shapes of a task's outputs records alive across major GCs
 * (`shapes.ts`): a run's records are garbage once it ends.
 */
export function keepTaskShapes(task: PlannedTask): void {
  const checks = task.outputs;
  if (task.impl.shape === "single") keepNamedShape(`\u0000output ${checks[0]!.name}`, () => singleOutput(checks[0]!.name, undefined));
  else if (task.impl.shape === "tuple" || task.impl.shape === "record") keepRecordShape(checks.map((c) => c.name));
}

/** Turns what a task function returned into its outputs record, checking each output. */
export function shapeOutputs(task: PlannedTask, returned: unknown): Outputs {
  const checks = task.outputs;
  const label = task.label;
  switch (task.impl.shape) {
    case "none":
      return {};
    case "single":
      return singleOutput(checks[0]!.name, checkOutput(checks[0]!, returned, label));
    case "tuple": {
      if (!Array.isArray(returned) || returned.length !== checks.length) {
        throw new OutputValueError(`${label} must return an array of ${checks.length} outputs (${checks.map((c) => c.typeName).join(", ")}), got ${Array.isArray(returned) ? `${returned.length} values` : String(returned)}`, label, "");
      }
      const out: Outputs = {};
      for (let i = 0; i < checks.length; i++) out[checks[i]!.name] = checkOutput(checks[i]!, returned[i], label);
      return out;
    }
    case "record": {
      if (typeof returned !== "object" || returned === null || Array.isArray(returned)) {
        throw new OutputValueError(`${label} must return a record of its outputs (${checks.map((c) => c.name).join(", ")}), got ${String(returned)}`, label, "");
      }
      const r = returned as Record<string, unknown>;
      const out: Outputs = {};
      for (const c of checks) out[c.name] = checkOutput(c, r[c.name], label);
      for (const k of Object.keys(r)) {
        if (!(k in out)) throw new OutputValueError(`${label} returned an output ${JSON.stringify(k)} it does not declare (outputs: ${checks.map((c) => c.name).join(", ")})`, label, k);
      }
      return out;
    }
  }
}

/**
 * Runs one attempt of a task. Returns the outputs directly when the function is
 * synchronous, or a promise of them, so that chains of synchronous tasks cost
 * no promise per node.
 */
export function invokeTask(task: PlannedTask, inputs: Outputs, ctx: TaskContext): Outputs | Promise<Outputs> {
  checkTaskInputs(task, inputs);
  const returned = task.impl.fn(inputs, ctx);
  if (isThenable(returned)) return Promise.resolve(returned).then((r) => shapeOutputs(task, r));
  return shapeOutputs(task, returned);
}

/** Checks a task's inputs, filling unbound optional inputs with `null`. */
export function checkTaskInputs(task: PlannedTask, inputs: Outputs): void {
  const checks = task.inputs;
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i]!;
    let v = inputs[c.name];
    if (v === undefined && c.optional) inputs[c.name] = v = null;
    const problem = c.validate(v);
    if (problem !== undefined) {
      throw new InputValueError(v === undefined ? `${task.label} got no value for input ${JSON.stringify(c.name)} (${c.typeName})` : `${task.label} got an ill-typed input ${JSON.stringify(c.name)}: ${problem}`, task.label, c.name);
    }
  }
}
