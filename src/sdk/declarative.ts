/**
 * `workflow()`: declarative workflows, written as a function body over handles
 * (flytekit's `@workflow`).
 *
 * @module
 */
import type { AloftType, AnyType, TypeRecord } from "../types/type.js";
import { DefinitionError, InvalidNameError, InvalidOptionError } from "../errors.js";
import { Graph } from "./graph.js";
import { Handle } from "./handle.js";
import { withGraph } from "./context.js";
import { INTERNAL, makeCallable, runnableMethods, type Entity, type EntityLike, type WorkflowDefinition } from "./entity.js";
import { checkTypeRecord, makeInterface, type HandlesOf, type OutputShape, type OutputsSpec } from "./interface.js";
import { callEntity } from "./call.js";
import { assertConditionalsComplete } from "./conditional.js";
import { attachFailureHandler } from "./failure-handler.js";
import { checkWorkflowOptions, type WorkflowOptions } from "./workflow-options.js";

/**
 * The declaration of a declarative workflow.
 *
 * @example
 * ```ts
 * const config: WorkflowSpecConfig<{ x: typeof t.int }> = { name: "wf", inputs: { x: t.int }, failurePolicy: "failAfterExecutableNodesComplete" };
 * ```
 */
export interface WorkflowSpecConfig<I extends TypeRecord> extends WorkflowOptions {
  /** The workflow's name. */
  readonly name: string;
  /** Input types by name. */
  readonly inputs?: I;
  /** A failure handler (Flyte's failure node): gets the workflow inputs it declares and, optionally, `err`. */
  readonly onFailure?: EntityLike;
}

/**
 * A declarative workflow with inputs `I` and outputs `O`.
 *
 * @example
 * ```ts
 * const wf: WorkflowEntity<{ x: typeof t.int }, { doubled: typeof t.int }> = workflow({ name: "wf", inputs: { x: t.int } }, ({ x }) => ({ doubled: double({ x }) }));
 * ```
 */
export type WorkflowEntity<I extends TypeRecord, O extends OutputsSpec> = Entity<I, O> & { readonly kind: "workflow" };

/**
 * What a body may return: nothing, a handle, an array of handles or a record of handles.
 *
 * @example
 * ```ts
 * const body = ({ x }: { x: Handle<number> }): BodyResult => ({ doubled: double({ x }), same: x });
 * ```
 */
export type BodyResult = void | undefined | Handle<unknown> | readonly Handle<unknown>[] | { readonly [name: string]: Handle<unknown> | undefined };

/**
 * The outputs a body's result declares.
 *
 * @example
 * ```ts
 * type O = OutputsOfResult<{ doubled: Handle<number> }>; // { doubled: AloftType<number> }
 * ```
 */
export type OutputsOfResult<R> = R extends void | undefined
  ? undefined
  : R extends Handle<infer T>
    ? AloftType<T>
    : R extends readonly Handle<unknown>[]
      ? number extends R["length"]
        ? { readonly [k: `o${number}`]: R[number] extends Handle<infer T> ? AloftType<T> : never }
        : { -readonly [K in keyof R]: R[K] extends Handle<infer T> ? AloftType<T> : never }
      : R extends { readonly [name: string]: Handle<unknown> | undefined }
        ? { -readonly [K in keyof R]-?: R[K] extends Handle<infer T> | undefined ? AloftType<T> : never }
        : never;

const workflowPrototype = {
  ...runnableMethods,
  toString(this: EntityLike) {
    return `Workflow(${this.name})`;
  },
};

function collectOutputs(graph: Graph, result: unknown): OutputShape {
  if (result === undefined) return "none";
  const add = (name: string, value: unknown) => {
    if (!(value instanceof Handle)) {
      throw new DefinitionError(
        `workflow ${JSON.stringify(graph.name)}: the body must return handles (the results of calls, or inputs); output ${JSON.stringify(name)} is ${String(value)}`,
        { entity: graph.name },
      );
    }
    graph.addOutput(name, value);
  };
  if (result instanceof Handle) {
    add("o0", result);
    return "single";
  }
  if (Array.isArray(result)) {
    result.forEach((v, i) => add(`o${i}`, v));
    return result.length === 0 ? "none" : "tuple";
  }
  if (typeof result === "object" && result !== null && typeof (result as { then?: unknown }).then !== "function") {
    const entries = Object.entries(result);
    for (const [name, v] of entries) add(name, v);
    return entries.length === 0 ? "none" : "record";
  }
  throw new DefinitionError(
    `workflow ${JSON.stringify(graph.name)}: the body must return a handle, an array of handles or a record of handles, and run synchronously (it builds the graph once; task code runs later), got ${typeof (result as { then?: unknown })?.then === "function" ? "a promise" : String(result)}`,
    { entity: graph.name },
  );
}

/**
 * Defines a workflow from a body that runs once, at definition, over handles.
 * Every entity called in the body adds a node; the body returns the outputs.
 *
 * @example
 * ```ts
 * const wf = workflow({ name: "regression", inputs: { x: t.list(t.int), y: t.list(t.int) } }, ({ x, y }) => {
 *   const s = slope({ x, y });
 *   return { wf_output: intercept({ x, y, slope: s }) };
 * });
 * await wf.run({ x: [-3, 0, 3], y: [7, 4, -2] }); // { wf_output: 3 }
 * ```
 */
export function workflow<const I extends TypeRecord = {}, R extends BodyResult = void>(
  config: WorkflowSpecConfig<I>,
  body: (inputs: HandlesOf<I>) => R,
): WorkflowEntity<I, OutputsOfResult<R>> {
  if (typeof config !== "object" || config === null) throw new InvalidOptionError("workflow(config, body) takes a config object first, like workflow({ name, inputs }, body)");
  const name = config.name;
  if (typeof name !== "string" || name.trim() === "") throw new InvalidNameError("a workflow needs a non-empty name: workflow({ name: \"my_workflow\", ... }, body)");
  if (typeof body !== "function") throw new InvalidOptionError(`workflow ${JSON.stringify(name)} needs a body function as its second argument`, { entity: name });
  const options = checkWorkflowOptions(config, name);
  const inputs = checkTypeRecord(config.inputs, "input", name);
  const graph = new Graph(name);
  const handles: Record<string, Handle<unknown>> = {};
  for (const [n, type] of Object.entries(inputs)) handles[n] = graph.addInput(n, type);
  const result = withGraph(graph, () => body(handles as HandlesOf<I>));
  assertConditionalsComplete(graph);
  const shape = collectOutputs(graph, result);
  if (config.onFailure !== undefined) attachFailureHandler(graph, config.onFailure);
  const outputs: Record<string, AnyType> = {};
  for (const [n, o] of graph.outputs) outputs[n] = o.type;
  const def: WorkflowDefinition = {
    kind: "workflow",
    name,
    interface: makeInterface(inputs, outputs, shape),
    graph,
    failurePolicy: options.failurePolicy,
    interruptible: options.interruptible,
    ready: () => true,
  };
  return makeCallable<WorkflowEntity<I, OutputsOfResult<R>>>(workflowPrototype, (...args) => callEntity(def, args), { kind: "workflow", name, interface: def.interface, [INTERNAL]: def });
}
