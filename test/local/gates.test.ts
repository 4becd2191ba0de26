import { describe, expect, it } from "vitest";
import { task, workflow, Workflow, t, sleep, waitForInput, approve, compile, GateError } from "aloft";

const double = task({ name: "double_g", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error("condition never became true");
}

describe("gate nodes", () => {
  const gated = workflow({ name: "gated" }, () => {
    const factor = waitForInput("factor", t.int, { timeout: "1s" });
    const d = double({ x: factor });
    return approve(double({ x: d }), "publish");
  });

  it("takes signal values and approvals given up front", async () => {
    await expect(gated.run({}, { signals: { factor: 5, publish: true } })).resolves.toEqual({ o0: 20 });
  });

  it("answers gates while the run waits, through the run handle", async () => {
    const run = gated.start();
    await until(() => run.waitingFor().length === 1);
    expect(run.waitingFor()).toEqual([{ name: "factor", kind: "signal", type: "int", path: "n0" }]);
    expect(() => run.signal("factor", "five")).toThrow(GateError);
    expect(() => run.signal("factor", "five")).toThrow('signal "factor" expects int: expected int, got string "five"');
    run.signal("factor", 3);
    await until(() => run.waitingFor().some((w) => w.name === "publish"));
    expect(run.nodes().find((n) => n.path === "n3")).toMatchObject({ phase: "waiting", entity: 'approval "publish"' });
    run.approve("publish");
    await expect(run.result).resolves.toEqual({ o0: 12 });
  });

  it("fails the run when an approval is rejected", async () => {
    const run = gated.start({}, { signals: { factor: 1 } });
    await until(() => run.waitingFor().length === 1);
    run.reject("publish", "numbers look off");
    await expect(run.result).rejects.toThrow('approval "publish" was rejected: numbers look off');
  });

  it("fails a gate that times out", async () => {
    const wf = workflow({ name: "impatient" }, () => waitForInput("never", t.str, { timeout: 20 }));
    await expect(wf.run()).rejects.toThrow('gate "never" timed out after 20 ms without a value');
  });

  it("sleeps, ordered with runsBefore", async () => {
    const order: string[] = [];
    const mark = task({ name: "mark", inputs: { m: t.str } }, ({ m }) => {
      order.push(m);
    });
    const wf = workflow({ name: "sleepy" }, () => {
      const first = mark({ m: "first" });
      const nap = sleep(30);
      const second = mark({ m: "second" });
      first.runsBefore(nap);
      nap.runsBefore(second);
    });
    const started = Date.now();
    await wf.run();
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(order).toEqual(["first", "second"]);
  });

  it("works on the imperative builder and compiles to gateNode", () => {
    const wf = new Workflow("imperative_gates");
    const x = wf.addWorkflowInput("x", t.int);
    const n0 = wf.addEntity(double, { x });
    const ok = wf.approve(n0.outputs.o0, "ok", { timeout: "2h" });
    const extra = wf.waitForInput("extra", t.int);
    const nap = wf.sleep("10s");
    const n4 = wf.addEntity(double, { x: extra });
    nap.runsBefore(n4);
    wf.addWorkflowOutput("approved", ok);
    wf.addWorkflowOutput("later", n4.outputs.o0);
    const spec = compile(wf, { version: "v1" });
    const nodes = spec.template?.nodes ?? [];
    expect(nodes[1]).toMatchObject({ id: "n1", gateNode: { approve: { signalId: "ok" } }, metadata: { timeout: { seconds: "7200" } }, upstreamNodeIds: ["n0"] });
    expect(nodes[2]).toMatchObject({ gateNode: { signal: { signalId: "extra", type: { simple: "INTEGER" }, outputVariableName: "o0" } } });
    expect(nodes[3]).toMatchObject({ gateNode: { sleep: { duration: { seconds: "10" } } } });
    expect(nodes[4]?.upstreamNodeIds).toEqual(["n2", "n3"]);
  });

  it("rejects bad gate arguments and dependency cycles", () => {
    expect(() => waitForInput("x", t.int)).toThrow(/inside a workflow body/);
    expect(() => workflow({ name: "bad_gate" }, () => waitForInput("not ok", t.int))).toThrow(/identifier/);
    expect(() => workflow({ name: "bad_sleep" }, () => void sleep("soon"))).toThrow(/sleep\(duration\) must be a positive number/);
    expect(() =>
      workflow({ name: "cycle", inputs: { x: t.int } }, ({ x }) => {
        const a = double({ x });
        const b = double({ x: a });
        b.runsBefore(a);
        return b;
      }),
    ).toThrow("node n1 cannot run before node n0, which it already depends on (that would be a cycle)");
  });
});
