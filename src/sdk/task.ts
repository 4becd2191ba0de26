/**
 * `task()`: a typed unit of work.
 *
 * @module
 */
import type { AnyType, TypeRecord, ValueOf, ValuesOf } from "../types/type.js";
import { InvalidNameError, InvalidOptionError } from "../errors.js";
import { checkTypeRecord, makeInterface, normalizeOutputs, type OutputsSpec, type ReturnValue } from "./interface.js";
import { INTERNAL, makeCallable, runnableMethods, type Entity, type EntityLike, type TaskDefinition } from "./entity.js";
import { normalizeTaskOptions, type ExecutionOptions, type TaskContext } from "./task-options.js";
import { callEntity } from "./call.js";
import { recordTask } from "./known-tasks.js";
import { callerFile } from "./source.js";

/**
 * The declaration of a task.
 *
 * @example
 * ```ts
 * const config: TaskConfig<{ x: typeof t.int }, typeof t.int> = { name: "double", inputs: { x: t.int }, outputs: t.int, retries: 2 };
 * const double = task(config, ({ x }) => x * 2);
 * ```
 */
export interface TaskConfig<I extends TypeRecord, O extends OutputsSpec> extends ExecutionOptions {
  /** The task's name, unique among the tasks you register (Flyte would use `module.function`). */
  readonly name: string;
  /** Input types by name. */
  readonly inputs?: I;
  /** Nothing, one type (output `o0`), an array of types (`o0`..`oN`) or a record of named types. */
  readonly outputs?: O;
  /** A container image, written to the compiled spec for Flyte. */
  readonly image?: string;
  /** A short description, kept in the spec's metadata. */
  readonly description?: string;
  /**
   * Retry every error the task's code throws (up to `retries`), not only a
   * `RecoverableError` or a timeout. By default, as in Flyte, a plain error
   * is final: it fails the node at once whatever `retries` says.
   */
  readonly retryAllErrors?: boolean;
}

/**
 * A task function: takes the input values and a context, returns the outputs (or a promise of them).
 *
 * @example
 * ```ts
 * const fn: TaskFunction<{ x: typeof t.int }, typeof t.int> = async ({ x }, ctx) => (ctx.attempt > 1 ? x : x * 2);
 * ```
 */
export type TaskFunction<I extends TypeRecord, O extends OutputsSpec> = (inputs: ValuesOf<I>, ctx: TaskContext) => ReturnValue<O> | Promise<ReturnValue<O>>;

/**
 * The values a task with tuple outputs returns, one per output type.
 *
 * @example
 * ```ts
 * type Pair = TupleValues<[typeof t.int, typeof t.str]>; // [number, string]
 * ```
 */
export type TupleValues<O extends readonly AnyType[]> = { -readonly [K in keyof O]: ValueOf<O[K]> };

/**
 * A task: an entity whose definition holds a function.
 *
 * @example
 * ```ts
 * const slope: Task<{ x: AloftType<number[]>; y: AloftType<number[]> }, AloftType<number>> = task({ name: "slope", inputs: { x: t.list(t.int), y: t.list(t.int) }, outputs: t.float }, fn);
 * ```
 */
export type Task<I extends TypeRecord, O extends OutputsSpec> = Entity<I, O> & { readonly kind: "task" };

const taskPrototype = {
  ...runnableMethods,
  toString(this: EntityLike) {
    return `Task(${this.name})`;
  },
};

/**
 * Defines a task.
 *
 * @example
 * ```ts
 * const slope = task(
 *   { name: "slope", inputs: { x: t.list(t.int), y: t.list(t.int) }, outputs: t.float },
 *   ({ x, y }) => {
 *     const mx = mean(x), my = mean(y);
 *     return sum(x.map((xi, i) => (xi - mx) * (y[i]! - my))) / sum(x.map((xi) => (xi - mx) ** 2));
 *   },
 * );
 * await slope.run({ x: [-3, 0, 3], y: [7, 4, -2] }); // { o0: -1.5 }
 * ```
 */
export function task<I extends TypeRecord = {}, O extends readonly [AnyType, ...AnyType[]] = [AnyType]>(
  config: TaskConfig<I, O> & { readonly outputs: O },
  fn: (inputs: ValuesOf<I>, ctx: TaskContext) => TupleValues<O> | Promise<TupleValues<O>>,
): Task<I, O>;
export function task<I extends TypeRecord = {}, O extends OutputsSpec = undefined>(config: TaskConfig<I, O>, fn: TaskFunction<I, O>): Task<I, O>;
export function task<I extends TypeRecord, O extends OutputsSpec>(config: TaskConfig<I, O>, fn: TaskFunction<I, O>): Task<I, O> {
  if (typeof config !== "object" || config === null) throw new InvalidOptionError("task(config, fn) takes a config object first, like task({ name: \"slope\", inputs, outputs }, fn)");
  const name = config.name;
  if (typeof name !== "string" || name.trim() === "") throw new InvalidNameError("a task needs a non-empty name: task({ name: \"slope\", ... }, fn)");
  if (typeof fn !== "function") throw new InvalidOptionError(`task ${JSON.stringify(name)} needs a function as its second argument`, { entity: name });
  const inputs = checkTypeRecord(config.inputs, "input", name);
  const { outputs, shape } = normalizeOutputs(config.outputs, name);
  const def: TaskDefinition = {
    kind: "task",
    name,
    interface: makeInterface(inputs, outputs, shape),
    options: normalizeTaskOptions(config, name, Object.keys(inputs)),
    fn: fn as TaskDefinition["fn"],
    source: callerFile(),
  };
  recordTask(def);
  return makeCallable<Task<I, O>>(taskPrototype, (...args) => callEntity(def, args), { kind: "task", name, interface: def.interface, [INTERNAL]: def });
}
