import { afterEach, describe, expect, it } from "vitest";
import { task, workflow, Workflow, LaunchPlan, t, dynamic, waitForInput, approve, sleep, NonRetryableError, RecoverableError, ExecutionError, RegistryConflictError, InvalidSignalValueError, EntityNotRegisteredError } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import type { Store } from "../../src/store/store.js";
import { attemptWorker } from "../helpers/attempt-worker.js";
import type { AnyEntity } from "aloft";
import { slope, intercept } from "../fixtures.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(roots: AnyEntity[], options: { store?: Store } = {}) {
  const store = options.store ?? new MemoryStore();
  const engine = await Engine.open({ store, backoff: { initial: 1, max: 5 }, pollMs: 2, schedules: false });
  engine.run();
  const stop = attemptWorker(store, roots);
  cleanups.push(async () => {
    await stop();
    await engine.stop();
  });
  return { store, engine };
}

async function until(cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("condition never became true");
}

const regression = workflow({ name: "regression_e", inputs: { x: t.list(t.int), y: t.list(t.int) } }, ({ x, y }) => ({ wf_output: intercept({ x, y, slope: slope({ x, y }) }) }));

describe("the durable engine", () => {
  it("runs the linear regression and records every node", async () => {
    const { engine } = await setup([regression]);
    const exec = await engine.start(regression, { x: [-3, 0, 3], y: [7, 4, -2] });
    await expect(exec.result({ timeoutMs: 5000 })).resolves.toEqual({ wf_output: 3 });
    const nodes = await engine.nodes(exec.id);
    expect(nodes.map((n) => [n.path, n.phase, n.attempts])).toEqual([
      ["n0", "succeeded", 1],
      ["n1", "succeeded", 1],
    ]);
    const info = await engine.execution(exec.id);
    expect(info).toMatchObject({ phase: "succeeded", inputValues: { x: [-3, 0, 3], y: [7, 4, -2] }, outputValues: { wf_output: 3 } });
  });

  it("retries user errors, but not NonRetryableError, and counts attempts", async () => {
    let calls = 0;
    const flaky = task({ name: "flaky_e", outputs: t.int, retries: 2 }, (_, ctx) => {
      calls++;
      if (ctx.attempt < 3) throw new RecoverableError(`try ${ctx.attempt}`);
      return ctx.attempt;
    });
    const fatal = task({ name: "fatal_e", outputs: t.int, retries: 5 }, () => {
      throw new NonRetryableError("no");
    });
    const ok = workflow({ name: "retry_e" }, () => flaky());
    const bad = workflow({ name: "fatal_wf_e" }, () => fatal());
    const { engine } = await setup([ok, bad]);
    const e1 = await engine.start(ok, {});
    await expect(e1.result({ timeoutMs: 5000 })).resolves.toEqual({ o0: 3 });
    expect((await engine.nodes(e1.id))[0]).toMatchObject({ attempts: 3, phase: "succeeded", error: "try 2" });
    const e2 = await engine.start(bad, {});
    await expect(e2.result({ timeoutMs: 5000 })).rejects.toThrow(ExecutionError);
    expect((await engine.nodes(e2.id))[0]).toMatchObject({ attempts: 1, phase: "failed", error: "no" });
    expect(calls).toBe(3);
  });

  it("fails naming the node, runs the failure handler with the error", async () => {
    const seen: unknown[] = [];
    const boom = task({ name: "boom_e", inputs: { a: t.int }, outputs: t.int }, () => {
      throw new Error("kaput");
    });
    const handler = task({ name: "handler_e", inputs: { a: t.int, err: t.optional(t.error) } }, ({ a, err }) => {
      seen.push({ a, err });
    });
    const wf = workflow({ name: "fails_e", inputs: { a: t.int }, onFailure: handler }, ({ a }) => boom({ a }));
    const { engine } = await setup([wf]);
    const e = await engine.start(wf, { a: 4 });
    await expect(e.result({ timeoutMs: 5000 })).rejects.toThrow('workflow "fails_e": node n0 (task "boom_e") failed: kaput');
    expect(seen).toEqual([{ a: 4, err: { failedNodeId: "n0", message: "kaput" } }]);
    expect((await engine.nodes(e.id)).map((n) => [n.path, n.phase])).toEqual([
      ["n0", "failed"],
      ["efn", "succeeded"],
    ]);
  });

  it("runs a subworkflow's own failure handler, then fails the subworkflow node (only the root's handler ran)", async () => {
    const seen: unknown[] = [];
    const boom = task({ name: "sub_boom_e", inputs: { a: t.int }, outputs: t.int }, () => {
      throw new Error("kaput");
    });
    const handler = task({ name: "sub_handler_e", inputs: { a: t.int, err: t.optional(t.error) } }, ({ a, err }) => {
      seen.push({ a, err });
    });
    const sub = workflow({ name: "sub_fails_e", inputs: { a: t.int }, onFailure: handler }, ({ a }) => boom({ a }));
    const wf = workflow({ name: "calls_sub_fails_e", inputs: { a: t.int } }, ({ a }) => sub({ a: a }));
    const { engine } = await setup([wf]);
    const e = await engine.start(wf, { a: 4 });
    await expect(e.result({ timeoutMs: 5000 })).rejects.toThrow('workflow "calls_sub_fails_e": node n0 (workflow "sub_fails_e") failed: workflow "sub_fails_e": node n0 (task "sub_boom_e") failed: kaput');
    expect(seen).toEqual([{ a: 4, err: { failedNodeId: "n0", message: "kaput" } }]);
    expect((await engine.nodes(e.id)).map((n) => [n.path, n.phase])).toEqual([
      ["n0", "failed"],
      ["n0/n0", "failed"],
      ["n0/efn", "succeeded"],
    ]);
  });

  it("runs a workflow given as the failure handler (the engine skipped it)", async () => {
    const seen: number[] = [];
    const boom = task({ name: "wf_handler_boom_e", inputs: { a: t.int }, outputs: t.int }, () => {
      throw new Error("kaput");
    });
    const note = task({ name: "wf_handler_note_e", inputs: { a: t.int } }, ({ a }) => {
      seen.push(a);
    });
    const handler = workflow({ name: "wf_handler_e", inputs: { a: t.int } }, ({ a }) => {
      note({ a });
    });
    const wf = workflow({ name: "with_wf_handler_e", inputs: { a: t.int }, onFailure: handler }, ({ a }) => boom({ a }));
    const { engine } = await setup([wf]);
    const e = await engine.start(wf, { a: 5 });
    await expect(e.result({ timeoutMs: 5000 })).rejects.toThrow('node n0 (task "wf_handler_boom_e") failed: kaput');
    expect(seen).toEqual([5]);
    expect((await engine.nodes(e.id)).map((n) => [n.path, n.phase])).toEqual([
      ["n0", "failed"],
      ["efn", "succeeded"],
      ["efn/n0", "succeeded"],
    ]);
  });

  it("with failAfterExecutableNodesComplete runs the independent nodes first", async () => {
    const ran: number[] = [];
    const fail = task({ name: "fail_late_e", outputs: t.int }, () => {
      throw new Error("x");
    });
    const other = task({ name: "other_e", inputs: { i: t.int }, outputs: t.int }, ({ i }) => {
      ran.push(i);
      return i;
    });
    const wf = workflow({ name: "late_e", failurePolicy: "failAfterExecutableNodesComplete" }, () => {
      other({ i: fail() });
      return [other({ i: 1 }), other({ i: 2 })];
    });
    const { engine } = await setup([wf]);
    await expect((await engine.start(wf, {})).result({ timeoutMs: 5000 })).rejects.toThrow('workflow "late_e": node n0 (task "fail_late_e") failed: x');
    expect(ran.sort()).toEqual([1, 2]);
  });

  it("with failAfterExecutableNodesComplete also runs nodes downstream of those that succeeded (it stopped starting them after the failure, unlike the local runner)", async () => {
    const ran: number[] = [];
    const fail = task({ name: "fail_late_down_e", outputs: t.int }, () => {
      throw new Error("x");
    });
    const other = task({ name: "other_down_e", inputs: { i: t.int }, outputs: t.int }, ({ i }) => {
      ran.push(i);
      return i + 10;
    });
    const wf = workflow({ name: "late_down_e", failurePolicy: "failAfterExecutableNodesComplete" }, () => [fail(), other({ i: other({ i: 1 }) })]);
    const { engine } = await setup([wf]);
    const e = await engine.start(wf, {}, { maxParallelism: 1 });
    await expect(e.result({ timeoutMs: 5000 })).rejects.toThrow('workflow "late_down_e": node n0 (task "fail_late_down_e") failed: x');
    expect(ran).toEqual([1, 11]);
    expect((await engine.nodes(e.id)).map((n) => [n.path, n.phase])).toEqual([
      ["n0", "failed"],
      ["n1", "succeeded"],
      ["n2", "succeeded"],
    ]);
  });

  it("runs subworkflows in the execution and launch plans as child executions", async () => {
    const add = task({ name: "add_e", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
    const inner = workflow({ name: "inner_e", inputs: { a: t.int } }, ({ a }) => add({ a, b: 10 }));
    const lp = LaunchPlan.create("inner_lp_e", inner, { defaultInputs: { a: 5 } });
    const outer = workflow({ name: "outer_e", inputs: { a: t.int } }, ({ a }) => ({ sub: inner({ a }), child: lp() }));
    const { engine } = await setup([outer]);
    const e = await engine.start(outer, { a: 1 });
    await expect(e.result({ timeoutMs: 5000 })).resolves.toEqual({ sub: 11, child: 15 });
    expect((await engine.nodes(e.id)).map((n) => n.path).sort()).toEqual(["n0", "n0/n0", "n1", "n1/n0"]); // the child execution's nodes are listed under the launch-plan node, as locally
    const children = await engine.list({ parentId: e.id });
    expect(children.items).toHaveLength(1);
    expect(children.items[0]).toMatchObject({ phase: "succeeded", lineage: { parent: { executionId: e.id, path: "n1" } } });
  });

  it("answers gates through the API: signal, approve, reject, timeout; sleeps", async () => {
    const double = task({ name: "double_e", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);
    const gated = workflow({ name: "gated_e" }, () => approve(double({ x: waitForInput("factor", t.int) }), "publish"));
    const impatient = workflow({ name: "impatient_e" }, () => waitForInput("never", t.str, { timeout: 30 }));
    const sleepy = workflow({ name: "sleepy_e" }, () => {
      const nap = sleep(40);
      const d = double({ x: 1 });
      nap.runsBefore(d);
      return d;
    });
    const { engine } = await setup([gated, impatient, sleepy]);
    const e = await engine.start(gated, {});
    await expect(engine.signal(e.id, "factor", "3")).rejects.toThrow(InvalidSignalValueError);
    await engine.signal(e.id, "factor", 3);
    await until(async () => (await engine.nodes(e.id)).some((n) => n.path === "n2" && n.phase === "waiting"));
    await engine.approve(e.id, "publish");
    await expect(e.result({ timeoutMs: 5000 })).resolves.toEqual({ o0: 6 });
    const r = await engine.start(gated, {});
    await engine.signal(r.id, "factor", 1);
    await engine.reject(r.id, "publish", "not today");
    await expect(r.result({ timeoutMs: 5000 })).rejects.toThrow('approval "publish" was rejected: not today');
    await expect((await engine.start(impatient, {})).result({ timeoutMs: 5000 })).rejects.toThrow('gate "never" timed out');
    const started = Date.now();
    await expect((await engine.start(sleepy, {})).result({ timeoutMs: 5000 })).resolves.toEqual({ o0: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });

  it("aborts: waiting and running nodes are aborted, the result rejects", async () => {
    const wf = workflow({ name: "abortable_e" }, () => waitForInput("go", t.int));
    const { engine } = await setup([wf]);
    const e = await engine.start(wf, {});
    await until(async () => (await engine.nodes(e.id)).length === 1);
    await engine.abort(e.id, "changed my mind");
    await expect(e.result({ timeoutMs: 5000 })).rejects.toThrow("aborted: changed my mind");
    expect((await engine.nodes(e.id))[0]).toMatchObject({ phase: "aborted" });
    await expect(engine.abort(e.id)).rejects.toThrow(/already aborted/);
  });

  it("relaunches with the same inputs, and recovers reusing the nodes that succeeded", async () => {
    const counts = { first: 0, second: 0 };
    let failSecond = true;
    const first = task({ name: "first_e", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      counts.first++;
      return a + 1;
    });
    const second = task({ name: "second_e", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      counts.second++;
      if (failSecond) throw new NonRetryableError("not yet");
      return a * 10;
    });
    const wf = workflow({ name: "recoverable_e", inputs: { a: t.int } }, ({ a }) => second({ a: first({ a }) }));
    const { engine } = await setup([wf]);
    const e = await engine.start(wf, { a: 1 });
    await expect(e.result({ timeoutMs: 5000 })).rejects.toThrow("not yet");
    failSecond = false;
    const recovered = await engine.recover(e.id);
    await expect(engine.result(recovered, { timeoutMs: 5000 })).resolves.toEqual({ o0: 20 });
    expect(counts).toEqual({ first: 1, second: 2 });
    const again = await engine.relaunch(recovered);
    await expect(engine.result(again, { timeoutMs: 5000 })).resolves.toEqual({ o0: 20 });
    expect(counts).toEqual({ first: 2, second: 3 });
    expect((await engine.execution(again)).lineage).toStrictEqual({ relaunchOf: recovered });
  });

  it("bounds running task nodes with maxParallelism", async () => {
    let running = 0;
    let peak = 0;
    const slow = task({ name: "slow_e", inputs: { i: t.int }, outputs: t.int }, async ({ i }) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return i;
    });
    const wf = workflow({ name: "wide_e" }, () => Array.from({ length: 8 }, (_, i) => slow({ i })));
    const { engine } = await setup([wf]);
    const e = await engine.start(wf, {}, { maxParallelism: 3 });
    const out = await e.result({ timeoutMs: 5000 });
    expect(Object.values(out)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it("keeps maxParallelism after a task fails (a failed attempt used to free its slot twice)", async () => {
    const slow = task({ name: "slow_after_fail_e", inputs: { i: t.int }, outputs: t.int }, ({ i }) => i);
    const fail = task({ name: "fails_fast_e", outputs: t.int }, () => 0);
    const wf = workflow({ name: "wide_fail_e", failurePolicy: "failAfterExecutableNodesComplete" }, () => [fail(), ...Array.from({ length: 6 }, (_, i) => slow({ i }))]);
    const store = new MemoryStore();
    const engine = await Engine.open({ store, schedules: false });
    await engine.start(wf, {}, { maxParallelism: 2 });
    await engine.tick();
    const first = await store.claimTasks("w", 10, 30_000, Date.now());
    expect(first.map((i) => i.path)).toEqual(["n0", "n1"]);
    const n0 = first[0]!;
    await store.finishTask(n0.id, n0.leaseToken, { body: { type: "taskFailed", path: "n0", attempt: 1, message: "no", retryable: false } }, Date.now());
    await engine.tick();
    // n1 still holds one of the two slots: only one more attempt may be handed out.
    expect((await store.claimTasks("w", 10, 30_000, Date.now())).map((i) => i.path)).toEqual(["n2"]);
  });

  it("caches across executions and can overwrite", async () => {
    let calls = 0;
    const cached = task({ name: "cached_e", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, ({ x }) => {
      calls++;
      return x * x;
    });
    const wf = workflow({ name: "cache_wf_e", inputs: { x: t.int } }, ({ x }) => cached({ x }));
    const { engine } = await setup([wf]);
    const a = await engine.start(wf, { x: 3 });
    await a.result({ timeoutMs: 5000 });
    const b = await engine.start(wf, { x: 3 });
    await expect(b.result({ timeoutMs: 5000 })).resolves.toEqual({ o0: 9 });
    expect((await engine.nodes(a.id))[0]?.cacheStatus).toBe("populated");
    expect((await engine.nodes(b.id))[0]?.cacheStatus).toBe("hit");
    expect(calls).toBe(1);
    const c = await engine.start(wf, { x: 3 }, { overwriteCache: true });
    await c.result({ timeoutMs: 5000 });
    expect(calls).toBe(2);
  });

  it("runs dynamic workflows, nested", async () => {
    const square = task({ name: "square_e", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * x);
    const sum = task({ name: "sum_e", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
    const inner = dynamic({ name: "inner_dyn_e", inputs: { n: t.int }, outputs: t.int }, ({ n }) => sum({ xs: Array.from({ length: n }, (_, i) => square({ x: i })) }));
    const outer = dynamic({ name: "outer_dyn_e", inputs: { ns: t.list(t.int) }, outputs: t.list(t.int) }, ({ ns }) => ns.map((n) => inner({ n })));
    const wf = workflow({ name: "dyn_wf_e", inputs: { ns: t.list(t.int) } }, ({ ns }) => outer({ ns }));
    const { engine } = await setup([wf]);
    const e = await engine.start(wf, { ns: [1, 2, 3] });
    await expect(e.result({ timeoutMs: 5000 })).resolves.toEqual({ o0: [0, 1, 5] });
    // A dynamic workflow's node ids are dn0, dn1, ... as flytekit writes them (core/python_function_task.py, compile_into_workflow).
    expect((await engine.nodes(e.id)).some((n) => n.path === "n0/dn2/dn1")).toBe(true);
  });

  it("rejects bad inputs before storing anything", async () => {
    const { engine, store } = await setup([regression]);
    await expect(engine.start(regression, { x: [1, "2"], y: [1, 2] } as never)).rejects.toThrow('input "x" of workflow "regression_e" expects list<int>: element [1]');
    await expect(engine.start(regression, { x: [1, 2] } as never)).rejects.toThrow('is missing input "y"');
    await expect(engine.start(regression, { x: [1], y: [1], z: 1 } as never)).rejects.toThrow('has no input "z"');
    await expect(engine.startRegistered("workflow", { project: "aloft", domain: "development", name: "nope", version: "v" }, {})).rejects.toThrow(new EntityNotRegisteredError('workflow "nope" version "v" is not registered in aloft/development', "workflow", "nope", "v"));
    expect((await store.listExecutions({}, { limit: 10 })).items).toHaveLength(0);
  });

  it("keeps registered entities immutable", async () => {
    const { engine, store } = await setup([]);
    const a = task({ name: "immutable_e", outputs: t.int }, () => 1);
    const b = task({ name: "immutable_e", outputs: t.str }, () => "1");
    const wa = new Workflow("imm_wf_e");
    wa.addWorkflowOutput("o", wa.addEntity(a).outputs.o0);
    const first = await engine.register(wa, { version: "v1" });
    expect(first.entities.every((e) => e.created)).toBe(true);
    const again = await engine.register(wa, { version: "v1" });
    expect(again.entities.every((e) => !e.created)).toBe(true);
    const wb = new Workflow("imm_wf_e");
    wb.addWorkflowOutput("o", wb.addEntity(b).outputs.o0);
    await expect(engine.register(wb, { version: "v1" })).rejects.toThrow(RegistryConflictError);
    expect(await store.listEntities("task")).toHaveLength(1);
  });
});
