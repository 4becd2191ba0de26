/**
 * Loading the user's modules in a worker process: TypeScript through tsx's
 * ESM loader, JavaScript as it is, with the bare specifier `aloft` pinned to
 * the worker's own copy of Aloft (entities made by another copy would not be
 * recognized).
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { register } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { AloftError } from "../errors.js";
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

const TYPESCRIPT = /\.(ts|mts|tsx)$/i;
const LOADABLE = /\.(ts|mts|tsx|js|mjs)$/i;
/** Whether this module runs from the TypeScript sources (under tsx already) rather than from the build. */
const FROM_SOURCES = import.meta.url.endsWith(".ts");

/**
 * Resolves `aloft` as the URL given at initialization, through the rest of the
 * chain (so that tsx resolves it when it is a TypeScript file); everything
 * else is left to the next hook.
 */
const PIN_HOOKS = `
let aloftUrl;
export function initialize(data) { aloftUrl = data.aloftUrl; }
export function resolve(specifier, context, next) {
  if (specifier === "aloft" && aloftUrl !== undefined) return next(aloftUrl, context);
  return next(specifier, context);
}`;

const installed = { typescript: FROM_SOURCES, pinned: false };

async function installHooks(typescript: boolean): Promise<void> {
  if (typescript && !installed.typescript) {
    const tsx = await import("tsx/esm/api");
    tsx.register();
    installed.typescript = true;
  }
  // Registered after tsx, so it runs first: `aloft` never reaches a tsconfig path alias.
  if (!installed.pinned) {
    const aloftUrl = new URL(FROM_SOURCES ? "../index.ts" : "../index.js", import.meta.url).href;
    register(`data:text/javascript,${encodeURIComponent(PIN_HOOKS)}`, { data: { aloftUrl } });
    installed.pinned = true;
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
    const absolute = path.resolve(cwd, file);
    let isFile: boolean;
    try {
      isFile = (await stat(absolute)).isFile();
    } catch {
      throw new WorkerModuleError(file, "no such file");
    }
    if (!isFile) throw new WorkerModuleError(file, "it is not a file");
    if (!LOADABLE.test(absolute)) throw new WorkerModuleError(file, "it is not a TypeScript or JavaScript module (.ts, .mts, .tsx, .js, .mjs)");
    await installHooks(TYPESCRIPT.test(absolute));
    try {
      const exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
      out.push({ file, exports });
    } catch (e) {
      throw new WorkerModuleError(file, describe(e), { cause: e });
    }
  }
  return out;
}
