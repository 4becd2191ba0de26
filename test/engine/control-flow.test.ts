/**
 * Conditionals and map tasks in the durable engine: the same semantics as in
 * the local runner, each element of a map its own attempt.
 */
import { afterEach, describe, expect, it } from "vitest";
import { conditional, mapTask, task, workflow, t, NonRetryableError, RecoverableError, type AnyEntity } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { attemptWorker } from "../helpers/attempt-worker.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(roots: AnyEntity[]) {
  const store = new MemoryStore();
  const engine = await Engine.open({ store, backoff: { initial: 1, max: 5 }, pollMs: 2, schedules: false });
  engine.run();
  const stop = attemptWorker(store, roots, { concurrency: 16 });
  cleanups.push(async () => {
    await stop();
    await engine.stop();
  });
  return engine;
}

describe("conditionals in the engine", () => {
  const calls: string[] = [];
  const double = task({ name: "cf_double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
    calls.push("double");
    return x * 2;
  });
  const negate = task({ name: "cf_negate", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
    calls.push("negate");
    return -x;
  });
  const inc = task({ name: "cf_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
  const wf = workflow({ name: "cf_branch", inputs: { x: t.int } }, ({ x }) => {
    const y = inc({ x });
    const r = conditional("sign").if(y.gt(0).and(y.lt(100))).then(double, { x: y }).elif(y.eq(0)).then(inc, { x: y }).else().then(negate, { x: y });
    return inc({ x: r });
  });
  const failing = workflow({ name: "cf_fail", inputs: { x: t.int } }, ({ x }) => conditional("guard").if(x.ge(0)).then(double, { x }).else().fail("x must not be negative"));

  it("runs only the chosen branch and passes its outputs on", async () => {
    const engine = await setup([wf, failing]);
    calls.length = 0;
    await expect((await engine.start(wf, { x: 4 })).result({ timeoutMs: 5000 })).resolves.toEqual({ o0: 11 });
    await expect((await engine.start(wf, { x: -1 })).result({ timeoutMs: 5000 })).resolves.toEqual({ o0: 2 });
    const e = await engine.start(wf, { x: 500 });
    await expect(e.result({ timeoutMs: 5000 })).resolves.toEqual({ o0: -500 });
    expect(calls).toEqual(["double", "negate"]);
    const paths = (await engine.nodes(e.id)).map((n) => n.path);
    expect(paths).toContain("n1/n1-n2");
    expect(paths).not.toContain("n1/n1-n0");
  });

  it("fails a branch that orders a none value, as the local runner does (it took the else branch)", async () => {
    const guarded = workflow({ name: "cf_none_gt", inputs: { o: t.optional(t.int) } }, ({ o }) => conditional("decide").if(o.gt(3)).then(inc, { x: 1 }).else().then(inc, { x: 2 }));
    const engine = await setup([guarded]);
    await expect((await engine.start(guarded, { o: 4 })).result({ timeoutMs: 5000 })).resolves.toEqual({ o0: 2 });
    const e = await engine.start(guarded, { o: null });
    await expect(e.result({ timeoutMs: 5000 })).rejects.toThrow('workflow "cf_none_gt": node n0 (conditional "decide") failed: conditional "decide": cannot evaluate .o > 3: none cannot be ordered');
    expect((await engine.nodes(e.id)).map((n) => n.path)).toEqual(["n0"]);
  });

  it("fails with the else branch's message", async () => {
    const engine = await setup([wf, failing]);
    await expect((await engine.start(failing, { x: 3 })).result({ timeoutMs: 5000 })).resolves.toEqual({ o0: 6 });
    await expect((await engine.start(failing, { x: -3 })).result({ timeoutMs: 5000 })).rejects.toThrow("x must not be negative");
  });
});

describe("map tasks in the engine", () => {
  const square = task({ name: "mt_square", inputs: { x: t.int, plus: t.int }, outputs: t.int, retries: 1 }, ({ x, plus }, ctx) => {
    if (x === 7 && ctx.attempt === 1) throw new RecoverableError("flaky seven");
    if (x < 0) throw new NonRetryableError(`negative ${x}`);
    return x * x + plus;
  });
  const all = mapTask(square, { fixed: ["plus"], concurrency: 3 });
  const lenient = mapTask(square, { fixed: ["plus"], minSuccessRatio: 0.5 });
  const wf = workflow({ name: "mt_wf", inputs: { xs: t.list(t.int) } }, ({ xs }) => all({ x: xs, plus: 1 }));
  const wf2 = workflow({ name: "mt_wf2", inputs: { xs: t.list(t.int) } }, ({ xs }) => lenient({ x: xs, plus: 0 }));

  it("runs each element as its own attempt, with retries, and gathers the outputs in order", async () => {
    const engine = await setup([wf, wf2]);
    const e = await engine.start(wf, { xs: [1, 2, 3, 7, 0] });
    await expect(e.result({ timeoutMs: 5000 })).resolves.toEqual({ o0: [2, 5, 10, 50, 1] });
    const nodes = await engine.nodes(e.id);
    expect(nodes.filter((n) => n.path.startsWith("n0[")).length).toBe(5);
    expect(nodes.find((n) => n.path === "n0[3]")).toMatchObject({ attempts: 2, phase: "succeeded" });
    expect(nodes.find((n) => n.path === "n0")?.data).toMatchObject({ total: 5, succeeded: 5, failed: 0 });
    await expect((await engine.start(wf, { xs: [] })).result({ timeoutMs: 5000 })).resolves.toEqual({ o0: [] });
  });

  it("gives null for failed elements above the success ratio, and fails below it", async () => {
    const engine = await setup([wf, wf2]);
    await expect((await engine.start(wf2, { xs: [2, -1, 3, -2] })).result({ timeoutMs: 5000 })).resolves.toEqual({ o0: [4, null, 9, null] });
    await expect((await engine.start(wf2, { xs: [2, -1, -3, -2] })).result({ timeoutMs: 5000 })).rejects.toThrow(/elements failed/);
    await expect((await engine.start(wf, { xs: [1, -1] })).result({ timeoutMs: 5000 })).rejects.toThrow(/elements failed/);
  });

  it("honours the map's concurrency", async () => {
    let running = 0;
    let peak = 0;
    const slow = task({ name: "mt_slow", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return x;
    });
    const mapped = mapTask(slow, { concurrency: 2 });
    const wf3 = workflow({ name: "mt_wf3", inputs: { xs: t.list(t.int) } }, ({ xs }) => mapped({ x: xs }));
    const engine = await setup([wf3]);
    await expect((await engine.start(wf3, { xs: [1, 2, 3, 4, 5, 6] })).result({ timeoutMs: 5000 })).resolves.toEqual({ o0: [1, 2, 3, 4, 5, 6] });
    expect(peak).toBe(2);
  });
});
