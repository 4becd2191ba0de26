/**
 * Every compiled spec is exactly what protobufjs, from flyteidl's official
 * `.proto` files, gives back: nothing lost, renamed or unknown.
 */
import { describe, expect, it } from "vitest";
import { compile, compileBundle, LaunchPlan, t, task, Workflow, workflow } from "aloft";
import imperative from "../../examples/imperative.js";
import declarative from "../../examples/declarative.js";
import { ALOFT_VERSION } from "../../src/version.js";
import { asWorkflowSpec, expectProtoForm, idOf, TARGET } from "./expect-spec.js";

const listOfInts = { collectionType: { simple: "INTEGER" } };

/** The WorkflowSpec of the linear-regression example, written out by hand from Flyte's conventions. */
function regressionSpec(name: string) {
  const input = (v: string) => ({ var: v, binding: { promise: { nodeId: "", var: v } } });
  return {
    template: {
      id: idOf("WORKFLOW", name),
      metadata: {},
      interface: {
        inputs: { variables: { x: { type: listOfInts, description: "x" }, y: { type: listOfInts, description: "y" } } },
        outputs: { variables: { wf_output: { type: { simple: "FLOAT" }, description: "wf_output" } } },
      },
      nodes: [
        { id: "n0", metadata: { name: "slope" }, inputs: [input("x"), input("y")], taskNode: { referenceId: idOf("TASK", "slope") } },
        {
          id: "n1",
          metadata: { name: "intercept" },
          // Sorted by name, as flytekit's create_and_link_node writes them (core/promise.py).
          inputs: [{ var: "slope", binding: { promise: { nodeId: "n0", var: "o0" } } }, input("x"), input("y")],
          upstreamNodeIds: ["n0"],
          taskNode: { referenceId: idOf("TASK", "intercept") },
        },
      ],
      outputs: [{ var: "wf_output", binding: { promise: { nodeId: "n1", var: "o0" } } }],
      metadataDefaults: {},
    },
  };
}

describe("the linear-regression examples", () => {
  it("compile the imperative example to the WorkflowSpec Flyte expects, and it round-trips", () => {
    const spec = compile(imperative, TARGET);
    expect(spec).toStrictEqual(regressionSpec("imperative_workflow"));
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("compile the declarative example to the same graph, and it round-trips", () => {
    const spec = compile(declarative, TARGET);
    expect(spec).toStrictEqual(regressionSpec("declarative_workflow"));
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("bring their task specs along, which round-trip as TaskSpec", () => {
    const bundle = compileBundle(imperative, TARGET);
    expect([...bundle.tasks.values()].map((s) => s.template?.id?.name)).toEqual(["slope", "intercept"]);
    for (const spec of bundle.tasks.values()) expectProtoForm("flyteidl.admin.TaskSpec", spec);
    expect(bundle.tasks.get("TASK:flytesnacks/development/slope@v1")).toStrictEqual({
      template: {
        id: idOf("TASK", "slope"),
        type: "aloft-task",
        metadata: { runtime: { type: "FLYTE_SDK", version: ALOFT_VERSION, flavor: "aloft" } },
        interface: {
          inputs: { variables: { x: { type: listOfInts, description: "x" }, y: { type: listOfInts, description: "y" } } },
          outputs: { variables: { o0: { type: { simple: "FLOAT" }, description: "o0" } } },
        },
      },
    });
  });
});

describe("a workflow using every feature at once", () => {
  const Point = t.struct({ x: t.float, y: t.float, tags: t.list(t.str), label: t.optional(t.str) }, { name: "Point" });
  const everything = task(
    {
      name: "rt_everything",
      inputs: { p: Point, xs: t.list(t.int), m: t.map(t.list(t.int)), mode: t.enum("fast", "exact"), u: t.union(t.int, t.str), o: t.optional(t.float), when: t.datetime, wait: t.duration, n: t.none },
      outputs: [t.int, t.str],
      retries: 2,
      timeout: "90s",
      interruptible: true,
      cache: { version: "3", serialize: true, ignoredInputs: ["wait"] },
      resources: { requests: { cpu: "500m", memory: "256Mi" }, limits: { cpu: 2, memory: "1Gi", gpu: 1, ephemeralStorage: "10Gi" } },
      image: "ghcr.io/acme/app:1",
      description: "does everything",
    },
    () => [1, "a"],
  );
  const onError = task({ name: "rt_on_error", inputs: { k: t.int, err: t.optional(t.error) } }, () => {});
  const inner = workflow({ name: "rt_inner", inputs: { k: t.int } }, ({ k }) => everything({ p: { x: 0, y: -1.5, tags: [] }, xs: [k, 0], m: { a: [k], b: [] }, mode: "exact", u: "s", o: null, when: new Date(0), wait: 0, n: null })[0]);
  const outer = workflow({ name: "rt_outer", inputs: { k: t.int }, failurePolicy: "failAfterExecutableNodesComplete", interruptible: true, onFailure: onError }, ({ k }) => {
    const a = inner({ k });
    const lp = LaunchPlan.create("rt_inner_lp", inner, { defaultInputs: { k: 7 } });
    const b = lp({ k: a });
    return [a, b, inner({ k: b })];
  });

  it("round-trips as a WorkflowSpec, with each subworkflow once", () => {
    const spec = compile(outer, TARGET);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
    expect(asWorkflowSpec(spec).subWorkflows?.map((w) => w.id?.name)).toEqual(["rt_inner"]);
  });

  it("round-trips every spec of its bundle: tasks, workflows and launch plans", () => {
    const bundle = compileBundle(outer, TARGET);
    expect(bundle.tasks.size).toBe(2);
    expect(bundle.workflows.size).toBe(2);
    expect(bundle.launchPlans.size).toBe(1);
    for (const spec of bundle.tasks.values()) expectProtoForm("flyteidl.admin.TaskSpec", spec);
    for (const spec of bundle.workflows.values()) expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
    for (const spec of bundle.launchPlans.values()) expectProtoForm("flyteidl.admin.LaunchPlanSpec", spec);
  });

  it("round-trips with the default project, domain and version", () => {
    const spec = compile(outer);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
    expect(asWorkflowSpec(spec).template.id).toMatchObject({ project: "aloft", domain: "development" });
  });

  it("round-trips an imperative workflow with list and map outputs", () => {
    const add = task({ name: "rt_add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
    const wf = new Workflow("rt_imperative");
    wf.addWorkflowInput("a", t.int);
    const n0 = wf.addEntity(add, { a: wf.inputs.a, b: 1 });
    const n1 = wf.addEntity(add, { a: n0.outputs.o0, b: wf.inputs.a });
    wf.addWorkflowOutput("all", [n0.outputs.o0, n1.outputs.o0, 3], t.list(t.int));
    wf.addWorkflowOutput("byName", { first: n0.outputs.o0, second: n1.outputs.o0 }, t.map(t.int));
    expectProtoForm("flyteidl.admin.WorkflowSpec", compile(wf, TARGET));
  });
});
