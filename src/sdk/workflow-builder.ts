/**
 * `Workflow`: the imperative builder, for workflows made by programs or read
 * from text specs (flytekit's `ImperativeWorkflow`).
 *
 * @module
 */
import type { AloftType, AnyType, TypeRecord } from "../types/type.js";
import { InvalidNameError, InvalidOptionError, WorkflowNotReadyError } from "../errors.js";
import { Graph } from "./graph.js";
import type { Handle } from "./handle.js";
import { INTERNAL, makeCallable, type CallArgs, type Entity, type EntityDefinition, type EntityLike, type FailurePolicy, type WorkflowDefinition } from "./entity.js";
import { makeInterface, type EntityInterface, type OutputsSpec } from "./interface.js";
import { nodeRef, type NodeRef } from "./node-ref.js";
import { callEntity } from "./call.js";
import { attachFailureHandler } from "./failure-handler.js";
import { checkWorkflowOptions, type WorkflowOptions } from "./workflow-options.js";
import { addApprove, addSleep, addWaitForInput, type GateOptions } from "./gates.js";
import { startConditional, type Conditional } from "./conditional.js";
import type { DurationLike } from "./task-options.js";
import { startEntity, type Execution, type RunOptions } from "./runner-port.js";

/** Options of an imperative workflow. */
export interface WorkflowConfig extends WorkflowOptions {
  /** The workflow's name. Two workflows may share a name; registration tells them apart by version. */
  readonly name: string;
}

/** Handles of an imperative workflow's outputs when it is called in a body. */
export type WorkflowCallResult = Readonly<Record<string, Handle<never>>>;

interface WorkflowState {
  graph: Graph;
  failurePolicy: FailurePolicy;
  interruptible: boolean | undefined;
  cached: WorkflowDefinition | undefined;
}

const STATE = Symbol("aloft.workflowState");

/**
 * An imperative workflow. Add inputs, nodes and outputs one call at a time;
 * each call is checked at once.
 *
 * Inside a declarative body a `Workflow` is called like any entity and returns
 * a record of handles, one per (named) output.
 *
 * @example
 * ```ts
 * const wf = new Workflow("imperative_workflow");
 * wf.addWorkflowInput("x", t.list(t.int));
 * wf.addWorkflowInput("y", t.list(t.int));
 * const n1 = wf.addEntity(slope, { x: wf.inputs.x, y: wf.inputs.y });
 * const n2 = wf.addEntity(intercept, { x: wf.inputs.x, y: wf.inputs.y, slope: n1.outputs.o0 });
 * wf.addWorkflowOutput("wf_output", n2.outputs.o0);
 * await wf.run({ x: [-3, 0, 3], y: [7, 4, -2] }); // { wf_output: 3 }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- a Workflow is callable in declarative bodies; the constructor returns a function
export interface Workflow {
  /** Adds this workflow as a subworkflow node of the body being defined. */
  (bindings?: Readonly<Record<string, unknown>>): WorkflowCallResult;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class Workflow {
  /** @internal */
  declare readonly [STATE]: WorkflowState;

  constructor(nameOrConfig: string | WorkflowConfig) {
    const config: WorkflowConfig = typeof nameOrConfig === "string" ? { name: nameOrConfig } : nameOrConfig;
    if (typeof config !== "object" || config === null) throw new InvalidOptionError("new Workflow(name) takes a name or { name, failurePolicy, interruptible }");
    if (typeof config.name !== "string" || config.name.trim() === "") throw new InvalidNameError("a workflow needs a non-empty name: new Workflow(\"my_workflow\")");
    const options = checkWorkflowOptions(config, config.name);
    const state: WorkflowState = { graph: new Graph(config.name), ...options, cached: undefined };
    // A node's withOverrides or runsBefore changes the graph after the definition was made (and a run planned from it).
    state.graph.onChange = () => (state.cached = undefined);
    const self: Workflow = makeCallable<Workflow>(new.target.prototype, (...args): unknown => callEntity(selfDefinition(self), args), { [STATE]: state, kind: "workflow", name: config.name });
    return self;
  }

  /** The workflow's name. */
  declare readonly name: string;

  /** Always `"workflow"`. */
  declare readonly kind: "workflow";

  /** The handles of the inputs declared so far; `wf.inputs.x` is the handle `addWorkflowInput("x", ...)` returned. */
  get inputs(): Readonly<Record<string, Handle<never>>> {
    return this[STATE].graph.inputs;
  }

  /** The interface as built so far. */
  get interface(): EntityInterface {
    return selfDefinition(this).interface;
  }

  /** @internal */
  get [INTERNAL](): EntityDefinition {
    return selfDefinition(this);
  }

  /** Declares an input and returns its handle (typed, so bindings of it are checked by TypeScript). */
  addWorkflowInput<T>(name: string, type: AloftType<T>): Handle<T> {
    const h = this[STATE].graph.addInput<T>(name, type);
    this[STATE].cached = undefined;
    return h;
  }

  /** Adds a node running a task, workflow or launch plan; every binding is checked now. */
  addEntity<I extends TypeRecord, O extends OutputsSpec, D extends PropertyKey>(entity: Entity<I, O, D>, ...bindings: CallArgs<I, D>): NodeRef<O>;
  addEntity(entity: Workflow, bindings?: Readonly<Record<string, unknown>>): NodeRef<TypeRecord>;
  addEntity(entity: unknown, bindings?: unknown): NodeRef<OutputsSpec> {
    const graph = this[STATE].graph;
    const node = graph.addNode(entity as EntityLike, bindings);
    this[STATE].cached = undefined;
    return nodeRef(graph, node);
  }

  /** Same as `addEntity`, for a task. */
  addTask<I extends TypeRecord, O extends OutputsSpec, D extends PropertyKey>(entity: Entity<I, O, D>, ...bindings: CallArgs<I, D>): NodeRef<O> {
    return this.addEntity(entity, ...bindings);
  }

  /** Same as `addEntity`, for a subworkflow. */
  addSubwf<I extends TypeRecord, O extends OutputsSpec, D extends PropertyKey>(entity: Entity<I, O, D>, ...bindings: CallArgs<I, D>): NodeRef<O>;
  addSubwf(entity: Workflow, bindings?: Readonly<Record<string, unknown>>): NodeRef<TypeRecord>;
  addSubwf(entity: unknown, bindings?: unknown): NodeRef<OutputsSpec> {
    return this.addEntity(entity as Workflow, bindings as Record<string, unknown>);
  }

  /** Same as `addEntity`, for a launch plan; with no bindings its defaults are used. */
  addLaunchPlan<I extends TypeRecord, O extends OutputsSpec, D extends PropertyKey>(entity: Entity<I, O, D>, ...bindings: CallArgs<I, D>): NodeRef<O> {
    return this.addEntity(entity, ...bindings);
  }

  /**
   * Declares an output. Its type comes from the handle; for a list or record of
   * handles (or a constant) give it: `addWorkflowOutput("all", [a.outputs.o0, b.outputs.o0], t.list(t.int))`.
   */
  addWorkflowOutput<T>(name: string, value: Handle<T>, type?: AloftType<T>): void;
  addWorkflowOutput(name: string, value: unknown, type: AnyType): void;
  addWorkflowOutput(name: string, value: unknown, type?: AnyType): void {
    this[STATE].graph.addOutput(name, value, type);
    this[STATE].cached = undefined;
  }

  /**
   * Sets the failure handler (Flyte's failure node, `efn`): a task that gets the
   * workflow's inputs and, when it declares `err: t.optional(t.error)`, the error.
   */
  addOnFailureHandler(handler: EntityLike): void {
    attachFailureHandler(this[STATE].graph, handler);
    this[STATE].cached = undefined;
  }

  /** Adds a gate that pauses for `duration` (order it with `runsBefore`). */
  sleep(duration: DurationLike): NodeRef<undefined> {
    this[STATE].cached = undefined;
    return addSleep(duration, this[STATE].graph);
  }

  /** Adds a gate that waits for the value of signal `name`; returns the value's handle. */
  waitForInput<T>(name: string, type: AloftType<T>, options?: GateOptions): Handle<T> {
    this[STATE].cached = undefined;
    return addWaitForInput(name, type, options, this[STATE].graph);
  }

  /** Adds a gate that waits until `value` is approved as signal `name`; returns the same value. */
  approve<T>(value: Handle<T>, name: string, options?: GateOptions): Handle<T> {
    this[STATE].cached = undefined;
    return addApprove(value, name, options, this[STATE].graph);
  }

  /**
   * Starts a conditional (Flyte's `conditional`): branches of a condition and
   * the entity run when it holds, ended by `else`. The final `then` (or
   * `fail`) adds the branch node and returns it, with the outputs of the
   * branch taken.
   *
   * @example
   * ```ts
   * const x = wf.addWorkflowInput("x", t.int);
   * const sign = wf.conditional("sign").if(x.ge(0)).then(double, { x }).else().then(negate, { x });
   * wf.addWorkflowOutput("out", sign.outputs.o0);
   * ```
   */
  conditional(name: string): Conditional<"node"> {
    this[STATE].cached = undefined;
    return startConditional(name, this[STATE].graph, "node");
  }

  /** True once there is a node and every input is bound to something (flytekit's rule). */
  ready(): boolean {
    const g = this[STATE].graph;
    if (g.nodes.length === 0) return false;
    return Object.keys(g.inputTypes).every((name) => g.usedInputs.has(name));
  }

  /** Runs the workflow in process and resolves to its outputs record. */
  run(inputs: Readonly<Record<string, unknown>> = {}, options: RunOptions = {}): Promise<Record<string, unknown>> {
    try {
      assertReady(this);
    } catch (e) {
      return Promise.reject(e);
    }
    return startEntity(selfDefinition(this), { ...inputs }, options).result;
  }

  /** Starts a run and returns its handle (result, node reports, gate answers); throws if the workflow is not ready. */
  start(inputs: Readonly<Record<string, unknown>> = {}, options: RunOptions = {}): Execution<Record<string, unknown>> {
    assertReady(this);
    return startEntity(selfDefinition(this), { ...inputs }, options);
  }

  /** @internal */
  toString(): string {
    return `Workflow(${this.name})`;
  }
}

/** Throws `WorkflowNotReadyError` explaining what is missing. */
export function assertReady(wf: Workflow): void {
  if (wf.ready()) return;
  const g = wf[STATE].graph;
  const unbound = Object.keys(g.inputTypes).filter((n) => !g.usedInputs.has(n));
  const why = g.nodes.length === 0 ? "it has no nodes yet (add one with addEntity)" : `input ${unbound.map((n) => JSON.stringify(n)).join(", ")} is bound to nothing`;
  throw new WorkflowNotReadyError(`workflow ${JSON.stringify(g.name)} is not ready: ${why}`, { entity: g.name });
}

function selfDefinition(wf: Workflow): WorkflowDefinition {
  const state = wf[STATE];
  if (state.cached) return state.cached;
  const g = state.graph;
  const outputs: Record<string, AnyType> = {};
  for (const [name, o] of g.outputs) outputs[name] = o.type;
  const def: WorkflowDefinition = {
    kind: "workflow",
    name: g.name,
    interface: makeInterface({ ...g.inputTypes }, outputs, Object.keys(outputs).length === 0 ? "none" : "record"),
    graph: g,
    failurePolicy: state.failurePolicy,
    interruptible: state.interruptible,
    ready: () => wf.ready(),
  };
  state.cached = def;
  return def;
}
