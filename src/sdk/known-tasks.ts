/**
 * Every task defined in this process, by name. Workers resolve the tasks of
 * task items here, so a task used only inside a dynamic workflow's body (and
 * never exported) can still be found once its module is loaded, as flytekit
 * resolves tasks by module and name.
 *
 * @module
 */
import type { TaskDefinition } from "./entity.js";

const byName = new Map<string, TaskDefinition[]>();

/** Records a task definition (called by `task()` and `dynamic()`). */
export function recordTask(def: TaskDefinition): void {
  const list = byName.get(def.name);
  if (list) list.push(def);
  else byName.set(def.name, [def]);
}

/**
 * Every task defined under `name` in this process, oldest first.
 *
 * @example
 * ```ts
 * tasksNamed("slope"); // [the definition behind `slope`]
 * ```
 */
export function tasksNamed(name: string): readonly TaskDefinition[] {
  return byName.get(name) ?? [];
}
