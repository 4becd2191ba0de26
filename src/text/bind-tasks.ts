/**
 * Binding the tasks a text references to TypeScript tasks, by name: every
 * referenced task must have an implementation (all missing names in one
 * error), and each implementation's interface must fit the referenced one
 * (same variable names; types equal or castable by Flyte's rules).
 *
 * @module
 */
import type { LiteralType, TypedInterface } from "../idl/core.js";
import { definitionOf, describeEntity, type EntityLike } from "../sdk/entity.js";
import type { EntityInterface } from "../sdk/interface.js";
import { describeType } from "../types/describe.js";
import { MissingTasksError, SpecInvalidError, TaskInterfaceMismatchError, describePosition, type TextPosition } from "./errors.js";
import { interfaceFits } from "./types.js";

/**
 * What `loadWorkflows` takes as its tasks: TypeScript tasks (and dynamic
 * workflows), or modules (records of exports) holding them, or a list of either.
 *
 * @example
 * ```ts
 * const tasks: TaskSource = [await import("./tasks.ts"), extraTask];
 * ```
 */
export type TaskSource = Readonly<Record<string, unknown>> | readonly unknown[];

/**
 * The tasks of a task source, by name.
 *
 * @throws SpecInvalidError when two different tasks share a name.
 *
 * @example
 * ```ts
 * tasksByName([slope, intercept]).get("slope"); // slope
 * ```
 */
export function tasksByName(source: TaskSource): Map<string, EntityLike> {
  const out = new Map<string, EntityLike>();
  const add = (value: unknown, depth: number): void => {
    const def = definitionOf(value);
    if (def) {
      if (def.kind !== "task") return;
      const seen = out.get(def.name);
      if (seen && seen !== value) throw new SpecInvalidError(`two different TypeScript tasks are named ${JSON.stringify(def.name)}; a task is bound by its name, so names must be unique among the --tasks modules`);
      out.set(def.name, value as EntityLike);
      return;
    }
    if (depth > 1 || typeof value !== "object" || value === null) return;
    for (const v of Array.isArray(value) ? value : Object.values(value)) add(v, depth + 1);
  };
  add(source, 0);
  return out;
}

/** A use of a task, for the check. */
export interface BoundUse {
  readonly task: string;
  readonly site: string;
  readonly specInterface: TypedInterface | undefined;
  /** True when the spec's interface is the list-ified one of a map task (old-style `container_array`, or an ArrayNode's `-arraynode` template). */
  readonly mapped: boolean;
  /** The inputs of such a map given whole to every element, not as lists (`boundInputs`). */
  readonly bound?: readonly string[];
}

/**
 * Throws one error listing every referenced task with no implementation.
 *
 * @example
 * ```ts
 * requireTasks(["a", "b"], tasksByName([a])); // MissingTasksError: ... "b"
 * ```
 */
export function requireTasks(names: Iterable<string>, tasks: ReadonlyMap<string, EntityLike>): void {
  const missing = [...new Set(names)].filter((n) => !tasks.has(n)).sort();
  if (missing.length === 0) return;
  const have = [...tasks.keys()].sort();
  throw new MissingTasksError(
    `the specs reference ${missing.length === 1 ? "a task" : `${missing.length} tasks`} that no --tasks module exports: ${missing.map((n) => JSON.stringify(n)).join(", ")}. ` +
      `Export a TypeScript task with that name (task({ name: ${JSON.stringify(missing[0])}, ... })) from a --tasks module` +
      (have.length > 0 ? `; the modules export ${have.map((n) => JSON.stringify(n)).join(", ")}` : "; no --tasks module exports any task"),
    missing,
  );
}

/**
 * `requireTasks` for tasks named in a text file: the error also says where each missing name is written.
 *
 * @example
 * ```ts
 * requireTasksAt([{ name: "nope", at: { file: "p.yaml", line: 7, column: 15 } }], tasks); // ... ("nope" at p.yaml:7:15)
 * ```
 */
export function requireTasksAt(uses: readonly { readonly name: string; readonly at: TextPosition }[], tasks: ReadonlyMap<string, EntityLike>): void {
  const missing = uses.filter((u) => !tasks.has(u.name));
  try {
    requireTasks(
      missing.map((u) => u.name),
      tasks,
    );
  } catch (e) {
    if (!(e instanceof MissingTasksError)) throw e;
    throw new MissingTasksError(`${e.message} (named at ${missing.map((u) => `${JSON.stringify(u.name)} at ${describePosition(u.at)}`).join(", ")})`, e.missing);
  }
}

function listOf(lt: LiteralType): LiteralType {
  return { collectionType: lt };
}

/**
 * Checks that a TypeScript task fits the interface a spec gives the task.
 *
 * @throws TaskInterfaceMismatchError naming the task, the variable, both types and the node.
 *
 * @example
 * ```ts
 * checkInterface({ task: "square", site: "my_wf/n0", specInterface, mapped: false }, squareTask);
 * ```
 */
export function checkInterface(use: BoundUse, entity: EntityLike): void {
  const spec = use.specInterface;
  if (!spec) return;
  const def = definitionOf(entity)!;
  const ts: EntityInterface = def.interface;
  const where = `task ${JSON.stringify(use.task)} (used by node ${use.site})`;
  const fail = (what: "input" | "output", v: string, specType: string, tsType: string, why: string): never => {
    throw new TaskInterfaceMismatchError(`${where}: ${what} ${JSON.stringify(v)} ${why}; the TypeScript ${describeEntity(def)} must declare the interface the specs give it`, use.task, v, specType, tsType, use.site);
  };
  const bound = new Set(use.bound ?? []);
  const lift = (lt: LiteralType, what: "input" | "output", v: string): LiteralType => (use.mapped && !(what === "input" && bound.has(v)) ? listOf(lt) : lt);
  for (const [what, specVars, tsVars] of [
    ["input", spec.inputs?.variables ?? {}, ts.inputs],
    ["output", spec.outputs?.variables ?? {}, ts.outputs],
  ] as const) {
    for (const [v, variable] of Object.entries(specVars)) {
      const specType = variable.type ?? {};
      const mine = Object.prototype.hasOwnProperty.call(tsVars, v) ? tsVars[v] : undefined;
      if (!mine) return fail(what, v, describeType(specType), "(absent)", `is ${describeType(specType)} in the specs but the TypeScript task has no ${what} of that name (it has ${Object.keys(tsVars).join(", ") || "none"})`);
      const tsType = lift(mine.literalType, what, v);
      if (!interfaceFits(specType, tsType, what)) {
        fail(what, v, describeType(specType), describeType(tsType), `is ${describeType(specType)} in the specs but ${describeType(tsType)} in the TypeScript task, and Flyte's rules do not cast one to the other`);
      }
    }
    for (const v of Object.keys(tsVars)) {
      if (Object.prototype.hasOwnProperty.call(specVars, v)) continue;
      if (what === "input" && !ts.required.has(v)) continue;
      fail(what, v, "(absent)", describeType(lift(tsVars[v]!.literalType, what, v)), `is declared by the TypeScript task but not in the specs`);
    }
  }
}
