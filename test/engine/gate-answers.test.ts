/**
 * Regressions of answers to gates (issue #8): `approve` and `reject`
 * accepted names of gates that do not exist; a second answer to a gate that
 * already had its value was accepted and silently dropped; an approval gate
 * could not be answered with `signal` true/false everywhere; gates inside
 * dynamic workflows were invisible to some callers. The engine is the one
 * place that decides, with the one gate walker (`rules/gates.ts`).
 */
import { afterEach, describe, expect, it } from "vitest";
import { approve, dynamic, GateAnsweredError, InvalidSignalValueError, task, UnknownGateError, waitForInput, workflow, t } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { attemptWorker } from "../helpers/attempt-worker.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const double = task({ name: "ga_double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);
/** A dynamic workflow that waits for a value, then for an approval. */
const asks = dynamic({ name: "ga_asks", inputs: { n: t.int }, outputs: t.int }, ({ n }) => approve(double({ x: n > 0 ? waitForInput("factor", t.int) : 0 }), "publish"));
const dynWf = workflow({ name: "ga_dyn_wf", inputs: { n: t.int } }, ({ n }) => asks({ n }));
/** A static workflow: a value, then an approval. */
const gated = workflow({ name: "ga_gated" }, () => approve(double({ x: waitForInput("factor", t.int) }), "publish"));

async function setup(): Promise<Engine> {
  const store = new MemoryStore();
  const engine = await Engine.open({ store, pollMs: 2, schedules: false });
  engine.run();
  const stop = attemptWorker(store, [dynWf, gated]);
  cleanups.push(async () => {
    await stop();
    await engine.stop();
  });
  return engine;
}

async function waitsAt(engine: Engine, id: string, name: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const nodes = await engine.nodes(id);
    if (nodes.some((n) => n.phase === "waiting" && n.data.kind === "gate" && (n.data.gate === "signal" ? n.data.signal : n.data.gate === "approve" ? n.data.approve : "") === name)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`execution ${id} never waited at gate ${name}`);
}

describe("answers to gates", () => {
  it("answers the gates of a dynamic workflow: a value, then an approval given as signal true", async () => {
    const engine = await setup();
    const e = await engine.start(dynWf, { n: 1 });
    await waitsAt(engine, e.id, "factor");
    expect([...(await engine.gates(await engine.executionRow(e.id))).keys()].sort()).toEqual(["factor", "publish"]);
    await engine.signal(e.id, "factor", 21);
    await waitsAt(engine, e.id, "publish");
    await engine.signal(e.id, "publish", true);
    await expect(e.result({ timeoutMs: 10_000 })).resolves.toEqual({ o0: 42 });
  });

  it("rejects an approval given as signal false", async () => {
    const engine = await setup();
    const e = await engine.start(gated, {});
    await engine.signal(e.id, "factor", 1);
    await waitsAt(engine, e.id, "publish");
    await engine.signal(e.id, "publish", false, "numbers look off");
    await expect(e.result({ timeoutMs: 10_000 })).rejects.toThrow('approval "publish" was rejected: numbers look off');
  });

  it("refuses approve and reject of a gate that does not exist, naming it and listing the gates that do", async () => {
    const engine = await setup();
    const e = await engine.start(gated, {});
    const refused = engine.approve(e.id, "pubish");
    await expect(refused).rejects.toThrow(UnknownGateError);
    await expect(refused).rejects.toThrow(`execution ${e.id} has no approval gate "pubish" (approvals: "publish")`);
    await expect(engine.reject(e.id, "factor")).rejects.toThrow(`execution ${e.id} has no approval gate "factor" (approvals: "publish"); "factor" waits for a value (signal it instead)`);
    await expect(engine.signal(e.id, "nope", 1)).rejects.toThrow(`execution ${e.id} has no gate "nope" (gates: "factor", "publish")`);
    await expect(engine.signal(e.id, "publish", "yes")).rejects.toThrow(InvalidSignalValueError);
    await expect(engine.signal(e.id, "factor", "3")).rejects.toThrow(`signal "factor" of execution ${e.id} expects int`);
    await engine.abort(e.id);
  });

  it("refuses a second answer to a gate that has its value, naming the gate (it was accepted and dropped)", async () => {
    const engine = await setup();
    const e = await engine.start(gated, {});
    await waitsAt(engine, e.id, "factor");
    // Answered before its gate is reached: the answer waits for it, and a second one is refused.
    await engine.approve(e.id, "publish");
    const second = engine.reject(e.id, "publish", "changed my mind");
    await expect(second).rejects.toThrow(GateAnsweredError);
    await expect(second).rejects.toThrow(`gate "publish" of execution ${e.id} already has its answer; it takes one answer`);
    await engine.signal(e.id, "factor", 5);
    await expect(e.result({ timeoutMs: 10_000 })).resolves.toEqual({ o0: 10 });

    const r = await engine.start(gated, {});
    await engine.signal(r.id, "factor", 2);
    await waitsAt(engine, r.id, "publish");
    // The value gate has succeeded while the execution still waits at the approval.
    const again = engine.signal(r.id, "factor", 3);
    await expect(again).rejects.toThrow(GateAnsweredError);
    await expect(again).rejects.toMatchObject({ code: "GATE_ANSWERED", gate: "factor", executionId: r.id });
    await engine.approve(r.id, "publish");
    await expect(r.result({ timeoutMs: 10_000 })).resolves.toEqual({ o0: 4 });
  });
});
