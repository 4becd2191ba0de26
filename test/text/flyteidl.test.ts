/**
 * loadWorkflows over flytekit-shaped specs (see flytekit-specs.ts): each
 * case mirrors a flytesnacks "core" example and runs it with TypeScript
 * tasks bound by name, with the outputs Flyte gives.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compile, conditional, dynamic, loadWorkflows, mapTask, task, t, workflow, writeSpecs, MissingTasksError, SpecUnreadableError, SpecUnsupportedError, TaskInterfaceMismatchError, type SpecLoadError, type WorkflowSpec } from "aloft";
import * as tasks from "./snacks-tasks.js";
import { FLOAT, INT, STR, packageFiles, pyTask, writePackage, type Package } from "./flytekit-specs.js";
import { arrayNodeAndLaunchPlanNode, basicBoolean, chainTasks, dynamics, failureNode, gates, launchPlans, mapTasks, nestedConditions, subworkflows } from "./snacks-packages.js";

async function load(pkg: Package, tasksOption: unknown = tasks) {
  return loadWorkflows(await writePackage(pkg), { tasks: tasksOption as never });
}

describe("loadWorkflows: flytekit packages run with TypeScript tasks", () => {
  it("chain_tasks: ordering by upstreamNodeIds alone, nodes without inputs", async () => {
    const loaded = await load(chainTasks());
    expect(loaded.names).toEqual(["core.control_flow.chain_tasks.chain_tasks_wf"]);
    expect(await loaded.get().run({})).toEqual({ o0: "banana" });
    const spec = compile(loaded.get() as never) as WorkflowSpec;
    expect(spec.template!.nodes!.map((n) => [n.taskNode?.referenceId?.name, n.upstreamNodeIds ?? []])).toEqual([
      ["core.control_flow.chain_tasks.write", []],
      ["core.control_flow.chain_tasks.read", ["n0"]],
    ]);
  });

  it("basic_boolean_wf: is_true as EQ against a boolean, then-node ids that clash with top-level ids", async () => {
    const wf = (await load(basicBoolean())).get("core.control_flow.conditions.basic_boolean_wf");
    expect(await wf.run({ seed: 4 })).toEqual({ o0: 0 });
    expect(await wf.run({ seed: 5 })).toEqual({ o0: -1 });
  });

  it("nested_conditions: a branch inside a branch, `.my_input` operands, the inner conditional's error", async () => {
    const wf = (await load(nestedConditions())).get();
    expect(await wf.run({ my_input: 0.4 })).toEqual({ o0: 0.8 });
    expect((await wf.run({ my_input: 0.6 })).o0).toBeCloseTo(0.36);
    expect(await wf.run({ my_input: 5 })).toEqual({ o0: 25 });
    expect(await wf.run({ my_input: 20 })).toEqual({ o0: 40 });
    await expect(wf.run({ my_input: 0.8 })).rejects.toThrow(/Only <0\.7 allowed/);
  });

  it("lp: running the workflow by name uses the defaults of its same-named launch plan; another plan fixes the input", async () => {
    const loaded = await load(launchPlans());
    expect(await loaded.get("core.flyte_basics.lp.my_wf").run({})).toEqual({ o0: 4 });
    expect(await loaded.get("core.flyte_basics.lp.my_wf").run({ val: 5 })).toEqual({ o0: 25 });
    expect(await loaded.get("core.flyte_basics.lp.square_3").run({})).toEqual({ o0: 9 });
  });

  it("map_task: an old-style container_array map task names its task in the container args", async () => {
    const wf = (await load(mapTasks())).get();
    expect(await wf.run({ a: [1, 2, 3, 4] })).toEqual({ o0: "3456" });
    const spec = compile(wf as never) as WorkflowSpec;
    expect(spec.template!.nodes![0]!.arrayNode).toBeDefined();
  });

  it("subworkflows: a subworkflow template, named task outputs, o0..oN outputs", async () => {
    const wf = (await load(subworkflows())).get();
    expect(await wf.run({ a: 3 })).toEqual({ o0: 5, o1: "world", o2: "world" });
  });

  it("dynamics: a python-task bound to a TypeScript dynamic workflow", async () => {
    const wf = (await load(dynamics())).get();
    expect(await wf.run({ words: ["ab", "cde", ""] })).toEqual({ o0: [2, 3, 0] });
  });

  it("failure_node: the failureNode is the workflow's failure handler", async () => {
    const wf = (await load(failureNode())).get();
    expect(await wf.run({ a: 6, b: 3 })).toEqual({ o0: 2 });
    await expect(wf.run({ a: 1, b: 0 })).rejects.toThrow(/division by zero/);
    const spec = compile(wf as never) as WorkflowSpec;
    expect(spec.template!.failureNode?.taskNode?.referenceId?.name).toBe("core.control_flow.failure_node.clean_up");
  });

  it("waiting_for_external_inputs: sleep, signal and approve gates", async () => {
    const wf = (await load(gates())).get();
    expect(await wf.run({}, { signals: { "title_input": "Q4", "review_passes": true } })).toEqual({ o0: "# Q4" });
  });

  it("signal names with hyphens, which flytekit takes (core/gate.py, wait_for_input(name: str))", async () => {
    const pkg = gates();
    const nodes = pkg.workflows![0]!.template.nodes!;
    nodes[1]!.gateNode!.signal!.signalId = "title-input";
    nodes[3]!.gateNode!.approve!.signalId = "review.passes";
    const wf = (await load(pkg)).get();
    expect(await wf.run({}, { signals: { "title-input": "Q1", "review.passes": true } })).toEqual({ o0: "# Q1" });
  });

  it("an ArrayNode map task as flytekit writes it (a -arraynode template with the list interface, a bound input), called through a launch-plan node", async () => {
    const loaded = await load(arrayNodeAndLaunchPlanNode());
    expect(loaded.names).toEqual(["core.control_flow.map_task.array_wf", "core.control_flow.map_task.parent_wf"]);
    expect(await loaded.get("core.control_flow.map_task.parent_wf").run({ a: [5, 6] })).toEqual({ o0: "7!8!" });
    // Compiled back, the map is again flytekit's: the same -arraynode name (md5 of "suffix2None1.0") and list interface.
    const back = compile(loaded.get("core.control_flow.map_task.array_wf") as never) as WorkflowSpec;
    expect(back.template!.nodes![0]!.arrayNode?.node?.taskNode?.referenceId?.name).toBe(arrayNodeAndLaunchPlanNode().tasks![0]!.id!.name);
    const spec = compile(loaded.get("core.control_flow.map_task.parent_wf") as never) as WorkflowSpec;
    expect(spec.template!.nodes![0]!.workflowNode?.launchplanRef?.name).toBe("core.control_flow.map_task.array_wf");
  });

  it("loads back what Aloft compiles: its task types, the -arraynode template of a map, primitive operands, then-node ids from n0, dn ids", async () => {
    const sq = task({ name: "rt_sq", inputs: { x: t.int, k: t.int }, outputs: t.int }, ({ x, k }) => x * x + k);
    const total = task({ name: "rt_total", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
    const dyn = dynamic({ name: "rt_dyn", inputs: { n: t.int }, outputs: t.int }, ({ n }) => total({ xs: Array.from({ length: n }, (_, i) => sq({ x: i, k: 0 })) }));
    const wf = workflow({ name: "rt_wf", inputs: { xs: t.list(t.int) } }, ({ xs }) => {
      const m = mapTask(sq, { fixed: ["k"], concurrency: 2 })({ x: xs, k: 1 });
      const s = total({ xs: m });
      return conditional("big").if(s.gt(10)).then(dyn, { n: s }).else().then(total, { xs: m });
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), "aloft-roundtrip-"));
    await writeSpecs(wf, dir);
    const loaded = (await loadWorkflows(dir, { tasks: [sq, total, dyn] })).get("rt_wf");
    for (const xs of [[1, 2], [1, 2, 3]]) expect(await loaded.run({ xs })).toEqual(await wf.run({ xs }));
  });

  it("loading the same specs twice gives the same entities", async () => {
    const dir = await writePackage(launchPlans());
    const a = await loadWorkflows(dir, { tasks });
    const b = await loadWorkflows(dir, { tasks });
    expect(b.get("core.flyte_basics.lp.my_wf")).toBe(a.get("core.flyte_basics.lp.my_wf"));
  });
});

describe("loadWorkflows: what cannot be bound is one clear error", () => {
  it("lists every missing task at once", async () => {
    const err = await load(subworkflows(), [tasks.read]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingTasksError);
    expect((err as MissingTasksError).missing).toEqual(["core.control_flow.subworkflows.t1"]);
    const all = await load({ ...basicBoolean() }, []).catch((e: unknown) => e);
    expect((all as MissingTasksError).missing).toEqual(["core.control_flow.conditions.coin_toss", "core.control_flow.conditions.failed", "core.control_flow.conditions.success"]);
    expect((all as MissingTasksError).code).toBe("TASKS_MISSING");
  });

  it("names the task, the variable, both types and a node when an interface does not fit", async () => {
    const pkg = launchPlans();
    pkg.tasks![0] = pyTask("core.flyte_basics.lp.square", { val: FLOAT }, { o0: INT });
    const err = await load(pkg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskInterfaceMismatchError);
    expect(err).toMatchObject({ task: "core.flyte_basics.lp.square", variable: "val", specType: "float", taskType: "int", node: "core.flyte_basics.lp.my_wf/n0", code: "TASK_INTERFACE_MISMATCH" });
    expect((err as Error).message).toMatch(/input "val" is float in the specs but int in the TypeScript task/);
  });

  it("refuses raw-container and sensor tasks, naming the task and its type", async () => {
    const pkg = chainTasks();
    pkg.tasks![1] = pyTask("core.control_flow.chain_tasks.read", {}, { o0: STR }, "raw-container");
    const err = await load(pkg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecUnsupportedError);
    expect((err as Error).message).toMatch(/task "core.control_flow.chain_tasks.read" .* is of type "raw-container"/);
    pkg.tasks![1] = pyTask("core.control_flow.chain_tasks.read", {}, { o0: STR }, "object_store_sensor");
    expect(String(await load(pkg).catch((e: unknown) => e))).toMatch(/a sensor/);
  });

  it("a truncated .pb is SpecUnreadableError naming the file", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "aloft-pkg-"));
    const [file] = packageFiles(chainTasks()).slice(2);
    await writeFile(path.join(dir, file!.name), file!.bytes.slice(0, file!.bytes.length - 7));
    const err = await loadWorkflows(dir, { tasks }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecUnreadableError);
    expect((err as SpecLoadError).message).toContain(file!.name);
  });
});
