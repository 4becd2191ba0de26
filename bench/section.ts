/**
 * The parts of BENCHMARKS.md that the later benchmarks write (`bench/durable.ts`,
 * `bench/console.ts`), each between its own markers, replaced in place on every run.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/**
 * Writes `lines` as the section `name` of `file`: between `<!-- name:start -->` and
 * `<!-- name:end -->`, replacing the section a run wrote before, or appended.
 *
 * @example
 * ```ts
 * writeSection("BENCHMARKS.md", "console", ["## Web console", "", "| ... |"]);
 * ```
 */
export function writeSection(file: string, name: string, lines: readonly string[]): void {
  const section = [`<!-- ${name}:start -->`, ...lines, `<!-- ${name}:end -->`, ""].join("\n");
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const marked = new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->\\n?`);
  writeFileSync(file, marked.test(text) ? text.replace(marked, () => section) : `${text.trimEnd()}\n\n${section}`);
}
