/**
 * The forms flyteidl specs come in: a pyflyte-package folder, its `.tgz`,
 * a single `.pb`, and JSON or YAML in protobuf's JSON mapping (snake_case or
 * lowerCamelCase names, enums by name or number, Struct as plain JSON,
 * durations as "30s"). Compiling a loaded workflow gives back an equivalent spec.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { create as createTar } from "tar";
import { describe, expect, it } from "vitest";
import { compile, loadWorkflows, SpecInvalidError, SpecUnreadableError, type WorkflowSpec } from "aloft";
import * as tasks from "./snacks-tasks.js";
import { basicBoolean, launchPlans, mapTasks, subworkflows } from "./snacks-packages.js";
import { INT, input, output, packageFiles, pyTask, taskNode, workflowTemplate, writePackage } from "./flytekit-specs.js";

async function tmp(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), "aloft-specs-"));
}

/** What a spec says, without ids' versions and metadata: nodes, their targets and bindings, outputs. */
function shape(spec: WorkflowSpec) {
  return {
    nodes: spec.template!.nodes!.map((n) => ({ id: n.id, task: n.taskNode?.referenceId?.name, inputs: (n.inputs ?? []).map((b) => [b.var, b.binding?.promise?.nodeId ?? "", b.binding?.promise?.var]) })),
    outputs: (spec.template!.outputs ?? []).map((b) => [b.var, b.binding?.promise?.nodeId, b.binding?.promise?.var]),
  };
}

describe("spec files in every form flytekit and flyteidl use", () => {
  it("a .tgz as pyflyte package writes it", async () => {
    const dir = await tmp();
    const files = packageFiles(launchPlans());
    for (const f of files) await writeFile(path.join(dir, f.name), f.bytes);
    const tgz = path.join(await tmp(), "flyte-package.tgz");
    await createTar({ gzip: true, file: tgz, cwd: dir }, files.map((f) => f.name));
    const loaded = await loadWorkflows(tgz, { tasks });
    expect(await loaded.get("core.flyte_basics.lp.my_wf").run({})).toEqual({ o0: 4 });
  });

  it("a single WorkflowSpec .pb with any name, its tasks bound by name", async () => {
    const dir = await tmp();
    const wfFile = packageFiles(subworkflows()).find((f) => f.name.endsWith("_2.pb"))!;
    const file = path.join(dir, "parent.pb");
    await writeFile(file, wfFile.bytes);
    const wf = (await loadWorkflows(file, { tasks })).get();
    expect(await wf.run({ a: 1 })).toEqual({ o0: 3, o1: "world", o2: "world" });
  });

  it("YAML in protobuf's JSON mapping: snake_case names, enums by number, Struct as plain JSON, durations as text", async () => {
    const file = path.join(await tmp(), "wf.yaml");
    await writeFile(
      file,
      [
        "template:",
        "  id: { resource_type: 2, name: yaml.square_wf }",
        "  interface:",
        "    inputs: { variables: { val: { type: { simple: INTEGER } } } }",
        "    outputs: { variables: { o0: { type: { simple: 1 } } } }",
        "  nodes:",
        "    - id: n0",
        "      metadata: { name: square, timeout: 30s, retries: { retries: 2 } }",
        "      inputs: [{ var: val, binding: { promise: { node_id: start-node, var: val } } }]",
        "      task_node: { reference_id: { resource_type: TASK, name: core.flyte_basics.lp.square } }",
        "  outputs: [{ var: o0, binding: { promise: { node_id: n0, var: o0 } } }]",
        "---",
        "template:",
        "  id: { name: core.flyte_basics.lp.square }",
        "  type: python-task",
        "  custom: { any: [1, { nested: true }] }",
        "  interface: { inputs: { variables: { val: { type: { simple: INTEGER } } } }, outputs: { variables: { o0: { type: { simple: INTEGER } } } } }",
        "",
      ].join("\n"),
    );
    const wf = (await loadWorkflows(file, { tasks })).get();
    expect(await wf.run({ val: 7 })).toEqual({ o0: 49 });
    const node = (compile(wf as never) as WorkflowSpec).template!.nodes![0]!;
    expect(node.metadata?.retries).toEqual({ retries: 2 });
    expect(node.metadata?.timeout).toEqual({ seconds: "30" });
  });

  it("JSON: Aloft's own object form (what compile returns) loads too, and compiles back to an equivalent spec", async () => {
    const original = (await loadWorkflows(await writePackage(basicBoolean()), { tasks })).get();
    const spec = compile(original as never) as WorkflowSpec;
    const file = path.join(await tmp(), "spec.json");
    await writeFile(file, JSON.stringify(spec));
    const again = (await loadWorkflows(file, { tasks })).get();
    expect(shape(compile(again as never) as WorkflowSpec)).toEqual(shape(spec));
    expect(await again.run({ seed: 2 })).toEqual({ o0: 0 });
  });

  it("compiling a loaded map workflow keeps its nodes and bindings", async () => {
    const wf = (await loadWorkflows(await writePackage(mapTasks()), { tasks })).get();
    const s = shape(compile(wf as never) as WorkflowSpec);
    expect(s.nodes.map((n) => n.inputs)).toEqual([[["a", "", "a"]], [["b", "n0", "o0"]]]);
    expect(s.outputs).toEqual([["o0", "n1", "o0"]]);
  });

  it("an untyped dict (a STRUCT without a schema) binds to a TypeScript map", async () => {
    const wf = workflowTemplate("core.type_system.dicts.wf", { d: { simple: "STRUCT" } }, { o0: INT }, [taskNode("n0", "core.type_system.dicts.sum_values", { d: input("d") })], { o0: output("n0", "o0") });
    const pkg = { tasks: [pyTask("core.type_system.dicts.sum_values", { d: { simple: "STRUCT" } }, { o0: INT })], workflows: [{ template: wf }] };
    const loaded = (await loadWorkflows(await writePackage(pkg), { tasks })).get();
    expect(await loaded.run({ d: { a: 1, b: 2 } })).toEqual({ o0: 3 });
  });
});

describe("bad text is a clear error at its line and column", () => {
  it("a YAML syntax error", async () => {
    const file = path.join(await tmp(), "bad.yaml");
    await writeFile(file, "template:\n  id: { name: x\n");
    const err = await loadWorkflows(file, { tasks }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecUnreadableError);
    expect((err as Error).message).toMatch(/bad\.yaml:\d+:\d+: not valid YAML/);
  });

  it("a field flyteidl does not have, at its position", async () => {
    const file = path.join(await tmp(), "bad.json");
    await writeFile(file, '{\n  "template": {\n    "id": { "name": "w" },\n    "nodes": [ { "id": "n0", "colour": "red" } ]\n  }\n}\n');
    const err = await loadWorkflows(file, { tasks }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecInvalidError);
    expect((err as Error).message).toMatch(/bad\.json:4:30: template\.nodes\[0\]\.colour is not a field of flyteidl\.core\.Node/);
  });

  it("a cycle and an unknown upstream node", async () => {
    const wf = workflowTemplate("cyc", { val: INT }, { o0: INT }, [taskNode("n0", "core.flyte_basics.lp.square", { val: output("n1", "o0") }), taskNode("n1", "core.flyte_basics.lp.square", { val: output("n0", "o0") })], { o0: output("n1", "o0") });
    const pkg = { tasks: [pyTask("core.flyte_basics.lp.square", { val: INT }, { o0: INT })], workflows: [{ template: wf }] };
    await expect(loadWorkflows(await writePackage(pkg), { tasks })).rejects.toThrow(/workflow "cyc" has a cycle: n0 -> n1 -> n0/);
    wf.nodes![1] = taskNode("n1", "core.flyte_basics.lp.square", { val: input("val") }, ["n7"]);
    wf.nodes![0] = taskNode("n0", "core.flyte_basics.lp.square", { val: input("val") });
    await expect(loadWorkflows(await writePackage(pkg), { tasks })).rejects.toThrow(/node n1 depends on node "n7", which does not exist/);
  });
});
