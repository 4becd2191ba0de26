import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { task, workflow, Workflow, t, sleep, waitForInput, approve, compile, GateError } from "aloft";
import { GateBoard } from "../../src/local/gates.js";

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

  it("takes signal names with hyphens and dots, as flytekit does (core/gate.py), and refuses spaces and =", async () => {
    const wf = workflow({ name: "hyphenated_gate" }, () => waitForInput("title-input.v2", t.str));
    await expect(wf.run({}, { signals: { "title-input.v2": "Q3" } })).resolves.toEqual({ o0: "Q3" });
    expect(compile(wf).template?.nodes?.[0]?.gateNode?.signal?.signalId).toBe("title-input.v2");
    expect(() => workflow({ name: "bad_gate" }, () => waitForInput("a b", t.str))).toThrow(/needs a signal name of letters, digits, "_", "-" and "\.", like "title-input", got "a b"/);
    expect(() => workflow({ name: "bad_gate2" }, () => waitForInput("a=b", t.str))).toThrow(/signal name/);
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
    expect(() => workflow({ name: "bad_gate" }, () => waitForInput("not ok", t.int))).toThrow(/needs a signal name of letters, digits/);
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

describe("the gate prompt", () => {
  /** A board that prompts on a fake terminal; `next(text)` resolves once the terminal has shown `text`. */
  function prompted() {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = "";
    const watchers: { text: string; resolve: () => void }[] = [];
    output.on("data", (chunk: Buffer) => {
      shown += chunk.toString();
      for (const w of watchers.splice(0)) if (shown.includes(w.text)) w.resolve();
      else watchers.push(w);
    });
    const run = new AbortController();
    const board = new GateBoard({}, true, run.signal, { input, output });
    const next = (text: string) =>
      new Promise<void>((resolve) => {
        if (shown.includes(text)) resolve();
        else watchers.push({ text, resolve });
      });
    return { board, input, next, end: () => run.abort(), shown: () => shown };
  }
  const INT = { simple: "INTEGER" } as const;

  it("asks for a value, and again after an ill-typed answer", async () => {
    const t = prompted();
    const value = t.board.wait({ name: "n", kind: "signal", type: "int", path: "n0" }, INT);
    await t.next('Value for "n" (int): ');
    t.input.write("three\n");
    await t.next("expects int");
    t.input.write("3\n");
    await expect(value).resolves.toBe(3);
    t.end();
  });

  it("asks again when an approval answer is neither yes nor no (anything else rejected)", async () => {
    const t = prompted();
    const approved = t.board.wait({ name: "ok", kind: "approve", type: "bool", path: "n1" }, GateBoard.approvalType);
    await t.next('Approve "ok" (n1)? [y/n] ');
    t.input.write("\n");
    await t.next("answer y or n");
    t.input.write("yes\n");
    await expect(approved).resolves.toBe(true);
    t.end();
  });

  it("gives way to the next gate once a gate is answered elsewhere (its prompt swallowed the next line)", async () => {
    const t = prompted();
    const first = t.board.wait({ name: "a", kind: "signal", type: "int", path: "n0" }, INT);
    const second = t.board.wait({ name: "b", kind: "signal", type: "int", path: "n1" }, INT);
    await t.next('Value for "a" (int): ');
    t.board.deliver("a", 1);
    await expect(first).resolves.toBe(1);
    await t.next('Value for "b" (int): ');
    t.input.write("2\n");
    await expect(second).resolves.toBe(2);
    t.end();
  });
});
