import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aloft, assertBuilt, fixtureDir } from "./helpers.js";
import { BROKEN_TS, EMPTY_MJS, FLOWS_TS, GATES_MJS, SINGLE_MJS, SLOW_MJS, THROWS_MJS } from "./fixtures.js";

let dir = "";
let cleanup = (): void => {};

beforeAll(() => {
  assertBuilt();
  ({ dir, cleanup } = fixtureDir({
    "flows.ts": FLOWS_TS,
    "single.mjs": SINGLE_MJS,
    "gates.mjs": GATES_MJS,
    "broken.ts": BROKEN_TS,
    "throws.mjs": THROWS_MJS,
    "empty.mjs": EMPTY_MJS,
    "slow.mjs": SLOW_MJS,
    "data/sales.csv": "region,amount\nnorth,3\n",
    "passthrough.mjs": 'import { workflow, t } from "aloft";\nexport const lf = workflow({ name: "lf", inputs: { fs: t.list(t.file) } }, ({ fs }) => fs);\n',
  }));
});
afterAll(() => cleanup());

const run = (...args: string[]) => aloft(dir, ["run", ...args]);
const RUN_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe.concurrent("aloft run --local", () => {
  it("runs a TypeScript workflow by export name and prints its outputs and run id", async () => {
    const r = await run("flows.ts", "sum", "--a", "1", "--b", "2", "--local");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("total: 4");
    expect(lines[1]).toMatch(new RegExp(`^run ${RUN_ID.source} succeeded in .* \\(local: in process, not kept\\)$`));
    expect(r.stdout).not.toContain("\x1b"); // stdout is not a terminal: no live view, no escape codes
  });

  it("runs a plain .mjs module's only workflow without naming it", async () => {
    const r = await run("single.mjs", "--x", "7", "--local");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^o0: 49\n/);
  });

  it("finds an entity by its registered name, and runs a task alone", async () => {
    await expect(run("flows.ts", "sum_wf", "--a", "1", "--b", "2", "--local")).resolves.toMatchObject({ code: 0, stdout: expect.stringMatching(/^total: 4\n/) as unknown });
    await expect(run("flows.ts", "add", "--a=5", "--b=-3", "--local")).resolves.toMatchObject({ code: 0, stdout: expect.stringMatching(/^o0: 2\n/) as unknown });
  });

  it("uses a launch plan's defaults, and lets a given input override one", async () => {
    const dflt = await run("flows.ts", "sum_lp", "--a", "1", "--local", "--json");
    expect(dflt.code).toBe(0);
    expect(JSON.parse(dflt.stdout)).toMatchObject({ mode: "local", phase: "succeeded", outputs: { total: 12 } });
    const given = await run("flows.ts", "sumLp", "--a", "1", "--b", "1", "--local", "--json");
    expect(JSON.parse(given.stdout)).toMatchObject({ outputs: { total: 3 } });
  });

  it("parses every kind of input by its declared type; --json prints dates as ISO strings", async () => {
    const r = await run(
      "flows.ts", "kinds", "--local", "--json",
      "--n", "-3", "--f", "2.5e1", "--s", " spaced out ", "--yes", "--when", "2024-01-31T12:00:00Z", "--wait", "1.5h",
      "--mode", "exact", "--xs", "[1, 2]", "--counts", '{"a": 1}', "--point", '{"x": 1, "y": 2, "at": "2024-02-01T00:00:00Z"}',
      "--either", "abc",
    );
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout) as { id: string; outputs: Record<string, unknown> };
    expect(report.id).toMatch(RUN_ID);
    expect(report.outputs).toEqual({
      n: -3, f: 25, s: " spaced out ", yes: true, when: "2024-01-31T12:00:00.000Z", wait: 5_400_000, mode: "exact",
      xs: [1, 2], counts: { a: 1 }, point: { x: 1, y: 2, at: "2024-02-01T00:00:00.000Z" }, either: "abc", maybe: null,
    });
  });

  it("fails with exit code 1 and one line naming the failed node (inside a subworkflow) and the cause", async () => {
    const r = await run("flows.ts", "failing", "--msg", "kaput", "--local");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^error: run ${RUN_ID.source} failed at node n0/n0 \\(task "boom"\\): TypeError: kaput second line\\n$`));
  });

  it("adds the stack with --verbose, and reports a failure as JSON with --json", async () => {
    const verbose = await run("flows.ts", "failing", "--msg", "kaput", "--local", "--verbose");
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toContain("ExecutionError: workflow \"failing_wf\"");
    expect(verbose.stderr).toMatch(/\n\s+at /);
    const json = await run("flows.ts", "failing", "--msg", "kaput", "--local", "--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ phase: "failed", error: { node: "n0/n0", entity: 'task "boom"', message: "TypeError: kaput second line" } });
  });

  it("gives gate values up front with --signal, parsed by the gate's type", async () => {
    const r = await run("gates.mjs", "--local", "--signal", "factor=21", "--signal", "publish=true");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^out: 42\n/);
    const rejected = await run("gates.mjs", "--local", "--signal", "factor=21", "--signal", "publish=false");
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/failed at node n2 \(approval "publish"\): approval "publish" was rejected/);
  });

  it("aborts the run on Ctrl-C and exits 130 at once, whatever timers the task left", async () => {
    const started = Date.now();
    const r = await aloft(dir, ["run", "slow.mjs", "slow", "--local"], {}, (child, chunk) => {
      if (chunk.includes("started")) child.kill("SIGINT");
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^error: run \S+ was aborted: interrupted \(Ctrl-C\)\n$/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("fails, rather than hang, when a gate waits and no one can answer", async () => {
    const r = await run("gates.mjs", "--local", "--signal", "factor=2");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gate "publish" (node n2) waits for an approval and no one can answer here (not a terminal); give it up front with --signal publish=true');
  });
});

describe.concurrent("aloft run: one clear line and exit code 2 for what cannot start", () => {
  const cases: [string, string[], string | RegExp][] = [
    ["an ill-typed int", ["flows.ts", "sum", "--a", "1.5", "--b", "2", "--local"], 'error: input --a (int): expected a whole number, got "1.5"'],
    ["an ill-typed list element", ["flows.ts", "kinds", "--xs", '[1, "2"]', "--local"], 'error: input --xs (list<int>): element [1]: expected int, got string "2"'],
    ["bad JSON", ["flows.ts", "kinds", "--counts", "{a:1}", "--local"], 'error: input --counts (map<int>): expected JSON, e.g. {"a":1}, got "{a:1}"'],
    ["a value outside an enum", ["flows.ts", "kinds", "--mode", "quick", "--local"], 'error: input --mode (enum<"fast", "exact">): expected one of fast, exact, got "quick"'],
    ["a bad date", ["flows.ts", "kinds", "--when", "yesterday", "--local"], 'error: input --when (datetime): expected an ISO 8601 date-time with a zone, like 2024-01-31T12:00:00Z (or a date, 2024-01-31, midnight UTC), got "yesterday"'],
    ["a missing input", ["flows.ts", "sum", "--a", "1", "--local"], 'error: missing input --b (int) of sum (workflow "sum_wf")'],
    ["an input without a value", ["flows.ts", "sum", "--a", "--b", "2", "--local"], "error: input --a (int) needs a value: --a <value>"],
    ["an unknown input", ["flows.ts", "sum", "--a", "1", "--b", "2", "--c", "3", "--local"], 'error: unknown input --c: sum (workflow "sum_wf") has inputs --a (int), --b (int), --note (optional<str>)'],
    ["an unknown short option", ["flows.ts", "sum", "-x", "--local"], "error: unknown option -x"],
    ["a stray argument", ["flows.ts", "sum", "--a", "1", "extra", "--local"], 'error: unexpected argument "extra": inputs are given as --name value'],
    ["an unknown entity", ["flows.ts", "nope", "--local"], /^error: flows\.ts has no entity "nope" \(it exports add \(task "add"\), .*sum \(workflow "sum_wf"\), sumLp \(launch plan "sum_lp"\)\)$/],
    ["no entity when several workflows", ["flows.ts", "--local"], /^error: flows\.ts exports 3 workflows; name the one to use: aloft run flows\.ts <entity> \(it exports .*\)$/],
    ["a module with no entities", ["empty.mjs", "--local"], "error: empty.mjs exports no task, workflow or launch plan"],
    ["a missing file", ["nope.ts", "--local"], "error: cannot load nope.ts: no such file"],
    // Issue 13: a path that is not there is missing, not a spec; a folder is said to be one.
    ["a missing path that names a module without its extension", ["flows", "--a", "1", "--local"], "error: cannot load flows: no such file (did you mean flows.ts?)"],
    ["a missing path, with --tasks", ["nope", "--tasks", "flows.ts", "--local"], "error: cannot load nope: no such file"],
    // Issue 13: as the README says, a workflow without nodes is refused, as flytepropeller's compiler refuses it (NoNodesFound, pkg/compiler/workflow_compiler.go).
    ["a workflow with no node", ["passthrough.mjs", "--fs", "[]", "--local"], 'error: lf (workflow "lf") does not compile: Flyte would refuse this: [NoNodesFound] workflow "lf" has no nodes; Flyte registers only workflows that run at least one node'],
    ["a folder", ["data", "--local"], "error: data is a folder, not a module: give the module's file (aloft run <file.ts> [entity]); a folder of specs (pyflyte package's _pb_output) runs with the TypeScript tasks it references: --tasks <module>"],
    ["a file that does not parse", ["broken.ts", "--local"], /^error: cannot load broken\.ts: SyntaxError: .*broken\.ts:1:27: Unexpected token$/],
    ["a file that throws while loading", ["throws.mjs", "--local"], "error: cannot load throws.mjs: no config found"],
    ["a signal for no gate", ["gates.mjs", "--local", "--signal", "nope=1"], 'error: --signal nope: no gate waits for a signal named "nope" (gates: factor, publish)'],
    ["an ill-typed signal", ["gates.mjs", "--local", "--signal", "factor=many"], 'error: --signal factor expects int: expected a whole number, got "many"'],
    ["no file", ["--local"], /^error: aloft run needs a file/],
    ["a server that cannot be reached", ["flows.ts", "sum", "--a", "1", "--b", "2", "--remote", "http://127.0.0.1:9"], /^error: cannot reach the Aloft server at http:\/\/127\.0\.0\.1:9 \(.+\); is it running\? \(start one with: aloft serve\)$/],
    ["a --remote that is not a URL", ["flows.ts", "sum", "--a", "1", "--b", "2", "--remote", "nowhere"], 'error: --remote: the server URL "nowhere" is not a URL; give one like http://127.0.0.1:8080'],
    ["--db with --local", ["flows.ts", "sum", "--a", "1", "--b", "2", "--local", "--db", "x.db"], "error: --db and --workers are for runs on the engine, not with --local"],
    ["--local with --remote", ["flows.ts", "sum", "--local", "--remote", "http://127.0.0.1:8080"], "error: --local and --remote cannot be given together"],
    ["a bad --max-parallelism", ["flows.ts", "sum", "--local", "--max-parallelism", "0"], "error: option '--max-parallelism <n>' argument '0' is invalid. expected a whole number of at least 1"],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await run(...args);
      expect(r.stdout).toBe("");
      expect(r.code).toBe(2);
      expect(r.stderr.endsWith("\n")).toBe(true);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      if (typeof message === "string") expect(r.stderr.trimEnd()).toBe(message);
      else expect(r.stderr.trimEnd()).toMatch(message);
    });
  }
});

describe.concurrent("aloft run --help", () => {
  it("lists the module kinds the README's Module files lists, and that the loader loads (issue 13)", async () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const bullet = readme.slice(readme.indexOf("- **Module files.**"), readme.indexOf("\n- **", readme.indexOf("- **Module files.**") + 1));
    const documented = [...new Set([...bullet.matchAll(/`(\.[a-z]+)`/g)].map((m) => m[1]))].sort();
    expect(documented).toEqual([".cjs", ".cts", ".js", ".mjs", ".mts", ".ts", ".tsx"]);
    const { MODULE_EXTENSIONS } = await import("../../src/loading/import-module.js");
    expect([...MODULE_EXTENSIONS].sort()).toEqual(documented);
    for (const command of [["run", "--help"], ["compile", "--help"], ["register", "--help"]]) {
      const help = (await aloft(dir, command)).stdout.replace(/\s+/g, " ");
      expect([command[0], [...new Set([...help.matchAll(/(?<=[ ,])(\.[a-z]+)(?=[ ,])/g)].map((m) => m[1]))].filter((e) => documented.includes(e)).sort()]).toEqual([command[0], documented]);
    }
  });

  it("lists a launch plan's inputs, types, defaults and outputs", async () => {
    const r = await run("flows.ts", "sum_lp", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: aloft run flows.ts sumLp --a <int> [inputs] [options]");
    expect(r.stdout).toContain('sumLp (launch plan "sum_lp") from flows.ts');
    expect(r.stdout).toMatch(/--a <int> +required · a whole number/);
    expect(r.stdout).toMatch(/--b <int> +default 10 · a whole number/);
    expect(r.stdout).toMatch(/--note <optional<str>> +optional · text, as given/);
    expect(r.stdout).toMatch(/Outputs:\n +total +int/);
  });

  it("lists a workflow's gates", async () => {
    const r = await run("gates.mjs", "-h");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/factor +int · a whole number/);
    expect(r.stdout).toMatch(/publish +approval: true or false/);
  });

  it("lists what a file exports when it has several workflows", async () => {
    const r = await run("flows.ts", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("flows.ts exports:\n  add (task \"add\")\n");
  });

  it("describes the command itself without a file", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: aloft run <file> [entity] [--<input> <value> ...] [options]");
    expect(r.stdout).toContain("--signal <name=value>");
  });
});
