/**
 * Module-loader hooks (Node runs them on its loader thread) that load
 * TypeScript files the same in every process that loads a user's modules
 * (the CLI and each worker), with no build step and no native binary:
 *
 * | file | loads as |
 * | --- | --- |
 * | `.ts`, `.tsx`, `.mts`, `.cts` | TypeScript, its types removed by sucrase, read as an ES module in any package (`"type"` missing, `"commonjs"` or `"module"`) |
 * | `.js`, `.mjs`, `.cjs` | by Node's own rules (the package's `"type"`); a CommonJS file may `require("aloft")` (Node's `require(esm)`) |
 *
 * A `.ts` file imports Aloft, an ES module, with `import`: read as CommonJS
 * (Node's reading of a package without `"type": "module"`) it fails with
 * "Cannot require() ES Module ... in a cycle". A `.cts` file compiled to
 * CommonJS cannot load Aloft on Node 20 at all (its `require` of an ES module
 * fails inside Node), so it is read as an ES module too: write `import` and
 * `export` in it, as TypeScript users do.
 *
 * A relative import that names the file TypeScript will emit (`./other.js`
 * for `other.ts`, `.mjs` for `.mts`, `.cjs` for `.cts`, `.jsx` for `.tsx`),
 * or names none (`./other`, `./dir` for `./dir/index.ts`), finds the
 * TypeScript file when no such JavaScript file exists, as `tsc` resolves it.
 *
 * The transform keeps every line where it was (sucrase removes types in
 * place), and an inline source map gives the columns too: stack traces point
 * at the user's own lines (the loading process turns source maps on).
 * Enums, `const enum` (as a plain enum), parameter properties and JSX (in
 * `.tsx`, to `React.createElement`) are compiled; imports used only as types
 * are dropped, as `tsc` drops them.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import type { LoadHook, ResolveHook } from "node:module";
import { fileURLToPath } from "node:url";
import type * as Sucrase from "sucrase";
import { unsupportedTypeScript } from "./typescript-subset.js";

const TYPESCRIPT = /\.(ts|tsx|mts|cts)$/i;

/**
 * True for a URL these hooks load as TypeScript: a `file:` URL ending in
 * `.ts`, `.tsx`, `.mts` or `.cts`.
 *
 * @example
 * ```ts
 * isTypeScriptUrl("file:///app/flow.ts");  // true
 * isTypeScriptUrl("file:///app/flow.mjs"); // false
 * ```
 */
export function isTypeScriptUrl(url: string): boolean {
  return url.startsWith("file:") && TYPESCRIPT.test(new URL(url).pathname);
}

/** What TypeScript writes for each source extension: an import names the former, the file on disk has the latter. */
const EMITTED: readonly (readonly [string, readonly string[]])[] = [
  [".js", [".ts", ".tsx"]],
  [".jsx", [".tsx"]],
  [".mjs", [".mts"]],
  [".cjs", [".cts"]],
];
const WITHOUT_EXTENSION = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/**
 * The specifiers to try, in order, when `specifier` (relative, absolute or a
 * `file:` URL) names no file: the TypeScript source of the JavaScript file it
 * names, or, without an extension, the file with each extension and then the
 * folder's `index`.
 *
 * @example
 * ```ts
 * typeScriptCandidates("./other.js"); // ["./other.ts", "./other.tsx"]
 * typeScriptCandidates("./lib");      // ["./lib.ts", ..., "./lib/index.ts", ...]
 * typeScriptCandidates("fastify");    // []
 * ```
 */
export function typeScriptCandidates(specifier: string): string[] {
  if (!/^(\.{1,2}\/|\/|file:)/.test(specifier) || /[?#]/.test(specifier)) return [];
  for (const [js, sources] of EMITTED) {
    if (specifier.endsWith(js)) return sources.map((ext) => specifier.slice(0, -js.length) + ext);
  }
  const last = specifier.slice(specifier.lastIndexOf("/") + 1);
  if (/\.[cm]?[jt]sx?$|\.json$|\.node$/i.test(last)) return [];
  const base = specifier.endsWith("/") ? specifier.slice(0, -1) : specifier;
  return [...(specifier.endsWith("/") ? [] : WITHOUT_EXTENSION.map((ext) => base + ext)), ...WITHOUT_EXTENSION.map((ext) => `${base}/index${ext}`)];
}

function notFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "ERR_UNSUPPORTED_DIR_IMPORT";
}

/** Marks TypeScript files as ES modules, and finds the TypeScript file an import of its JavaScript name (or of no extension) means. */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  let resolved;
  try {
    resolved = await nextResolve(specifier, context);
  } catch (e) {
    if (!notFound(e) || context.parentURL?.includes("/node_modules/") === true) throw e;
    resolved = undefined;
    for (const candidate of typeScriptCandidates(specifier)) {
      try {
        resolved = await nextResolve(candidate, context);
        break;
      } catch (again) {
        if (!notFound(again)) throw again;
      }
    }
    if (resolved === undefined) throw e;
  }
  return isTypeScriptUrl(resolved.url) ? { ...resolved, format: "module" } : resolved;
};

type Transform = typeof Sucrase.transform;

/**
 * sucrase's parse error (`Error transforming /a/f.ts: Unexpected token (1:27)`, its line and column
 * 1-based) as `/a/f.ts:1:27: Unexpected token`.
 */
function syntaxError(file: string, e: unknown): SyntaxError {
  const { message, loc } = e as { message?: unknown; loc?: { line?: unknown; column?: unknown } };
  const text = typeof message === "string" ? message.replace(`Error transforming ${file}: `, "").replace(/ \(\d+:\d+\)$/, "") : String(e);
  const at = typeof loc?.line === "number" && typeof loc.column === "number" ? `:${loc.line}:${loc.column}` : "";
  return new SyntaxError(`${file}${at}: ${text}`, { cause: e });
}
let sucrase: Promise<Transform> | undefined;

/** Compiles a TypeScript file to JavaScript with an inline source map; everything else loads as Node loads it. */
export const load: LoadHook = async (url, context, nextLoad) => {
  if (!isTypeScriptUrl(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, "utf8");
  sucrase ??= import("sucrase").then((m) => m.transform);
  const transform = await sucrase;
  const unsupported = unsupportedTypeScript(source);
  if (unsupported) throw new SyntaxError(`${file}:${unsupported.line}:${unsupported.column}: ${unsupported.message}`);
  let out: ReturnType<Transform>;
  try {
    out = transform(source, {
      transforms: /\.tsx$/i.test(file) ? ["typescript", "jsx"] : ["typescript"],
      disableESTransforms: true,
      filePath: file,
      sourceMapOptions: { compiledFilename: file },
    });
  } catch (e) {
    throw syntaxError(file, e);
  }
  const map = Buffer.from(JSON.stringify({ ...out.sourceMap, sources: [url] })).toString("base64");
  return { format: "module", source: `${out.code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${map}\n`, shortCircuit: true };
};
