/**
 * An execution reloaded from the store mid-way must continue exactly as if it
 * had stayed in the engine's memory: the derived bookkeeping (`deriveState`)
 * is rebuilt from rows, never stored, so every fact it needs must be in them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { approve, conditional, dynamic, LaunchPlan, mapTask, sleep, task, workflow, t, waitForInput, NonRetryableError, RecoverableError, GateAnsweredError, type AnyEntity } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { applyEvent } from "../../src/engine/machine.js";
import { loadExecution } from "../../src/engine/loader.js";
import type { EngineEvent } from "../../src/engine/events.js";
import type { ExecState } from "../../src/engine/state.js";
import type { MachineOptions } from "../../src/engine/step.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import type { Store } from "../../src/store/store.js";
import { attemptWorker } from "../helpers/attempt-worker.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const ENDED = ["succeeded", "failed", "aborted", "timedOut"];

/** Ticks a new engine each time (nothing kept in memory) until execution `id` ends; `idle` runs when no event was due. */
async function runForgetful(store: Store, id: string, idle: () => Promise<void> = async () => {}): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    if (ENDED.includes((await store.getExecution(id))!.phase)) return;
    const engine = await Engine.open({ store, engineId: "one-engine, reloaded", schedules: false, backoff: { initial: 1, max: 5 } });
    if ((await engine.tick()) === 0) {
      await idle();
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  throw new Error(`execution ${id} did not end`);
}

/** The derived bookkeeping of a loaded execution, in a comparable form. */
function derived(s: ExecState) {
  return {
    scopes: [...s.scopes.values()].map((x) => ({ prefix: x.prefix, remaining: x.remaining, active: x.active, failure: x.failure, ended: x.ended })).sort((a, b) => (a.prefix < b.prefix ? -1 : 1)),
    running: s.running,
    waiting: [...s.waiting],
    // A map's counts are not stored on its row: a store counts its elements (src/store/map-elements.ts).
    maps: [...s.nodes.values()].flatMap((r) => (r.data.kind === "array" ? [[r.path, r.data.next, r.data.inFlight, r.data.succeeded, r.data.failed, r.data.firstFailed]] : [])),
  };
}

/**
 * Drives every execution in `store` as the engine does (state kept in memory
 * between events), and checks before each event that a state loaded afresh has
 * the same bookkeeping and makes the same step.
 */
async function driveComparing(store: Store, id: string, idle: () => Promise<void> = async () => {}): Promise<string[]> {
  const options: Omit<MachineOptions, "now"> = { maxSystemAttempts: 3, backoff: { initialMs: 1, maxMs: 5, multiplier: 2 } };
  const memory = new Map<string, ExecState>();
  const differences: string[] = [];
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    if (ENDED.includes((await store.getExecution(id))!.phase)) return differences;
    const events = await store.dueEvents(Date.now(), 500);
    if (events.length === 0) {
      await idle();
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    for (const ev of events) {
      const kept = memory.get(ev.executionId) ?? (await loadExecution(store, ev.executionId));
      const fresh = await loadExecution(store, ev.executionId);
      const what = `${ev.executionId} ${JSON.stringify(ev.body).slice(0, 100)}`;
      if (JSON.stringify(derived(fresh)) !== JSON.stringify(derived(kept))) differences.push(`before ${what}: kept ${JSON.stringify(derived(kept))}, reloaded ${JSON.stringify(derived(fresh))}`);
      const now = Date.now();
      const a = applyEvent(kept, ev.body as unknown as EngineEvent, { ...options, now }).toCommit([ev.id]);
      const b = applyEvent(fresh, ev.body as unknown as EngineEvent, { ...options, now }).toCommit([ev.id]);
      if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`step of ${what}: kept ${JSON.stringify(a)}, reloaded ${JSON.stringify(b)}`);
      await store.commit(a);
      memory.set(ev.executionId, kept);
    }
  }
  throw new Error(`execution ${id} did not end`);
}

describe("an execution reloaded mid-way", () => {
  const inc = task({ name: "rl_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
  const square = task({ name: "rl_square", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
    await new Promise((r) => setTimeout(r, x % 3));
    return x * x;
  });
  const sum = task({ name: "rl_sum", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
  const squares = mapTask(square, { concurrency: 2 });
  const sub = workflow({ name: "rl_sub", inputs: { x: t.int } }, ({ x }) => {
    const y = inc({ x });
    const r = conditional("big").if(y.gt(3)).then(inc, { x: y }).else().then(square, { x: y });
    return sum({ xs: squares({ x: [r, y, x, 1, 2] }) });
  });
  const main = workflow({ name: "rl_main", inputs: { x: t.int } }, ({ x }) => {
    const a = sub({ x });
    const b = sub({ x: inc({ x: waitForInput("g", t.int) }) });
    return sum({ xs: [a, b, inc({ x }), inc({ x: a })] });
  });
  // x = 2: sub(2) squares [9, 3, 2, 1, 2] = 99; g = 5: sub(6) squares [8, 7, 6, 1, 2] = 154; 99 + 154 + 3 + 100.
  const expected = { o0: 356 };

  async function started(roots: AnyEntity[], entity: AnyEntity, inputs: Record<string, unknown>, maxParallelism: number) {
    const store = new MemoryStore();
    const engine = await Engine.open({ store, engineId: "one-engine, reloaded", schedules: false });
    cleanups.push(attemptWorker(store, roots, { concurrency: 16, pollMs: 1 }));
    const { id } = await engine.start(entity as never, inputs as never, { maxParallelism });
    return { store, engine, id };
  }

  it("gets the right outputs with a fresh engine for every tick (subworkflow, branch, map task, gate)", async () => {
    const { store, engine, id } = await started([main], main, { x: 2 }, 3);
    await runForgetful(store, id, () => engine.signal(id, "g", 5).catch(() => undefined));
    await expect(engine.result(id)).resolves.toEqual(expected);
  });

  it("makes, after every reload, the step it would have made from memory", async () => {
    const { store, engine, id } = await started([main], main, { x: 2 }, 3);
    const differences = await driveComparing(store, id, () => engine.signal(id, "g", 5).catch(() => undefined));
    expect(differences).toEqual([]);
    await expect(engine.result(id)).resolves.toEqual(expected);
  });

  it("makes the same steps through failures in nested scopes and their failure handlers", async () => {
    const boom = task({ name: "rl_boom", inputs: { ms: t.int }, outputs: t.int }, async ({ ms }) => {
      await new Promise((r) => setTimeout(r, ms));
      throw new NonRetryableError(`boom ${ms}`);
    });
    const handler = task({ name: "rl_handler", inputs: { err: t.optional(t.error) } }, () => {});
    const notes = workflow({ name: "rl_notes", inputs: { x: t.int } }, ({ x }) => {
      inc({ x: inc({ x }) });
    });
    const inner = workflow({ name: "rl_inner", inputs: { x: t.int }, failurePolicy: "failAfterExecutableNodesComplete", onFailure: notes }, ({ x }) => ({ a: boom({ ms: 8 }), b: boom({ ms: 1 }), c: inc({ x }) }));
    const outer = workflow({ name: "rl_outer", inputs: { x: t.int }, failurePolicy: "failAfterExecutableNodesComplete", onFailure: handler }, ({ x }) => ({ c: inner({ x }).c, d: boom({ ms: 3 }), e: square({ x }) }));
    const { store, engine, id } = await started([outer], outer, { x: 2 }, 3);
    expect(await driveComparing(store, id)).toEqual([]);
    await expect(engine.result(id)).rejects.toThrow(/^workflow "rl_outer": node n[01] \(/);
    const phases = new Map((await store.listNodes(id)).map((n) => [n.path, n.phase]));
    expect([phases.get("n0/efn"), phases.get("n0/efn/n1"), phases.get("efn")]).toEqual(["succeeded", "succeeded", "succeeded"]);
  });

  it("makes the same steps through dynamic workflows, launch plans, approvals, sleeps, retries and a fail-fast abort", async () => {
    const flaky = task({ name: "rl_flaky", inputs: { x: t.int }, outputs: t.int, retries: 2 }, (({ x }, ctx) => {
      if (ctx.attempt < 2) throw new RecoverableError("again");
      return x;
    }));
    const dyn = dynamic({ name: "rl_dyn", inputs: { n: t.int }, outputs: t.int }, ({ n }) => sum({ xs: Array.from({ length: n }, (_, i) => square({ x: i })) }));
    const lp = LaunchPlan.create("rl_lp", sub, { defaultInputs: { x: 1 } });
    const wf = workflow({ name: "rl_mixed", inputs: { n: t.int } }, ({ n }) => {
      const nap = sleep(5);
      const d = dyn({ n: flaky({ x: n }) });
      nap.runsBefore(d);
      return [approve(d, "ok"), lp()];
    });
    const { store, engine, id } = await started([wf], wf, { n: 4 }, 3);
    // Approves once; the idle calls after it are refused (a gate takes one answer).
    const approveOnce = () => engine.approve(id, "ok").catch((e: unknown) => {
      if (!(e instanceof GateAnsweredError)) throw e;
    });
    expect(await driveComparing(store, id, approveOnce)).toEqual([]);
    await expect(engine.result(id)).resolves.toEqual({ o0: 14, o1: 26 });

    const slow = task({ name: "rl_slow", outputs: t.int }, async () => {
      await new Promise((r) => setTimeout(r, 30));
      return 1;
    });
    const fails = task({ name: "rl_fails_fast", outputs: t.int }, () => {
      throw new NonRetryableError("no");
    });
    const nested = workflow({ name: "rl_nested_fast" }, () => {
      slow();
      fails();
      return slow();
    });
    const outer = workflow({ name: "rl_outer_fast" }, () => [nested(), slow(), lp(), waitForInput("never", t.int)]);
    const second = await started([outer], outer, {}, 4);
    expect(await driveComparing(second.store, second.id)).toEqual([]);
    await expect(second.engine.result(second.id)).rejects.toThrow(/node n0 \(workflow "[a-z_]+"\) failed: workflow "[a-z_]+": node n1 \(task "[a-z_]+"\) failed: no/);
  });

  it("makes the same steps through map tasks whose elements fail: some tolerated, then too many (the map fails, the other map's elements are aborted)", async () => {
    const odd = task({ name: "rl_odd", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      await new Promise((r) => setTimeout(r, x % 3));
      if (x % 2 === 1) throw new NonRetryableError(`odd ${x}`);
      return x;
    });
    const tolerant = mapTask(odd, { concurrency: 3, minSuccessRatio: 0.5 });
    const strict = mapTask(odd, { concurrency: 2, minSuccessRatio: 0.9 });
    const xs = Array.from({ length: 12 }, (_, i) => i);
    const lenient = workflow({ name: "rl_map_lenient", inputs: { xs: t.list(t.int) } }, ({ xs }) => ({ a: tolerant({ x: xs }) }));
    const first = await started([lenient], lenient, { xs }, 4);
    expect(await driveComparing(first.store, first.id)).toEqual([]);
    await expect(first.engine.result(first.id)).resolves.toEqual({ a: xs.map((x) => (x % 2 === 1 ? null : x)) });
    const both = workflow({ name: "rl_map_failures", inputs: { xs: t.list(t.int) } }, ({ xs }) => ({ a: tolerant({ x: xs }), b: strict({ x: xs }) }));
    const second = await started([both], both, { xs }, 4);
    expect(await driveComparing(second.store, second.id)).toEqual([]);
    await expect(second.engine.result(second.id)).rejects.toThrow(/map/);
    const rows = await second.store.listNodes(second.id);
    const a = rows.find((r) => r.path === "n0")!;
    const elements = rows.filter((r) => r.path.startsWith("n0["));
    // The counts read back are those of the elements: none in flight once the other map failed.
    if (a.data.kind !== "array") throw new Error("n0 is not a map");
    expect([a.data.next, a.data.inFlight, a.data.succeeded, a.data.failed]).toEqual([elements.length, 0, elements.filter((e) => e.phase === "succeeded").length, elements.filter((e) => e.phase === "failed").length]);
  });

  it("names the scope's first failure, not the failed node that started first (the failure was re-derived from start order)", async () => {
    const fails = task({ name: "rl_fails", inputs: { i: t.int }, outputs: t.int }, ({ i }) => i);
    const ok = task({ name: "rl_ok", outputs: t.int }, () => 1);
    const wf = workflow({ name: "rl_first_failure", failurePolicy: "failAfterExecutableNodesComplete" }, () => [fails({ i: 0 }), fails({ i: 1 }), ok()]);
    const store = new MemoryStore();
    const tick = async () => (await Engine.open({ store, engineId: "one-engine, reloaded", schedules: false })).tick();
    const { id } = await (await Engine.open({ store, engineId: "one-engine, reloaded", schedules: false })).start(wf, {});
    await tick();
    const items = new Map((await store.claimTasks("w", 10, 30_000, Date.now())).map((i) => [i.path, i]));
    const finish = async (path: string, body: Record<string, unknown>) => {
      const item = items.get(path)!;
      await store.finishTask(item.id, item.leaseToken, { body: { path, attempt: 1, ...body } as never }, Date.now());
      await tick();
    };
    await finish("n1", { type: "taskFailed", message: "first", retryable: false });
    await finish("n0", { type: "taskFailed", message: "second", retryable: false });
    await finish("n2", { type: "taskSucceeded", outputs: { literals: {} } });
    expect((await store.getExecution(id))?.error).toMatchObject({ message: expect.stringMatching(/node n1 \(task "[a-z_]+"\) failed: first$/) as unknown, nodeId: "n1" });
  });

  it("hands out slots in the same order (the waiting order was re-derived from paths: n10 before n2)", async () => {
    const work = task({ name: "rl_work", inputs: { i: t.int }, outputs: t.int }, ({ i }) => i);
    const wf = workflow({ name: "rl_order" }, () => Array.from({ length: 12 }, (_, i) => work({ i })));
    const store = new MemoryStore();
    const tick = async () => (await Engine.open({ store, engineId: "one-engine, reloaded", schedules: false })).tick();
    await (await Engine.open({ store, engineId: "one-engine, reloaded", schedules: false })).start(wf, {}, { maxParallelism: 1 });
    const order: string[] = [];
    await tick();
    for (;;) {
      const [item] = await store.claimTasks("w", 1, 30_000, Date.now());
      if (!item) break;
      order.push(item.path);
      await store.finishTask(item.id, item.leaseToken, { body: { type: "taskSucceeded", path: item.path, attempt: 1, outputs: { literals: {} } } }, Date.now());
      await tick();
    }
    expect(order).toEqual(Array.from({ length: 12 }, (_, i) => `n${i}`));
  });
});
