/**
 * Type-level tests of the public API: what TypeScript infers, and which
 * mistakes it rejects.
 */
import { describe, expectTypeOf, it } from "vitest";
import { task, workflow, Workflow, LaunchPlan, t, type AloftType, type Handle, type NodeRef, type ValueOf } from "aloft";

const slope = task({ name: "slope", inputs: { x: t.list(t.int), y: t.list(t.int) }, outputs: t.float }, ({ x, y }) => x.length + y.length);
const pair = task({ name: "pair", inputs: { a: t.int }, outputs: [t.int, t.str] }, ({ a }) => [a, String(a)]);
const named = task({ name: "named", inputs: { a: t.int }, outputs: { n: t.int, s: t.str } }, ({ a }) => ({ n: a, s: "x" }));
const none = task({ name: "none", inputs: { a: t.optional(t.int) } }, () => {});

describe("types of values", () => {
  it("gives each t type its TypeScript type", () => {
    expectTypeOf<typeof t.int>().toEqualTypeOf<AloftType<number>>();
    const point = t.struct({ a: t.int, b: t.optional(t.str), when: t.datetime });
    expectTypeOf(point).toEqualTypeOf<AloftType<{ a: number; when: Date; b?: string | null }>>();
    expectTypeOf<ValueOf<ReturnType<typeof t.enum<["a", "b"]>>>>().toEqualTypeOf<"a" | "b">();
    expectTypeOf<ValueOf<ReturnType<typeof t.map<number[]>>>>().toEqualTypeOf<Record<string, number[]>>();
  });
});

describe("tasks", () => {
  it("types the function's inputs and return by the declared interface", () => {
    task({ name: "f", inputs: { a: t.int, b: t.optional(t.str) }, outputs: t.str }, (inputs, ctx) => {
      expectTypeOf(inputs).toEqualTypeOf<{ a: number; b?: string | null }>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
      return "ok";
    });
    // @ts-expect-error a str output cannot return a number
    task({ name: "g", inputs: { a: t.int }, outputs: t.str }, ({ a }) => a);
    // @ts-expect-error tuple outputs return an array of matching values
    task({ name: "h", inputs: { a: t.int }, outputs: [t.int, t.str] }, ({ a }) => [a, a]);
    // @ts-expect-error named outputs return a record
    task({ name: "i", inputs: { a: t.int }, outputs: { n: t.int } }, ({ a }) => ({ m: a }));
  });

  it("resolves run() to the outputs record", async () => {
    expectTypeOf(await slope.run({ x: [1], y: [2] })).toEqualTypeOf<{ o0: number }>();
    expectTypeOf(await pair.run({ a: 1 })).toEqualTypeOf<{ o0: number; o1: string }>();
    expectTypeOf(await named.run({ a: 1 })).toEqualTypeOf<{ n: number; s: string }>();
    expectTypeOf(await none.run()).toEqualTypeOf<{}>();
    // @ts-expect-error x must be a list of numbers
    await slope.run({ x: ["1"], y: [2] });
    // @ts-expect-error y is required
    await slope.run({ x: [1] });
  });
});

describe("the imperative builder", () => {
  it("types node outputs from the entity and checks bindings", () => {
    const wf = new Workflow("w");
    const x = wf.addWorkflowInput("x", t.list(t.int));
    expectTypeOf(x).toEqualTypeOf<Handle<number[]>>();
    const n1 = wf.addEntity(slope, { x, y: wf.inputs.x });
    expectTypeOf(n1).toEqualTypeOf<NodeRef<typeof t.float>>();
    expectTypeOf(n1.outputs.o0).toEqualTypeOf<Handle<number>>();
    const p = wf.addEntity(pair, { a: 1 });
    expectTypeOf(p.outputs.o1).toEqualTypeOf<Handle<string>>();
    // @ts-expect-error a str handle cannot be bound to an int input
    wf.addEntity(pair, { a: p.outputs.o1 });
    // @ts-expect-error a constant of the wrong type
    wf.addEntity(pair, { a: "1" });
    // @ts-expect-error a required input is missing
    wf.addEntity(slope, { x });
    // @ts-expect-error an unknown input
    wf.addEntity(pair, { a: 1, b: 2 });
    // list bindings mix handles and constants
    wf.addEntity(slope, { x: [n1.outputs.o0 as unknown as Handle<number>, 1], y: x });
    // optional inputs may be left out
    wf.addEntity(none, {});
    // @ts-expect-error an output that does not exist
    void p.outputs.o2;
  });
});

describe("declarative workflows", () => {
  it("returns handles shaped like the outputs from calls", () => {
    workflow({ name: "d", inputs: { x: t.list(t.int), a: t.int } }, ({ x, a }) => {
      expectTypeOf(x).toEqualTypeOf<Handle<number[]>>();
      expectTypeOf(slope({ x, y: x })).toEqualTypeOf<Handle<number>>();
      expectTypeOf(pair({ a })).toEqualTypeOf<[Handle<number>, Handle<string>]>();
      expectTypeOf(named({ a })).toEqualTypeOf<{ n: Handle<number>; s: Handle<string> }>();
      expectTypeOf(none({ a })).toEqualTypeOf<NodeRef<undefined>>();
      // @ts-expect-error a str handle into an int input
      pair({ a: pair({ a })[1] });
      return undefined;
    });
  });

  it("infers the workflow's outputs from what the body returns, with no any", async () => {
    const one = workflow({ name: "one", inputs: { a: t.int } }, ({ a }) => pair({ a })[0]);
    const rec = workflow({ name: "rec", inputs: { a: t.int } }, ({ a }) => ({ total: pair({ a })[0], label: named({ a }).s }));
    const tup = workflow({ name: "tup", inputs: { a: t.int } }, ({ a }) => pair({ a }));
    expectTypeOf(await one.run({ a: 1 })).toEqualTypeOf<{ o0: number }>();
    expectTypeOf(await rec.run({ a: 1 })).toEqualTypeOf<{ total: number; label: string }>();
    expectTypeOf(await tup.run({ a: 1 })).toEqualTypeOf<{ o0: number; o1: string }>();
    workflow({ name: "outer", inputs: { a: t.int } }, ({ a }) => {
      const r = rec({ a });
      expectTypeOf(r).toEqualTypeOf<{ total: Handle<number>; label: Handle<string> }>();
      expectTypeOf(r.total).not.toBeAny();
      return r.total;
    });
  });
});

describe("launch plans", () => {
  const base = workflow({ name: "lp_types", inputs: { a: t.int, b: t.int } }, ({ a }) => pair({ a })[0]);
  it("makes defaulted inputs optional and removes fixed ones", async () => {
    const lp = LaunchPlan.create("lp_types_1", base, { defaultInputs: { a: 1 }, fixedInputs: { b: 2 } });
    expectTypeOf(await lp.run()).toEqualTypeOf<{ o0: number }>();
    await lp.run({ a: 3 });
    // @ts-expect-error b is fixed
    await lp.run({ b: 3 });
    const wf = new Workflow("uses");
    wf.addLaunchPlan(lp);
    // @ts-expect-error defaults must fit the input types
    LaunchPlan.create("lp_types_2", base, { defaultInputs: { a: "1" } });
  });
});
