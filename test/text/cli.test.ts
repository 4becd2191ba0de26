/**
 * `aloft run <specs> <entity> --tasks <module>`, `aloft register <specs>
 * --tasks` and `aloft schema pipeline`, with the real binary: flytekit-shaped
 * packages and pipeline files run locally and on the embedded engine, with
 * the outputs Flyte gives; a spec that does not load starts and stores nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aloft, assertBuilt, fixtureDir } from "../cli/helpers.js";
import { packageFiles } from "./flytekit-specs.js";
import { launchPlans, nestedConditions, mapTasks } from "./snacks-packages.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  assertBuilt();
  ({ dir, cleanup } = fixtureDir({ "package.json": JSON.stringify({ name: "aloft-text-test", private: true, type: "module" }), "tasks.ts": readFileSync(path.join(root, "test/text/snacks-tasks.ts"), "utf8") }));
  for (const [name, pkg] of [
    ["nested", nestedConditions()],
    ["lp", launchPlans()],
    ["map", mapTasks()],
  ] as const) {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(path.join(dir, name));
    for (const f of packageFiles(pkg)) await writeFile(path.join(dir, name, f.name), f.bytes);
  }
});
afterAll(() => cleanup?.());

describe.concurrent("aloft run <specs> <entity> --tasks <module>", () => {
  it("runs a flytekit package in process, inputs parsed by the spec's types", async () => {
    const r = await aloft(dir, ["run", "nested", "core.control_flow.conditions.nested_conditions", "--tasks", "tasks.ts", "--local", "--my_input", "0.4"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("o0: 0.8");
  });

  it("runs on the embedded engine by default, with the launch plan's defaults, and --json", async () => {
    const r = await aloft(dir, ["run", "lp", "core.flyte_basics.lp.my_wf", "--tasks", "tasks.ts", "--json", "--db", "lp.db", "--workers", "1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: "engine", phase: "succeeded", outputs: { o0: 4 } });
    const m = await aloft(dir, ["run", "map", "--tasks", "tasks.ts", "--json", "--db", "map.db", "--workers", "1", "--a", "[1,2,3]"]);
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({ outputs: { o0: "345" } });
  });

  it("runs the README's pipeline file and the Argo example", async () => {
    const r = await aloft(root, ["run", "examples/pipeline.yaml", "imperative_workflow", "--tasks", "examples/regression-tasks.ts", "--local", "--x", "[-3,0,3]", "--y", "[7,4,-2]"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("wf_output: 3");
    const argo = await aloft(root, ["run", "examples/argo-dag.yaml", "--tasks", "examples/argo-tasks.ts", "--local", "--count", "4"]);
    expect(argo.code, argo.stderr).toBe(0);
    expect(argo.stdout.split("\n")[0]).toBe("total: 30");
  });

  it("without --tasks, or with tasks missing, says so in one line, exits 2, and stores nothing", async () => {
    const none = await aloft(dir, ["run", "lp", "core.flyte_basics.lp.my_wf", "--db", "none.db"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/lp is a spec: give the TypeScript tasks it references with --tasks <module>/);
    const { dir: empty, cleanup: done } = fixtureDir({ "other.ts": 'import { task, t } from "aloft";\nexport const x = task({ name: "x", outputs: t.int }, () => 1);\n' });
    try {
      const missing = await aloft(dir, ["run", "nested", "--tasks", path.join(empty, "other.ts"), "--db", "missing.db", "--my_input", "1"]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/2 tasks that no --tasks module exports: "core.control_flow.conditions.double", "core.control_flow.conditions.square"/);
      expect(missing.stderr.trim().split("\n")).toHaveLength(1);
      expect(existsSync(path.join(dir, "missing.db"))).toBe(false);
    } finally {
      done();
    }
  });

  it("register stores the specs' workflows, launch plans and tasks", async () => {
    const r = await aloft(dir, ["register", "lp", "--tasks", "tasks.ts", "--db", "reg.db", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = JSON.parse(r.stdout) as { kind: string; key: { name: string } }[];
    expect([...new Set(lines.map((l) => `${l.kind} ${l.key.name}`))].sort(), r.stdout).toEqual(
      ["launchPlan core.flyte_basics.lp.my_wf", "launchPlan core.flyte_basics.lp.square_3", "task core.flyte_basics.lp.square", "workflow core.flyte_basics.lp.my_wf"].sort(),
    );
  });

  it("schema pipeline prints the JSON Schema kept in schemas/", async () => {
    const r = await aloft(dir, ["schema", "pipeline"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(path.join(root, "schemas/pipeline.schema.json"), "utf8")));
  });
});
