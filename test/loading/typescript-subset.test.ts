/**
 * TypeScript that the loader (sucrase) would run wrongly is refused where it
 * is written (found in review: a namespace was dropped whole, `import x =
 * require()` became nothing, `export =` was CommonJS in an ES module).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unsupportedTypeScript } from "../../src/loading/typescript-subset.js";
import { aloft, assertBuilt } from "../cli/helpers.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "aloft-ts-subset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("unsupportedTypeScript", () => {
  it("finds import = require, export =, and a namespace holding values, at their line and column", () => {
    expect(unsupportedTypeScript('const a = 1;\n  import fs = require("node:fs");\n')).toMatchObject({ line: 2, column: 3, message: expect.stringContaining('write `import fs from "..."`') });
    expect(unsupportedTypeScript("export = { a: 1 };\n")).toMatchObject({ line: 1, column: 1, message: expect.stringContaining("write `export default ...`") });
    expect(unsupportedTypeScript("export namespace Units {\n  export const km = 1000;\n}\n")).toMatchObject({ line: 1, column: 1, message: expect.stringContaining("a namespace holding values") });
    expect(unsupportedTypeScript("module Legacy {\n  function f() {}\n}\n")).toMatchObject({ line: 1 });
  });

  it("leaves alone what the loader runs right: type-only and declared namespaces, ordinary imports and exports, module.exports", () => {
    for (const ok of [
      "namespace Shapes {\n  export interface Circle { r: number }\n  export type Id = string;\n}\n",
      "declare namespace NodeJS { const x: number; }\n",
      'import fs from "node:fs";\nexport const a = 1;\nexport default a;\n',
      "const module = { exports: 1 };\nmodule.exports = 2;\nconst same = a == b;\n",
      "export const e = (x: number) => x === 1;\n",
    ]) {
      expect([ok, unsupportedTypeScript(ok)]).toEqual([ok, undefined]);
    }
  });

  it("makes aloft refuse the module with file:line:col and the rewrite, exit 2, instead of a later 'Units is not defined'", async () => {
    assertBuilt();
    writeFileSync(path.join(dir, "units.ts"), 'import { task, t } from "aloft";\nnamespace Units {\n  export const km = 1000;\n}\nexport const far = task({ name: "far", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * Units.km);\n');
    const r = await aloft(dir, ["run", "units.ts", "--x", "2", "--local"]);
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/^error: cannot load units\.ts: SyntaxError: .*units\.ts:2:1: a namespace holding values is not supported .*\n$/)]);
  });
});
