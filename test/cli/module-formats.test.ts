/**
 * Regression: in a CommonJS package (what `npm init -y` makes), `aloft run`
 * on the engine failed in the worker processes ("Cannot require() ES Module
 * ... in a cycle") though the CLI itself loaded the file: the CLI's loader
 * hooks made `.ts` files ES modules and the worker's did not. Both now load
 * through `src/loading/`. (test/install/ checks the same on a packed install.)
 */
import { describe, expect, it } from "vitest";
import { aloft, assertBuilt, fixtureDir } from "./helpers.js";

const TASKS = `
const double = task({ name: "double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);
export const wf = workflow({ name: "double_wf", inputs: { x: t.int } }, ({ x }) => ({ y: double({ x }) }));
`;

describe.concurrent("module files load the same in the CLI and in workers", () => {
  for (const type of [undefined, "commonjs", "module"] as const) {
    it(`in a package with ${type === undefined ? 'no "type"' : `"type": "${type}"`}: .ts (importing a .ts as .js), .mts, .cts and .mjs run on the engine`, async () => {
      assertBuilt();
      const { dir, cleanup } = fixtureDir({
        "package.json": JSON.stringify({ name: "formats", version: "1.0.0", ...(type === undefined ? {} : { type }) }),
        "helpers.ts": `import { task, t } from "aloft";\nexport const double = task({ name: "double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);\n`,
        "flow.ts": `import { workflow, t } from "aloft";\nimport { double } from "./helpers.js";\nconst k: number = 2;\nexport const wf = workflow({ name: "double_wf", inputs: { x: t.int } }, ({ x }) => ({ y: double({ x }) }));\nexport { k };\n`,
        "flow_m.mts": `import { task, workflow, t } from "aloft";${TASKS}`,
        "flow_c.cts": `import { task, workflow, t } from "aloft";${TASKS}`,
        "flow_e.mjs": `import { task, workflow, t } from "aloft";${TASKS}`,
      });
      try {
        for (const file of ["flow.ts", "flow_m.mts", "flow_c.cts", "flow_e.mjs"]) {
          const run = await aloft(dir, ["run", file, "wf", "--x", "21"]);
          expect([file, run.code, run.stderr, run.stdout.split("\n")[0]]).toEqual([file, 0, "", "y: 42"]);
        }
      } finally {
        cleanup();
      }
    }, 120_000);
  }
});

/**
 * What TypeScript users write loads without tsx (whose esbuild runs an
 * install script): enums, imports used only as types, parameter properties,
 * an import with no extension or of a folder's index, and a `.tsx` file;
 * and a task's error points at its own line and column in the `.ts` file
 * (sucrase keeps the lines; the inline source map gives the columns).
 */
describe("TypeScript without a build step", () => {
  it("enums, type-only imports, parameter properties, extensionless and index imports and .tsx run on the engine; a stack trace names the .ts line and column", async () => {
    assertBuilt();
    const { dir, cleanup } = fixtureDir({
      "package.json": JSON.stringify({ name: "features", version: "1.0.0" }),
      "types.ts": `export interface Scale { by: number }\n`,
      "lib/index.ts": `export const offset: number = 1;\n`,
      "scaler.tsx": `export class Scaler {\n  constructor(private readonly by: number) {}\n  apply(x: number): number { return x * this.by; }\n}\n`,
      "helpers.ts": [
        `import { task, t } from "aloft";`,
        `import type { Scale } from "./types.js";`,
        `import { Scaler } from "./scaler.jsx";`,
        `import { offset } from "./lib";`,
        `export enum Mode { Double = 2, Triple = 3 }`,
        `const enum Limit { Max = 1000 }`,
        `export const scale = task({ name: "scale", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {`,
        `  const s: Scale = { by: Mode.Double };`,
        `  if (x > Limit.Max) throw new RangeError("too big");`,
        `  return new Scaler(s.by).apply(x) + offset;`,
        `});`,
        ``,
      ].join("\n"),
      "flow.ts": `import { workflow, t } from "aloft";\nimport { scale } from "./helpers";\nexport const wf = workflow({ name: "scale_wf", inputs: { x: t.int } }, ({ x }) => ({ y: scale({ x }) }));\n`,
    });
    try {
      const run = await aloft(dir, ["run", "flow.ts", "wf", "--x", "20"]);
      expect([run.code, run.stderr, run.stdout.split("\n")[0]]).toEqual([0, "", "y: 41"]);
      const failed = await aloft(dir, ["run", "flow.ts", "wf", "--x", "2000", "--local", "--verbose"]);
      expect(failed.code).toBe(1);
      // `  if (x > Limit.Max) throw new RangeError("too big");`: line 9, `new` at column 28.
      expect(failed.stderr).toContain(`(${dir}/helpers.ts:9:28)`);
    } finally {
      cleanup();
    }
  }, 120_000);
});
