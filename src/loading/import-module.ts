/**
 * Importing a user's module by path, the same way in every process that does
 * it (the CLI, each worker): `.ts`, `.mts`, `.cts`, `.tsx` through tsx,
 * `.js`, `.mjs`, `.cjs` as Node loads them, the format of each decided by
 * `format-hooks.ts`, and `aloft` pinned to the importing process's own copy
 * by `pin-hooks.ts`.
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
const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/i;
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
/** Whether this module runs from Aloft's TypeScript sources (under tsx already) rather than from the build. */
const FROM_SOURCES = import.meta.url.endsWith(".ts");
const EXT = FROM_SOURCES ? ".ts" : ".js";

const installed = { typescript: FROM_SOURCES, format: false, pinned: false };

/**
 * Installs the loader hooks once per process: the format hook (before tsx, so
 * tsx sees the format it decided), tsx when a TypeScript file is to load, and
 * the pin of `aloft` (after tsx, so it runs first).
 */
async function installHooks(typescript: boolean): Promise<void> {
  if (!installed.format) {
    register(new URL(`./format-hooks${EXT}`, import.meta.url));
    installed.format = true;
  }
  if (typescript && !installed.typescript) {
    const tsx = await import("tsx/esm/api");
    tsx.register();
    installed.typescript = true;
  }
  if (!installed.pinned) {
    const data: PinData = { aloftUrl: new URL(`../index${EXT}`, import.meta.url).href };
    register(new URL(`./pin-hooks${EXT}`, import.meta.url), { data });
    installed.pinned = true;
  }
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
  await installHooks(TYPESCRIPT.test(absolute));
  try {
    const exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
    return { ok: true, path: absolute, exports };
  } catch (e) {
    return { ok: false, reason: describe(e), cause: e };
  }
}
