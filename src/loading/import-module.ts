/**
 * Importing a user's module by path, the same way in every process that does
 * it (the CLI, each worker): `.ts`, `.mts`, `.cts`, `.tsx` compiled and read
 * as ES modules by `typescript-hooks.ts`, `.js`, `.mjs`, `.cjs` as Node loads
 * them, and `aloft` pinned to the importing process's own copy by
 * `pin-hooks.ts`.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { register } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PinData } from "./pin-hooks.js";

/** The extensions a user's module may have, as listed in messages. */
export const MODULE_EXTENSIONS = [".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs"] as const;
const LOADABLE = /\.(ts|mts|cts|tsx|js|mjs|cjs)$/i;

/**
 * True for a file name with the extension of a user's module (one of
 * `MODULE_EXTENSIONS`): what `importUserModule` loads, and what the CLI tells
 * apart from specs.
 *
 * @example
 * ```ts
 * isModuleFile("flow.cts"); // true
 * isModuleFile("wf.pb");    // false
 * ```
 */
export function isModuleFile(name: string): boolean {
  return LOADABLE.test(name);
}
/** Whether this module runs from Aloft's TypeScript sources (tests, `npm run bench`) rather than from the build. */
const FROM_SOURCES = import.meta.url.endsWith(".ts");
const EXT = FROM_SOURCES ? ".ts" : ".js";

let installed = false;

/**
 * Installs the loader hooks once per process: the TypeScript hooks, then the
 * pin of `aloft` (registered last, so it runs first), and turns source maps
 * on, so that stack traces name the lines of the user's TypeScript.
 */
function installHooks(): void {
  if (installed) return;
  register(new URL(`./typescript-hooks${EXT}`, import.meta.url));
  const data: PinData = { aloftUrl: new URL(`../index${EXT}`, import.meta.url).href };
  register(new URL(`./pin-hooks${EXT}`, import.meta.url), { data });
  process.setSourceMapsEnabled(true);
  installed = true;
}

/** Why a user's module could not be imported: `reason` says it for a message, `cause` is the error thrown while it loaded. */
export interface ImportFailure {
  readonly reason: string;
  readonly cause?: unknown;
}

/** What importing a module gave: its exports, or why not. */
export type ImportResult =
  | { readonly ok: true; readonly path: string; readonly exports: Readonly<Record<string, unknown>> }
  | ({ readonly ok: false } & ImportFailure);

/**
 * Imports the module at `file` (relative to `cwd`) and returns its exports,
 * or why it did not load (no such file, not a file, not a module, or the
 * error it threw while loading, as `describe` words it).
 *
 * @example
 * ```ts
 * const r = await importUserModule("flows.ts", process.cwd(), (e) => String(e));
 * if (r.ok) Object.keys(r.exports); else console.error(r.reason);
 * ```
 */
export async function importUserModule(file: string, cwd: string, describe: (e: unknown) => string): Promise<ImportResult> {
  const absolute = path.resolve(cwd, file);
  let isFile: boolean;
  try {
    isFile = (await stat(absolute)).isFile();
  } catch {
    return { ok: false, reason: "no such file" };
  }
  if (!isFile) return { ok: false, reason: "it is not a file" };
  if (!LOADABLE.test(absolute)) return { ok: false, reason: `it is not a TypeScript or JavaScript module (${MODULE_EXTENSIONS.join(", ")})` };
  installHooks();
  try {
    const exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
    return { ok: true, path: absolute, exports };
  } catch (e) {
    return { ok: false, reason: describe(e), cause: e };
  }
}
