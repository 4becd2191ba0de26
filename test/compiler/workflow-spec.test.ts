/**
 * WorkflowSpec: Flyte's conventions for nodes, bindings, outputs,
 * subworkflows, launch-plan nodes, failure nodes and workflow metadata.
 */
import { describe, expect, it } from "vitest";
import { compile, LaunchPlan, t, task, Workflow, workflow, type Handle } from "aloft";
import { asWorkflowSpec, expectProtoForm, idOf, nodeById, nodesOf, TARGET } from "./expect-spec.js";

const int = (n: number) => ({ scalar: { primitive: { integer: String(n) } } });
const noneOf = (tag: string) => ({ scalar: { union: { value: { scalar: { noneType: {} } }, type: { simple: "NONE", structure: { tag } } } } });
const input = (name: string) => ({ promise: { nodeId: "", var: name } });
const output = (nodeId: string, name: string) => ({ promise: { nodeId, var: name } });

const add = task({ name: "ws_add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const sumList = task({ name: "ws_sum_list", inputs: { a: t.list(t.int) }, outputs: t.int }, ({ a }) => a.reduce((p, c) => p + c, 0));
const sumMapOfLists = task({ name: "ws_sum_map_of_lists", inputs: { a: t.map(t.list(t.int)) }, outputs: t.int }, ({ a }) =>
  Object.values(a).flat().reduce((p, c) => p + c, 0),
);
const sumMap = task({ name: "ws_sum_map", inputs: { a: t.map(t.int) }, outputs: t.int }, ({ a }) => Object.values(a).reduce((p, c) => p + c, 0));
const triple = task({ name: "ws_triple", inputs: { a: t.int }, outputs: [t.int, t.str, t.bool] }, ({ a }) => [a, String(a), a > 0]);
const named = task({ name: "ws_named", inputs: { a: t.int }, outputs: { doubled: t.int, label: t.str } }, ({ a }) => ({ doubled: 2 * a, label: `n${a}` }));
const shout = task({ name: "ws_shout", inputs: { s: t.str }, outputs: t.str }, ({ s }) => s.toUpperCase());

function threeInputs(name: string): Workflow {
  const wf = new Workflow(name);
  wf.addWorkflowInput("in1", t.int);
  wf.addWorkflowInput("in2", t.int);
  wf.addWorkflowInput("in3", t.int);
  return wf;
}

describe("node ids, workflow-input promises and upstream nodes", () => {
  it("numbers nodes n0..nN in insertion order and binds workflow inputs with nodeId \"\"", () => {
    const wf = threeInputs("ws_ids");
    const n0 = wf.addEntity(add, { a: wf.inputs.in1, b: wf.inputs.in2 });
    wf.addEntity(add, { a: wf.inputs.in3, b: 1 });
    const n2 = wf.addEntity(add, { a: n0.outputs.o0, b: wf.inputs.in1 });
    wf.addWorkflowOutput("out", n2.outputs.o0);
    const spec = compile(wf, TARGET);
    const nodes = nodesOf(spec);
    expect(nodes.map((n) => n.id)).toEqual(["n0", "n1", "n2"]);
    expect(nodes[0]?.inputs).toEqual([
      { var: "a", binding: input("in1") },
      { var: "b", binding: input("in2") },
    ]);
    expect(nodes[1]?.inputs).toEqual([
      { var: "a", binding: input("in3") },
      { var: "b", binding: int(1) },
    ]);
    expect(nodes[2]?.inputs).toEqual([
      { var: "a", binding: output("n0", "o0") },
      { var: "b", binding: input("in1") },
    ]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("lists upstream node ids once each, in first-use order, and none for nodes fed only by inputs", () => {
    const wf = threeInputs("ws_upstream");
    const n0 = wf.addEntity(add, { a: wf.inputs.in1, b: wf.inputs.in2 });
    const n1 = wf.addEntity(add, { a: wf.inputs.in2, b: wf.inputs.in3 });
    const n2 = wf.addEntity(add, { a: n1.outputs.o0, b: n0.outputs.o0 });
    const n3 = wf.addEntity(sumList, { a: [n0.outputs.o0, n2.outputs.o0, n0.outputs.o0] });
    wf.addWorkflowOutput("out", n3.outputs.o0);
    const nodes = nodesOf(compile(wf, TARGET));
    expect(nodes.map((n) => n.upstreamNodeIds)).toEqual([undefined, undefined, ["n1", "n0"], ["n0", "n2"]]);
  });

  it("gives every node its metadata name and a taskNode.referenceId of resource type TASK", () => {
    const wf = threeInputs("ws_task_nodes");
    wf.addEntity(add, { a: wf.inputs.in1, b: wf.inputs.in2 });
    wf.addEntity(shout, { s: "x" });
    wf.addEntity(sumList, { a: [wf.inputs.in3] });
    const nodes = nodesOf(compile(wf, TARGET));
    expect(nodes.map((n) => n.metadata)).toEqual([{ name: "ws_add" }, { name: "ws_shout" }, { name: "ws_sum_list" }]);
    expect(nodes.map((n) => n.taskNode)).toEqual([
      { referenceId: idOf("TASK", "ws_add") },
      { referenceId: idOf("TASK", "ws_shout") },
      { referenceId: idOf("TASK", "ws_sum_list") },
    ]);
  });
});

describe("list and map bindings", () => {
  it("binds a list of workflow inputs as a collection of promises", () => {
    const wf = threeInputs("ws_list_of_inputs");
    const n0 = wf.addEntity(sumList, { a: [wf.inputs.in1, wf.inputs.in2] });
    wf.addEntity(add, { a: n0.outputs.o0, b: wf.inputs.in3 });
    const spec = compile(wf, TARGET);
    expect(nodesOf(spec)[0]?.inputs).toEqual([{ var: "a", binding: { collection: { bindings: [input("in1"), input("in2")] } } }]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("binds a record of lists to a map-of-list input as a map of collections", () => {
    const wf = threeInputs("ws_map_of_lists");
    wf.addEntity(sumMapOfLists, { a: { a: [wf.inputs.in1, wf.inputs.in2], b: [wf.inputs.in2, wf.inputs.in3] } });
    const spec = compile(wf, TARGET);
    expect(nodesOf(spec)[0]?.inputs).toEqual([
      {
        var: "a",
        binding: {
          map: {
            bindings: {
              a: { collection: { bindings: [input("in1"), input("in2")] } },
              b: { collection: { bindings: [input("in2"), input("in3")] } },
            },
          },
        },
      },
    ]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("mixes a node output and a constant in one list, and records the upstream node", () => {
    const wf = threeInputs("ws_mixed_list");
    const n0 = wf.addEntity(add, { a: wf.inputs.in1, b: wf.inputs.in2 });
    const n1 = wf.addEntity(sumList, { a: [n0.outputs.o0, 1] });
    wf.addEntity(add, { a: n1.outputs.o0, b: wf.inputs.in3 });
    const spec = compile(wf, TARGET);
    const n1spec = nodeById(asWorkflowSpec(spec).template, "n1");
    expect(n1spec.inputs).toEqual([{ var: "a", binding: { collection: { bindings: [output("n0", "o0"), int(1)] } } }]);
    expect(n1spec.upstreamNodeIds).toEqual(["n0"]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("mixes handles and constants in a map binding", () => {
    const wf = threeInputs("ws_mixed_map");
    wf.addEntity(sumMap, { a: { x: wf.inputs.in1, y: 2, z: wf.inputs.in2 } });
    wf.addEntity(add, { a: wf.inputs.in3, b: 0 });
    const spec = compile(wf, TARGET);
    expect(nodesOf(spec)[0]?.inputs).toEqual([{ var: "a", binding: { map: { bindings: { x: input("in1"), y: int(2), z: input("in2") } } } }]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("writes empty list and map constants without an empty bindings field (regression: protobuf dropped it)", () => {
    const wf = workflow({ name: "ws_empty_constants" }, () => {
      sumList({ a: [] });
      sumMap({ a: {} });
      sumMapOfLists({ a: { only: [] } });
    });
    const spec = compile(wf, TARGET);
    expect(nodesOf(spec).map((n) => n.inputs?.[0]?.binding)).toEqual([{ collection: {} }, { map: {} }, { map: { bindings: { only: { collection: {} } } } }]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("binds workflow outputs to lists and records of handles", () => {
    const wf = threeInputs("ws_output_collections");
    const n0 = wf.addEntity(add, { a: wf.inputs.in1, b: wf.inputs.in2 });
    const n1 = wf.addEntity(add, { a: wf.inputs.in2, b: wf.inputs.in3 });
    wf.addWorkflowOutput("both", [n0.outputs.o0, n1.outputs.o0], t.list(t.int));
    wf.addWorkflowOutput("named", { first: n0.outputs.o0, input: wf.inputs.in1 }, t.map(t.int));
    const spec = compile(wf, TARGET);
    expect(asWorkflowSpec(spec).template.outputs).toEqual([
      { var: "both", binding: { collection: { bindings: [output("n0", "o0"), output("n1", "o0")] } } },
      { var: "named", binding: { map: { bindings: { first: output("n0", "o0"), input: input("in1") } } } },
    ]);
    expect(asWorkflowSpec(spec).template.interface?.outputs).toEqual({
      variables: {
        both: { type: { collectionType: { simple: "INTEGER" } }, description: "both" },
        named: { type: { mapValueType: { simple: "INTEGER" } }, description: "named" },
      },
    });
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });
});

describe("outputs", () => {
  it("names tuple outputs o0..oN, in the task interface and in promises", () => {
    const wf = workflow({ name: "ws_tuple", inputs: { a: t.int } }, ({ a }) => {
      const [n, s, b] = triple({ a });
      return [shout({ s }), n, b];
    });
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(Object.keys(spec.template.interface?.outputs?.variables ?? {})).toEqual(["o0", "o1", "o2"]);
    expect(spec.template.interface?.outputs?.variables).toEqual({
      o0: { type: { simple: "STRING" }, description: "o0" },
      o1: { type: { simple: "INTEGER" }, description: "o1" },
      o2: { type: { simple: "BOOLEAN" }, description: "o2" },
    });
    expect(nodeById(spec.template, "n1").inputs).toEqual([{ var: "s", binding: output("n0", "o1") }]);
    expect(spec.template.outputs).toEqual([
      { var: "o0", binding: output("n1", "o0") },
      { var: "o1", binding: output("n0", "o0") },
      { var: "o2", binding: output("n0", "o2") },
    ]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("keeps the names of named outputs", () => {
    const wf = workflow({ name: "ws_named", inputs: { a: t.int } }, ({ a }) => {
      const r = named({ a });
      return { label: shout({ s: r.label }), doubled: r.doubled };
    });
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(nodeById(spec.template, "n1").inputs).toEqual([{ var: "s", binding: output("n0", "label") }]);
    expect(spec.template.outputs).toEqual([
      { var: "label", binding: output("n1", "o0") },
      { var: "doubled", binding: output("n0", "doubled") },
    ]);
    expect(Object.keys(spec.template.interface?.outputs?.variables ?? {})).toEqual(["label", "doubled"]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("leaves outputs out of a workflow that has none, and keeps an empty interface", () => {
    const wf = workflow({ name: "ws_no_outputs" }, () => {
      add({ a: 1, b: 2 });
    });
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(spec.template).not.toHaveProperty("outputs");
    expect(spec.template.interface).toEqual({ inputs: {}, outputs: {} });
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("outputs a workflow input directly", () => {
    const wf = workflow({ name: "ws_passthrough", inputs: { a: t.int } }, ({ a }) => {
      add({ a, b: 1 });
      return { same: a };
    });
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(spec.template.outputs).toEqual([{ var: "same", binding: input("a") }]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });
});

describe("struct inputs", () => {
  const Point = t.struct({ x: t.float, y: t.float, label: t.optional(t.str), tags: t.list(t.str) }, { name: "Point" });
  const norm = task({ name: "ws_norm", inputs: { p: Point }, outputs: t.float }, ({ p }) => Math.hypot(p.x, p.y));

  /** Reads a `google.protobuf.Struct` in object form back to JSON. */
  function structJson(s: unknown): unknown {
    const value = (v: Record<string, unknown>): unknown => {
      if ("nullValue" in v) return null;
      if ("numberValue" in v) return v.numberValue;
      if ("stringValue" in v) return v.stringValue;
      if ("boolValue" in v) return v.boolValue;
      if ("listValue" in v) return ((v.listValue as { values?: Record<string, unknown>[] }).values ?? []).map(value);
      return structJson(v.structValue);
    };
    const fields = (s as { fields?: Record<string, Record<string, unknown>> }).fields ?? {};
    return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, value(v)]));
  }

  it("carries the JSON schema in metadata and the field types in structure.dataclassType", () => {
    const wf = workflow({ name: "ws_struct_input", inputs: { p: Point } }, ({ p }) => norm({ p }));
    const spec = asWorkflowSpec(compile(wf, TARGET));
    const type = spec.template.interface?.inputs?.variables?.p?.type;
    expect(type?.simple).toBe("STRUCT");
    expect(structJson(type?.metadata)).toEqual({
      title: "Point",
      type: "object",
      properties: {
        x: { type: "number" },
        y: { type: "number" },
        label: { anyOf: [{ type: "string" }, { type: "null" }] },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["x", "y", "tags"],
      additionalProperties: false,
    });
    expect(type?.structure).toEqual({
      dataclassType: {
        x: { simple: "FLOAT" },
        y: { simple: "FLOAT" },
        label: { unionType: { variants: [{ simple: "STRING", structure: { tag: "str" } }, { simple: "NONE", structure: { tag: "none" } }] } },
        tags: { collectionType: { simple: "STRING" } },
      },
    });
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("binds a struct constant as a generic scalar", () => {
    const wf = workflow({ name: "ws_struct_constant" }, () => norm({ p: { x: 3, y: 4, tags: ["a"] } }));
    const spec = compile(wf, TARGET);
    expect(nodesOf(spec)[0]?.inputs?.[0]?.binding).toEqual({
      scalar: { generic: { fields: { x: { numberValue: 3 }, y: { numberValue: 4 }, tags: { listValue: { values: [{ stringValue: "a" }] } } } } },
    });
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("round-trips a struct whose fields are all optional (regression: its schema's empty 'required' list was dropped)", () => {
    const Opts = t.struct({ verbose: t.optional(t.bool) }, { name: "Opts" });
    const configure = task({ name: "ws_configure", inputs: { o: Opts } }, () => {});
    const wf = workflow({ name: "ws_all_optional", inputs: { o: Opts } }, ({ o }) => {
      configure({ o });
      configure({ o: {} });
    });
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(structJson(spec.template.interface?.inputs?.variables?.o?.type?.metadata)).toMatchObject({ required: [] });
    expect(nodeById(spec.template, "n1").inputs?.[0]?.binding).toEqual({ scalar: { generic: {} } });
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });
});

describe("subworkflows", () => {
  const leaf = workflow({ name: "ws_leaf", inputs: { a: t.int } }, ({ a }) => add({ a, b: 1 }));
  const middle = workflow({ name: "ws_middle", inputs: { a: t.int } }, ({ a }) => add({ a: leaf({ a }), b: leaf({ a }) }));
  const top = workflow({ name: "ws_top", inputs: { a: t.int } }, ({ a }) => {
    const m = middle({ a });
    return [m, leaf({ a: m })];
  });

  it("references subworkflows by subWorkflowRef of resource type WORKFLOW", () => {
    const spec = asWorkflowSpec(compile(top, TARGET));
    expect(spec.template.nodes?.map((n) => n.workflowNode)).toEqual([{ subWorkflowRef: idOf("WORKFLOW", "ws_middle") }, { subWorkflowRef: idOf("WORKFLOW", "ws_leaf") }]);
    expect(spec.template.nodes?.map((n) => n.metadata)).toEqual([{ name: "ws_middle" }, { name: "ws_leaf" }]);
    expect(spec.template.nodes?.some((n) => "taskNode" in n)).toBe(false);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("lists every subworkflow template, nested two deep, once, and never the workflow itself", () => {
    const spec = asWorkflowSpec(compile(top, TARGET));
    const subs = spec.subWorkflows ?? [];
    expect(subs.map((w) => w.id)).toEqual([idOf("WORKFLOW", "ws_leaf"), idOf("WORKFLOW", "ws_middle")]);
    const mid = subs.find((w) => w.id?.name === "ws_middle");
    expect(mid?.nodes?.map((n) => n.workflowNode?.subWorkflowRef?.name ?? n.taskNode?.referenceId?.name)).toEqual(["ws_leaf", "ws_leaf", "ws_add"]);
    expect(mid?.nodes?.[2]?.upstreamNodeIds).toEqual(["n0", "n1"]);
    expect(subs.find((w) => w.id?.name === "ws_leaf")).toStrictEqual(asWorkflowSpec(compile(leaf, TARGET)).template);
  });

  it("lists a subworkflow of a subworkflow when the parent uses it only indirectly", () => {
    const wrapper = workflow({ name: "ws_wrapper", inputs: { a: t.int } }, ({ a }) => middle({ a }));
    const spec = asWorkflowSpec(compile(wrapper, TARGET));
    expect((spec.subWorkflows ?? []).map((w) => w.id?.name).sort()).toEqual(["ws_leaf", "ws_middle"]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("adds an imperative Workflow as a subworkflow", () => {
    const sub = threeInputs("ws_imperative_sub");
    const s0 = sub.addEntity(add, { a: sub.inputs.in1, b: sub.inputs.in2 });
    sub.addEntity(add, { a: s0.outputs.o0, b: sub.inputs.in3 });
    const parent = new Workflow("ws_imperative_parent");
    parent.addWorkflowInput("v", t.int);
    parent.addSubwf(sub, { in1: parent.inputs.v, in2: 2, in3: parent.inputs.v });
    const spec = asWorkflowSpec(compile(parent, TARGET));
    expect(spec.template.nodes?.[0]).toStrictEqual({
      id: "n0",
      metadata: { name: "ws_imperative_sub" },
      inputs: [
        { var: "in1", binding: input("v") },
        { var: "in2", binding: int(2) },
        { var: "in3", binding: input("v") },
      ],
      workflowNode: { subWorkflowRef: idOf("WORKFLOW", "ws_imperative_sub") },
    });
    expect(spec.subWorkflows?.map((w) => w.id?.name)).toEqual(["ws_imperative_sub"]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });
});

describe("launch plan nodes", () => {
  const base = workflow({ name: "ws_lp_base", inputs: { a: t.int, b: t.int } }, ({ a, b }) => add({ a, b }));
  const lp = LaunchPlan.create("ws_lp", base, { defaultInputs: { b: 10 } });

  it("reference the launch plan by launchplanRef of resource type LAUNCH_PLAN, bind its unbound defaults, and list no subworkflow", () => {
    const wf = new Workflow("ws_uses_lp");
    wf.addWorkflowInput("x", t.int);
    const n0 = wf.addLaunchPlan(lp, { a: wf.inputs.x });
    wf.addWorkflowOutput("r", n0.outputs.o0);
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(spec.template.nodes?.[0]).toStrictEqual({
      id: "n0",
      metadata: { name: "ws_lp" },
      // flytekit core/promise.py create_and_link_node: an input left out is bound to its default.
      inputs: [
        { var: "a", binding: input("x") },
        { var: "b", binding: int(10) },
      ],
      workflowNode: { launchplanRef: idOf("LAUNCH_PLAN", "ws_lp") },
    });
    expect(spec).not.toHaveProperty("subWorkflows");
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("are called like any entity in a declarative body", () => {
    const wf = workflow({ name: "ws_calls_lp", inputs: { x: t.int } }, ({ x }) => lp({ a: x, b: lp({ a: x }) }));
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(spec.template.nodes?.map((n) => n.workflowNode?.launchplanRef?.name)).toEqual(["ws_lp", "ws_lp"]);
    expect(spec.template.nodes?.[1]?.upstreamNodeIds).toEqual(["n0"]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });
});

describe("workflows with no inputs", () => {
  it("compile with an empty input map and constant bindings", () => {
    const wf = workflow({ name: "ws_no_inputs" }, () => add({ a: 1, b: 2 }));
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(spec.template.interface).toEqual({ inputs: {}, outputs: { variables: { o0: { type: { simple: "INTEGER" }, description: "o0" } } } });
    expect(spec.template.nodes?.[0]?.inputs).toEqual([
      { var: "a", binding: int(1) },
      { var: "b", binding: int(2) },
    ]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("compile a node whose task takes no inputs without an inputs field", () => {
    const tick = task({ name: "ws_tick", outputs: t.int }, () => 1);
    const wf = workflow({ name: "ws_tick_wf" }, () => tick());
    const node = asWorkflowSpec(compile(wf, TARGET)).template.nodes?.[0];
    expect(node).toStrictEqual({ id: "n0", metadata: { name: "ws_tick" }, taskNode: { referenceId: idOf("TASK", "ws_tick") } });
    expectProtoForm("flyteidl.admin.WorkflowSpec", compile(wf, TARGET));
  });
});

describe("failure handling", () => {
  const cleanup = task({ name: "ws_cleanup", inputs: { a: t.int, err: t.optional(t.error) } }, () => {});

  it("compiles a declarative failure handler to failureNode \"efn\", bound to the workflow inputs it declares and err to none", () => {
    const wf = workflow({ name: "ws_with_handler", inputs: { a: t.int, b: t.int }, onFailure: cleanup }, ({ a, b }) => add({ a, b }));
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(spec.template.failureNode).toStrictEqual({
      id: "efn",
      metadata: { name: "ws_cleanup" },
      // Propeller fills in err only when the failure node binds it (flytepropeller controller/nodes/resolve.go,
      // ResolveErrorInputLiteralData); flytekit binds the unset Optional[FlyteError] to None (core/promise.py).
      inputs: [{ var: "a", binding: input("a") }, { var: "err", binding: noneOf("none") }],
      taskNode: { referenceId: idOf("TASK", "ws_cleanup") },
    });
    expect(spec.template.nodes?.map((n) => n.id)).toEqual(["n0"]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("compiles an imperative failure handler the same way", () => {
    const wf = threeInputs("ws_imperative_handler");
    wf.addEntity(sumList, { a: [wf.inputs.in1, wf.inputs.in2, wf.inputs.in3] });
    const handler = task({ name: "ws_handler_in2", inputs: { in2: t.int } }, () => {});
    wf.addOnFailureHandler(handler);
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(spec.template.failureNode?.id).toBe("efn");
    expect(spec.template.failureNode?.inputs).toEqual([{ var: "in2", binding: input("in2") }]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("writes failurePolicy \"failAfterExecutableNodesComplete\" as metadata.onFailure, and nothing for the default", () => {
    const body = ({ a }: { readonly a: Handle<number> }) => add({ a, b: 1 });
    const after = workflow({ name: "ws_fail_after", inputs: { a: t.int }, failurePolicy: "failAfterExecutableNodesComplete" }, body);
    const immediately = workflow({ name: "ws_fail_now", inputs: { a: t.int }, failurePolicy: "failImmediately" }, body);
    const afterSpec = asWorkflowSpec(compile(after, TARGET));
    expect(afterSpec.template.metadata).toEqual({ onFailure: "FAIL_AFTER_EXECUTABLE_NODES_COMPLETE" });
    expect(asWorkflowSpec(compile(immediately, TARGET)).template.metadata).toEqual({});
    expectProtoForm("flyteidl.admin.WorkflowSpec", afterSpec);
  });

  it("writes the interruptible workflow option to metadataDefaults", () => {
    const wf = workflow({ name: "ws_interruptible", inputs: { a: t.int }, interruptible: true }, ({ a }) => add({ a, b: 1 }));
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(spec.template.metadataDefaults).toEqual({ interruptible: true });
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });
});

describe("node metadata from task options", () => {
  it("copies retries, timeout and interruptible of the task to its node", () => {
    const careful = task({ name: "ws_careful", inputs: { a: t.int }, retries: 3, timeout: "10m", interruptible: true }, () => {});
    const strict = task({ name: "ws_strict", inputs: { a: t.int }, timeout: 1500, interruptible: false }, () => {});
    const wf = workflow({ name: "ws_node_metadata", inputs: { a: t.int } }, ({ a }) => {
      careful({ a });
      strict({ a });
      add({ a, b: a });
    });
    const spec = asWorkflowSpec(compile(wf, TARGET));
    expect(spec.template.nodes?.map((n) => n.metadata)).toEqual([
      { name: "ws_careful", retries: { retries: 3 }, timeout: { seconds: "600" }, interruptible: true },
      { name: "ws_strict", timeout: { seconds: "1", nanos: 500000000 }, interruptible: false },
      { name: "ws_add" },
    ]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });
});
