import { describe, expect, it } from "vitest";
import { dynamic, task, workflow, t, ExecutionError } from "aloft";

const square = task({ name: "square_dyn", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * x);
const sum = task({ name: "sum_dyn", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));

describe("dynamic workflows", () => {
  it("runs a body with real values that loops to build the sub-graph", async () => {
    const squares = dynamic({ name: "squares", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) => {
      const out = [];
      for (let i = 0; i < n; i++) out.push(square({ x: i }));
      return out;
    });
    await expect(squares.run({ n: 4 })).resolves.toEqual({ o0: [0, 1, 4, 9] });
    const wf = workflow({ name: "uses_dynamic", inputs: { n: t.int } }, ({ n }) => sum({ xs: squares({ n }) }));
    const run = wf.start({ n: 3 });
    await expect(run.result).resolves.toEqual({ o0: 5 });
    // The body's node ids are dn0, dn1, ... as flytekit writes them (core/python_function_task.py, compile_into_workflow).
    expect(run.nodes().map((n) => n.path)).toEqual(["n0", "n0/dn0", "n0/dn1", "n0/dn2", "n1"]);
  });

  it("branches on values, may build no node at all, and returns constants", async () => {
    const pick = dynamic({ name: "pick", inputs: { big: t.bool }, outputs: { value: t.int } }, ({ big }) => (big ? { value: square({ x: 10 }) } : { value: -1 }));
    await expect(pick.run({ big: true })).resolves.toEqual({ value: 100 });
    await expect(pick.run({ big: false })).resolves.toEqual({ value: -1 });
  });

  it("nests dynamic workflows", async () => {
    const inner = dynamic({ name: "inner_dyn", inputs: { n: t.int }, outputs: t.int }, ({ n }) => sum({ xs: Array.from({ length: n }, (_, i) => square({ x: i })) }));
    const outer = dynamic({ name: "outer_dyn", inputs: { ns: t.list(t.int) }, outputs: t.list(t.int) }, ({ ns }) => ns.map((n) => inner({ n })));
    await expect(outer.run({ ns: [1, 2, 3] })).resolves.toEqual({ o0: [0, 1, 5] });
  });

  it("fails with a clear error when the body returns the wrong outputs", async () => {
    const wrong = dynamic({ name: "wrong_dyn", inputs: { n: t.int }, outputs: t.str }, ({ n }) => square({ x: n }) as never);
    const err = await workflow({ name: "w_dyn" }, () => wrong({ n: 1 }))
      .run()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionError);
    expect((err as Error).message).toMatch(/node n0 \(task "wrong_dyn"\) failed: .*output "o0" expects str, but dn0.o0 is int/);
  });
});
