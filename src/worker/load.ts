/**
 * Loading the user's modules in a worker process, as every process loads them
 * (`src/loading/import-module.ts`: the same formats as the CLI's), with the
 * bare specifier `aloft` pinned to the worker's own copy of Aloft (entities
 * made by another copy would not be recognized).
 *
 * @module
 */
import { AloftError } from "../errors.js";
import { importUserModule } from "../loading/import-module.js";
import type { LoadedModule } from "./resolver.js";

/**
 * A module the worker was given cannot be loaded: it does not exist, is not a
 * TypeScript or JavaScript module, or throws while it loads.
 *
 * @example
 * ```ts
 * try { await loadModules(["flows.ts"], process.cwd()); } catch (e) { if (e instanceof WorkerModuleError) console.error(e.file); }
 * ```
 */
export class WorkerModuleError extends AloftError {
  override name = "WorkerModuleError";
  constructor(
    /** The file, as given. */
    readonly file: string,
    why: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot load ${file}: ${why}`, options);
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Loads TypeScript or JavaScript modules by path (relative to `cwd`), in
 * order, and returns their exports.
 *
 * @throws WorkerModuleError naming the first file that did not load, and why.
 *
 * @example
 * ```ts
 * const modules = await loadModules(["flows/etl.ts", "flows/report.mjs"], process.cwd());
 * new TaskResolver(modules);
 * ```
 */
export async function loadModules(files: readonly string[], cwd: string): Promise<LoadedModule[]> {
  const out: LoadedModule[] = [];
  for (const file of files) {
    const loaded = await importUserModule(file, cwd, describe);
    if (!loaded.ok) throw new WorkerModuleError(file, loaded.reason, { cause: loaded.cause });
    out.push({ file, exports: loaded.exports });
  }
  return out;
}
