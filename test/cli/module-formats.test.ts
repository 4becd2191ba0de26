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
