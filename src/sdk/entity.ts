/**
 * What every entity (task, workflow, launch plan) has in common, and the
 * internal definition the compiler reads.
 *
 * @module
 */
import type { AnyType, TypeRecord } from "../types/type.js";
import type { BindingsOf, CallResult, EntityInterface, InputValues, OutputsSpec, OutputValues } from "./interface.js";
import type { Graph } from "./graph.js";
import type { NormalizedTaskOptions, TaskContext } from "./task-options.js";
import { startEntity, type Execution, type RunOptions } from "./runner-port.js";
import type { ScheduleOption } from "./schedule.js";

/** Key of the internal definition carried by every entity. */
export const INTERNAL: unique symbol = Symbol("aloft.entity");

/** A task's definition: its interface, options and function. */
export interface TaskDefinition {
  readonly kind: "task";
  readonly name: string;
  readonly interface: EntityInterface;
  readonly options: NormalizedTaskOptions;
  readonly fn: (inputs: Record<string, unknown>, ctx: TaskContext) => unknown;
  /** For a dynamic workflow: builds its sub-graph from real input values (no I/O; the runner compiles and runs it). */
  readonly dynamic?: (inputs: Record<string, unknown>) => WorkflowDefinition;
  /** The file that defined the task (`task()`'s caller), which a Flyte container loads to run it. */
  readonly source?: string | undefined;
}

/** Flyte's failure policy for a workflow. */
export type FailurePolicy = "failImmediately" | "failAfterExecutableNodesComplete";

/** A workflow's definition: its graph and options. */
export interface WorkflowDefinition {
  readonly kind: "workflow";
  readonly name: string;
  readonly interface: EntityInterface;
  readonly graph: Graph;
  readonly failurePolicy: FailurePolicy;
  readonly interruptible: boolean | undefined;
  /** Whether the graph is complete enough to run (see `Workflow.ready()`). */
  readonly ready: () => boolean;
  /**
   * True for the graph a dynamic task builds at run time. It may have no
   * nodes: flytekit then returns the task's outputs directly instead of a
   * workflow to run (`core/python_function_task.py`, `compile_into_workflow`).
   */
  readonly dynamic?: boolean;
}

/** A launch plan's definition: its workflow and its default and fixed inputs. */
export interface LaunchPlanDefinition {
  readonly kind: "launchPlan";
  readonly name: string;
  readonly interface: EntityInterface;
  readonly workflow: AnyEntity;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly fixed: Readonly<Record<string, unknown>>;
  readonly maxParallelism: number | undefined;
  /** When the plan runs by itself. */
  readonly schedule?: ScheduleOption | undefined;
}

/**
 * A map task's definition: the task it runs once per element, and how. It is
 * its own kind, not a task option: it compiles to an `arrayNode` instead of a
 * `taskNode`, registers no task of its own (the task it maps is registered),
 * and the runners plan it as a node of its own.
 */
export interface MapTaskDefinition {
  readonly kind: "mapTask";
  readonly name: string;
  /** Lists of the task's inputs (its fixed inputs as they are) and lists of its outputs. */
  readonly interface: EntityInterface;
  /** The task run for each element. */
  readonly task: TaskDefinition;
  /** How many elements may run at once; undefined inherits the run's parallelism. */
  readonly concurrency: number | undefined;
  /** The share of elements that must succeed; undefined means all. */
  readonly minSuccessRatio: number | undefined;
  /** Inputs bound once for every element (Flyte's `bound_inputs`), in the task's input order. */
  readonly fixed: readonly string[];
  /** The map as a workflow of one array node, for compiling or running it alone. */
  readonly asWorkflow: () => WorkflowDefinition;
}

/** The kinds of entity. */
export type EntityKind = "task" | "workflow" | "launchPlan" | "mapTask";

/** Any entity's definition. */
export type EntityDefinition = TaskDefinition | WorkflowDefinition | LaunchPlanDefinition | MapTaskDefinition;

/** The arguments of a call: bindings may be left out when no input is required. */
export type CallArgs<I extends TypeRecord, D extends PropertyKey = never> = {} extends BindingsOf<I, D> ? [bindings?: BindingsOf<I, D>] : [bindings: BindingsOf<I, D>];

/** The arguments of `run`: inputs may be left out when none is required. */
export type RunArgs<I extends TypeRecord, D extends PropertyKey = never> = {} extends InputValues<I, D>
  ? [inputs?: InputValues<I, D>, options?: RunOptions]
  : [inputs: InputValues<I, D>, options?: RunOptions];

declare const entityTypes: unique symbol;

/** What every entity has, whatever its interface: the form functions taking any entity accept. */
export interface EntityLike {
  /** What kind of entity this is. */
  readonly kind: EntityKind;
  /** The entity's name, as registered. */
  readonly name: string;
  /** The typed interface. */
  readonly interface: EntityInterface;
  /** @internal */
  readonly [INTERNAL]: EntityDefinition;
}

/**
 * An entity with inputs `I` (those named in `D` have defaults) and outputs `O`. Inside a declarative workflow
 * body it is called like a function with its bindings, which adds a node and
 * returns the node's outputs as handles; anywhere, `run` executes it locally.
 *
 * @example
 * ```ts
 * const wf = workflow({ name: "wf", inputs: { x: t.list(t.int), y: t.list(t.int) } }, ({ x, y }) => slope({ x, y }));
 * await slope.run({ x: [1, 2], y: [2, 4] }); // { o0: 2 }
 * ```
 */
export interface Entity<I extends TypeRecord, O extends OutputsSpec, D extends PropertyKey = never> extends EntityLike {
  /** Adds a node for this entity to the workflow body being defined and returns its outputs. */
  (...args: CallArgs<I, D>): CallResult<O>;
  /** Runs the entity in process and resolves to its outputs record. */
  run(...args: RunArgs<I, D>): Promise<OutputValues<O>>;
  /** Starts a run and returns its handle: result, node reports, gate answers, abort. */
  start(...args: RunArgs<I, D>): Execution<OutputValues<O>>;
  /** Phantom: the declared types, for inference. Never set at run time. */
  readonly [entityTypes]?: { readonly inputs: I; readonly outputs: O; readonly defaults: D };
}

/** Any entity, whatever its interface. */
export type AnyEntity = EntityLike;

/**
 * Methods shared by every entity's prototype: `run` and `start` hand the
 * entity's definition to the configured runner.
 */
export const runnableMethods = {
  run(this: EntityLike, inputs?: Record<string, unknown>, options?: RunOptions): Promise<Record<string, unknown>> {
    return startEntity(this[INTERNAL], inputs, options).result;
  },
  start(this: EntityLike, inputs?: Record<string, unknown>, options?: RunOptions): Execution<Record<string, unknown>> {
    return startEntity(this[INTERNAL], inputs, options);
  },
};

/** The definition of an entity, or undefined for anything that is not one. */
export function definitionOf(value: unknown): EntityDefinition | undefined {
  if ((typeof value === "function" || typeof value === "object") && value !== null && INTERNAL in value) {
    return (value as { [INTERNAL]: EntityDefinition })[INTERNAL];
  }
  return undefined;
}

const KINDS: ReadonlySet<unknown> = new Set<EntityKind>(["task", "workflow", "launchPlan", "mapTask"]);

/**
 * The definition of an entity, or `value` itself when it is a definition
 * already (the graph and the compiler take either); undefined for anything
 * else, strings and `undefined` included.
 *
 * @example
 * ```ts
 * entityOrDefinition(slope)?.name;              // "slope"
 * entityOrDefinition(definitionOf(slope))?.name; // "slope"
 * entityOrDefinition("slope");                   // undefined
 * ```
 */
export function entityOrDefinition(value: unknown): EntityDefinition | undefined {
  const def = definitionOf(value);
  if (def) return def;
  return typeof value === "object" && value !== null && KINDS.has((value as { kind?: unknown }).kind) ? (value as EntityDefinition) : undefined;
}

/** A one-word description of an entity for messages: `task "slope"`. */
export function describeEntity(def: EntityDefinition): string {
  const kind = def.kind === "launchPlan" ? "launch plan" : def.kind === "mapTask" ? "map task" : def.kind;
  return `${kind} ${JSON.stringify(def.name)}`;
}

/**
 * Makes a callable object: a function whose prototype is `proto` and which
 * carries `fields` as readonly properties. Entities are callable so that a
 * declarative body can write `slope({ x, y })`.
 */
export function makeCallable<T extends object>(proto: object, call: (...args: unknown[]) => unknown, fields: Record<string | symbol, unknown>): T {
  const fn = function (...args: unknown[]) {
    return call(...args);
  };
  Object.setPrototypeOf(fn, proto);
  for (const key of Reflect.ownKeys(fields)) {
    Object.defineProperty(fn, key, { value: fields[key as string], enumerable: typeof key === "string", configurable: true, writable: false });
  }
  return fn as unknown as T;
}

/** The input types an entity declares, for `AnyType` lookups by name. */
export function inputType(def: EntityDefinition, name: string): AnyType | undefined {
  return Object.prototype.hasOwnProperty.call(def.interface.inputs, name) ? def.interface.inputs[name] : undefined;
}
