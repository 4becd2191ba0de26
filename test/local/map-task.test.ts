import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { mapTask, task, workflow, Workflow, t, ExecutionError, InputValueError, MapTaskError, AbortedError, RecoverableError } from "aloft";

const fast = { retryBackoff: { initial: 1, max: 2 } };
const add = task({ name: "mt_add", inputs: { x: t.int, y: t.int }, outputs: t.int }, ({ x, y }) => x + y);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("map tasks in the local runner", () => {
  it("zips the list inputs, one run per element, outputs in element order", async () => {
    const calls: [number, number][] = [];
    const pairUp = task({ name: "mt_pair_up", inputs: { x: t.int, y: t.str }, outputs: t.str }, ({ x, y }) => {
      calls.push([x, y.length]);
      return `${y}${x}`;
    });
    await expect(mapTask(pairUp).run({ x: [1, 2, 3], y: ["a", "bb", "ccc"] })).resolves.toEqual({ o0: ["a1", "bb2", "ccc3"] });
    expect(calls).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it("keeps element order when asynchronous elements finish out of order", async () => {
    const slowFirst = task({ name: "mt_slow_first", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      await sleep(x === 0 ? 30 : 1);
      return x * 10;
    });
    await expect(mapTask(slowFirst).run({ x: [0, 1, 2] })).resolves.toEqual({ o0: [0, 10, 20] });
  });

  it("maps tasks with several outputs to a list per output, and tasks without outputs to nothing", async () => {
    const split = task({ name: "mt_split", inputs: { x: t.int }, outputs: [t.int, t.str] }, ({ x }) => [x * 2, `v${x}`]);
    await expect(mapTask(split).run({ x: [1, 2] })).resolves.toEqual({ o0: [2, 4], o1: ["v1", "v2"] });
    const stats = task({ name: "mt_stats", inputs: { x: t.int }, outputs: { sq: t.int, neg: t.int } }, ({ x }) => ({ sq: x * x, neg: -x }));
    await expect(mapTask(stats).run({ x: [3] })).resolves.toEqual({ sq: [9], neg: [-3] });
    const seen: number[] = [];
    const sink = task({ name: "mt_sink", inputs: { x: t.int } }, ({ x }) => void seen.push(x));
    await expect(mapTask(sink).run({ x: [5, 6] })).resolves.toEqual({});
    expect(seen).toEqual([5, 6]);
  });

  it("runs no element for empty lists and returns empty lists", async () => {
    const run = mapTask(add).start({ x: [], y: [] });
    await expect(run.result).resolves.toEqual({ o0: [] });
    expect(run.nodes()[0]).toMatchObject({ phase: "succeeded", elements: { total: 0, succeeded: 0, failed: 0, cacheHits: 0, retries: 0 } });
  });

  it("gives every element the fixed inputs: constants, workflow inputs and node outputs", async () => {
    const addAll = mapTask(add, { fixed: ["y"] });
    await expect(addAll.run({ x: [1, 2, 3], y: 100 })).resolves.toEqual({ o0: [101, 102, 103] });

    const ten = task({ name: "mt_ten", outputs: t.int }, () => 10);
    const wf = workflow({ name: "mt_fixed_handles", inputs: { xs: t.list(t.int), offset: t.int } }, ({ xs, offset }) => {
      const byInput = addAll({ x: xs, y: offset });
      const byNode = addAll({ x: xs, y: ten() });
      const byConstant = addAll({ x: [7, 8], y: 1 });
      return { byInput, byNode, byConstant };
    });
    await expect(wf.run({ xs: [1, 2], offset: -1 })).resolves.toEqual({ byInput: [0, 1], byNode: [11, 12], byConstant: [8, 9] });
  });

  it("leaves an unbound optional fixed input null for every element", async () => {
    const greet = task({ name: "mt_greet", inputs: { name: t.str, greeting: t.optional(t.str) }, outputs: t.str }, ({ name, greeting }) => `${greeting ?? "hello"} ${name}`);
    const greetAll = mapTask(greet, { fixed: ["greeting"] });
    await expect(greetAll.run({ name: ["ann", "bo"] })).resolves.toEqual({ o0: ["hello ann", "hello bo"] });
    await expect(greetAll.run({ name: ["ann"], greeting: "hi" })).resolves.toEqual({ o0: ["hi ann"] });
  });

  it("binds mapped inputs to lists mixing handles and constants", async () => {
    const one = task({ name: "mt_one", outputs: t.int }, () => 1);
    const wf = workflow({ name: "mt_mixed_list" }, () => mapTask(add)({ x: [one(), 2, one()], y: [10, 20, 30] }));
    await expect(wf.run()).resolves.toEqual({ o0: [11, 22, 31] });
  });

  it("fails the node when the lists have unequal lengths, naming the inputs and their lengths", async () => {
    const wf = workflow({ name: "mt_unequal", inputs: { xs: t.list(t.int), ys: t.list(t.int) } }, ({ xs, ys }) => mapTask(add)({ x: xs, y: ys }));
    const err = (await wf.run({ xs: [1, 2, 3], ys: [1, 2] }).catch((e: unknown) => e)) as ExecutionError;
    expect(err).toBeInstanceOf(ExecutionError);
    expect(err.cause).toBeInstanceOf(InputValueError);
    expect(err.message).toBe('workflow "mt_unequal": node n0 (map task "mapper_mt_add") failed: map task "mapper_mt_add" zips its list inputs, which must have the same length: x has 3 elements, y has 2');
    expect((err.cause as InputValueError).variable).toBe("y");
  });

  it("with minSuccessRatio below 1, returns null where elements failed and reports them", async () => {
    const evenOnly = task({ name: "mt_even_only", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
      if (x % 2 === 1) throw new Error(`odd ${x}`);
      return x;
    });
    const lenient = mapTask(evenOnly, { minSuccessRatio: 0.5 });
    const run = lenient.start({ x: [0, 1, 2, 3] });
    await expect(run.result).resolves.toEqual({ o0: [0, null, 2, null] });
    expect(run.nodes()).toMatchObject([
      { path: "mapper_mt_even_only", entity: 'map task "mapper_mt_even_only"', phase: "succeeded", error: "element 1: odd 1", elements: { total: 4, succeeded: 2, failed: 2, cacheHits: 0, retries: 0 } },
    ]);
    // 0.8 of 10 is 8 (the ratio is stored as a 32-bit float, 0.800000011920929): two failures are allowed.
    const eighty = mapTask(evenOnly, { minSuccessRatio: 0.8 });
    await expect(eighty.run({ x: [1, 3, 0, 2, 4, 6, 8, 10, 12, 14] })).resolves.toEqual({ o0: [null, null, 0, 2, 4, 6, 8, 10, 12, 14] });
  });

  it("fails the node as soon as too few elements can still succeed, naming the count and the first error", async () => {
    const started: number[] = [];
    const evenOnly = task({ name: "mt_even_only_2", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      started.push(x);
      await sleep(1);
      if (x % 2 === 1) throw new Error(`odd ${x}`);
      return x;
    });
    const strict = mapTask(evenOnly, { minSuccessRatio: 0.5, concurrency: 1 });
    const wf = workflow({ name: "mt_too_many", inputs: { xs: t.list(t.int) } }, ({ xs }) => strict({ x: xs }));
    const run = wf.start({ xs: [1, 0, 3, 5, 7, 9, 2, 4] });
    const err = (await run.result.catch((e: unknown) => e)) as ExecutionError;
    expect(err).toBeInstanceOf(ExecutionError);
    const cause = err.cause as MapTaskError;
    expect(cause).toBeInstanceOf(MapTaskError);
    expect(cause).toMatchObject({ total: 8, failed: 5, required: 4, firstFailedIndex: 0 });
    expect(cause.cause).toBeInstanceOf(Error);
    expect(err.message).toBe(
      'workflow "mt_too_many": node n0 (map task "mapper_mt_even_only_2") failed: map task "mapper_mt_even_only_2": 5 of 8 elements failed; 4 of 8 must succeed, and at most 3 still can. The first failure, element 0: odd 1',
    );
    // 4 of 8 must succeed: the fifth failure (element 5) ends the map, and elements 6 and 7 never start.
    expect(started).toEqual([1, 0, 3, 5, 7, 9]);
    expect(run.nodes()[0]).toMatchObject({ phase: "failed", elements: { total: 8, failed: 5 } });
  });

  it("fails at the first failure when every element must succeed, and starts no further element", async () => {
    const started: number[] = [];
    const failOnTwo = task({ name: "mt_fail_on_two", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
      started.push(x);
      if (x === 2) throw new Error("two");
      return x;
    });
    const err = (await mapTask(failOnTwo)
      .run({ x: [0, 1, 2, 3, 4] })
      .catch((e: unknown) => e)) as MapTaskError;
    expect(err).toBeInstanceOf(MapTaskError);
    expect(err.message).toBe('map task "mapper_mt_fail_on_two": 1 of 5 elements failed; all 5 must succeed. The first failure, element 2: two');
    expect(started).toEqual([0, 1, 2]);
  });

  it("runs at most `concurrency` elements at once", async () => {
    let running = 0;
    let peak = 0;
    const slow = task({ name: "mt_slow", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(2);
      running--;
      return x;
    });
    const xs = Array.from({ length: 20 }, (_, i) => i);
    await expect(mapTask(slow, { concurrency: 3 }).run({ x: xs })).resolves.toEqual({ o0: xs });
    expect(peak).toBe(3);
    peak = 0;
    await mapTask(slow).run({ x: xs });
    expect(peak).toBe(20);
    peak = 0;
    // Without `concurrency`, the map inherits the run's maxParallelism.
    await mapTask(slow).run({ x: xs }, { maxParallelism: 4 });
    expect(peak).toBe(4);
  });

  it("retries each element with the task's retries, shows attempts to the task and counts retries", async () => {
    const attempts = new Map<number, number[]>();
    const flaky = task({ name: "mt_flaky", inputs: { x: t.int }, outputs: t.int, retries: 2 }, ({ x }, ctx) => {
      attempts.set(x, [...(attempts.get(x) ?? []), ctx.attempt]);
      if (ctx.attempt <= x) throw new RecoverableError(`x=${x} attempt ${ctx.attempt}`);
      return x;
    });
    const run = mapTask(flaky).start({ x: [0, 1, 2] }, fast);
    await expect(run.result).resolves.toEqual({ o0: [0, 1, 2] });
    expect(Object.fromEntries(attempts)).toEqual({ 0: [1], 1: [1, 2], 2: [1, 2, 3] });
    expect(run.nodes()[0]).toMatchObject({ attempts: 1, elements: { total: 3, succeeded: 3, failed: 0, retries: 3 } });

    attempts.clear();
    const err = await mapTask(flaky)
      .run({ x: [3] }, fast)
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/element 0: x=3 attempt 3$/);
    expect(attempts.get(3)).toEqual([1, 2, 3]);
  });

  it("applies node overrides of retries to each element", async () => {
    let calls = 0;
    const once = task({ name: "mt_fails_once", inputs: { x: t.int }, outputs: t.int }, ({ x }, ctx) => {
      calls++;
      if (ctx.attempt === 1) throw new RecoverableError("first try");
      return x;
    });
    const wf = new Workflow("mt_overrides");
    const xs = wf.addWorkflowInput("xs", t.list(t.int));
    const node = wf.addEntity(mapTask(once), { x: xs }).withOverrides({ retries: 1 });
    wf.addWorkflowOutput("out", node.outputs.o0);
    await expect(wf.run({ xs: [4, 5] }, fast)).resolves.toEqual({ out: [4, 5] });
    expect(calls).toBe(4);
  });

  it("times out each element with the task's timeout", async () => {
    const maybeSlow = task({ name: "mt_maybe_slow", inputs: { ms: t.int }, outputs: t.int, timeout: 40 }, async ({ ms }, ctx) => {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(ctx.signal.reason as Error);
        });
      });
      return ms;
    });
    await expect(mapTask(maybeSlow, { minSuccessRatio: 0.5 }).run({ ms: [1, 5_000, 2] })).resolves.toEqual({ o0: [1, null, 2] });
    await expect(mapTask(maybeSlow).run({ ms: [1, 5_000] })).rejects.toThrow(/element 1: task "mt_maybe_slow" timed out after 40 ms \(attempt 1\)/);
  });

  it("caches each element on its own (not the array node): a later run reuses the elements it shares", async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), "aloft-map-cache-"));
    const ran: number[] = [];
    const square = task({ name: "mt_square_cached", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, ({ x }) => {
      ran.push(x);
      return x * x;
    });
    const squares = mapTask(square);
    const first = squares.start({ x: [1, 2, 3] }, { cacheDir });
    await expect(first.result).resolves.toEqual({ o0: [1, 4, 9] });
    expect(first.nodes()[0]).toMatchObject({ cacheStatus: "disabled", elements: { total: 3, succeeded: 3, cacheHits: 0 } });
    const second = squares.start({ x: [3, 2, 4, 1] }, { cacheDir });
    await expect(second.result).resolves.toEqual({ o0: [9, 4, 16, 1] });
    expect(second.nodes()[0]).toMatchObject({ elements: { total: 4, succeeded: 4, cacheHits: 3 } });
    expect(ran).toEqual([1, 2, 3, 4]);
    const third = squares.start({ x: [4, 1] }, { cacheDir });
    await expect(third.result).resolves.toEqual({ o0: [16, 1] });
    expect(third.nodes()[0]).toMatchObject({ elements: { total: 2, succeeded: 2, cacheHits: 2 } });
    // The entries are the task's own: running the task alone hits them.
    await expect(square.run({ x: 2 }, { cacheDir })).resolves.toEqual({ o0: 4 });
    expect(ran).toEqual([1, 2, 3, 4]);
  });

  it("runs in both workflow styles, and downstream nodes get the lists", async () => {
    const sum = task({ name: "mt_sum", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
    const addAll = mapTask(add, { fixed: ["y"] });
    const declarative = workflow({ name: "mt_declarative", inputs: { xs: t.list(t.int) } }, ({ xs }) => sum({ xs: addAll({ x: xs, y: 1 }) }));
    await expect(declarative.run({ xs: [1, 2, 3] })).resolves.toEqual({ o0: 9 });

    const imperative = new Workflow("mt_imperative");
    const xs = imperative.addWorkflowInput("xs", t.list(t.int));
    const mapped = imperative.addEntity(addAll, { x: xs, y: 1 });
    const total = imperative.addEntity(sum, { xs: mapped.outputs.o0 });
    imperative.addWorkflowOutput("total", total.outputs.o0);
    const run = imperative.start({ xs: [1, 2, 3] });
    await expect(run.result).resolves.toEqual({ total: 9 });
    expect(run.nodes().map((n) => [n.path, n.entity, n.elements?.total])).toEqual([
      ["n0", 'map task "mapper_mt_add"', 3],
      ["n1", 'task "mt_sum"', undefined],
    ]);
  });

  it("shows element progress while the map runs", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const waits = task({ name: "mt_waits", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      if (x >= 2) await gate;
      return x;
    });
    const run = mapTask(waits).start({ x: [0, 1, 2, 3] });
    await sleep(5);
    expect(run.nodes()[0]).toMatchObject({ phase: "running", elements: { total: 4, succeeded: 2, failed: 0 } });
    release();
    await run.result;
    expect(run.nodes()[0]).toMatchObject({ phase: "succeeded", elements: { total: 4, succeeded: 4 } });
  });

  it("stops when the run is aborted: running elements see their signal, no further element starts", async () => {
    const started: number[] = [];
    let sawAbort = 0;
    const waits = task({ name: "mt_abortable", inputs: { x: t.int }, outputs: t.int }, ({ x }, ctx) => {
      started.push(x);
      return new Promise<number>((_, reject) => {
        ctx.signal.addEventListener("abort", () => {
          sawAbort++;
          reject(ctx.signal.reason as Error);
        });
      });
    });
    const run = mapTask(waits, { concurrency: 2 }).start({ x: [0, 1, 2, 3, 4] });
    await sleep(5);
    run.abort("enough");
    await expect(run.result).rejects.toBeInstanceOf(AbortedError);
    await sleep(5);
    expect(started).toEqual([0, 1]);
    expect(sawAbort).toBe(2);
  });

  it("runs 100,000 elements", async () => {
    const inc = task({ name: "mt_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
    const n = 100_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const run = mapTask(inc).start({ x: xs });
    const { o0 } = await run.result;
    expect(o0).toHaveLength(n);
    expect(o0.every((v, i) => v === i + 1)).toBe(true);
    expect(run.nodes()[0]?.elements).toEqual({ total: n, succeeded: n, failed: 0, cacheHits: 0, retries: 0 });
  });
});
