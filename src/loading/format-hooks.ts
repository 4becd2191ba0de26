/**
 * A module-loader hook (Node runs it on its loader thread) that decides the
 * module format of the user's TypeScript files, the same in every process
 * that loads them (the CLI and each worker):
 *
 * | file | loads as |
 * | --- | --- |
 * | `.ts`, `.tsx`, `.cts` outside `node_modules` | an ES module, in any package (`"type"` missing, `"commonjs"` or `"module"`) |
 * | `.mts` | an ES module |
 * | `.js`, `.mjs`, `.cjs` | by Node's own rules (the package's `"type"`); a CommonJS file may `require("aloft")` (Node's `require(esm)`) |
 *
 * A `.ts` file imports Aloft, an ES module, with `import`; loaded as CommonJS
 * (tsx's reading of a package without `"type": "module"`) it fails with
 * "Cannot require() ES Module ... in a cycle". A `.cts` file compiled to
 * CommonJS by a loader hook cannot load Aloft on Node 20 at all (its
 * `require` of an ES module fails inside Node), so it is read as an ES module
 * too: write `import` and `export` in it, as TypeScript users do. Registered
 * before tsx, so that tsx sees the format already decided and compiles the
 * file as ESM.
 *
 * @module
 */
import type { ResolveHook } from "node:module";

const TYPESCRIPT_AS_ESM = /\.(ts|tsx|cts)$/i;

/**
 * True for a URL this hook loads as an ES module: a `.ts`, `.tsx` or `.cts`
 * file of the user's own (not under `node_modules`).
 *
 * @example
 * ```ts
 * isUserTypeScript("file:///app/flow.ts"); // true
 * isUserTypeScript("file:///app/node_modules/x/y.ts"); // false
 * ```
 */
export function isUserTypeScript(url: string): boolean {
  return url.startsWith("file:") && !url.includes("/node_modules/") && TYPESCRIPT_AS_ESM.test(new URL(url).pathname);
}

/** Marks the user's `.ts`, `.tsx` and `.cts` files as ES modules; everything else keeps the format it resolves to. */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  return isUserTypeScript(resolved.url) ? { ...resolved, format: "module" } : resolved;
};
