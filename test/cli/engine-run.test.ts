/**
 * `aloft run` on the durable engine (the default mode), with the real binary
 * in temporary projects: the run is kept in `.aloft/aloft.db` and can be
 * looked at afterwards.
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aloft } from "./helpers.js";
import { EXEC_ID, aloftInBackground, useEngineProjects } from "./engine-helpers.js";

/** A fresh project for each test. */
const project = useEngineProjects();

const ID = EXEC_ID.source;

describe.concurrent("aloft run on the embedded engine (the default)", () => {
  it("runs a TypeScript workflow, prints its outputs, its execution id and how to look at it, and keeps it in .aloft/aloft.db", async () => {
    const dir = project();
    const r = await aloft(dir, ["run", "flows.ts", "sum", "--a", "1", "--b", "2"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const [outputs, done, look, ...rest] = r.stdout.trimEnd().split("\n");
    expect(outputs).toBe("total: 4");
    const id = done?.match(new RegExp(`^run (${ID}) succeeded in \\S+ \\(engine: \\.aloft/aloft\\.db\\)$`))?.[1];
    expect(id).toBeDefined();
    expect(look).toBe(`look at it: aloft get execution ${id}`);
    expect(rest).toEqual([]);
    expect(r.stdout).not.toContain("\x1b");
    expect(existsSync(path.join(dir, ".aloft", "aloft.db"))).toBe(true);

    const shown = await aloft(dir, ["get", "execution", id ?? ""]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^execution +${id}\\nworkflow +sum_wf \\(version \\w+\\) in aloft/development\\nphase +succeeded\\n`));
    expect(shown.stdout).toMatch(/\ninputs +a: 1\n +b: 2\n +note: null\noutputs +total: 4\n/);
    expect(shown.stdout).toContain(`nodes        2 (2 succeeded): aloft get nodes ${id}`);
    const json = JSON.parse((await aloft(dir, ["get", "execution", id ?? "", "--json"])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ id, phase: "succeeded", workflow: { name: "sum_wf" }, inputs: { a: 1, b: 2, note: null }, outputs: { total: 4 } });

    const nodes = await aloft(dir, ["get", "nodes", id ?? ""]);
    const lines = nodes.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NODE +ENTITY +PHASE +ATTEMPTS +SYSTEM +CACHE +STARTED +DURATION +NOTE$/);
    expect(lines.slice(1).map((l) => l.split(/ {2,}/).slice(0, 6))).toEqual([
      ["n0", 'task "add"', "succeeded", "1", "0", "disabled"],
      ["n1", 'task "add"', "succeeded", "1", "0", "disabled"],
    ]);
  });

  it("exits 1 when the run fails, naming the node that failed inside a subworkflow, and keeps the failure to look at", async () => {
    const dir = project();
    const r = await aloft(dir, ["run", "flows.mjs", "failing", "--msg", "kaput", "--workers", "1"]);
    expect(r.code).toBe(1);
    const id = r.stderr.match(new RegExp(`^error: run (${ID}) failed at node n0/n0 \\(task "boom"\\): kaput second line\\n$`))?.[1];
    expect(id).toBeDefined();
    expect(r.stdout).toBe(`look at it: aloft get nodes ${id}\n`);
    const nodes = JSON.parse((await aloft(dir, ["get", "nodes", id ?? "", "--json"])).stdout) as { path: string; phase: string; error?: string; attempts: number }[];
    expect(nodes.map((n) => [n.path, n.phase])).toEqual([
      ["n0", "failed"],
      ["n0/n0", "failed"],
    ]);
    expect(nodes[1]).toMatchObject({ error: "kaput\nsecond line", attempts: 1 });
    const listed = await aloft(dir, ["get", "executions"]);
    // The note is the error engine.result() throws, as wf.run() words it (cut to the column's width), the node named once (it read "n0: ... node n0 ...").
    expect(listed.stdout).toMatch(new RegExp(`\\n${id} +workflow failing_wf +failed +\\S+ +\\S+ +workflow "failing_wf": node n0 \\(workflow "inner_wf"\\) failed…\\n$`));
  });

  it("prints { id, mode, phase, outputs | error } with --json, runs a launch plan with its defaults and a task alone", async () => {
    const dir = project();
    const lp = await aloft(dir, ["run", "flows.mjs", "sum_lp", "--a", "1", "--json", "--workers", "1"]);
    expect(lp.code).toBe(0);
    expect(JSON.parse(lp.stdout)).toEqual({ id: expect.stringMatching(EXEC_ID) as unknown, mode: "engine", phase: "succeeded", outputs: { total: 12 } });
    const task = await aloft(dir, ["run", "flows.mjs", "add", "--a=5", "--b=-3", "--json", "--workers", "1"]);
    expect(JSON.parse(task.stdout)).toMatchObject({ mode: "engine", phase: "succeeded", outputs: { o0: 2 } });
    const failed = await aloft(dir, ["run", "flows.mjs", "failing", "--msg", "x", "--json", "--workers", "1"]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ mode: "engine", phase: "failed", error: { node: "n0/n0", entity: 'task "boom"', message: "x second line" } });
    const wfs = await aloft(dir, ["get", "workflows"]);
    expect(wfs.stdout).toMatch(/\n\.flytegen\.add +\w+ +1 /); // the task ran as Flyte's single-task workflow
    expect(wfs.stdout).toMatch(/\nsum_wf +\w+ +1 /);
    expect((await aloft(dir, ["get", "launchplans"])).stdout).toMatch(/\nsum_lp +\w+ +1 +\S+ +aloft\/development\n$/);
  });

  it("with --json, stdout holds only the JSON: what a task prints goes to stderr, on the engine's workers and with --local (issue 13)", async () => {
    const dir = project();
    writeFileSync(
      path.join(dir, "chatty.mjs"),
      `import { task, t } from "aloft";\nexport const chatty = task({ name: "chatty", inputs: { x: t.int }, outputs: t.int }, ({ x }) => { console.log("chatty ran"); process.stdout.write("raw write\\n"); return x + 1; });\n`,
    );
    for (const mode of [["--workers", "1"], ["--local"]]) {
      const r = await aloft(dir, ["run", "chatty.mjs", "chatty", "--x", "1", "--json", ...mode]);
      expect([mode, r.code]).toEqual([mode, 0]);
      expect(JSON.parse(r.stdout)).toMatchObject({ phase: "succeeded", outputs: { o0: 2 } });
      expect(r.stderr).toContain("chatty ran\nraw write\n");
    }
    // Without --json, a task's output is the user's to see where it was written.
    const plain = await aloft(dir, ["run", "chatty.mjs", "chatty", "--x", "1", "--local"]);
    expect(plain.stdout).toMatch(/^chatty ran\nraw write\n/);
  });

  it("aloft follow of an ended execution reports the execution's own duration, not how long following took (issue 13)", async () => {
    const dir = project();
    writeFileSync(
      path.join(dir, "nap.mjs"),
      `import { task, t } from "aloft";\nexport const nap = task({ name: "nap", inputs: {}, outputs: t.int }, async () => { await new Promise((r) => setTimeout(r, 1200)); return 1; });\n`,
    );
    const r = await aloft(dir, ["run", "nap.mjs", "nap", "--workers", "1"]);
    const id = r.stdout.match(new RegExp(`run (${ID}) succeeded in`))?.[1] ?? "";
    const took = (await aloft(dir, ["get", "execution", id])).stdout.match(/\(took (\S+)\)/)?.[1];
    expect(took).toMatch(/^\d+\.\ds$/); // at least the task's 1.2 s
    const followed = await aloft(dir, ["follow", id]);
    expect([followed.code, followed.stdout.split("\n")[1]]).toEqual([0, `run ${id} succeeded in ${took ?? "?"} (engine: .aloft/aloft.db)`]);
    // aloft run says the same
    expect(r.stdout).toContain(`run ${id} succeeded in ${took ?? "?"} (`);
  });

  it("gives gates their values up front with --signal, through the engine", async () => {
    const dir = project();
    const ok = await aloft(dir, ["run", "gates.mjs", "--signal", "factor=21", "--signal", "publish=true", "--workers", "1"]);
    expect([ok.code, ok.stdout.split("\n")[0]]).toEqual([0, "out: 42"]);
    const rejected = await aloft(dir, ["run", "gates.mjs", "--signal", "factor=21", "--signal", "publish=false", "--workers", "1"]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/failed at node n2 \(approval "publish"\): approval "publish" was rejected: rejected from the command line\n$/);
  });

  it("aborts the execution on Ctrl-C and exits 130; the execution is kept as aborted", async () => {
    const dir = project();
    const run = aloftInBackground(dir, ["run", "slow.mjs", "slow", "--workers", "1"]);
    await run.waitFor("stdout", /started/);
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    const id = r.stderr.match(new RegExp(`^error: run (${ID}) was aborted: interrupted \\(Ctrl-C\\)\\n$`))?.[1];
    expect(id).toBeDefined();
    const listed = JSON.parse((await aloft(dir, ["get", "executions", "--json"])).stdout) as { items: { id: string; phase: string }[] };
    expect(listed.items).toEqual([expect.objectContaining({ id, phase: "aborted" })]);
  });

  it("waits at a gate nobody answered, saying how to answer it from another terminal", async () => {
    const dir = project();
    const run = aloftInBackground(dir, ["run", "gates.mjs", "--workers", "1"]);
    const [line, id] = await run.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "factor" \\(node n0\\) for a value of type int; answer it with: aloft signal \\1 factor <value>\\n`));
    expect(line).toBeDefined();
    await expect(aloft(dir, ["signal", id ?? "", "factor", "21"])).resolves.toMatchObject({ code: 0, stdout: `gave "factor" the value 21 for execution ${id}\n` });
    await run.waitFor("stderr", /waits at gate "publish" \(node n2\) for an approval; answer it with: aloft signal \S+ publish true \(or false to reject; or aloft approve\|reject \S+ publish\)/);
    await expect(aloft(dir, ["approve", id ?? "", "publish"])).resolves.toMatchObject({ code: 0, stdout: `approved "publish" for execution ${id}\n` });
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^out: 42\\nrun ${id} succeeded in `));
  });

  it("says what cannot start in one line, exit code 2, before anything is stored", async () => {
    const dir = project();
    const cases: [string[], string][] = [
      [["run", "flows.ts", "nope"], 'error: flows.ts has no entity "nope" (it exports add (task "add"), boom (task "boom"), failing (workflow "failing_wf"), kinds (workflow "kinds_wf"), sum (workflow "sum_wf"), sumLp (launch plan "sum_lp"))'],
      [["run", "flows.ts", "sum", "--a", "x"], 'error: input --a (int): expected a whole number, got "x"'],
      [["run", "flows.ts", "sum", "--a", "1", "--b", "2", "--cache-dir", "c"], "error: --cache-dir is for --local runs; the engine keeps its cache in its database"],
      [["get", "executions"], "error: no Aloft database at .aloft/aloft.db; run a workflow first or pass --db"],
      [["get", "nodes", "a1"], "error: no Aloft database at .aloft/aloft.db; run a workflow first or pass --db"],
      [["abort", "a1"], "error: no Aloft database at .aloft/aloft.db; run a workflow first or pass --db"],
      [["get", "execution", "a1", "--db", "elsewhere/aloft.db"], "error: no Aloft database at elsewhere/aloft.db; check the path given to --db"],
    ];
    for (const [args, message] of cases) {
      const r = await aloft(dir, args);
      expect([r.code, r.stdout, r.stderr]).toEqual([2, "", `${message}\n`]);
    }
    expect(existsSync(path.join(dir, ".aloft", "aloft.db"))).toBe(false);
  });
});
