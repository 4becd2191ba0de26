import { describe, expect, it } from "vitest";
import {
  Workflow,
  t,
  task,
  DuplicateNameError,
  InvalidNameError,
  UnknownInputError,
  MissingInputError,
  UnknownOutputError,
  TypeMismatchError,
  ForeignHandleError,
  WorkflowNotReadyError,
  InputValueError,
  DefinitionError,
  AloftError,
} from "aloft";
import { add, intercept, noOutputs, pair, slope, sumList, toStr, named } from "../fixtures.js";

function regression(name = "imperative_workflow") {
  const wf = new Workflow(name);
  wf.addWorkflowInput("x", t.list(t.int));
  wf.addWorkflowInput("y", t.list(t.int));
  const n1 = wf.addEntity(slope, { x: wf.inputs.x, y: wf.inputs.y });
  const n2 = wf.addEntity(intercept, { x: wf.inputs.x, y: wf.inputs.y, slope: n1.outputs.o0 });
  wf.addWorkflowOutput("wf_output", n2.outputs["o0"]);
  return wf;
}

describe("Workflow (imperative builder)", () => {
  it("runs the seed linear regression", async () => {
    await expect(regression().run({ x: [-3, 0, 3], y: [7, 4, -2] })).resolves.toEqual({ wf_output: 3 });
  });

  it("returns the input handle from addWorkflowInput, the same as wf.inputs[name]", () => {
    const wf = new Workflow("w");
    const x = wf.addWorkflowInput("x", t.int);
    expect(wf.inputs.x).toBe(x);
    expect(wf.inputs["x"]).toBe(x);
    expect(x.nodeId).toBe("");
    expect(x.var).toBe("x");
  });

  it("numbers nodes n0, n1, ... in insertion order", () => {
    const wf = new Workflow("w");
    const a = wf.addWorkflowInput("a", t.int);
    const ids = [wf.addEntity(add, { a, b: 1 }), wf.addTask(add, { a, b: 2 }), wf.addEntity(toStr, { a })].map((n) => n.id);
    expect(ids).toEqual(["n0", "n1", "n2"]);
  });

  it("accepts the Workflow({ name, failurePolicy, interruptible }) form and validates it", () => {
    expect(new Workflow({ name: "w", failurePolicy: "failAfterExecutableNodesComplete", interruptible: true }).name).toBe("w");
    expect(() => new Workflow({ name: "w", failurePolicy: "sometimes" as never })).toThrow(/failurePolicy/);
    expect(() => new Workflow("")).toThrow(InvalidNameError);
  });

  it("throws naming the node and its outputs for an output that does not exist", () => {
    const wf = new Workflow("w");
    const a = wf.addWorkflowInput("a", t.int);
    const n = wf.addEntity(pair, { a });
    expect(() => (n.outputs as Record<string, unknown>)["o5"]).toThrow(UnknownOutputError);
    expect(() => (n.outputs as Record<string, unknown>)["o5"]).toThrow('node n0 (task "pair") has no output "o5" (outputs: o0, o1)');
  });

  it("explains binding the outputs of a node that has none", () => {
    const wf = new Workflow("w");
    const a = wf.addWorkflowInput("a", t.int);
    const n = wf.addEntity(noOutputs, { a });
    expect(() => (n.outputs as Record<string, unknown>)["o0"]).toThrow(/node n0 \(task "no_outputs"\) has no outputs/);
  });

  it("binds lists and maps mixing handles and constants, element by element", async () => {
    const wf = new Workflow("lists");
    const in1 = wf.addWorkflowInput("in1", t.int);
    const in2 = wf.addWorkflowInput("in2", t.int);
    const in3 = wf.addWorkflowInput("in3", t.int);
    const n0 = wf.addEntity(sumList, { xs: [in1, in2] });
    const n1 = wf.addEntity(sumList, { xs: [n0.outputs.o0, 1] });
    const nested = task({ name: "nested", inputs: { a: t.map(t.list(t.int)) }, outputs: t.int }, ({ a }) => Object.values(a).flat().reduce((p, c) => p + c, 0));
    const n2 = wf.addEntity(nested, { a: { a: [in1, in2], b: [in2, in3] } });
    wf.addWorkflowOutput("sum", n1.outputs.o0);
    wf.addWorkflowOutput("nested", n2.outputs.o0);
    wf.addWorkflowOutput("both", [n1.outputs.o0, n2.outputs.o0], t.list(t.int));
    await expect(wf.run({ in1: 1, in2: 2, in3: 3 })).resolves.toEqual({ sum: 4, nested: 8, both: [4, 8] });
  });

  it("checks each element of a list binding against the element type", () => {
    const wf = new Workflow("w");
    const s = wf.addWorkflowInput("s", t.str);
    expect(() => wf.addEntity(sumList, { xs: [s as never, 1] })).toThrow(TypeMismatchError);
    expect(() => wf.addEntity(sumList, { xs: [s as never, 1] })).toThrow('node n0 of workflow "w": input "xs" of task "sum_list" expects int, but workflow input "s" is str');
  });

  it("infers output types from handles, workflow inputs included, and requires a type for lists", async () => {
    const wf = new Workflow("w");
    const a = wf.addWorkflowInput("a", t.int);
    const n = wf.addEntity(add, { a, b: 1 });
    wf.addWorkflowOutput("passthrough", a);
    expect(() => wf.addWorkflowOutput("list", [n.outputs.o0] as never)).toThrow(/its type must be given/);
    expect(() => wf.addWorkflowOutput("list", [n.outputs.o0], t.list(t.str))).toThrow(TypeMismatchError);
    wf.addWorkflowOutput("list", [n.outputs.o0, a], t.list(t.int));
    expect(wf.interface.outputs["passthrough"]).toBe(t.int);
    await expect(wf.run({ a: 2 })).resolves.toEqual({ passthrough: 2, list: [3, 2] });
  });

  it("is ready only with a node and every input bound", () => {
    const wf = new Workflow("w");
    expect(wf.ready()).toBe(false);
    const a = wf.addWorkflowInput("a", t.int);
    wf.addWorkflowInput("b", t.int);
    expect(wf.ready()).toBe(false);
    wf.addEntity(add, { a, b: 1 });
    expect(wf.ready()).toBe(false);
    wf.addEntity(add, { a, b: wf.inputs.b });
    expect(wf.ready()).toBe(true);
  });

  it("refuses to run when not ready, saying why", async () => {
    const wf = new Workflow("w");
    await expect(wf.run()).rejects.toThrow(WorkflowNotReadyError);
    await expect(wf.run()).rejects.toThrow('workflow "w" is not ready: it has no nodes yet');
    const a = wf.addWorkflowInput("a", t.int);
    wf.addWorkflowInput("b", t.int);
    wf.addEntity(add, { a, b: 1 });
    await expect(wf.run({ a: 1, b: 2 })).rejects.toThrow('input "b" is bound to nothing');
  });

  it("rejects duplicate and non-identifier names", () => {
    const wf = new Workflow("w");
    const a = wf.addWorkflowInput("a", t.int);
    expect(() => wf.addWorkflowInput("a", t.str)).toThrow(DuplicateNameError);
    expect(() => wf.addWorkflowInput("1a", t.str)).toThrow(InvalidNameError);
    expect(() => wf.addWorkflowInput("a-b", t.str)).toThrow(/not an identifier/);
    wf.addWorkflowOutput("o", a);
    expect(() => wf.addWorkflowOutput("o", a)).toThrow(DuplicateNameError);
    expect(() => wf.addWorkflowOutput("o o", a)).toThrow(InvalidNameError);
  });

  it("names the unknown input, the node and the entity's inputs", () => {
    const wf = new Workflow("w");
    const a = wf.addWorkflowInput("a", t.int);
    const e = (() => {
      try {
        wf.addEntity(add, { a, b: 1, c: 2 } as never);
      } catch (err) {
        return err;
      }
    })() as UnknownInputError;
    expect(e).toBeInstanceOf(UnknownInputError);
    expect(e.input).toBe("c");
    expect(e.node).toBe("n0");
    expect(e.message).toBe('workflow "w": node n0 binds "c", but task "add" has no such input (inputs: a, b)');
  });

  it("throws for an unknown name on wf.inputs", () => {
    const wf = new Workflow("w");
    wf.addWorkflowInput("a", t.int);
    expect(() => wf.inputs["nope"]).toThrow('workflow "w" has no input "nope" (inputs: a)');
  });

  it("requires every required input and names the missing one", () => {
    const wf = new Workflow("w");
    const a = wf.addWorkflowInput("a", t.int);
    expect(() => wf.addEntity(add, { a } as never)).toThrow(MissingInputError);
    expect(() => wf.addEntity(add, { a } as never)).toThrow('workflow "w": node n0 does not bind input "b" (int) of task "add"');
  });

  it("says which variable of which entity a constant does not fit", () => {
    const wf = new Workflow("w");
    const a = wf.addWorkflowInput("a", t.int);
    const err = (() => {
      try {
        wf.addEntity(add, { a, b: 1.5 });
      } catch (e) {
        return e;
      }
    })() as TypeMismatchError;
    expect(err).toBeInstanceOf(TypeMismatchError);
    expect(err.input).toBe("b");
    expect(err.expected).toBe("int");
    expect(err.message).toBe('node n0 of workflow "w": input "b" of task "add" expects int, but the constant does not fit: expected int, got number 1.5');
  });

  it("rejects int into float, as Flyte does, naming workflow, node, input and both types", () => {
    const wf = new Workflow("w");
    const x = wf.addWorkflowInput("x", t.list(t.int));
    const n = wf.addEntity(sumList, { xs: x });
    expect(() => wf.addEntity(intercept, { x, y: x, slope: n.outputs.o0 as never })).toThrow(
      'node n1 of workflow "w": input "slope" of task "intercept" expects float, but n0.o0 is int',
    );
  });

  it("rejects a handle from another workflow", () => {
    const other = new Workflow("other");
    const foreign = other.addWorkflowInput("a", t.int);
    const wf = new Workflow("w");
    expect(() => wf.addEntity(add, { a: foreign, b: 1 })).toThrow(ForeignHandleError);
    expect(() => wf.addEntity(add, { a: foreign, b: 1 })).toThrow(/of workflow "other", but the node is being added to workflow "w"/);
  });

  it("says 'another workflow also named' when a handle comes from a namesake workflow", () => {
    const first = new Workflow("twin");
    const foreign = first.addWorkflowInput("a", t.int);
    const second = new Workflow("twin");
    expect(() => second.addEntity(add, { a: foreign, b: 1 })).toThrow('input "a" of task "add" is bound to workflow input "a" of another workflow also named "twin"');
  });

  it("checks run inputs: missing, extra and ill-typed, by name", async () => {
    const wf = regression();
    await expect(wf.run({ x: [1, 2] })).rejects.toThrow('workflow "imperative_workflow" is missing input "y" (list<int>)');
    await expect(wf.run({ x: [1, 2], y: [1, 2], z: 1 })).rejects.toThrow('workflow "imperative_workflow" has no input "z" (inputs: x, y)');
    const err = await wf.run({ x: [1, "2"], y: [1, 2] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputValueError);
    expect((err as InputValueError).variable).toBe("x");
    expect((err as Error).message).toBe('input "x" of workflow "imperative_workflow" expects list<int>: element [1]: expected int, got string "2"');
  });

  it("lets two Workflow objects share a name", async () => {
    const a = regression("same");
    const b = regression("same");
    expect(a).not.toBe(b);
    await expect(b.run({ x: [0, 1], y: [1, 3] })).resolves.toEqual({ wf_output: 1 });
  });

  it("uses tuple and named outputs by name", async () => {
    const wf = new Workflow("w");
    const a = wf.addWorkflowInput("a", t.int);
    const p = wf.addEntity(pair, { a });
    const n = wf.addEntity(named, { a: p.outputs.o0 });
    wf.addWorkflowOutput("label", p.outputs.o1);
    wf.addWorkflowOutput("doubled", n.outputs.doubled);
    await expect(wf.run({ a: 3 })).resolves.toEqual({ label: "v3", doubled: 12 });
  });

  it("rejects something that is not an entity, and a workflow added to itself", () => {
    const wf = new Workflow("w");
    expect(() => wf.addEntity((() => 1) as never, {})).toThrow(DefinitionError);
    const a = wf.addWorkflowInput("a", t.int);
    wf.addEntity(add, { a, b: 1 });
    expect(() => wf.addEntity(wf, { a })).toThrow(/cannot run the workflow itself/);
  });

  it("rejects a value that is not an object with a DefinitionError (it was a TypeError from `\"kind\" in entity`)", () => {
    const wf = new Workflow("w");
    for (const bad of ["slope", 1, undefined, null]) {
      expect(() => wf.addEntity(bad as never, {})).toThrow(DefinitionError);
      expect(() => wf.addEntity(bad as never, {})).toThrow(/node n0 must run a task, workflow or launch plan/);
    }
  });

  it("has an error hierarchy to catch by kind", () => {
    expect(new MissingInputError("m", {}, "x")).toBeInstanceOf(DefinitionError);
    expect(new MissingInputError("m", {}, "x")).toBeInstanceOf(AloftError);
    expect(new InputValueError("m", "e", "v")).toBeInstanceOf(AloftError);
  });
});
