/**
 * Finding the tasks, workflows and launch plans a module exports, and picking
 * the one a command names.
 *
 * @module
 */
import { definitionOf, describeEntity, type EntityDefinition, type EntityLike } from "../../sdk/entity.js";
import { UsageError } from "../errors.js";
import type { LoadedModule } from "./load-module.js";

/** An entity a module exports. */
export interface FoundEntity {
  /** The name to use on the command line: its export name (`default` only when it has no other). */
  readonly exportName: string;
  /** Every name it is exported under. */
  readonly exportNames: readonly string[];
  readonly entity: EntityLike;
  readonly def: EntityDefinition;
  /** The module file it was found in, as given on the command line (when a command loads several). */
  readonly module?: string;
}

/** How a found entity is listed in messages: `wf (workflow "imperative_workflow")`. */
export function describeFound(found: FoundEntity): string {
  return `${found.exportName} (${describeEntity(found.def)})`;
}

/** True for a value that carries the mark of an Aloft entity made by another copy of Aloft. */
function isForeignEntity(value: unknown): boolean {
  let current: unknown = value;
  for (let depth = 0; depth < 4 && (typeof current === "object" || typeof current === "function") && current !== null; depth++) {
    if (Object.getOwnPropertySymbols(current).some((s) => s.description === "aloft.entity")) return true;
    current = Object.getPrototypeOf(current);
  }
  return false;
}

/**
 * The entities a module exports, each once (an entity exported under two
 * names, such as `export default wf` and `export { wf }`, is listed once).
 *
 * @example
 * ```ts
 * entitiesOf(await loadModule("examples/imperative.ts", cwd)).map(describeFound); // ['default (workflow "imperative_workflow")']
 * ```
 */
export function entitiesOf(mod: LoadedModule): FoundEntity[] {
  const byValue = new Map<unknown, { names: string[]; def: EntityDefinition }>();
  let foreign = 0;
  for (const [name, value] of Object.entries(mod.exports)) {
    const def = definitionOf(value);
    if (!def) {
      if (isForeignEntity(value)) foreign++;
      continue;
    }
    const seen = byValue.get(value);
    if (seen) seen.names.push(name);
    else byValue.set(value, { names: [name], def });
  }
  if (byValue.size === 0 && foreign > 0) {
    throw new UsageError(
      `${mod.file} exports entities made by another copy of Aloft, which this command cannot run; import them from "aloft" (not from a path to Aloft's sources or build)`,
    );
  }
  return [...byValue.entries()].map(([value, { names, def }]) => {
    const named = names.filter((n) => n !== "default");
    return { exportName: named[0] ?? "default", exportNames: names, entity: value as EntityLike, def };
  });
}

function listing(found: readonly FoundEntity[]): string {
  return found.map(describeFound).join(", ");
}

/**
 * The entity `name` (an export name or a registered name) among those a module
 * exports; without a name, the module's only workflow.
 *
 * @throws UsageError naming what the module exports when there is no such entity, or no single workflow.
 *
 * @example
 * ```ts
 * selectEntity(mod, entitiesOf(mod), "regression_lp"); // by registered name
 * selectEntity(mod, entitiesOf(mod));                  // the one workflow
 * ```
 */
export function selectEntity(mod: LoadedModule, found: readonly FoundEntity[], name?: string, command = "run"): FoundEntity {
  if (found.length === 0) throw new UsageError(`${mod.file} exports no task, workflow or launch plan`);
  if (name === undefined) {
    const workflows = found.filter((f) => f.def.kind === "workflow");
    if (workflows.length === 1 && workflows[0]) return workflows[0];
    const why = workflows.length === 0 ? "exports no workflow" : `exports ${workflows.length} workflows`;
    throw new UsageError(`${mod.file} ${why}; name the one to use: aloft ${command} ${mod.file} <entity> (it exports ${listing(found)})`);
  }
  const byExport = found.find((f) => f.exportNames.includes(name));
  if (byExport) return byExport;
  const byName = found.filter((f) => f.def.name === name);
  if (byName.length === 1 && byName[0]) return byName[0];
  if (byName.length > 1) throw new UsageError(`${mod.file} exports more than one entity named ${JSON.stringify(name)}: ${listing(byName)}; use the export name`);
  throw new UsageError(`${mod.file} has no entity ${JSON.stringify(name)} (it exports ${listing(found)})`);
}
