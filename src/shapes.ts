/**
 * Keeping object shapes alive between runs, so that a major garbage
 * collection does not throw away the optimized code of the compiler, the
 * checks, the planner and the local executor.
 *
 * V8 gives every object a hidden class (a map). The map of an object built
 * field by field (a class instance, or `{}` given its keys one at a time) is
 * reached from its parent map only through a weak transition, and optimized
 * code holds the maps it checks weakly: once every object of a shape is
 * garbage, a major GC frees the map and deoptimizes each function whose
 * optimized code embeds it. Between two workflows' first runs every `Scope`,
 * `Planner`, `WorkflowRun` and `NodeRecord` of the first is garbage, so a
 * program that runs a workflow, collects, and runs another (the benchmark
 * collects before each first run) ran the second through the interpreter
 * until TurboFan had optimized the same functions again: on the 10,000-node
 * chain about 30 functions, recompiled on helper threads, and three times the
 * main thread's time (`node --trace-deopt-verbose`: "marking dependent code
 * ... for deoptimization, reason: weak objects").
 *
 * One sample of each such shape, kept here for the life of the process,
 * keeps its map (and the code that relies on it) alive. Samples are small and
 * made once; shapes that depend on user data (the inputs record of a node
 * binding `x`) are kept up to `MAX_NAMED_SHAPES`.
 *
 * @module
 */

const kept: unknown[] = [];

/**
 * Keeps `sample` alive for the life of the process and returns it; made with
 * the same constructor (or the same sequence of field writes) as the objects
 * of the hot path, it keeps their hidden class alive across major GCs.
 *
 * @example
 * ```ts
 * class Scope { ... }
 * keepShape(new Scope(NO_VARS, []));
 * ```
 */
export function keepShape<T>(sample: T): T {
  kept.push(sample);
  return sample;
}

/** How many shapes of user data (records of given field names) `keepNamedShape` keeps at most. */
export const MAX_NAMED_SHAPES = 256;

const named = new Map<string, unknown>();

/**
 * Keeps the sample `make()` builds under `key` (a key starting with a NUL
 * character: the keys of `keepRecordShape` are its field names), once, for up to
 * `MAX_NAMED_SHAPES` keys: for shapes that depend on user data, such as the
 * inputs record of a node that binds `x` and `y`. `make` must build the
 * sample as the hot path builds its objects (the same literal, or the same
 * fields written in the same order starting from `{}`).
 *
 * @example
 * ```ts
 * keepNamedShape("\u0000output o0", () => singleOutput("o0", undefined));
 * ```
 */
export function keepNamedShape(key: string, make: () => unknown): void {
  if (named.size >= MAX_NAMED_SHAPES || named.has(key)) return;
  named.set(key, make());
}

/**
 * Keeps the shape of a record given the fields `names` one at a time, in
 * this order, starting from `{}` (as the executor builds a node's inputs),
 * for up to `MAX_NAMED_SHAPES` lists of names.
 *
 * @example
 * ```ts
 * keepRecordShape(["x", "y"]); // records { x, y } built field by field keep their map across major GCs
 * ```
 */
export function keepRecordShape(names: readonly string[]): void {
  if (named.size >= MAX_NAMED_SHAPES) return;
  keepNamedShape(names.length === 1 ? names[0]! : names.join("\u0000"), () => {
    const sample: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) sample[names[i]!] = undefined;
    return sample;
  });
}
