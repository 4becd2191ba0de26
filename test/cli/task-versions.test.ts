/**
 * Regression (issue #8): `aloft relaunch` and `aloft recover` ran today's
 * code under the version the execution recorded, because workers resolved
 * tasks by name and spec only (the spec does not hold the code). A worker
 * now runs a task only at the version its code gives, and the execution
 * fails saying so, rather than mix versions.
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { aloft, fixtureDir } from "./helpers.js";
import { EXEC_ID, useEngineProjects } from "./engine-helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const project = useEngineProjects();
const W1 = ["--workers", "1"];

function idOf(text: string): string {
  const id = text.match(EXEC_ID)?.[0];
  if (!id) throw new Error(`no execution id in ${JSON.stringify(text)}`);
  return id;
}

describe("task versions in workers", () => {
  it("refuses to recover or relaunch an execution whose code changed since, naming both versions; today's code runs as a new execution", async () => {
    const dir = project();
    const failed = await aloft(dir, ["run", "chain.mjs", "--x", "1", ...W1], { FAIL_SECOND: "1" });
    expect(failed.code).toBe(1);
    const id = idOf(failed.stderr);
    const shown = JSON.parse((await aloft(dir, ["get", "execution", id, "--json"])).stdout) as { workflow: { version: string } };
    const old = shown.workflow.version;

    // The second task's code changes between the runs (the spec, its interface, stays the same).
    const file = path.join(dir, "chain.mjs");
    writeFileSync(file, readFileSync(file, "utf8").replace("return x * 10;", "return x * 100;"));

    const recovered = await aloft(dir, ["recover", id, ...W1]);
    expect(recovered.code).toBe(1);
    expect(recovered.stderr).toMatch(
      new RegExp(
        `^error: run ${EXEC_ID.source} failed at node n1 \\(task "second"\\): the worker does not have task "second" at version ${old}: the execution runs workflow "chain_wf" version ${old}, and the worker's modules \\(.*chain\\.mjs\\) give it version (?!${old})[0-9a-f]{16}, from other code`,
      ),
    );
    const relaunched = await aloft(dir, ["relaunch", id, "--json", ...W1]);
    expect(relaunched.code).toBe(1);
    const nodes = JSON.parse((await aloft(dir, ["get", "nodes", idOf(relaunched.stdout + relaunched.stderr), "--json"])).stdout) as { path: string; phase: string; error?: { name?: string } | string }[];
    expect(nodes.find((n) => n.path === "n0")?.phase).toBe("failed");

    const today = await aloft(dir, ["run", "chain.mjs", "--x", "1", ...W1]);
    expect([today.code, today.stdout.split("\n")[0]]).toEqual([0, "out: 200"]);
  });

  it("agree between a program run by tsx and the worker processes, which compile TypeScript otherwise (a version hashes the task's source file, not its compiled text)", async () => {
    const aloftUrl = JSON.stringify(new URL("dist/index.js", `file://${ROOT}`).href);
    const { dir, cleanup } = fixtureDir({
      "package.json": JSON.stringify({ name: "tsx-program", private: true, type: "module" }),
      // Types and an enum: esbuild (tsx) and sucrase (the workers' hooks) print this code differently.
      "flow.ts": `import { task, workflow, t } from ${aloftUrl};
enum Step { By = 3 }
export const inc = task({ name: "inc", inputs: { x: t.int }, outputs: t.int }, ({ x }: { x: number }): number => x + Step.By);
export const wf = workflow({ name: "tsx_wf", inputs: { x: t.int } }, ({ x }) => ({ y: inc({ x: inc({ x }) }) }));
`,
      "main.ts": `import { startEmbedded } from ${aloftUrl};
import { wf } from "./flow.js";
const setup = await startEmbedded({ db: "aloft.db", modules: ["flow.ts"], workers: 1 });
try {
  const run = await setup.engine.start(wf, { x: 1 });
  console.log(JSON.stringify(await run.result()));
} finally {
  await setup.stop();
}
`,
    });
    try {
      const tsx = path.join(ROOT, "node_modules", "tsx", "dist", "loader.mjs");
      const out = await new Promise<{ code: number; text: string }>((resolve) => {
        execFile(process.execPath, ["--import", new URL(`file://${tsx}`).href, "main.ts"], { cwd: dir, timeout: 120_000 }, (error, stdout, stderr) =>
          resolve({ code: typeof error?.code === "number" ? error.code : error ? -1 : 0, text: `${stdout}${stderr}` }),
        );
      });
      expect(out).toEqual({ code: 0, text: '{"y":7}\n' });
    } finally {
      cleanup();
    }
  });
});

