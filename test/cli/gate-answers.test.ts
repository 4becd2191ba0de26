/**
 * Regressions of `aloft signal`, `approve` and `reject` (issue #8): gates
 * inside dynamic workflows could not be answered (the CLI read only the
 * registered workflow's gates); a second answer to a gate that had its value
 * was accepted and dropped. The CLI asks the engine, on the database and
 * through a server alike.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aloft } from "./helpers.js";
import { EXEC_ID, aloftInBackground, useEngineProjects } from "./engine-helpers.js";

const project = useEngineProjects();
const ID = EXEC_ID.source;

/** A dynamic workflow that waits for a value, then for an approval. */
const DYN_GATES_MJS = `
import { approve, dynamic, task, waitForInput, workflow, t } from "aloft";
const twice = task({ name: "cga_twice", inputs: { x: t.int }, outputs: t.int }, ({ x }) => 2 * x);
const asks = dynamic({ name: "cga_asks", inputs: { n: t.int }, outputs: t.int }, ({ n }) => approve(twice({ x: n > 0 ? waitForInput("factor", t.int) : 0 }), "publish"));
export default workflow({ name: "cga_wf" }, () => ({ out: asks({ n: 1 }) }));
`;

async function waitsAt(dir: string, id: string, gate: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const nodes = JSON.parse((await aloft(dir, ["get", "nodes", id, "--json"])).stdout) as { phase: string; gate?: { name?: string } }[];
    if (nodes.some((n) => n.phase === "waiting" && n.gate?.name === gate)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`execution ${id} never waited at gate ${gate}`);
}

describe.concurrent("aloft signal and approve on gates of dynamic workflows", () => {
  it("answers them on the database, refuses a gate that does not exist and a second answer", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "dyn-gates.mjs"), DYN_GATES_MJS);
    const run = aloftInBackground(dir, ["run", "dyn-gates.mjs", "--workers", "1"]);
    const [, id = ""] = await run.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "factor"`), 60_000);
    await waitsAt(dir, id, "factor");
    const unknown = await aloft(dir, ["approve", id, "pubish"]);
    expect([unknown.code, unknown.stderr]).toEqual([2, `error: execution ${id} has no approval gate "pubish" (approvals: "publish")\n`]);
    const ok = await aloft(dir, ["signal", id, "factor", "21"]);
    expect([ok.code, ok.stderr]).toEqual([0, ""]);
    const second = await aloft(dir, ["signal", id, "factor", "4"]);
    expect([second.code, second.stderr]).toEqual([3, `error: gate "factor" of execution ${id} already has its answer; it takes one answer\n`]);
    await waitsAt(dir, id, "publish");
    await expect(aloft(dir, ["signal", id, "publish", "true"])).resolves.toMatchObject({ code: 0, stdout: `approved "publish" for execution ${id}\n` });
    const r = await run.done;
    expect([r.code, r.stdout.split("\n")[0]]).toEqual([0, "out: 42"]);
  });

  it("answers them through a server (--remote): the gates the dynamic node built, then a refusal of a second answer", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "dyn-gates.mjs"), DYN_GATES_MJS);
    const server = aloftInBackground(dir, ["serve", "dyn-gates.mjs", "--port", "0", "--workers", "1"]);
    const [, url = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:\d+) /, 60_000);
    const remote = ["--remote", url];
    const run = aloftInBackground(dir, ["run", "dyn-gates.mjs", ...remote]);
    const [, id = ""] = await run.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "factor"`), 60_000);
    const unknown = await aloft(dir, ["signal", id, "nope", "1", ...remote]);
    expect([unknown.code, unknown.stderr]).toEqual([2, `error: execution ${id} has no gate "nope" (gates: "factor", "publish")\n`]);
    await expect(aloft(dir, ["signal", id, "factor", "21", ...remote])).resolves.toMatchObject({ code: 0, stdout: `gave "factor" the value 21 for execution ${id}\n` });
    const second = await aloft(dir, ["signal", id, "factor", "4", ...remote]);
    expect([second.code, second.stderr]).toEqual([3, `error: gate "factor" of execution ${id} already has its answer; it takes one answer\n`]);
    await run.waitFor("stderr", /waits at gate "publish"/, 60_000);
    await expect(aloft(dir, ["approve", id, "publish", ...remote])).resolves.toMatchObject({ code: 0 });
    const r = await run.done;
    expect([r.code, r.stdout.split("\n")[0]]).toEqual([0, "out: 42"]);
    server.child.kill("SIGINT");
    await server.done;
  });
});
