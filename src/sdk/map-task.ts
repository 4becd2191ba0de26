/**
 * `mapTask()`: Flyte's map tasks. A map task runs a task once per element of
 * its list inputs (zipped), and returns lists of the task's outputs. It
 * compiles to an `arrayNode`.
 *
 * @module
 */
import type { AloftType, AnyType, TypeRecord, ValueOf } from "../types/type.js";
import { t } from "../types/t.js";
import { DuplicateNameError, InvalidOptionError, UnknownInputError } from "../errors.js";
import { Graph } from "./graph.js";
import { describeEntity, entityOrDefinition, INTERNAL, makeCallable, runnableMethods, type Entity, type EntityLike, type MapTaskDefinition, type WorkflowDefinition } from "./entity.js";
import { makeInterface, type OutputsSpec } from "./interface.js";
import { callEntity } from "./call.js";
import type { Task } from "./task.js";

/**
 * How a map task runs its task.
 *
 * @example
 * ```ts
 * mapTask(resize, { concurrency: 8, minSuccessRatio: 0.9, fixed: ["width"] });
 * ```
 */
export interface MapTaskOptions<F extends readonly string[] = readonly string[], R extends number = number> {
  /**
   * How many elements may run at once (Flyte's `parallelism`); a whole number
   * of at least 1. Left out, the map inherits the run's `maxParallelism`.
   */
  readonly concurrency?: number;
  /**
   * The share of elements that must succeed, above 0 and at most 1 (default
   * 1: every element). Below 1, the outputs are lists of `T | null`, with
   * `null` where an element failed; the node fails as soon as too few
   * elements can still succeed.
   */
  readonly minSuccessRatio?: R;
  /**
   * Inputs of the task that are not mapped: each is bound once, to a value
   * or a handle, and every element gets it (flytekit's `functools.partial`,
   * Flyte's `bound_inputs`). An optional fixed input may be left unbound.
   */
  readonly fixed?: F;
}

/** A list type of the values of `T`. */
type ListOf<T, Nullable extends boolean> = AloftType<(Nullable extends true ? ValueOf<T> | null : ValueOf<T>)[]>;

/**
 * The inputs of a map task: lists of the task's inputs, except the fixed ones (`F`), which keep their type.
 *
 * @example
 * ```ts
 * type In = MappedInputs<{ x: typeof t.int; y: typeof t.str }, "y">; // { x: AloftType<number[]>; y: AloftType<string> }
 * ```
 */
export type MappedInputs<I extends TypeRecord, F extends PropertyKey> = { readonly [K in keyof I]: K extends F ? I[K] : ListOf<I[K], false> };

/**
 * The outputs of a map task: a list per output of the task, of `T | null` when elements may fail (`Nullable`).
 *
 * @example
 * ```ts
 * type Out = MappedOutputs<[typeof t.int, typeof t.str], true>; // [AloftType<(number | null)[]>, AloftType<(string | null)[]>]
 * ```
 */
export type MappedOutputs<O extends OutputsSpec, Nullable extends boolean> = O extends undefined
  ? undefined
  : O extends AnyType
    ? ListOf<O, Nullable>
    : O extends readonly AnyType[]
      ? { -readonly [K in keyof O]: ListOf<O[K], Nullable> }
      : O extends TypeRecord
        ? { readonly [K in keyof O]: ListOf<O[K], Nullable> }
        : never;

/**
 * Whether a `minSuccessRatio` of type `R` lets elements fail: any ratio but the literal `1`.
 *
 * @example
 * ```ts
 * type A = AllowsFailures<0.9>;   // true
 * type B = AllowsFailures<1>;     // false
 * type C = AllowsFailures<number>; // true: a ratio known only at run time may be below 1
 * ```
 */
export type AllowsFailures<R extends number> = [R] extends [1] ? false : true;

/**
 * A map task: an entity whose inputs are lists of the task's inputs (except
 * the fixed ones, `F`) and whose outputs are lists of the task's outputs
 * (lists of `T | null` when `minSuccessRatio` is below 1).
 *
 * @example
 * ```ts
 * const addAll: MapTask<{ x: typeof t.int; y: typeof t.int }, typeof t.int, "y"> = mapTask(add, { fixed: ["y"] });
 * await addAll.run({ x: [1, 2], y: 10 }); // { o0: [11, 12] }
 * ```
 */
export type MapTask<I extends TypeRecord, O extends OutputsSpec, F extends PropertyKey = never, R extends number = 1> = Entity<MappedInputs<I, F>, MappedOutputs<O, AllowsFailures<R>>> & {
  readonly kind: "mapTask";
};

const KNOWN_OPTIONS = new Set(["concurrency", "minSuccessRatio", "fixed"]);

const mapPrototype = {
  ...runnableMethods,
  toString(this: EntityLike) {
    return `MapTask(${this.name})`;
  },
};

function checkOptions(options: unknown, name: string, inputNames: readonly string[]): { concurrency: number | undefined; minSuccessRatio: number | undefined; fixed: string[] } {
  const site = { entity: name };
  if (options === undefined) return { concurrency: undefined, minSuccessRatio: undefined, fixed: [] };
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(`mapTask(task, options) takes options as a record, like { concurrency: 4, minSuccessRatio: 0.9, fixed: ["y"] }; got ${String(options)}`, site);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new InvalidOptionError(`map task ${JSON.stringify(name)} has no option ${JSON.stringify(key)} (options: ${[...KNOWN_OPTIONS].join(", ")})`, site);
  }
  const o = options as MapTaskOptions;
  if (o.concurrency !== undefined && (!Number.isSafeInteger(o.concurrency) || o.concurrency < 1)) {
    throw new InvalidOptionError(`option concurrency of map task ${JSON.stringify(name)} must be a whole number of at least 1, got ${String(o.concurrency)}; leave it out to inherit the run's maxParallelism`, site);
  }
  const r = o.minSuccessRatio;
  if (r !== undefined && (typeof r !== "number" || !Number.isFinite(r) || r <= 0 || r > 1)) {
    throw new InvalidOptionError(`option minSuccessRatio of map task ${JSON.stringify(name)} must be a number above 0 and at most 1, got ${String(r)}`, site);
  }
  const fixed = o.fixed ?? [];
  if (!Array.isArray(fixed)) throw new InvalidOptionError(`option fixed of map task ${JSON.stringify(name)} must be a list of input names, like fixed: ["y"]`, site);
  const seen = new Set<string>();
  for (const f of fixed as unknown[]) {
    if (typeof f !== "string" || !inputNames.includes(f)) {
      throw new UnknownInputError(`option fixed of map task ${JSON.stringify(name)} names ${JSON.stringify(f)}, which is not an input of the task (inputs: ${inputNames.join(", ") || "none"})`, site, String(f));
    }
    if (seen.has(f)) throw new DuplicateNameError(`option fixed of map task ${JSON.stringify(name)} names ${JSON.stringify(f)} twice`, site);
    seen.add(f);
  }
  return { concurrency: o.concurrency, minSuccessRatio: r, fixed: inputNames.filter((n) => seen.has(n)) };
}

/** The map as a workflow of one node, with the map's inputs and outputs. */
function wrapperWorkflow(def: MapTaskDefinition): WorkflowDefinition {
  const graph = new Graph(def.name);
  const bindings: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(def.interface.inputs)) bindings[name] = graph.addInput(name, type);
  const node = graph.addNode(def, bindings);
  for (const name of Object.keys(def.interface.outputs)) graph.addOutput(name, node.outputs[name]);
  return { kind: "workflow", name: def.name, interface: def.interface, graph, failurePolicy: "failImmediately", interruptible: undefined, ready: () => true };
}

/**
 * Maps a task over lists: one run of the task per element, the list inputs
 * zipped (lists of unequal lengths are an error when the node runs). The
 * outputs are lists of the task's outputs, in element order. Each element
 * gets the task's retries, timeout and cache (cached per element).
 *
 * The map task is named `mapper_<task>`; it is called and added to workflows
 * like any entity, and compiles to a flyteidl `arrayNode` running the task.
 *
 * @example
 * ```ts
 * const scale = task({ name: "scale", inputs: { x: t.float, factor: t.float }, outputs: t.float }, ({ x, factor }) => x * factor);
 * const scaleAll = mapTask(scale, { fixed: ["factor"], concurrency: 4 });
 * await scaleAll.run({ x: [1, 2, 3], factor: 10 }); // { o0: [10, 20, 30] }
 *
 * const lenient = mapTask(scale, { fixed: ["factor"], minSuccessRatio: 0.5 }); // outputs (number | null)[]
 * const wf = workflow({ name: "scale_wf", inputs: { xs: t.list(t.float) } }, ({ xs }) => scaleAll({ x: xs, factor: 2 }));
 * ```
 */
export function mapTask<I extends TypeRecord, O extends OutputsSpec, const F extends readonly (keyof I & string)[] = [], const R extends number = 1>(
  task: Task<I, O>,
  options?: MapTaskOptions<F, R>,
): MapTask<I, O, F[number], R> {
  const inner = entityOrDefinition(task);
  if (!inner || inner.kind !== "task") {
    throw new InvalidOptionError(`mapTask(task, options) maps a task, got ${inner ? describeEntity(inner) : String(task)}`);
  }
  const name = `mapper_${inner.name}`;
  if (inner.dynamic) throw new InvalidOptionError(`mapTask cannot map dynamic workflow ${JSON.stringify(inner.name)}: map a task, or loop inside the dynamic workflow`, { entity: name });
  const taskInputs = inner.interface.inputs;
  const inputNames = Object.keys(taskInputs);
  const { concurrency, minSuccessRatio, fixed } = checkOptions(options, name, inputNames);
  if (inputNames.length === fixed.length) {
    throw new InvalidOptionError(
      inputNames.length === 0
        ? `mapTask cannot map task ${JSON.stringify(inner.name)}: it has no inputs to map over`
        : `mapTask cannot map task ${JSON.stringify(inner.name)}: every input is fixed (${fixed.join(", ")}), so there is no list to map over`,
      { entity: name },
    );
  }
  const nullable = minSuccessRatio !== undefined && minSuccessRatio < 1;
  const inputs: Record<string, AnyType> = {};
  for (const n of inputNames) inputs[n] = fixed.includes(n) ? taskInputs[n]! : t.list(taskInputs[n]!);
  const outputs: Record<string, AnyType> = {};
  for (const [n, type] of Object.entries(inner.interface.outputs)) outputs[n] = t.list(nullable ? t.optional(type) : type);
  let wrapper: WorkflowDefinition | undefined;
  const def: MapTaskDefinition = {
    kind: "mapTask",
    name,
    interface: makeInterface(inputs, outputs, inner.interface.shape),
    task: inner,
    concurrency,
    minSuccessRatio,
    fixed,
    asWorkflow: () => (wrapper ??= wrapperWorkflow(def)),
  };
  return makeCallable<MapTask<I, O, F[number], R>>(mapPrototype, (...args) => callEntity(def, args), { kind: "mapTask", name, interface: def.interface, [INTERNAL]: def });
}
