/**
 * The commands that look at and act on what the engine keeps: `register`,
 * `get`, `abort`, `signal`/`approve`/`reject`, `relaunch` and `recover`, with
 * the real binary in temporary projects.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aloft } from "./helpers.js";
import { EXEC_ID, aloftInBackground, useEngineProjects } from "./engine-helpers.js";

/** A fresh project for each test. */
const project = useEngineProjects();

const ID = EXEC_ID.source;
const W1 = ["--workers", "1"];

function idOf(text: string): string {
  const id = text.match(EXEC_ID)?.[0];
  if (!id) throw new Error(`no execution id in ${JSON.stringify(text)}`);
  return id;
}

describe.concurrent("aloft register", () => {
  it("registers every entity the modules export and prints what was stored: created, then existing", async () => {
    const dir = project();
    const first = await aloft(dir, ["register", "flows.mjs", "chain.mjs", "--version", "v1"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const lines = first.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^KIND +NAME +VERSION +PROJECT\/DOMAIN +STATUS$/);
    const rows = lines.slice(1, -1).map((l) => l.split(/ {2,}/));
    expect(rows).toContainEqual(["workflow", "sum_wf", "v1", "aloft/development", "created"]);
    expect(rows).toContainEqual(["launch plan", "sum_lp", "v1", "aloft/development", "created"]);
    expect(rows).toContainEqual(["task", "boom", "v1", "aloft/development", "created"]);
    expect(rows).toContainEqual(["workflow", "chain_wf", "v1", "aloft/development", "created"]);
    expect(new Set(rows.map((r) => `${r[0]} ${r[1]}`)).size).toBe(rows.length); // each once
    expect(lines.at(-1)).toBe(`${rows.length} created, 0 existing, in .aloft/aloft.db`);

    const again = await aloft(dir, ["register", "flows.mjs", "--version", "v1", "--json"]);
    const stored = JSON.parse(again.stdout) as { kind: string; key: { name: string; version: string }; status: string }[];
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((s) => s.status === "existing" && s.key.version === "v1")).toBe(true);

    const other = await aloft(dir, ["register", "chain.mjs", "--project", "flytesnacks", "--domain", "production", "--version", "v2"]);
    expect(other.stdout).toMatch(/\nworkflow +chain_wf +v2 +flytesnacks\/production +created\n/);

    const workflows = await aloft(dir, ["get", "workflows"]);
    expect(workflows.stdout).toMatch(/^NAME +LATEST VERSION +VERSIONS +REGISTERED +PROJECT\/DOMAIN\n/);
    expect(workflows.stdout).toMatch(/\nsum_wf +v1 +1 +\S+ +aloft\/development\n/);
    const filtered = JSON.parse((await aloft(dir, ["get", "workflows", "--filter", "project=flytesnacks", "--json"])).stdout) as { name: string; latestVersion: string }[];
    expect(filtered.map((w) => [w.name, w.latestVersion])).toEqual([["chain_wf", "v2"]]);
    const tasks = JSON.parse((await aloft(dir, ["get", "tasks", "--filter", "name=add", "--json"])).stdout) as { name: string }[];
    expect(tasks.map((t) => t.name)).toEqual(["add"]);
    expect((await aloft(dir, ["get", "launchplans"])).stdout).toMatch(/\nsum_lp +v1 +1 /);
  });

  it("refuses another spec under a registered version, in one line, storing nothing", async () => {
    const dir = project();
    const module = (n: number): string =>
      `import { task, workflow, t } from "aloft";\nconst bump = task({ name: "bump", inputs: { x: t.int }, outputs: t.int, retries: ${n} }, ({ x }) => x + 1);\nexport const wf = workflow({ name: "bump_wf", inputs: { x: t.int } }, ({ x }) => bump({ x }));\n`;
    writeFileSync(path.join(dir, "bump.mjs"), module(1));
    await expect(aloft(dir, ["register", "bump.mjs", "--version", "v1"])).resolves.toMatchObject({ code: 0 });
    writeFileSync(path.join(dir, "bump.mjs"), module(2));
    const conflict = await aloft(dir, ["register", "bump.mjs", "--version", "v1"]);
    expect(conflict.code).toBe(3); // refused: a conflict (it was 1)
    expect(conflict.stderr).toMatch(/^error: task aloft\/development\/bump@v1 is already registered with another spec \(digest \w+, not \w+\); register the change under a new version\n$/);
    const tasks = JSON.parse((await aloft(dir, ["get", "tasks", "--json"])).stdout) as { name: string; versions: unknown[] }[];
    expect(tasks).toEqual([expect.objectContaining({ name: "bump", versions: [expect.objectContaining({ version: "v1" })] })]);
    const bad = await aloft(dir, ["register", "nope.ts"]);
    expect([bad.code, bad.stderr]).toEqual([2, "error: cannot load nope.ts: no such file\n"]);
  });
});

describe.concurrent("aloft get", () => {
  it("lists executions newest first, filtered by workflow, launch plan, phase and time", async () => {
    const dir = project();
    const ok = await aloft(dir, ["run", "flows.mjs", "sum", "--a", "1", "--b", "2", ...W1]);
    const failed = await aloft(dir, ["run", "flows.mjs", "failing", "--msg", "x", ...W1]);
    const lp = await aloft(dir, ["run", "flows.mjs", "sum_lp", "--a", "1", ...W1]);
    const [okId, failedId, lpId] = [idOf(ok.stdout), idOf(failed.stderr), idOf(lp.stdout)];
    const ids = async (...filters: string[]): Promise<string[]> => {
      const r = await aloft(dir, ["get", "executions", ...filters.flatMap((f) => ["--filter", f]), "--json"]);
      expect(r.stderr).toBe("");
      return (JSON.parse(r.stdout) as { items: { id: string }[] }).items.map((e) => e.id);
    };
    expect(await ids()).toEqual([lpId, failedId, okId]);
    expect(await ids("phase=failed")).toEqual([failedId]);
    expect(await ids("workflow=sum_wf")).toEqual([lpId, okId]);
    expect(await ids("launchplan=sum_lp")).toEqual([lpId]);
    expect(await ids("workflow=sum_wf", "phase=succeeded", "after=2000-01-01")).toEqual([lpId, okId]);
    expect(await ids("before=2000-01-01T00:00:00Z")).toEqual([]);
    expect(await ids("after=2999-01-01")).toEqual([]);

    const table = await aloft(dir, ["get", "executions", "--filter", "workflow=sum_wf"]);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +ENTITY +PHASE +CREATED +DURATION +NOTE$/);
    expect(lines[1]).toMatch(new RegExp(`^${lpId} +launch plan sum_lp +succeeded +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +\\S+$`));
    expect(lines[2]).toMatch(new RegExp(`^${okId} +workflow sum_wf +succeeded `));
    expect((await aloft(dir, ["get", "executions", "--filter", "phase=aborted"])).stdout).toBe("no executions\n");
    const limited = await aloft(dir, ["get", "executions", "--limit", "1"]);
    expect(limited.stdout).toMatch(new RegExp(`^ID .*\\n${lpId} .*\\n\\(the newest 1; --limit <n> shows more\\)\\n$`));
  });

  it("says what is wrong with a filter or an id in one line, exit code 2", async () => {
    const dir = project();
    await expect(aloft(dir, ["run", "chain.mjs", "--x", "1", ...W1])).resolves.toMatchObject({ code: 0 });
    const cases: [string[], string][] = [
      [["get", "executions", "--filter", "phase=weird"], "error: --filter phase=weird: expected one of queued, running, failing, succeeded, failed, aborted"],
      [["get", "executions", "--filter", "after=yesterday"], "error: --filter after=yesterday: expected an ISO 8601 time, e.g. 2024-01-31T12:00:00Z or 2024-01-31"],
      [["get", "executions", "--filter", "color=red"], "error: --filter color: no such filter (keys: workflow, launchplan, phase, after, before, project, domain, parent)"],
      [["get", "executions", "--filter", "phase"], "error: --filter takes key=value, got \"phase\" (keys: workflow, launchplan, phase, after, before, project, domain, parent)"],
      [["get", "execution", "a0000"], 'error: no execution "a0000" in .aloft/aloft.db (aloft get executions lists them)'],
      [["get", "nodes", "a0000"], 'error: no execution "a0000" in .aloft/aloft.db (aloft get executions lists them)'],
      [["relaunch", "a0000"], 'error: no execution "a0000" in .aloft/aloft.db (aloft get executions lists them)'],
      [["signal", "a0000", "x", "1"], 'error: no execution "a0000" in .aloft/aloft.db (aloft get executions lists them)'],
      [["get", "executions", "--db", "x.db", "--remote", "http://127.0.0.1:9"], "error: --db and --remote cannot be given together"],
    ];
    for (const [args, message] of cases) {
      const r = await aloft(dir, args);
      expect([r.code, r.stdout, r.stderr]).toEqual([2, "", `${message}\n`]);
    }
  });
});

describe.concurrent("aloft abort, signal, approve and reject from another process", () => {
  it("aborts a run that waits at a gate; the run reports it and exits 1", async () => {
    const dir = project();
    const run = aloftInBackground(dir, ["run", "gates.mjs", ...W1]);
    const [, id = ""] = await run.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "factor"`));
    const abort = await aloft(dir, ["abort", id, "--reason", "not today"]);
    expect([abort.code, abort.stdout, abort.stderr]).toEqual([0, `aborted execution ${id}: not today\n`, ""]);
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`\\nerror: run ${id} was aborted: not today\\n$`)); // it said "failed: the run was aborted: not today"
    expect(r.stdout).toBe(`look at it: aloft get nodes ${id}\n`);
    const again = await aloft(dir, ["abort", id]);
    expect([again.code, again.stderr]).toEqual([3, `error: execution ${id} already aborted; there is nothing to abort\n`]);
    const shown = JSON.parse((await aloft(dir, ["get", "execution", id, "--json"])).stdout) as { phase: string; error: { message: string } };
    expect(shown).toMatchObject({ phase: "aborted", error: { message: "not today" } });
  });

  it("answers gates with signal (parsed by the gate's type), approve and reject", async () => {
    const dir = project();
    const run = aloftInBackground(dir, ["run", "gates.mjs", ...W1]);
    const [, id = ""] = await run.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "factor"`));
    const wrongType = await aloft(dir, ["signal", id, "factor", "many"]);
    expect([wrongType.code, wrongType.stderr]).toEqual([2, `error: gate "factor" of execution ${id} expects int: expected a whole number, got "many"\n`]);
    const noGate = await aloft(dir, ["signal", id, "nope", "1"]);
    expect([noGate.code, noGate.stderr]).toEqual([2, `error: execution ${id} has no gate "nope" (gates: "factor", "publish")\n`]);
    const notApproval = await aloft(dir, ["approve", id, "factor"]);
    expect([notApproval.code, notApproval.stderr]).toEqual([2, `error: execution ${id} has no approval gate "factor" (approvals: "publish"); "factor" waits for a value (aloft signal ${id} factor <value>)\n`]);
    await expect(aloft(dir, ["signal", id, "factor", "4"])).resolves.toMatchObject({ code: 0, stdout: `gave "factor" the value 4 for execution ${id}\n` });
    await run.waitFor("stderr", /waits at gate "publish"/);
    await expect(aloft(dir, ["reject", id, "publish", "--reason", "numbers look off"])).resolves.toMatchObject({ code: 0, stdout: `rejected "publish" for execution ${id}\n` });
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed at node n2 \(approval "publish"\): approval "publish" was rejected: numbers look off\n$/);
    const ended = await aloft(dir, ["signal", id, "publish", "true"]);
    expect([ended.code, ended.stderr]).toEqual([3, `error: execution ${id} already failed; its gates take no more answers\n`]);
  });

  it("approves with signal <id> <name> true", async () => {
    const dir = project();
    const run = aloftInBackground(dir, ["run", "gates.mjs", "--signal", "factor=5", ...W1]);
    const [, id = ""] = await run.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "publish"`));
    await expect(aloft(dir, ["signal", id, "publish", "true"])).resolves.toMatchObject({ code: 0, stdout: `approved "publish" for execution ${id}\n` });
    const r = await run.done;
    expect([r.code, r.stdout.split("\n")[0]]).toEqual([0, "out: 10"]);
  });

  it("aborts an execution whose engine died, applying the abort itself", async () => {
    const dir = project();
    const run = aloftInBackground(dir, ["run", "slow.mjs", "slow", ...W1]);
    await run.waitFor("stdout", /started/);
    // The engine hands its worker an attempt as the commit that leases it starts (the task runs while it syncs):
    // the task may print before that commit, which records the execution running, has landed.
    const running = async (): Promise<string> => (JSON.parse((await aloft(dir, ["get", "executions", "--filter", "phase=running", "--json"])).stdout) as { items: { id: string }[] }).items[0]?.id ?? "";
    await expect.poll(running, { timeout: 60_000 }).toMatch(EXEC_ID);
    run.child.kill("SIGKILL"); // its engine and workers are gone; the execution stays running
    await run.done;
    const id = await running();
    expect(id).toMatch(EXEC_ID);
    const abort = await aloft(dir, ["abort", id]);
    expect([abort.code, abort.stdout]).toEqual([0, `aborted execution ${id}: aborted from the command line\n`]);
    const nodes = JSON.parse((await aloft(dir, ["get", "nodes", id, "--json"])).stdout) as { path: string; phase: string }[];
    expect(nodes).toEqual([expect.objectContaining({ path: "n0", phase: "aborted" })]);
  });
});

describe.concurrent("aloft relaunch and recover", () => {
  it("recovers a failed execution, reusing what succeeded, with the modules its run recorded; relaunches it from scratch", async () => {
    const dir = project();
    const failed = await aloft(dir, ["run", "chain.mjs", "--x", "1", ...W1], { FAIL_SECOND: "1" });
    expect(failed.code).toBe(1);
    const id = idOf(failed.stderr);

    const recovered = await aloft(dir, ["recover", id, ...W1]);
    expect(recovered.stderr).toBe("");
    expect(recovered.code).toBe(0);
    expect(recovered.stdout).toMatch(new RegExp(`^out: 20\\nrun (${ID}) succeeded in \\S+ \\(engine: \\.aloft/aloft\\.db\\)\\nlook at it: aloft get execution \\1\\n$`));
    const newId = idOf(recovered.stdout);
    expect(newId).not.toBe(id);
    const nodes = JSON.parse((await aloft(dir, ["get", "nodes", newId, "--json"])).stdout) as { path: string; phase: string; recovered?: boolean; attempts: number }[];
    expect(nodes.map((n) => [n.path, n.phase, n.recovered === true, n.attempts])).toEqual([
      ["n0", "succeeded", true, 0],
      ["n1", "succeeded", false, 1],
    ]);
    const shown = await aloft(dir, ["get", "execution", newId]);
    expect(shown.stdout).toContain(`recovery of  ${id}\n`);

    const relaunched = await aloft(dir, ["relaunch", id, "--json", ...W1]);
    const report = JSON.parse(relaunched.stdout) as { id: string; mode: string; phase: string; outputs: unknown };
    expect(report).toMatchObject({ mode: "engine", phase: "succeeded", outputs: { out: 20 } });
    const relaunchedNodes = JSON.parse((await aloft(dir, ["get", "nodes", report.id, "--json"])).stdout) as { recovered?: boolean }[];
    expect(relaunchedNodes.some((n) => n.recovered === true)).toBe(false);
    const listed = await aloft(dir, ["get", "executions"]);
    expect(listed.stdout).toMatch(new RegExp(`\\n${report.id} +workflow chain_wf +succeeded +\\S+ +\\S+ +relaunch of ${id}\\n`));

    const notFailed = await aloft(dir, ["recover", newId]);
    expect([notFailed.code, notFailed.stderr]).toEqual([3, `error: execution ${newId} succeeded; only a failed or aborted execution can be recovered (aloft relaunch ${newId} runs it again)\n`]);
  });

  it("gives a relaunch's gates their values with --signal, and fails a relaunch that runs into a failure", async () => {
    const dir = project();
    const first = await aloft(dir, ["run", "gates.mjs", "--signal", "factor=2", "--signal", "publish=true", ...W1]);
    const id = idOf(first.stdout);
    const r = await aloft(dir, ["relaunch", id, "--signal", "factor=3", "--signal", "publish=true", ...W1]);
    expect([r.code, r.stdout.split("\n")[0]]).toEqual([0, "out: 6"]);
    const failing = await aloft(dir, ["run", "chain.mjs", "--x", "2", ...W1], { FAIL_SECOND: "1" });
    const again = await aloft(dir, ["relaunch", idOf(failing.stderr), ...W1], { FAIL_SECOND: "1" });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^error: run ${ID} failed at node n1 \\(task "second"\\): second failed on purpose\\n$`));
  });
});
