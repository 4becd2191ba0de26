import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../../src/store/memory-store.js";
import { startWorker, WorkerOptionError, type WorkerHandle } from "../../src/worker/worker.js";
import { WorkerStartError } from "../../src/worker/pool.js";
import { enqueue, result, results, taskItem, writeFixtures } from "./fixtures.js";

const fixtures = writeFixtures();
let flows: Record<string, unknown>;
let more: Record<string, unknown>;
let store: MemoryStore;
let worker: WorkerHandle;
const logged: string[] = [];

beforeAll(async () => {
  flows = (await import(fixtures.flows)) as Record<string, unknown>;
  more = (await import(fixtures.more)) as Record<string, unknown>;
  store = new MemoryStore();
  worker = await startWorker({ store, modules: ["flows.ts", "more.mjs"], cwd: fixtures.dir, concurrency: 2, leaseMs: 600, pollMs: 10, graceMs: 300, log: (l) => logged.push(l) });
});

afterAll(async () => {
  await worker?.stop({ hard: true });
});

const int = (n: number) => ({ scalar: { primitive: { integer: String(n) } } });

describe("a worker with real child processes", () => {
  it("runs TypeScript and JavaScript tasks and reports their outputs through the store", async () => {
    const a = taskItem(flows["add"], "add", { a: 20, b: 22 });
    const s = taskItem(more["shout"], "shout", { s: "hey" });
    await enqueue(store, [a, s]);
    const got = await results(store, [a.path, s.path]);
    expect(got.get(a.path)).toEqual({ type: "taskSucceeded", path: a.path, attempt: 1, outputs: { literals: { o0: int(42) } } });
    expect(got.get(s.path)).toMatchObject({ type: "taskSucceeded", outputs: { literals: { o0: { scalar: { primitive: { stringValue: "HEY" } } } } } });
    expect(worker.active()).toBe(0);
  });

  it("reports retryable and non-retryable failures, and a digest mismatch", async () => {
    const flaky = taskItem(flows["flaky"], "flaky", { n: 1 });
    const doomed = taskItem(flows["doomed"], "doomed", { n: 2 });
    const changed = { ...taskItem(flows["add"], "add", { a: 1, b: 1 }), options: { taskDigest: "f".repeat(64) } };
    await enqueue(store, [flaky, doomed, changed]);
    const got = await results(store, [flaky.path, doomed.path, changed.path]);
    expect(got.get(flaky.path)).toEqual({ type: "taskFailed", path: flaky.path, attempt: 1, message: "flaky failed on 1", error: { name: "RecoverableError", message: "flaky failed on 1" }, retryable: true });
    expect(got.get(doomed.path)).toEqual({ type: "taskFailed", path: doomed.path, attempt: 1, message: "doomed refuses 2", error: { name: "NonRetryableError", message: "doomed refuses 2" }, retryable: false });
    expect(got.get(changed.path)).toMatchObject({ retryable: false, message: `the worker's code for task "add" differs from the registered version v1; restart the worker with the same code` });
  });

  it("aborts an attempt at its timeout through its signal, in the same child process", async () => {
    const log = path.join(fixtures.dir, "polite.log");
    const pids = worker.pids();
    const item = taskItem(flows["polite"], "polite", { ms: 10_000, log }, { timeoutMs: 150 });
    await enqueue(store, [item]);
    expect(await result(store, item.path)).toEqual({
      type: "taskFailed",
      path: item.path,
      attempt: 1,
      message: 'task "polite" timed out after 150 ms (attempt 1)',
      error: { name: "TaskTimeoutError", message: 'task "polite" timed out after 150 ms (attempt 1)', fields: { timeoutMs: 150 } },
      retryable: true,
      timedOut: true,
    });
    expect(readFileSync(log, "utf8")).toMatch(/^started\naborted: TaskTimeoutError: task "polite" timed out after 150 ms/);
    expect(worker.pids().sort()).toEqual(pids.sort());
  });

  it("kills a child whose task ignores its timeout, and runs the next attempt on a fresh one", async () => {
    const before = worker.pids();
    const item = taskItem(flows["rude"], "rude", { ms: 60_000 }, { timeoutMs: 100 });
    await enqueue(store, [item]);
    const started = Date.now();
    expect(await result(store, item.path)).toMatchObject({ type: "taskFailed", message: 'task "rude" timed out after 100 ms (attempt 1)', retryable: true, timedOut: true });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(logged.some((l) => l.includes('task "rude"') && l.includes("ignored its timeout"))).toBe(true);
    const next = taskItem(flows["whoami"], "whoami", {}, {}, { path: item.path, attempt: 2 });
    await enqueue(store, [next]);
    const out = await result(store, next.path);
    expect(out).toMatchObject({ type: "taskSucceeded", attempt: 2 });
    expect(worker.pids()).toHaveLength(2);
    expect(before.filter((p) => !worker.pids().includes(p))).toHaveLength(1);
  });

  it("reports the attempt of a child that exits as lost (a system failure, retried as a system retry), and replaces the child", async () => {
    const item = taskItem(flows["crash"], "crash", { code: 3 });
    await enqueue(store, [item]);
    const failed = await result(store, item.path);
    expect(failed).toMatchObject({ type: "taskLost", attempt: 1 });
    expect(String(failed["message"])).toMatch(/^the worker process \(pid \d+\) running task "crash" exited with code 3 during attempt 1; a new process took its place$/);
    const next = taskItem(flows["add"], "add", { a: 1, b: 2 });
    await enqueue(store, [next]);
    expect(await result(store, next.path)).toMatchObject({ type: "taskSucceeded", outputs: { literals: { o0: int(3) } } });
    await expect.poll(() => worker.pids().length, { timeout: 60_000 }).toBe(2);
  });

  it("reports a dynamic workflow's compiled sub-workflow and tasks", async () => {
    const item = taskItem(flows["squares"], "squares", { n: 2 }, { dynamic: true });
    await enqueue(store, [item]);
    const out = await result(store, item.path);
    expect(out).toMatchObject({ type: "taskSucceeded", outputs: { literals: {} } });
    const dyn = out["dynamic"] as { workflow: { template: { nodes: unknown[] } }; tasks: { template: { id: { name: string; version: string } } }[] };
    expect(dyn.workflow.template.nodes).toHaveLength(2);
    expect(dyn.tasks.map((t) => t.template.id)).toEqual([expect.objectContaining({ name: "add", version: "v1" })]);
  });

  it("stops an attempt whose lease is lost and does not report it", async () => {
    const log = path.join(fixtures.dir, "withdrawn.log");
    const item = taskItem(flows["polite"], "polite", { ms: 10_000, log });
    await enqueue(store, [item]);
    await expect.poll(() => worker.active(), { timeout: 3000 }).toBe(1);
    // The engine withdraws the item (an abort): the next heartbeat is refused.
    await store.commit({ consumed: [], cancelTasks: [{ executionId: item.executionId, path: item.path }] });
    await expect.poll(() => existsSync(log) && readFileSync(log, "utf8"), { timeout: 3000 }).toMatch(/^started\naborted: Error: the attempt was withdrawn/);
    await expect.poll(() => worker.active(), { timeout: 3000 }).toBe(0);
    await expect(result(store, item.path, 300)).rejects.toThrow(/no result/);
    expect(logged.some((l) => l.includes(`node ${item.path}`) && l.includes("lost its lease"))).toBe(true);
  });
});

describe("starting a worker", () => {
  it("checks its options at once", async () => {
    await expect(startWorker({ store, modules: [], concurrency: 1 })).rejects.toThrow(WorkerOptionError);
    await expect(startWorker({ store, modules: ["flows.ts"], concurrency: 0 })).rejects.toThrow(/concurrency must be an integer from 1 to 1000, got 0/);
    await expect(startWorker({ store, modules: ["flows.ts"], concurrency: 1, leaseMs: -1 })).rejects.toThrow(/leaseMs must be a number of milliseconds above 0/);
  });

  it("fails with the module and its error when a module does not load", async () => {
    const err = await startWorker({ store, modules: ["flows.ts", "broken.mjs"], cwd: fixtures.dir, concurrency: 1, log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerStartError);
    expect((err as Error).message).toBe("a worker process could not load its modules: cannot load broken.mjs: Error: this module is broken on purpose");
    const missing = await startWorker({ store, modules: ["nope.ts"], cwd: fixtures.dir, concurrency: 1, log: () => {} }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/cannot load nope.ts: no such file/);
  });
});

describe("a worker that stops gives back what it holds (issue 11)", () => {
  /**
   * A worker with one slot, warmed up on short attempts (so it claims work ahead: a minute of them per slot, so that
   * it claims all 8 however slowly a loaded machine runs them), then holding a long
   * `polite` attempt on its slot and 8 short ones claimed ahead of it, not started.
   */
  async function holding(name: string): Promise<{ store: MemoryStore; held: WorkerHandle; long: ReturnType<typeof taskItem>; ahead: ReturnType<typeof taskItem>[]; log: string }> {
    const own = new MemoryStore();
    // Leases far longer than the test: an item handed out again was given back, not expired.
    const held = await startWorker({ store: own, modules: ["flows.ts"], cwd: fixtures.dir, concurrency: 1, leaseMs: 120_000, pollMs: 10, claimAheadMs: 60_000, log: (l) => logged.push(l) });
    const warm = Array.from({ length: 20 }, (_, i) => taskItem(flows["add"], "add", { a: i, b: 1 }));
    await enqueue(own, warm);
    await results(own, warm.map((i) => i.path));
    const log = path.join(fixtures.dir, `${name}.log`);
    const long = taskItem(flows["polite"], "polite", { ms: 4000, log });
    const ahead = Array.from({ length: 8 }, (_, i) => ({ ...taskItem(flows["add"], "add", { a: i, b: 2 }), readyAt: 1 }));
    await enqueue(own, [long, ...ahead]);
    await expect.poll(() => existsSync(log) && readFileSync(log, "utf8"), { timeout: 10_000 }).toBe("started\n");
    await expect.poll(() => held.active(), { timeout: 10_000 }).toBe(1 + ahead.length);
    return { store: own, held, long, ahead, log };
  }

  it("on a graceful stop, gives back at once the items claimed ahead (no attempt counted) and finishes the one it runs", async () => {
    const { store: own, held, long, ahead } = await holding("drain-ahead");
    const stopped = held.stop();
    // Another worker gets them while the long attempt still runs: long before their leases would expire.
    const taken: { id: string; systemAttempts: number }[] = [];
    await expect
      .poll(
        async () => {
          for (const c of await own.claimTasks("w2", 100, 120_000, Date.now())) taken.push({ id: c.id, systemAttempts: c.systemAttempts });
          return taken.length;
        },
        { timeout: 3000 },
      )
      .toBe(ahead.length);
    expect(taken.sort((a, b) => a.id.localeCompare(b.id))).toEqual(ahead.map((i) => ({ id: i.id, systemAttempts: 0 })).sort((a, b) => a.id.localeCompare(b.id)));
    await stopped;
    // The attempt in hand was drained: run to the end and reported; nothing claimed ahead ran.
    expect(await result(own, long.path)).toMatchObject({ type: "taskSucceeded", path: long.path, outputs: { literals: { o0: int(4000) } } });
    expect(await own.dueEvents(Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
  });

  it("dies holding items claimed ahead: once the leases run out, those never started are handed out again counting no system attempt, the one it ran a lost lease", async () => {
    const { store: own, held, long, ahead } = await holding("dies-ahead");
    try {
      // Nothing gives them back: the worker is as good as dead (its leases run out; the claim looks past them).
      const taken = await own.claimTasks("w2", 100, 120_000, Date.now() + 120_001);
      const byId = (a: { id: string }, b: { id: string }): number => a.id.localeCompare(b.id);
      expect(taken.map((c) => ({ id: c.id, systemAttempts: c.systemAttempts })).sort(byId)).toEqual([{ id: long.id, systemAttempts: 1 }, ...ahead.map((i) => ({ id: i.id, systemAttempts: 0 }))].sort(byId));
    } finally {
      await held.stop({ hard: true });
    }
  });

  it("records the start of an attempt claimed ahead that runs a while (a heartbeat), so that losing its lease then counts", async () => {
    const own = new MemoryStore();
    const marked: string[] = [];
    const heartbeat = own.heartbeat.bind(own);
    own.heartbeat = async (itemId, leaseToken, leaseMs, now, started) => {
      const alive = await heartbeat(itemId, leaseToken, leaseMs, now, started);
      if (alive && started === true) marked.push(itemId);
      return alive;
    };
    const held = await startWorker({ store: own, modules: ["flows.ts"], cwd: fixtures.dir, concurrency: 1, leaseMs: 120_000, pollMs: 10, claimAheadMs: 60_000, log: (l) => logged.push(l) });
    try {
      const warm = Array.from({ length: 20 }, (_, i) => taskItem(flows["add"], "add", { a: i, b: 1 }));
      await enqueue(own, warm);
      await results(own, warm.map((i) => i.path));
      const first = taskItem(flows["polite"], "polite", { ms: 300, log: path.join(fixtures.dir, "mark-first.log") });
      const log = path.join(fixtures.dir, "mark-second.log");
      const second = { ...taskItem(flows["polite"], "polite", { ms: 60_000, log }), readyAt: 1 };
      await enqueue(own, [first, second]);
      await expect.poll(() => existsSync(log) && readFileSync(log, "utf8"), { timeout: 10_000 }).toBe("started\n");
      await expect.poll(() => marked, { timeout: 10_000 }).toEqual([second.id]);
      const [again] = await own.claimTasks("w2", 100, 120_000, Date.now() + 120_001);
      expect(again).toMatchObject({ id: second.id, systemAttempts: 1 });
    } finally {
      await held.stop({ hard: true });
    }
  });

  it("on a hard stop, gives back at once both the items claimed ahead (no attempt counted) and the attempt it cut short (a lost lease)", async () => {
    const { store: own, held, long, ahead, log } = await holding("hard-ahead");
    await held.stop({ hard: true });
    const taken = await own.claimTasks("w2", 100, 120_000, Date.now());
    const byId = (a: { id: string }, b: { id: string }): number => a.id.localeCompare(b.id);
    expect(taken.map((c) => ({ id: c.id, systemAttempts: c.systemAttempts })).sort(byId)).toEqual([{ id: long.id, systemAttempts: 1 }, ...ahead.map((i) => ({ id: i.id, systemAttempts: 0 }))].sort(byId));
    expect(readFileSync(log, "utf8")).toBe("started\n");
    expect(await own.dueEvents(Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
  });
});
