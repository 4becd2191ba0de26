/**
 * Loading a user's module for the command line: TypeScript through tsx's ESM
 * loader, JavaScript as it is, with `aloft` pinned to the CLI's own copy.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { register } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError, describeError } from "../errors.js";
import type { LoaderData } from "./loader-hooks.js";

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

const TYPESCRIPT = /\.(ts|mts|tsx)$/i;
const LOADABLE = /\.(ts|mts|tsx|js|mjs)$/i;

let hooks: { typescript: boolean; pinned: boolean } = { typescript: false, pinned: false };

async function installHooks(typescript: boolean): Promise<void> {
  if (typescript && !hooks.typescript) {
    const tsx = await import("tsx/esm/api");
    tsx.register();
    hooks = { ...hooks, typescript: true };
  }
  // Registered after tsx, so it runs first: `aloft` never reaches a tsconfig path alias.
  if (!hooks.pinned) {
    const data: LoaderData = { aloftUrl: new URL("../../index.js", import.meta.url).href };
    register("./loader-hooks.js", import.meta.url, { data });
    hooks = { ...hooks, pinned: true };
  }
}

/**
 * Loads a TypeScript or JavaScript module by path (relative to `cwd`) and
 * returns its exports. A `.ts` file is loaded through tsx, as an ES module;
 * in either kind of file, `import ... from "aloft"` gets the CLI's own copy
 * of Aloft (see `loader-hooks.ts`).
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
  const absolute = path.resolve(cwd, file);
  let isFile: boolean;
  try {
    isFile = (await stat(absolute)).isFile();
  } catch {
    throw new ModuleLoadError(file, "no such file");
  }
  if (!isFile) throw new ModuleLoadError(file, "it is not a file");
  if (!LOADABLE.test(absolute)) throw new ModuleLoadError(file, "it is not a TypeScript or JavaScript module (.ts, .mts, .js, .mjs)");
  await installHooks(TYPESCRIPT.test(absolute));
  try {
    const exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
    return { file, path: absolute, exports };
  } catch (e) {
    throw new ModuleLoadError(file, describeError(e), { cause: e });
  }
}
