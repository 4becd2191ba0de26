/**
 * Module-loader hooks the CLI registers (Node runs them on its loader thread)
 * for the user modules it loads:
 *
 * - the bare specifier `aloft` resolves to the copy of Aloft the CLI itself
 *   runs. The CLI recognizes, compiles and runs entities with its own copy; a
 *   second copy (another install, or a TypeScript path alias to Aloft's
 *   sources) would make entities it cannot see;
 * - a TypeScript file outside `node_modules` loads as an ES module even in a
 *   package without `"type": "module"`: it imports Aloft, which is an ES
 *   module, and would otherwise be loaded as CommonJS and fail.
 *
 * @module
 */
import type { InitializeHook, ResolveHook } from "node:module";

/** What the CLI passes to `initialize`. */
export interface LoaderData {
  /** The URL of the CLI's own `aloft` entry point. */
  readonly aloftUrl: string;
}

let aloftUrl: string | undefined;

const TYPESCRIPT = /\.(ts|tsx)$/;

/** Receives the URL to resolve `aloft` to. */
export const initialize: InitializeHook<LoaderData> = (data) => {
  aloftUrl = data.aloftUrl;
};

/** Resolves `aloft` to the CLI's copy, and user TypeScript files as ES modules. */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (specifier === "aloft" && aloftUrl !== undefined) return { url: aloftUrl, format: "module", shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  const { url, format } = resolved;
  if (format === "commonjs" && url.startsWith("file:") && !url.includes("/node_modules/") && TYPESCRIPT.test(new URL(url).pathname)) {
    return { ...resolved, format: "module" };
  }
  return resolved;
};
