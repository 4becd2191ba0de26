import { describe, expect, it } from "vitest";
import {
  compile,
  compileBundle,
  dynamic,
  mapTask,
  task,
  workflow,
  Workflow,
  t,
  DuplicateNameError,
  InvalidOptionError,
  MissingInputError,
  TypeMismatchError,
  UnknownInputError,
  CallOutsideWorkflowError,
  type Node,
} from "aloft";
import { expectProtoForm, idOf, nodesOf, TARGET } from "../compiler/expect-spec.js";

const add = task({ name: "ms_add", inputs: { x: t.int, y: t.int }, outputs: t.int }, ({ x, y }) => x + y);
const label = task({ name: "ms_label", inputs: { x: t.int, prefix: t.optional(t.str) }, outputs: { text: t.str, n: t.int } }, ({ x, prefix }) => ({ text: `${prefix ?? ""}${x}`, n: x }));
const tick = task({ name: "ms_tick", outputs: t.int }, () => 1);

describe("mapTask: the entity", () => {
  it("is named mapper_<task>, has list inputs (fixed ones kept) and list outputs", () => {
    const m = mapTask(add, { fixed: ["y"] });
    expect(m.kind).toBe("mapTask");
    expect(m.name).toBe("mapper_ms_add");
    expect(String(m)).toBe("MapTask(mapper_ms_add)");
    expect(m.interface.inputs["x"]?.name).toBe("list<int>");
    expect(m.interface.inputs["y"]?.name).toBe("int");
    expect(m.interface.outputs["o0"]?.name).toBe("list<int>");
    expect([...m.interface.required]).toEqual(["x", "y"]);
    expect(m.interface.shape).toBe("single");
  });

  it("has lists of optional outputs when minSuccessRatio is below 1, and keeps the task's output shape", () => {
    const m = mapTask(label, { minSuccessRatio: 0.9, fixed: ["prefix"] });
    expect(Object.fromEntries(Object.entries(m.interface.outputs).map(([k, v]) => [k, v.name]))).toEqual({ text: "list<optional<str>>", n: "list<optional<int>>" });
    expect(m.interface.shape).toBe("record");
    expect([...m.interface.required]).toEqual(["x"]);
    expect(mapTask(label, { minSuccessRatio: 1 }).interface.outputs["n"]?.name).toBe("list<int>");
  });

  it("validates its options at once", () => {
    expect(() => mapTask(add, { concurrency: 0 })).toThrow(InvalidOptionError);
    expect(() => mapTask(add, { concurrency: 1.5 })).toThrow(/concurrency of map task "mapper_ms_add" must be a whole number of at least 1, got 1.5/);
    expect(() => mapTask(add, { minSuccessRatio: 0 })).toThrow(/minSuccessRatio of map task "mapper_ms_add" must be a number above 0 and at most 1, got 0/);
    expect(() => mapTask(add, { minSuccessRatio: 1.5 })).toThrow(InvalidOptionError);
    expect(() => mapTask(add, { minSuccessRatio: Number.NaN })).toThrow(InvalidOptionError);
    expect(() => mapTask(add, { fixed: ["z" as "x"] })).toThrow(UnknownInputError);
    expect(() => mapTask(add, { fixed: ["z" as "x"] })).toThrow('option fixed of map task "mapper_ms_add" names "z", which is not an input of the task (inputs: x, y)');
    expect(() => mapTask(add, { fixed: ["y", "y"] })).toThrow(DuplicateNameError);
    expect(() => mapTask(add, { fixed: "y" as never })).toThrow(/must be a list of input names/);
    expect(() => mapTask(add, { parallelism: 2 } as never)).toThrow('map task "mapper_ms_add" has no option "parallelism" (options: concurrency, minSuccessRatio, fixed)');
    expect(() => mapTask(add, 3 as never)).toThrow(/takes options as a record/);
  });

  it("needs an input to map over, and maps tasks only", () => {
    expect(() => mapTask(tick)).toThrow('mapTask cannot map task "ms_tick": it has no inputs to map over');
    expect(() => mapTask(add, { fixed: ["x", "y"] })).toThrow('mapTask cannot map task "ms_add": every input is fixed (x, y), so there is no list to map over');
    const wf = workflow({ name: "ms_not_a_task", inputs: { x: t.int } }, ({ x }) => add({ x, y: x }));
    expect(() => mapTask(wf as never)).toThrow('mapTask(task, options) maps a task, got workflow "ms_not_a_task"');
    expect(() => mapTask(mapTask(add) as never)).toThrow('mapTask(task, options) maps a task, got map task "mapper_ms_add"');
    const dyn = dynamic({ name: "ms_dyn", inputs: { n: t.int }, outputs: t.int }, ({ n }) => add({ x: n, y: n }));
    expect(() => mapTask(dyn)).toThrow(/cannot map dynamic workflow "ms_dyn"/);
  });

  it("checks bindings when the node is added: lists for mapped inputs, the element type for fixed ones", () => {
    const wf = new Workflow("ms_bindings");
    const xs = wf.addWorkflowInput("xs", t.list(t.int));
    const x = wf.addWorkflowInput("x", t.int);
    const m = mapTask(add, { fixed: ["y"] });
    expect(() => wf.addEntity(m, { x: x as never, y: 1 })).toThrow(TypeMismatchError);
    expect(() => wf.addEntity(m, { x: xs, y: xs as never })).toThrow(/input "y" of map task "mapper_ms_add" expects int, but workflow input "xs" is list<int>/);
    expect(() => wf.addEntity(m, { x: xs } as never)).toThrow(MissingInputError);
    expect(() => wf.addEntity(m, { x: [1, "2"] as never, y: 1 })).toThrow(TypeMismatchError);
    const lenient = mapTask(add, { minSuccessRatio: 0.5 });
    const sum = task({ name: "ms_sum", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs: v }) => v.length);
    const n = wf.addEntity(lenient, { x: xs, y: xs });
    // A list of optional ints does not fit a list of ints, as in Flyte.
    expect(() => wf.addEntity(sum, { xs: n.outputs.o0 as never })).toThrow(/input "xs" of task "ms_sum" expects list<int>, but n0.o0 is list<optional<int>>/);
  });

  it("is called like any entity in a declarative body, and not outside one", () => {
    const m = mapTask(add);
    expect(() => m({ x: [1], y: [2] })).toThrow(CallOutsideWorkflowError);
    const wf = workflow({ name: "ms_called", inputs: { xs: t.list(t.int) } }, ({ xs }) => m({ x: xs, y: xs }));
    expect(wf.interface.outputs["o0"]?.name).toBe("list<int>");
  });
});

function arrayNodeOf(node: Node | undefined) {
  expect(node?.arrayNode, "an array node").toBeDefined();
  return node!.arrayNode!;
}

describe("mapTask: compiling to an arrayNode", () => {
  it("compiles to an array node running a task node, with the fixed inputs bound and the options written", () => {
    const m = mapTask(label, { concurrency: 4, minSuccessRatio: 0.8, fixed: ["prefix"] });
    const wf = workflow({ name: "ms_compiled" }, () => {
      const n = tick();
      return m({ x: [n, 2], prefix: "p" }).text;
    });
    const spec = compile(wf, TARGET);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
    const [, node] = nodesOf(spec);
    // Sorted by name, as flytekit's create_and_link_node writes them (core/promise.py).
    const bindings = [
      { var: "prefix", binding: { scalar: { union: { type: { simple: "STRING", structure: { tag: "str" } }, value: { scalar: { primitive: { stringValue: "p" } } } } } } },
      { var: "x", binding: { collection: { bindings: [{ promise: { nodeId: "n0", var: "o0" } }, { scalar: { primitive: { integer: "2" } } }] } } },
    ];
    // As flytekit's ArrayNodeMapTask (core/array_node_map_task.py; tools/translator.py, get_serializable_array_node_map_task):
    // the sub-node runs a template of its own, named map_<task>_<md5 of "prefix4None0.8">-arraynode.
    const name = "map_ms_label_5129cd84032ca7b025d4ce9edb86bcb2-arraynode";
    expect(node).toEqual({
      id: "n1",
      metadata: { name },
      inputs: bindings,
      upstreamNodeIds: ["n0"],
      arrayNode: {
        node: { id: name, metadata: { name }, inputs: bindings, taskNode: { referenceId: idOf("TASK", name) } },
        parallelism: 4,
        minSuccessRatio: Math.fround(0.8),
        isOriginalSubNodeInterface: {},
        boundInputs: ["prefix"],
      },
    });
    // That template has the map's list interface (core/interface.py, transform_interface_to_list_interface), which
    // propeller checks the array node's bindings against (validators/interface.go); the mapped task is not registered.
    const bundle = compileBundle(wf, TARGET);
    expect([...bundle.tasks.keys()].sort()).toEqual([`TASK:flytesnacks/development/${name}@v1`, "TASK:flytesnacks/development/ms_tick@v1"]);
    const template = bundle.tasks.get(`TASK:flytesnacks/development/${name}@v1`)!.template!;
    expect(template.interface).toEqual({
      inputs: { variables: { x: { type: { collectionType: { simple: "INTEGER" } }, description: "x" }, prefix: { type: t.optional(t.str).literalType, description: "prefix" } } },
      outputs: { variables: { text: { type: { collectionType: t.optional(t.str).literalType }, description: "text" }, n: { type: { collectionType: t.optional(t.int).literalType }, description: "n" } } },
    });
    expectProtoForm("flyteidl.admin.TaskSpec", bundle.tasks.get(`TASK:flytesnacks/development/${name}@v1`)!);
  });

  it("leaves out what is not set: no parallelism, no success criteria, no bound inputs", () => {
    const wf = workflow({ name: "ms_plain", inputs: { xs: t.list(t.int) } }, ({ xs }) => mapTask(add)({ x: xs, y: xs }));
    const spec = compile(wf, TARGET);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
    // flytekit's map_task defaults min_success_ratio to 1.0, which it writes (md5 of "NoneNone1.0").
    const name = "map_ms_add_6b3bd0353da5de6e84d7982921ead2b3-arraynode";
    expect(arrayNodeOf(nodesOf(spec)[0])).toEqual({
      node: {
        id: name,
        metadata: { name },
        inputs: [
          { var: "x", binding: { promise: { nodeId: "", var: "xs" } } },
          { var: "y", binding: { promise: { nodeId: "", var: "xs" } } },
        ],
        taskNode: { referenceId: idOf("TASK", name) },
      },
      minSuccessRatio: 1,
      isOriginalSubNodeInterface: {},
    });
  });

  it("puts the task's retries, timeout and interruptible, and node overrides, on the task node of each element", () => {
    const careful = task({ name: "ms_careful", inputs: { x: t.int }, outputs: t.int, retries: 2, timeout: "90s", interruptible: true }, ({ x }) => x);
    const wf = new Workflow("ms_overridden");
    const xs = wf.addWorkflowInput("xs", t.list(t.int));
    const plain = wf.addEntity(mapTask(careful), { x: xs });
    const overridden = wf
      .addEntity(mapTask(careful), { x: xs })
      .withOverrides({ name: "careful_map", retries: 5, timeout: "2m", cache: { version: "7" }, resources: { cpu: "2" } });
    wf.addWorkflowOutput("a", plain.outputs.o0);
    wf.addWorkflowOutput("b", overridden.outputs.o0);
    const spec = compile(wf, TARGET);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
    const [n0, n1] = nodesOf(spec);
    const name = "map_ms_careful_6b3bd0353da5de6e84d7982921ead2b3-arraynode";
    expect(n0?.metadata).toEqual({ name });
    expect(arrayNodeOf(n0).node?.metadata).toEqual({ name, retries: { retries: 2 }, timeout: { seconds: "90" }, interruptible: true });
    expect(n1?.metadata).toEqual({ name: "careful_map" });
    const sub = arrayNodeOf(n1).node;
    expect(sub?.metadata).toEqual({ name, retries: { retries: 5 }, timeout: { seconds: "120" }, interruptible: true, cacheable: true, cacheVersion: "7" });
    expect(sub?.taskNode?.overrides).toEqual({ resources: { requests: [{ name: "CPU", value: "2" }], limits: [{ name: "CPU", value: "2" }] } });
  });

  it("compiles alone to a workflow of one array node, named after the map task", () => {
    const spec = compile(mapTask(add, { fixed: ["y"] }), TARGET);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
    expect(spec.template?.id).toEqual(idOf("WORKFLOW", "mapper_ms_add"));
    expect(spec.template?.interface?.inputs?.variables).toEqual({
      x: { type: { collectionType: { simple: "INTEGER" } }, description: "x" },
      y: { type: { simple: "INTEGER" }, description: "y" },
    });
    expect(spec.template?.outputs).toEqual([{ var: "o0", binding: { promise: { nodeId: "n0", var: "o0" } } }]);
    expect(arrayNodeOf(spec.template?.nodes?.[0]).boundInputs).toEqual(["y"]);
  });
});
