/**
 * Type-level tests of map tasks: the mapped entity's input and output types,
 * and the mistakes TypeScript rejects while a workflow is built.
 */
import { describe, expectTypeOf, it } from "vitest";
import { mapTask, task, workflow, Workflow, t, type Handle, type MapTask, type NodeRef, type AloftType } from "aloft";

const add = task({ name: "add", inputs: { x: t.int, y: t.int }, outputs: t.int }, ({ x, y }) => x + y);
const label = task({ name: "label", inputs: { x: t.int, prefix: t.optional(t.str) }, outputs: { text: t.str, n: t.int } }, ({ x, prefix }) => ({ text: `${prefix ?? ""}${x}`, n: x }));
const split = task({ name: "split", inputs: { s: t.str }, outputs: [t.str, t.int] }, ({ s }) => [s, s.length]);
const sink = task({ name: "sink", inputs: { s: t.str } }, () => {});

describe("mapTask types", () => {
  it("maps every input to a list and every output to a list", async () => {
    const m = mapTask(add);
    expectTypeOf(m).toEqualTypeOf<MapTask<{ x: typeof t.int; y: typeof t.int }, typeof t.int>>();
    expectTypeOf(m.kind).toEqualTypeOf<"mapTask">();
    expectTypeOf(await m.run({ x: [1, 2], y: [3, 4] })).toEqualTypeOf<{ o0: number[] }>();
    expectTypeOf(await mapTask(split).run({ s: ["a"] })).toEqualTypeOf<{ o0: string[]; o1: number[] }>();
    expectTypeOf(await mapTask(label).run({ x: [1], prefix: ["p", null] })).toEqualTypeOf<{ text: string[]; n: number[] }>();
    expectTypeOf(await mapTask(sink).run({ s: [] })).toEqualTypeOf<{}>();
    // @ts-expect-error mapped inputs are lists
    await m.run({ x: 1, y: [2] });
    // @ts-expect-error elements must have the task's input type
    await m.run({ x: ["1"], y: [2] });
    // @ts-expect-error y is required
    await m.run({ x: [1] });
  });

  it("keeps fixed inputs scalar, and an optional fixed input optional", async () => {
    const m = mapTask(add, { fixed: ["y"] });
    expectTypeOf(await m.run({ x: [1, 2], y: 3 })).toEqualTypeOf<{ o0: number[] }>();
    // @ts-expect-error a fixed input is bound once, not to a list
    await m.run({ x: [1, 2], y: [3] });
    const labels = mapTask(label, { fixed: ["prefix"] });
    expectTypeOf(await labels.run({ x: [1] })).toEqualTypeOf<{ text: string[]; n: number[] }>();
    await labels.run({ x: [1], prefix: "p" });
    // @ts-expect-error z is not an input of add
    mapTask(add, { fixed: ["z"] });
  });

  it("makes outputs lists of T | null when minSuccessRatio is below 1", async () => {
    expectTypeOf(await mapTask(add, { minSuccessRatio: 0.5 }).run({ x: [1], y: [2] })).toEqualTypeOf<{ o0: (number | null)[] }>();
    expectTypeOf(await mapTask(label, { minSuccessRatio: 0.9 }).run({ x: [1] , prefix: [null] })).toEqualTypeOf<{ text: (string | null)[]; n: (number | null)[] }>();
    expectTypeOf(await mapTask(add, { minSuccessRatio: 1 }).run({ x: [1], y: [2] })).toEqualTypeOf<{ o0: number[] }>();
    const ratio: number = 0.75;
    expectTypeOf(await mapTask(add, { minSuccessRatio: ratio }).run({ x: [1], y: [2] })).toEqualTypeOf<{ o0: (number | null)[] }>();
  });

  it("is checked in declarative bodies and by the imperative builder", () => {
    const m = mapTask(add, { fixed: ["y"] });
    const lenient = mapTask(add, { minSuccessRatio: 0.5 });
    const sum = task({ name: "sum", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.length);
    workflow({ name: "wf", inputs: { xs: t.list(t.int), k: t.int } }, ({ xs, k }) => {
      const out = m({ x: xs, y: k });
      expectTypeOf(out).toEqualTypeOf<Handle<number[]>>();
      expectTypeOf(lenient({ x: xs, y: xs })).toEqualTypeOf<Handle<(number | null)[]>>();
      m({ x: [k, 1], y: 2 });
      // @ts-expect-error a list input is not bound to one int
      m({ x: k, y: k });
      // @ts-expect-error a fixed input is not bound to a list
      m({ x: xs, y: xs });
      // @ts-expect-error optional elements do not fit a list of ints
      sum({ xs: lenient({ x: xs, y: xs }) });
      return sum({ xs: out });
    });
    const wf = new Workflow("imperative");
    const xs = wf.addWorkflowInput("xs", t.list(t.int));
    const node = wf.addEntity(m, { x: xs, y: 1 });
    expectTypeOf(node).toEqualTypeOf<NodeRef<AloftType<number[]>>>();
    expectTypeOf(node.outputs.o0).toEqualTypeOf<Handle<number[]>>();
    // @ts-expect-error x must be a list
    wf.addEntity(m, { x: 1, y: 1 });
  });
});
