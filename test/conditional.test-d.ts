/**
 * Type-level tests of conditionals: what the comparison methods accept, what
 * a conditional returns in each style, and which mistakes TypeScript rejects.
 */
import { describe, expectTypeOf, it } from "vitest";
import { conditional, task, t, workflow, Workflow, type Condition, type Handle, type NodeRef, type AloftType } from "aloft";

const double = task({ name: "double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);
const negate = task({ name: "negate", inputs: { x: t.int }, outputs: t.int }, ({ x }) => -x);
const toStr = task({ name: "to_str", inputs: { x: t.int }, outputs: t.str }, ({ x }) => String(x));
const pair = task({ name: "pair", inputs: { x: t.int }, outputs: [t.int, t.str] }, ({ x }) => [x, String(x)]);
const named = task({ name: "named", inputs: { x: t.int }, outputs: { n: t.int, s: t.str } }, ({ x }) => ({ n: x, s: "" }));
const log = task({ name: "log", inputs: { x: t.int } }, () => {});

describe("comparison methods", () => {
  it("compare a handle with a constant of its type or a handle of the same type", () => {
    workflow({ name: "c1", inputs: { x: t.int, y: t.int, s: t.str, b: t.bool, when: t.datetime, o: t.optional(t.int), mode: t.enum("a", "b") } }, ({ x, y, s, b, when, o, mode }) => {
      expectTypeOf(x.eq(1)).toEqualTypeOf<Condition>();
      expectTypeOf(x.gt(y).and(s.ne("z")).or(b.isTrue())).toEqualTypeOf<Condition>();
      x.le(o);
      o.ge(x);
      o.lt(3);
      when.gt(new Date(0));
      mode.eq("a");
      b.eq(false);
      b.isFalse();
      o.isNone();
      // @ts-expect-error an int handle is compared with a number, not a string
      x.eq("1");
      // @ts-expect-error a str handle is not compared with an int handle
      s.eq(x);
      // @ts-expect-error none is tested with isNone()
      o.eq(null);
      // @ts-expect-error bool values cannot be ordered
      b.gt(true);
      // @ts-expect-error isTrue needs a bool handle
      x.isTrue();
      // @ts-expect-error isNone needs an optional handle
      x.isNone();
      // @ts-expect-error "c" is not a value of the enum
      mode.eq("c");
      // @ts-expect-error a datetime handle is compared with a Date
      when.gt(0);
      // @ts-expect-error and() takes a condition
      x.eq(1).and(true);
      return double({ x });
    });
  });

  it("refuse handles of lists, maps and structs", () => {
    workflow({ name: "c2", inputs: { xs: t.list(t.int) } }, ({ xs }) => {
      // @ts-expect-error lists cannot be compared
      xs.eq([1]);
      return double({ x: 1 });
    });
  });

  it("accept anything comparable on a handle TypeScript does not know (checked when the branch is added)", () => {
    const wf = new Workflow("c3");
    wf.addWorkflowInput("x", t.int);
    const x = wf.inputs["x"]!;
    expectTypeOf(x).toEqualTypeOf<Handle<never>>();
    expectTypeOf(x.eq(1)).toEqualTypeOf<Condition>();
    x.gt("a");
    x.isNone();
    x.isTrue();
  });
});

describe("conditional in a declarative body", () => {
  it("returns the outputs like a call: a handle, an array, a record, or the node", () => {
    workflow({ name: "d1", inputs: { x: t.int } }, ({ x }) => {
      const one = conditional("one").if(x.gt(0)).then(double, { x }).elif(x.eq(0)).then(double, { x: 1 }).else().then(negate, { x });
      expectTypeOf(one).toEqualTypeOf<Handle<number>>();
      const failing = conditional("f").if(x.gt(0)).then(double, { x }).else().fail("x must be positive");
      expectTypeOf(failing).toEqualTypeOf<Handle<number>>();
      const tuple = conditional("p").if(x.gt(0)).then(pair, { x }).else().then(pair, { x: 0 });
      expectTypeOf(tuple).toEqualTypeOf<[Handle<number>, Handle<string>]>();
      const record = conditional("r").if(x.gt(0)).then(named, { x }).else().then(named, { x: 0 });
      expectTypeOf(record).toEqualTypeOf<{ n: Handle<number>; s: Handle<string> }>();
      const none = conditional("l").if(x.gt(0)).then(log, { x }).else().then(log, { x: 0 });
      expectTypeOf(none).toEqualTypeOf<NodeRef<undefined>>();
      return one;
    });
  });

  it("checks then() bindings like a call's", () => {
    workflow({ name: "d2", inputs: { x: t.int, s: t.str } }, ({ x, s }) => {
      // @ts-expect-error x must be an int
      conditional("a").if(x.gt(0)).then(double, { x: s });
      // @ts-expect-error x is required
      conditional("b").if(x.gt(0)).then(double, {});
      // @ts-expect-error y is not an input of double
      conditional("c").if(x.gt(0)).then(double, { x, y: 1 });
      const chain = conditional("d").if(x.gt(0)).then(double, { x });
      // @ts-expect-error the else branch's bindings are checked too
      chain.else().then(negate, { x: "1" });
      return x;
    });
  });

  it("rejects a branch whose outputs differ from the first's", () => {
    workflow({ name: "d3", inputs: { x: t.int } }, ({ x }) => {
      // @ts-expect-error to_str outputs a str, the first branch an int
      conditional("a").if(x.gt(0)).then(double, { x }).else().then(toStr, { x });
      // @ts-expect-error an elif must have the first branch's outputs too
      conditional("b").if(x.gt(0)).then(double, { x }).elif(x.lt(0)).then(named, { x });
      return x;
    });
  });

  it("cannot be used as outputs before it ends with else", () => {
    workflow({ name: "d4", inputs: { x: t.int } }, ({ x }) => {
      const chain = conditional("a").if(x.gt(0)).then(double, { x });
      // @ts-expect-error a chain without else has no outputs
      double({ x: chain });
      return chain.else().then(double, { x });
    });
  });
});

describe("conditional on the builder", () => {
  it("returns the branch node, typed by the first branch", () => {
    const wf = new Workflow("b1");
    const x = wf.addWorkflowInput("x", t.int);
    const node = wf.conditional("sign").if(x.ge(0)).then(double, { x }).else().then(negate, { x });
    expectTypeOf(node).toEqualTypeOf<NodeRef<AloftType<number>>>();
    expectTypeOf(node.outputs.o0).toEqualTypeOf<Handle<number>>();
    const failing = wf.conditional("f").if(x.ge(0)).then(named, { x }).else().fail("no");
    expectTypeOf(failing.outputs.s).toEqualTypeOf<Handle<string>>();
    // @ts-expect-error the else branch must output an int too
    wf.conditional("g").if(x.ge(0)).then(double, { x }).else().then(toStr, { x });
  });

  it("takes an imperative Workflow as a branch, with outputs TypeScript does not know", () => {
    const sub = new Workflow("b2_sub");
    const sx = sub.addWorkflowInput("x", t.int);
    sub.addWorkflowOutput("y", sub.addEntity(double, { x: sx }).outputs.o0);
    workflow({ name: "b2", inputs: { x: t.int } }, ({ x }) => {
      const r = conditional("w").if(x.gt(0)).then(sub, { x }).else().then(sub, { x: 0 });
      expectTypeOf(r).toEqualTypeOf<{ [k: string]: Handle<never> }>();
      return r["y"];
    });
  });
});
