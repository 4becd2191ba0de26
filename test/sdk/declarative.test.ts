import { describe, expect, it } from "vitest";
import { workflow, Workflow, LaunchPlan, t, task, CallOutsideWorkflowError, TypeMismatchError, MissingInputError, DefinitionError, Handle, FlyteValidationError } from "aloft";
import { add, intercept, named, noOutputs, pair, slope, toStr } from "../fixtures.js";

describe("workflow() (declarative)", () => {
  it("runs the linear regression", async () => {
    const wf = workflow({ name: "declarative", inputs: { x: t.list(t.int), y: t.list(t.int) } }, ({ x, y }) => {
      const s = slope({ x, y });
      return { wf_output: intercept({ x, y, slope: s }) };
    });
    await expect(wf.run({ x: [-3, 0, 3], y: [7, 4, -2] })).resolves.toEqual({ wf_output: 3 });
  });

  it("returns a handle for o0, an array for o0..oN, a record for named outputs, the node for none", () => {
    workflow({ name: "shapes", inputs: { a: t.int } }, ({ a }) => {
      const single = add({ a, b: 1 });
      const tuple = pair({ a });
      const record = named({ a });
      const none = noOutputs({ a });
      expect(single).toBeInstanceOf(Handle);
      expect(single.nodeId).toBe("n0");
      expect(tuple.map((h) => h.var)).toEqual(["o0", "o1"]);
      expect(Object.keys(record)).toEqual(["doubled", "label"]);
      expect(none.id).toBe("n3");
      expect(none.outputs).toEqual({});
      return single;
    });
  });

  it("maps a returned handle to o0, an array to o0..oN and a record to named outputs", async () => {
    const one = workflow({ name: "one", inputs: { a: t.int } }, ({ a }) => add({ a, b: 1 }));
    const two = workflow({ name: "two", inputs: { a: t.int } }, ({ a }) => [add({ a, b: 1 }), toStr({ a })]);
    const rec = workflow({ name: "rec", inputs: { a: t.int } }, ({ a }) => ({ plus: add({ a, b: 1 }), text: toStr({ a }) }));
    await expect(one.run({ a: 1 })).resolves.toEqual({ o0: 2 });
    await expect(two.run({ a: 1 })).resolves.toEqual({ o0: 2, o1: "1" });
    await expect(rec.run({ a: 1 })).resolves.toEqual({ plus: 2, text: "1" });
  });

  it("calls declarative workflows, imperative Workflows and launch plans like tasks", async () => {
    const inner = workflow({ name: "inner", inputs: { a: t.int } }, ({ a }) => add({ a, b: 10 }));
    const imp = new Workflow("imp");
    const ia = imp.addWorkflowInput("a", t.int);
    imp.addWorkflowOutput("text", imp.addEntity(toStr, { a: ia }).outputs.o0);
    const lp = LaunchPlan.create("inner_lp_decl", inner, { defaultInputs: { a: 5 } });
    const outer = workflow({ name: "outer", inputs: { a: t.int } }, ({ a }) => {
      const x = inner({ a });
      const { text } = imp({ a: x });
      const fromPlan = lp();
      return { text, fromPlan };
    });
    await expect(outer.run({ a: 1 })).resolves.toEqual({ text: "11", fromPlan: 15 });
  });

  it("throws outside a body, pointing to run", () => {
    expect(() => add({ a: 1, b: 2 })).toThrow(CallOutsideWorkflowError);
    expect(() => add({ a: 1, b: 2 })).toThrow("to execute it now, use await add.run({ ...inputs })");
  });

  it("applies the builder's checks inside the body", () => {
    expect(() => workflow({ name: "bad", inputs: { s: t.str } }, ({ s }) => add({ a: s as never, b: 1 }))).toThrow(TypeMismatchError);
    expect(() => workflow({ name: "bad2", inputs: { a: t.int } }, ({ a }) => add({ a } as never))).toThrow(MissingInputError);
  });

  it("may leave an input unused", async () => {
    const wf = workflow({ name: "unused_input", inputs: { a: t.int, unused: t.str } }, ({ a }) => add({ a, b: 1 }));
    await expect(wf.run({ a: 4, unused: "x" })).resolves.toEqual({ o0: 5 });
  });

  it("refuses a workflow with no nodes, as flytepropeller's compiler does (NoNodesFound, compiler/workflow_compiler.go)", async () => {
    const wf = workflow({ name: "passthrough", inputs: { a: t.int } }, ({ a }) => a);
    await expect(wf.run({ a: 4 })).rejects.toThrow(FlyteValidationError);
    await expect(wf.run({ a: 4 })).rejects.toMatchObject({ code: "NoNodesFound" });
  });

  it("rejects a body that returns something other than handles, or a promise", () => {
    expect(() => workflow({ name: "const" }, () => 3 as never)).toThrow(DefinitionError);
    /* eslint-disable @typescript-eslint/no-misused-promises -- the mistake under test */
    // @ts-expect-error a body must be synchronous: it builds the graph once
    expect(() => workflow({ name: "async", inputs: { a: t.int } }, async ({ a }) => add({ a, b: 1 }))).toThrow(/run synchronously/);
    /* eslint-enable @typescript-eslint/no-misused-promises */
    expect(() => workflow({ name: "arr" }, () => [1] as never)).toThrow(/must return handles/);
  });

  it("supports workflows with no inputs", async () => {
    const wf = workflow({ name: "no_inputs" }, () => add({ a: 1, b: 2 }));
    await expect(wf.run()).resolves.toEqual({ o0: 3 });
  });

  it("binds optional inputs to null when they are left out", async () => {
    const greet = task({ name: "greet", inputs: { name: t.optional(t.str) }, outputs: t.str }, ({ name }) => `hello ${name ?? "world"}`);
    const wf = workflow({ name: "opt" }, () => [greet({}), greet({ name: null }), greet({ name: "ada" })]);
    await expect(wf.run()).resolves.toEqual({ o0: "hello world", o1: "hello world", o2: "hello ada" });
  });

  it("takes struct inputs", async () => {
    const Point = t.struct({ x: t.float, y: t.float, label: t.optional(t.str) });
    const norm = task({ name: "norm", inputs: { p: Point }, outputs: t.float }, ({ p }) => Math.hypot(p.x, p.y));
    const wf = workflow({ name: "structs", inputs: { p: Point } }, ({ p }) => [norm({ p }), norm({ p: { x: 6, y: 8 } })]);
    await expect(wf.run({ p: { x: 3, y: 4, label: "a" } })).resolves.toEqual({ o0: 5, o1: 10 });
    await expect(wf.run({ p: { x: 3 } as never })).rejects.toThrow('input "p" of workflow "structs" expects struct{x: float, y: float, label: optional<str>}: field "y" is missing');
  });
});
