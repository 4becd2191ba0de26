/**
 * The registry and the cache from the command line (issue 13): `aloft get
 * task|workflow|launchplan <name>` was missing; `aloft register` made one
 * version per exported entity instead of one per registration (as pyflyte
 * does); `aloft cache clear` left the engine's cache alone and could not
 * clear one task or one cache version.
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aloft } from "./helpers.js";
import { CHAIN_MJS, aloftInBackground, useEngineProjects } from "./engine-helpers.js";

const project = useEngineProjects();

/** Two cached tasks, under two cache versions, in a workflow. */
const CACHED_MJS = `
import { task, workflow, t } from "aloft";
export const inc = task({ name: "inc_cached", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, ({ x }) => x + 1);
export const dbl = task({ name: "dbl_cached", inputs: { x: t.int }, outputs: t.int, cache: { version: "2" } }, ({ x }) => x * 2);
export const both = workflow({ name: "both_cached", inputs: { x: t.int } }, ({ x }) => ({ y: dbl({ x: inc({ x }) }) }));
`;

describe.concurrent("aloft get task|workflow|launchplan <name>", () => {
  it("shows the interface (types, defaults, fixed inputs, outputs) on the database and through a server; --json gives the spec", async () => {
    const dir = project();
    expect((await aloft(dir, ["register", "flows.mjs"])).code).toBe(0);
    const lp = await aloft(dir, ["get", "launchplan", "sum_lp"]);
    expect(lp.code).toBe(0);
    const lines = lp.stdout.split("\n");
    expect(lines[0]).toBe("launch plan  sum_lp");
    expect(lines[1]).toMatch(/^version {6}[0-9a-f]{16} \(the latest of 1\)$/);
    expect(lines[2]).toBe("in           aloft/development");
    expect(lines).toContain(`workflow     sum_wf (version ${/^version +(\S+)/.exec(lines[1] ?? "")?.[1] ?? "?"})`);
    expect(lines.filter((l) => /^(inputs|outputs| ) /.test(l))).toEqual([
      "inputs       a     int            required",
      "             b     int            default: 10",
      "             note  optional<str>  default: null",
      "outputs      total  int",
    ]);
    const task = await aloft(dir, ["get", "task", "add", "--json"]);
    const info = JSON.parse(task.stdout) as { kind: string; key: { name: string }; interface: { inputs: { name: string; type: string }[] }; spec: { template: { id: { name: string } } } };
    expect([info.kind, info.key.name, info.interface.inputs.map((i) => `${i.name}: ${i.type}`), info.spec.template.id.name]).toEqual(["task", "add", ["a: int", "b: int"], "add"]);

    // The same through a server (the API's entity endpoints), --json in the same shape.
    const server = aloftInBackground(dir, ["serve", "flows.mjs", "--port", "0", "--workers", "1", "--db", "served.db"]);
    const [, url = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:\d+) /);
    const remote = await aloft(dir, ["get", "launchplan", "sum_lp", "--remote", url]);
    expect([remote.code, remote.stdout.split("\n").filter((l) => /^(inputs|outputs| ) /.test(l))]).toEqual([0, lines.filter((l) => /^(inputs|outputs| ) /.test(l))]);
    const remoteJson = JSON.parse((await aloft(dir, ["get", "task", "add", "--json", "--remote", url])).stdout) as typeof info;
    expect(remoteJson.interface).toEqual(info.interface);
    const missing = await aloft(dir, ["get", "workflow", "nope", "--remote", url]);
    expect([missing.code, missing.stderr]).toEqual([2, `error: no workflow "nope" is registered; aloft get workflows --remote ${url} lists those that are\n`]);
    server.child.kill("SIGTERM");
    await server.done;
  });

  it("names what is missing: the name, a version (listing the versions), several projects", async () => {
    const dir = project();
    expect((await aloft(dir, ["register", "flows.mjs", "--version", "v1"])).code).toBe(0);
    expect((await aloft(dir, ["register", "flows.mjs", "--version", "v2", "--project", "other"])).code).toBe(0);
    const cases: [string[], string][] = [
      [["get", "workflow", "nope"], 'error: no workflow "nope" is registered; aloft get workflows lists those that are\n'],
      [["get", "task", "add"], 'error: task "add" is registered in aloft/development, other/development: choose one with --project and --domain\n'],
      [["get", "task", "add", "--project", "aloft", "--version", "v9"], 'error: task "add" has no version "v9" in aloft/development (its versions, newest first: v1)\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await aloft(dir, args);
      expect([args.join(" "), r.code, r.stderr]).toEqual([args.join(" "), 2, stderr]);
    }
    const v2 = await aloft(dir, ["get", "workflow", "sum_wf", "--project", "other", "--version", "v2"]);
    expect([v2.code, v2.stdout.split("\n")[1]]).toEqual([0, "version      v2 (the latest of 1)"]);
  });
});

describe.concurrent("aloft register", () => {
  it("gives every entity of a registration one version, as pyflyte register does (it made one per exported entity)", async () => {
    const dir = project();
    const first = await aloft(dir, ["register", "flows.mjs", "chain.mjs", "--json"]);
    expect(first.code).toBe(0);
    const lines = JSON.parse(first.stdout) as { kind: string; key: { name: string; version: string }; status: string }[];
    const versions = new Set(lines.map((l) => l.key.version));
    expect(versions.size).toBe(1);
    expect(lines.filter((l) => l.key.name === "add")).toHaveLength(1); // a task three workflows use: one registration
    // The same modules again: the same version, nothing new.
    const again = JSON.parse((await aloft(dir, ["register", "chain.mjs", "flows.mjs", "--json"])).stdout) as typeof lines;
    expect([new Set(again.map((l) => l.key.version)), again.every((l) => l.status === "existing")]).toEqual([versions, true]);
    // A change anywhere gives every entity a new version.
    writeFileSync(path.join(dir, "chain.mjs"), CHAIN_MJS.replace("x + 1", "x + 2"));
    const changed = JSON.parse((await aloft(dir, ["register", "flows.mjs", "chain.mjs", "--json"])).stdout) as typeof lines;
    const newVersions = new Set(changed.map((l) => l.key.version));
    expect(newVersions.size).toBe(1);
    expect([...newVersions][0]).not.toBe([...versions][0]);
    expect((await aloft(dir, ["get", "task", "add"])).stdout.split("\n")[1]).toBe(`version      ${[...newVersions][0]} (the latest of 2)`);
  });

  it("refuses two different entities of one name in one registration, and stores nothing", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "other-add.mjs"), `import { task, t } from "aloft";\nexport const add = task({ name: "add", inputs: { a: t.int }, outputs: t.int }, ({ a }) => a);\n`);
    const r = await aloft(dir, ["register", "flows.mjs", "other-add.mjs"]);
    expect([r.code, r.stderr]).toEqual([
      2,
      'error: task aloft/development/add is defined twice, differently: in add (task "add") of flows.mjs and in add (task "add") of other-add.mjs; one registration holds one spec per name: rename one of them\n',
    ]);
    expect(existsSync(path.join(dir, ".aloft", "aloft.db"))).toBe(false);
  });
});

describe.concurrent("aloft cache clear", () => {
  it("clears the engine's cache too, and per task and cache version (it cleared only the local cache, and all of it)", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "cached.mjs"), CACHED_MJS);
    const run = async (): Promise<string> => {
      const r = await aloft(dir, ["run", "cached.mjs", "both", "--x", "1", "--workers", "1", "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const id = (JSON.parse(r.stdout) as { id: string }).id;
      const nodes = JSON.parse((await aloft(dir, ["get", "nodes", id, "--json"])).stdout) as { path: string; cacheStatus: string }[];
      return nodes.map((n) => `${n.path}:${n.cacheStatus}`).join(" ");
    };
    expect(await run()).toBe("n0:populated n1:populated");
    expect(await run()).toBe("n0:hit n1:hit");
    // One cache version of one task, on the engine (and the local cache, empty here).
    const one = await aloft(dir, ["cache", "clear", "--task", "dbl_cached", "--version", "2"]);
    expect([one.code, one.stdout.split("\n")[1]]).toEqual([0, 'removed 1 cached output of task "dbl_cached" version "2" from the engine\'s cache in .aloft/aloft.db']);
    expect(await run()).toBe("n0:hit n1:populated");
    const wrongVersion = await aloft(dir, ["cache", "clear", "--task", "inc_cached", "--version", "2"]);
    expect(wrongVersion.stdout.split("\n")[1]).toBe('removed 0 cached outputs of task "inc_cached" version "2" from the engine\'s cache in .aloft/aloft.db');
    expect(await run()).toBe("n0:hit n1:hit");
    // Everything.
    const all = await aloft(dir, ["cache", "clear"]);
    expect([all.code, all.stdout.split("\n")[1]]).toEqual([0, "removed 2 cached outputs from the engine's cache in .aloft/aloft.db"]);
    expect(await run()).toBe("n0:populated n1:populated");
  });

  it("clears the local cache per task too, and names what is wrong", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "cached.mjs"), CACHED_MJS);
    for (const x of ["1", "2"]) expect((await aloft(dir, ["run", "cached.mjs", "both", "--x", x, "--local"])).code).toBe(0);
    const one = await aloft(dir, ["cache", "clear", "--task", "inc_cached"]);
    expect([one.code, one.stdout]).toEqual([0, `removed 2 cached outputs of task "inc_cached" from the local cache in ${path.join(dir, ".aloft-home", "cache")}\n`]);
    const again = await aloft(dir, ["run", "cached.mjs", "both", "--x", "1", "--local", "--json"]);
    expect(again.code).toBe(0);
    const cases: [string[], string][] = [
      [["cache", "clear", "--version", "1"], "error: --version names a cache version of one task: give the task with --task <name>\n"],
      [["cache", "clear", "--db", "nope.db"], "error: no Aloft database at nope.db; check the path given to --db\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = await aloft(dir, args);
      expect([args.join(" "), r.code, r.stderr]).toEqual([args.join(" "), 2, stderr]);
    }
  });
});
