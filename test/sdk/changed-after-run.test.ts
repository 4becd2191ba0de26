import { describe, expect, it } from "vitest";
import { task, t, Workflow } from "aloft";

// Regression: after a first wf.run, withOverrides or runsBefore on a node changed the compiled
// spec, but the next run used the plan cached from the first.
describe("a workflow changed through a node after it ran", () => {
  it("runs with the dependency runsBefore added after the first run", async () => {
    const order: string[] = [];
    const mark = task({ name: "mark_order", inputs: { tag: t.str }, outputs: t.str }, ({ tag }) => {
      order.push(tag);
      return tag;
    });
    const wf = new Workflow("ordered_later");
    const a = wf.addEntity(mark, { tag: "a" });
    const b = wf.addEntity(mark, { tag: "b" });
    wf.addWorkflowOutput("a", a.outputs.o0);
    wf.addWorkflowOutput("b", b.outputs.o0);
    await wf.run({});
    expect(order).toEqual(["a", "b"]);
    order.length = 0;
    b.runsBefore(a);
    await wf.run({});
    expect(order).toEqual(["b", "a"]);
  });

  it("runs with the overrides withOverrides set after the first run", async () => {
    const slow = task({ name: "slow_to_end", outputs: t.int }, async (_inputs, ctx) => {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 300);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new Error("stopped"));
        });
      });
      return 1;
    });
    const wf = new Workflow("limited_later");
    const n = wf.addEntity(slow, {});
    wf.addWorkflowOutput("o", n.outputs.o0);
    await expect(wf.run({})).resolves.toEqual({ o: 1 });
    n.withOverrides({ timeout: "20ms" });
    await expect(wf.run({})).rejects.toThrow(/timed out/);
  });
});
