/**
 * Regression (issue #8): `aloft relaunch` and `aloft recover` ran today's
 * code under the version the execution recorded, because workers resolved
 * tasks by name and spec only (the spec does not hold the code). A worker
 * now runs a task only at the version its code gives, and the execution
 * fails saying so, rather than mix versions.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aloft } from "./helpers.js";
import { EXEC_ID, useEngineProjects } from "./engine-helpers.js";

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
});
