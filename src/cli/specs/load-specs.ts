/**
 * The CLI's side of workflows from text: `aloft run <specs> <entity> --tasks
 * <module>`, `aloft register <specs> --tasks <module>` and `aloft serve
 * <specs> --tasks <module>` load the specs with `loadWorkflows`, binding
 * their tasks to those the `--tasks` modules export.
 *
 * @module
 */
import { isModuleFile } from "../../loading/import-module.js";
import path from "node:path";
import { readdirSync } from "node:fs";
import { isSpecFileName } from "../../text/read-specs.js";
import { definitionOf } from "../../sdk/entity.js";
import type { EntityLike } from "../../sdk/entity.js";
import { loadWorkflows, type LoadedWorkflows } from "../../text/load-workflows.js";
import { SpecLoadError } from "../../text/errors.js";
import { UsageError } from "../errors.js";
import type { FoundEntity } from "../load/entities.js";
import { loadModule } from "../load/load-module.js";
import { sourceKind } from "../load/source-path.js";


/**
 * True when a path given to `aloft run` is a spec source (a folder, `.pb`,
 * `.json`, `.yaml`, `.tgz`) rather than a module.
 *
 * @example
 * ```ts
 * isSpecSource("_pb_output"); // true
 * isSpecSource("flows.ts");   // false
 * ```
 */
export function isSpecSource(file: string): boolean {
  return !isModuleFile(file);
}

/**
 * A spec failed to load: nothing was started. The CLI ends with exit code 2
 * and the loader's message (which names the file, and the line and column).
 *
 * @example
 * ```ts
 * if (e instanceof SpecSourceError) console.error(e.cause); // the SpecLoadError
 * ```
 */
export class SpecSourceError extends UsageError {
  override name = "SpecSourceError";
  /** The loader's error code (`SPEC_INVALID`, `TASKS_MISSING`, ...). */
  readonly code: string;
  constructor(cause: SpecLoadError) {
    super(cause.message, { cause });
    this.code = cause.code;
  }
}

/**
 * Loads spec sources with the tasks of the `--tasks` modules.
 *
 * @throws ModuleLoadError when a source does not exist; UsageError when no `--tasks` module is given or one does not load; SpecSourceError when a spec does not load.
 *
 * @example
 * ```ts
 * const loaded = await loadSpecSources(["_pb_output"], ["tasks.ts"], process.cwd());
 * ```
 */
export async function loadSpecSources(sources: readonly string[], taskModules: readonly string[], cwd: string): Promise<LoadedWorkflows[]> {
  // A path that is not there is missing, not specs (`aloft run flow` meaning flow.ts).
  const kinds = sources.map((s) => sourceKind(s, cwd));
  if (taskModules.length === 0) {
    // A folder with no spec file in it (as the spec reader reads a folder) is not specs either.
    if (sources.length === 1 && kinds[0] === "folder" && !readdirSync(path.resolve(cwd, sources[0]!)).some(isSpecFileName)) {
      throw new UsageError(
        `${sources[0]!} is a folder, not a module: give the module's file (aloft run <file.ts> [entity]); a folder of specs (pyflyte package's _pb_output) runs with the TypeScript tasks it references: --tasks <module>`,
      );
    }
    throw new UsageError(`${sources.join(", ")} ${sources.length === 1 ? "is a spec" : "are specs"}: give the TypeScript tasks it references with --tasks <module> (a .ts or .js module exporting tasks named as the specs name them)`);
  }
  const tasks: Record<string, unknown>[] = [];
  for (const m of taskModules) tasks.push((await loadModule(m, cwd)).exports);
  const out: LoadedWorkflows[] = [];
  for (const source of sources) {
    try {
      out.push(await loadWorkflows(path.resolve(cwd, source), { tasks }));
    } catch (e) {
      if (e instanceof SpecLoadError) throw new SpecSourceError(e);
      throw e;
    }
  }
  return out;
}

function found(entity: EntityLike): FoundEntity {
  return { exportName: entity.name, exportNames: [entity.name], entity, def: definitionOf(entity)! };
}

/**
 * The entity `aloft run <specs> <entity>` runs: the one named, or the specs' only workflow.
 *
 * @throws SpecSourceError naming what the specs hold.
 *
 * @example
 * ```ts
 * specEntity(loaded, "core.control_flow.chain_tasks.chain_tasks_wf").exportName;
 * ```
 */
export function specEntity(loaded: LoadedWorkflows, name: string | undefined): FoundEntity {
  try {
    return found(loaded.get(name));
  } catch (e) {
    if (e instanceof SpecLoadError) throw new SpecSourceError(e);
    throw e;
  }
}

/**
 * Every top-level workflow and launch plan of loaded specs, each once (for
 * `aloft register` and `aloft serve`).
 *
 * @example
 * ```ts
 * specEntities(await loadSpecSources(["specs/"], ["tasks.ts"], cwd)).map((f) => f.exportName);
 * ```
 */
export function specEntities(loaded: readonly LoadedWorkflows[]): FoundEntity[] {
  const out: FoundEntity[] = [];
  for (const l of loaded) {
    for (const name of l.names) {
      for (const e of [l.workflows.get(name), l.launchPlans.get(name)]) if (e && !out.some((f) => f.entity === e)) out.push(found(e as EntityLike));
    }
  }
  return out;
}
