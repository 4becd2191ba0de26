/**
 * `dynamic()`: Flyte's dynamic workflows. The body runs at execution time with
 * real input values, so it can loop and branch on them; it builds a sub-graph
 * with the calling convention of a declarative body, which the runner then
 * compiles and runs. Its outputs are the node's outputs.
 *
 * @module
 */
import type { TypeRecord } from "../types/type.js";
import { DefinitionError, InvalidNameError, InvalidOptionError } from "../errors.js";
import { Graph } from "./graph.js";
import { Handle } from "./handle.js";
import { withGraph } from "./context.js";
import { INTERNAL, makeCallable, runnableMethods, type TaskDefinition, type WorkflowDefinition } from "./entity.js";
import { checkTypeRecord, makeInterface, normalizeOutputs, type EntityInterface, type OutputsSpec, type CallResult } from "./interface.js";
import type { ValuesOf } from "../types/type.js";
import { normalizeTaskOptions } from "./task-options.js";
import { callEntity } from "./call.js";
import { callerFile } from "./source.js";
import { recordTask } from "./known-tasks.js";
import type { Task, TaskConfig } from "./task.js";

/**
 * What a dynamic body returns for its outputs: like a task's return value,
 * where each value may also be a handle from a call in the body.
 *
 * @example
 * ```ts
 * const out: DynamicResult<typeof t.int> = n > 0 ? sum({ xs }) : 0; // a handle, or a plain value
 * ```
 */
export type DynamicResult<O extends OutputsSpec> = CallResult<O> | DynamicValues<O>;

type DynamicValues<O extends OutputsSpec> = O extends undefined
  ? void
  : O extends readonly unknown[]
    ? { -readonly [K in keyof O]: unknown }
    : O extends TypeRecord
      ? { [K in keyof O]: unknown }
      : unknown;

/**
 * A dynamic body: gets real input values, calls entities, returns handles or values.
 *
 * @example
 * ```ts
 * const body: DynamicBody<{ n: typeof t.int }, typeof t.int> = ({ n }) => sum({ xs: Array.from({ length: n }, (_, i) => square({ x: i })) });
 * ```
 */
export type DynamicBody<I extends TypeRecord, O extends OutputsSpec> = (inputs: ValuesOf<I>) => DynamicResult<O>;

function addOutputs(graph: Graph, iface: EntityInterface, result: unknown): void {
  const names = Object.keys(iface.outputs);
  const put = (name: string, value: unknown) => graph.addOutput(name, value, iface.outputs[name]);
  switch (iface.shape) {
    case "none":
      if (result !== undefined) throw new DefinitionError(`dynamic workflow ${JSON.stringify(graph.name)} declares no outputs but its body returned ${String(result)}`, { entity: graph.name });
      return;
    case "single":
      put("o0", result);
      return;
    case "tuple":
      if (!Array.isArray(result) || result.length !== names.length) {
        throw new DefinitionError(`dynamic workflow ${JSON.stringify(graph.name)} must return an array of ${names.length} outputs, got ${String(result)}`, { entity: graph.name });
      }
      names.forEach((n, i) => put(n, result[i]));
      return;
    case "record": {
      if (typeof result !== "object" || result === null || result instanceof Handle) {
        throw new DefinitionError(`dynamic workflow ${JSON.stringify(graph.name)} must return a record of its outputs (${names.join(", ")}), got ${String(result)}`, { entity: graph.name });
      }
      const r = result as Record<string, unknown>;
      for (const k of Object.keys(r)) if (!names.includes(k)) throw new DefinitionError(`dynamic workflow ${JSON.stringify(graph.name)} returned output ${JSON.stringify(k)}, which it does not declare (outputs: ${names.join(", ")})`, { entity: graph.name });
      for (const n of names) put(n, r[n]);
      return;
    }
  }
}

/**
 * Defines a dynamic workflow.
 *
 * @example
 * ```ts
 * const fanOut = dynamic({ name: "fan_out", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) => {
 *   const squares = [];
 *   for (let i = 0; i < n; i++) squares.push(square({ x: i }));
 *   return squares; // handles, gathered into the list output
 * });
 * await fanOut.run({ n: 4 }); // { o0: [0, 1, 4, 9] }
 * ```
 */
export function dynamic<I extends TypeRecord = {}, O extends OutputsSpec = undefined>(config: TaskConfig<I, O>, body: DynamicBody<I, O>): Task<I, O> {
  if (typeof config !== "object" || config === null) throw new InvalidOptionError("dynamic(config, body) takes a config object first, like dynamic({ name, inputs, outputs }, body)");
  const name = config.name;
  if (typeof name !== "string" || name.trim() === "") throw new InvalidNameError("a dynamic workflow needs a non-empty name");
  if (typeof body !== "function") throw new InvalidOptionError(`dynamic workflow ${JSON.stringify(name)} needs a body function as its second argument`, { entity: name });
  const inputs = checkTypeRecord(config.inputs, "input", name);
  const { outputs, shape } = normalizeOutputs(config.outputs, name);
  const iface = makeInterface(inputs, outputs, shape);
  const build = (values: Record<string, unknown>): WorkflowDefinition => {
    // Node ids dn0, dn1, ... as flytekit writes a dynamic workflow's (core/python_function_task.py, compile_into_workflow).
    const graph = new Graph(name, "d");
    const result = withGraph(graph, () => body(values as ValuesOf<I>));
    if (typeof (result as { then?: unknown } | undefined)?.then === "function") {
      throw new DefinitionError(`dynamic workflow ${JSON.stringify(name)}: the body must run synchronously; it builds a graph, and the tasks it calls run afterwards`, { entity: name });
    }
    addOutputs(graph, iface, result);
    const outs: TypeRecord = Object.fromEntries([...graph.outputs].map(([n, o]) => [n, o.type]));
    return {
      kind: "workflow",
      name,
      interface: makeInterface({}, outs, Object.keys(outs).length === 0 ? "none" : "record"),
      graph,
      failurePolicy: "failImmediately",
      interruptible: undefined,
      ready: () => true,
      dynamic: true,
    };
  };
  const def: TaskDefinition = {
    kind: "task",
    name,
    interface: iface,
    options: normalizeTaskOptions(config, name, Object.keys(inputs)),
    fn: () => {
      throw new DefinitionError(`dynamic workflow ${JSON.stringify(name)} is run by a runner, not called directly`, { entity: name });
    },
    dynamic: build,
    source: callerFile(),
  };
  recordTask(def);
  return makeCallable<Task<I, O>>(dynamicPrototype, (...args) => callEntity(def, args), { kind: "task", name, interface: def.interface, [INTERNAL]: def });
}

const dynamicPrototype = {
  ...runnableMethods,
  toString(this: { name: string }) {
    return `Dynamic(${this.name})`;
  },
};
