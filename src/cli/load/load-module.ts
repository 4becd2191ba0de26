/**
 * Loading a user's module for the command line, as every process loads it
 * (`src/loading/import-module.ts`), with `aloft` pinned to the CLI's own copy.
 *
 * @module
 */
import { importUserModule } from "../../loading/import-module.js";
import { UsageError, describeError } from "../errors.js";

/** A module loaded for the CLI. */
export interface LoadedModule {
  /** The path as the user gave it, for messages. */
  readonly file: string;
  /** The absolute path. */
  readonly path: string;
  /** The module's exports. */
  readonly exports: Readonly<Record<string, unknown>>;
}

/**
 * A file that cannot be loaded: it does not exist, is not a module, or
 * throws while it loads.
 *
 * @example
 * ```ts
 * try { await loadModule("flows.ts", process.cwd()); } catch (e) { if (e instanceof ModuleLoadError) console.error(e.file); }
 * ```
 */
export class ModuleLoadError extends UsageError {
  override name = "ModuleLoadError";
  /** The file, as given. */
  readonly file: string;
  constructor(file: string, why: string, options?: { cause?: unknown }) {
    super(`cannot load ${file}: ${why}`, options);
    this.file = file;
  }
}

/**
 * Loads a TypeScript or JavaScript module by path (relative to `cwd`) and
 * returns its exports. A `.ts` file loads as an ES module in any package;
 * in every kind of file, `import ... from "aloft"` gets the CLI's own copy
 * of Aloft (see `src/loading/`).
 *
 * @throws ModuleLoadError naming the file and why it did not load.
 *
 * @example
 * ```ts
 * const mod = await loadModule("examples/imperative.ts", process.cwd());
 * Object.keys(mod.exports); // ["default"]
 * ```
 */
export async function loadModule(file: string, cwd: string): Promise<LoadedModule> {
  const loaded = await importUserModule(file, cwd, describeError);
  if (!loaded.ok) throw new ModuleLoadError(file, loaded.reason, { cause: loaded.cause });
  return { file, path: loaded.path, exports: loaded.exports };
}
