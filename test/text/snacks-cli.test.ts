/**
 * Issue 10's done-when, with the real binary: `aloft run <specs> <entity>
 * --tasks <module>` runs the flytekit-compiled workflows of flytesnacks'
 * "core" examples (written as `pyflyte package` writes them, in one folder
 * as for a whole project: snacks-packages.ts) in process and on the engine,
 * with the outputs Flyte gives. The engine is one `aloft serve <specs>
 * --tasks <module>` shared by the file; runs reach it with `--remote`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aloft, assertBuilt, fixtureDir } from "../cli/helpers.js";
import { aloftInBackground, type Background } from "../cli/engine-helpers.js";
import { packageFiles, type Package } from "./flytekit-specs.js";
import { arrayNodeAndLaunchPlanNode, basicBoolean, chainTasks, dynamics, failureNode, gates, launchPlans, mapTasks, nestedConditions, subworkflows } from "./snacks-packages.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let dir: string;
let cleanup: () => void;
let server: Background;
let url: string;

/** One folder of spec files, numbered across the packages as pyflyte package numbers a project's. */
function writeFolder(into: string, packages: readonly Package[]): void {
  mkdirSync(into);
  const all: Package = { tasks: [], workflows: [], launchPlans: [] };
  for (const p of packages) {
    all.tasks!.push(...(p.tasks ?? []));
    all.workflows!.push(...(p.workflows ?? []));
    all.launchPlans!.push(...(p.launchPlans ?? []));
  }
  for (const f of packageFiles(all)) writeFileSync(path.join(into, f.name), f.bytes);
}

beforeAll(async () => {
  assertBuilt();
  ({ dir, cleanup } = fixtureDir({ "package.json": JSON.stringify({ name: "aloft-snacks-test", private: true, type: "module" }), "tasks.ts": readFileSync(path.join(root, "test/text/snacks-tasks.ts"), "utf8") }));
  writeFolder(path.join(dir, "snacks"), [chainTasks(), basicBoolean(), nestedConditions(), launchPlans(), mapTasks(), subworkflows(), dynamics(), failureNode(), gates(), arrayNodeAndLaunchPlanNode()]);
  server = aloftInBackground(dir, ["serve", "snacks", "--tasks", "tasks.ts", "--port", "0", "--db", "served/aloft.db", "--workers", "2"]);
  [, url = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:\d+) /);
}, 120_000);

afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.done;
  cleanup?.();
});

/** Each example: the entity, its inputs as flags, and what Flyte gives (outputs, or the error a failed run shows). */
const examples: { readonly name: string; readonly entity: string; readonly args: readonly string[]; readonly outputs?: Record<string, unknown>; readonly error?: RegExp }[] = [
  { name: "chain_tasks (ordering by upstreamNodeIds alone)", entity: "core.control_flow.chain_tasks.chain_tasks_wf", args: [], outputs: { o0: "banana" } },
  { name: "conditions: is_true() against a boolean primitive", entity: "core.control_flow.conditions.basic_boolean_wf", args: ["--seed", "4"], outputs: { o0: 0 } },
  { name: "conditions: a nested conditional", entity: "core.control_flow.conditions.nested_conditions", args: ["--my_input", "0.6"], outputs: { o0: 0.36 } },
  { name: "conditions: the inner conditional's fail()", entity: "core.control_flow.conditions.nested_conditions", args: ["--my_input", "0.8"], error: /Only <0\.7 allowed/ },
  { name: "launch plans: the workflow's default from its same-named launch plan", entity: "core.flyte_basics.lp.my_wf", args: [], outputs: { o0: 4 } },
  { name: "launch plans: a fixed input", entity: "core.flyte_basics.lp.square_3", args: [], outputs: { o0: 9 } },
  { name: "map tasks: an old-style container_array task", entity: "core.control_flow.map_task.my_map_workflow", args: ["--a", "[1,2,3]"], outputs: { o0: "345" } },
  { name: "map tasks: flytekit's ArrayNode with a bound input, through a launch-plan node", entity: "core.control_flow.map_task.parent_wf", args: ["--a", "[5,6]"], outputs: { o0: "7!8!" } },
  { name: "subworkflows", entity: "core.control_flow.subworkflows.parent_wf", args: ["--a", "3"], outputs: { o0: 5, o1: "world", o2: "world" } },
  { name: "dynamic workflows", entity: "core.control_flow.dynamics.wf", args: ["--words", '["ab","cde",""]'], outputs: { o0: [2, 3, 0] } },
  { name: "a failure node", entity: "core.control_flow.failure_node.subwf", args: ["--a", "1", "--b", "0"], error: /division by zero/ },
  { name: "gates: sleep, a signal and an approval", entity: "core.control_flow.waiting_for_external_inputs.reporting_wf", args: ["--signal", "title_input=Q4", "--signal", "review_passes=true"], outputs: { o0: "# Q4" } },
];

describe.concurrent("aloft run <specs> <entity> --tasks <module>: flytesnacks core examples as pyflyte package writes them", () => {
  for (const e of examples) {
    for (const mode of ["local", "engine"] as const) {
      it(`${e.name}, ${mode === "local" ? "in process" : "on the engine (aloft serve <specs> --tasks, --remote)"}`, async () => {
        const where = mode === "local" ? ["--local"] : ["--remote", url];
        const r = await aloft(dir, ["run", "snacks", e.entity, "--tasks", "tasks.ts", "--json", ...where, ...e.args]);
        const out = JSON.parse(r.stdout) as { phase: string; outputs?: unknown; error?: { message?: string } };
        if (e.outputs) {
          expect(r.code, r.stderr).toBe(0);
          expect(out).toMatchObject({ phase: "succeeded" });
          expect(out.outputs).toEqual(e.outputs);
        } else {
          expect(r.code, r.stdout).toBe(1);
          expect(out.phase).toBe("failed");
          expect(out.error?.message).toMatch(e.error!);
        }
      });
    }
  }
});

describe("runs of specs again, on the database (their workers load the --tasks modules aloft run recorded)", () => {
  it("aloft relaunch runs a spec-loaded ArrayNode map again, and aloft recover a failed run", async () => {
    const first = await aloft(dir, ["run", "snacks", "core.control_flow.map_task.parent_wf", "--tasks", "tasks.ts", "--db", "again.db", "--json", "--a", "[1,2]"]);
    expect(first.code, first.stderr).toBe(0);
    const { id } = JSON.parse(first.stdout) as { id: string };
    const again = await aloft(dir, ["relaunch", id, "--db", "again.db", "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ phase: "succeeded", outputs: { o0: "3!4!" } });
    expect((JSON.parse(again.stdout) as { id: string }).id).not.toBe(id);

    const failed = await aloft(dir, ["run", "snacks", "core.control_flow.failure_node.subwf", "--tasks", "tasks.ts", "--db", "again.db", "--json", "--a", "1", "--b", "0"]);
    expect(failed.code).toBe(1);
    const recovered = await aloft(dir, ["recover", (JSON.parse(failed.stdout) as { id: string }).id, "--db", "again.db", "--json"]);
    // The same inputs fail the same way: the recovery ran the registered specs with the recorded tasks.
    expect(recovered.code).toBe(1);
    expect(JSON.parse(recovered.stdout)).toMatchObject({ phase: "failed", error: { entity: 'task "core.control_flow.failure_node.divide"', message: "division by zero" } });
  }, 120_000);
});
