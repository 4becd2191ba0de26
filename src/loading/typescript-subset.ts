/**
 * The TypeScript that Aloft's loader (sucrase, in `typescript-hooks.ts`)
 * cannot run as written, found before it runs: sucrase drops a namespace
 * whole (its values with it, so a use fails far away as "N is not defined"),
 * turns `import x = require(...)` into nothing, writes `export =` as
 * CommonJS (every TypeScript file loads as an ES module). Each is reported
 * at its line and column with the rewrite that works. (Decorators, which
 * sucrase leaves as they are, Node 20 refuses itself, naming the line.)
 *
 * The scan reads lines, not a syntax tree: a construct is recognised where a
 * statement starts a line, as code is written, and a namespace only when its
 * body declares a value (one of types alone is dropped harmlessly).
 *
 * @module
 */

/** One construct the loader cannot run: where (1-based) and what to write instead. */
export interface UnsupportedTypeScript {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

const NAMESPACE = /^(\s*)(?:export\s+)?(?:namespace|module)\s+[A-Za-z_$][\w$.]*\s*\{/;
const IMPORT_REQUIRE = /^(\s*)(?:export\s+)?import\s+[A-Za-z_$][\w$]*\s*=\s*require\s*\(/;
const EXPORT_ASSIGN = /^(\s*)export\s*=(?!=)/;
const VALUE = /(^|[^\w$.])(?:const|let|var|function|class|enum)\s/;

/** The text of the block that opens on line `from` (its braces counted, strings and comments not told apart). */
function blockText(lines: readonly string[], from: number): string {
  let depth = 0;
  let text = "";
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]!;
    text += `${line}\n`;
    for (const ch of line) {
      if (ch === "{") depth++;
      else if (ch === "}" && --depth === 0) return text;
    }
  }
  return text;
}

/**
 * The first construct in `source` that the loader cannot run, or undefined.
 *
 * @example
 * ```ts
 * unsupportedTypeScript("import fs = require(\"node:fs\");");
 * // { line: 1, column: 1, message: "`import fs = require(...)` is not supported ...: write `import fs from \"...\"` ..." }
 * ```
 */
export function unsupportedTypeScript(source: string): UnsupportedTypeScript | undefined {
  if (!/namespace|module|require|export\s*=/.test(source)) return undefined;
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*declare\s/.test(line)) continue;
    let m = IMPORT_REQUIRE.exec(line);
    if (m) {
      const name = /import\s+([A-Za-z_$][\w$]*)/.exec(line)?.[1] ?? "x";
      return { line: i + 1, column: m[1]!.length + 1, message: `\`import ${name} = require(...)\` is not supported (TypeScript loads as an ES module): write \`import ${name} from "..."\`, or \`createRequire(import.meta.url)\` from "node:module"` };
    }
    m = EXPORT_ASSIGN.exec(line);
    if (m) return { line: i + 1, column: m[1]!.length + 1, message: "`export =` is not supported (TypeScript loads as an ES module): write `export default ...`" };
    m = NAMESPACE.exec(line);
    if (m && VALUE.test(blockText(lines, i).slice(line.indexOf("{") + 1))) {
      return { line: i + 1, column: m[1]!.length + 1, message: "a namespace holding values is not supported (Aloft's TypeScript loader drops namespaces): export its members from the module itself, or make it an object" };
    }
  }
  return undefined;
}
