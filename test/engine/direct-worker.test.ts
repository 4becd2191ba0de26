/**
 * The direct path between the engine and a worker of its own process (issue 11): the items a step makes
 * ready go to the worker leased in that same commit (no claim), and its results come back into the engine's
 * next commit, which removes the item under the result's lease token (no `finishTask`). A result whose lease
 * was lost is refused there and goes to the store, which answers it as for any worker.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { mapTask, task, waitForInput, workflow, Workflow, t } from "aloft";
import { Engine, type DirectWorker } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { startWorker, type LocalWorker, type WorkerOptions } from "../../src/worker/worker.js";
import type { ClaimedTask, StepCommit, Store } from "../../src/store/store.js";

/** The worker an engine runs beside it (`engine-a/pool`), with the test's entities in process and no poll of its own. */
function ownWorker(store: Store, exports: Readonly<Record<string, unknown>>, concurrency: number, options: Partial<WorkerOptions> = {}): Promise<LocalWorker> {
  return startWorker({
    store,
    modules: ["(the test's entities)"],
    inProcess: [{ file: "(the test's entities)", exports }],
    concurrency,
    pollMs: 60_000,
    workerId: "engine-a/pool",
    blobDir: path.join(mkdtempSync(path.join(os.tmpdir(), "aloft-direct-")), "blobs"),
    log: () => {},
    ...options,
  });
}

const inc = task({ name: "dw_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const three = workflow({ name: "dw_three", inputs: { x: t.int } }, ({ x }) => ({ a: inc({ x }), b: inc({ x }), c: inc({ x }) }));
const single = workflow({ name: "dw_single", inputs: { x: t.int } }, ({ x }) => ({ y: inc({ x }) }));
const waits = workflow({ name: "dw_waits" }, () => ({ y: inc({ x: waitForInput("x", t.int) }) }));
// A turn of the event loop per attempt, as a task in a child process takes (an in-process one that resolves at once would never let a timer run).
const incLater = task({ name: "dw_inc_later", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  await new Promise((r) => setImmediate(r));
  return x + 1;
});
const oneByOne = workflow({ name: "dw_one_by_one", inputs: { xs: t.list(t.int) } }, ({ xs }) => ({ ys: mapTask(incLater, { concurrency: 1 })({ x: xs }) }));

function chain(n: number): Workflow {
  const wf = new Workflow(`dw_chain_${n}`);
  let prev = wf.addEntity(inc, { x: wf.addWorkflowInput("x", t.int) });
  for (let i = 1; i < n; i++) prev = wf.addEntity(inc, { x: prev.outputs.o0 });
  wf.addWorkflowOutput("y", prev.outputs.o0);
  return wf;
}

/** A store that counts what goes through the store's own task queue. */
function counting(): { store: MemoryStore; claimed: () => number; reported: () => number } {
  const store = new MemoryStore();
  let claimed = 0;
  let reported = 0;
  const claim = store.claimTasks.bind(store);
  store.claimTasks = async (...args) => {
    const got = await claim(...args);
    claimed += got.length;
    return got;
  };
  const finishTask = store.finishTask.bind(store);
  store.finishTask = (...args) => {
    reported++;
    return finishTask(...args);
  };
  const finishTasks = store.finishTasks.bind(store);
  store.finishTasks = (reports, now) => {
    reported += reports.length;
    return finishTasks(reports, now);
  };
  return { store, claimed: () => claimed, reported: () => reported };
}

const int = (n: number) => ({ scalar: { primitive: { integer: String(n) } } });

/** A worker that only records what the engine hands it, taking at most `want` items. */
function recorder(want: number): DirectWorker & { readonly items: ClaimedTask[] } {
  const items: ClaimedTask[] = [];
  return { workerId: "engine-a/pool", leaseMs: 60_000, items, wants: () => want - items.length, take: (got) => items.push(...got) };
}

describe("the engine and its own worker", () => {
  it("runs a chain handing each attempt straight to its worker and taking each result into its next commit: nothing claimed, nothing reported to the store", async () => {
    const { store, claimed, reported } = counting();
    const engine = await Engine.open({ store, schedules: false, engineId: "engine-a", pollMs: 60_000 });
    const worker = await ownWorker(store, { inc }, 2, { direct: engine });
    engine.attachWorker(worker);
    engine.run();
    try {
      const exec = await engine.start(chain(12), { x: 0 });
      expect(await exec.result({ timeoutMs: 60_000 })).toEqual({ y: 12 });
      expect([claimed(), reported()]).toEqual([0, 0]);
      expect((await store.listNodes(exec.id)).map((n) => n.phase)).toEqual(Array.from({ length: 12 }, () => "succeeded"));
      expect(await store.claimTasks("other", 100, 1000, Number.MAX_SAFE_INTEGER)).toEqual([]);
    } finally {
      await worker.stop();
      await engine.stop();
    }
  });

  it("leases only as many items as its worker wants; the rest stay queued for any worker", async () => {
    const store = new MemoryStore();
    const engine = await Engine.open({ store, schedules: false, engineId: "engine-a" });
    const direct = recorder(1);
    engine.attachWorker(direct);
    await engine.start(three, { x: 1 });
    await engine.tick();
    expect(direct.items.map((i) => [i.path, typeof i.leaseToken])).toEqual([["n0", "string"]]);
    const others = await store.claimTasks("elsewhere", 10, 1000, Date.now());
    expect(others.map((i) => i.path).sort()).toEqual(["n1", "n2"]);
    // The leased one is held under the token the worker got.
    expect(await store.heartbeat(direct.items[0]!.id, direct.items[0]!.leaseToken, 1000, Date.now())).toBe(true);
  });

  it("leases the items beyond its worker's idle slots as not started (taken ahead): if the worker dies, their leases run out counting no system attempt", async () => {
    const store = new MemoryStore();
    const engine = await Engine.open({ store, schedules: false, engineId: "engine-a" });
    const direct = { ...recorder(3), idle: () => 1 };
    engine.attachWorker(direct);
    await engine.start(three, { x: 1 });
    await engine.tick();
    expect(direct.items.map((i) => [i.path, i.ahead === true])).toEqual([["n0", false], ["n1", true], ["n2", true]]);
    // Nobody heartbeats (the worker died): the leases run out, and only n0's counts as lost.
    const again = await store.claimTasks("elsewhere", 10, 1000, Date.now() + 60_001);
    expect(again.map((i) => [i.path, i.systemAttempts])).toEqual([["n0", 1], ["n1", 0], ["n2", 0]]);
  });

  it("refuses a delivered result whose lease was lost (it goes to the store instead), and takes one under the live lease", async () => {
    const store = new MemoryStore();
    const errors: unknown[] = [];
    const engine = await Engine.open({ store, schedules: false, engineId: "engine-a", onError: (e) => errors.push(e) });
    const direct = recorder(1);
    engine.attachWorker(direct);
    engine.run();
    try {
      const exec = await engine.start(single, { x: 1 });
      await expect.poll(() => direct.items.length, { timeout: 30_000 }).toBe(1);
      const held = direct.items[0]!;
      expect(await store.claimTasks("elsewhere", 10, 1000, Date.now())).toEqual([]);
      // Its lease runs out and another worker takes the item: the first token no longer counts.
      const [taken] = await store.claimTasks("elsewhere", 10, 1000, held.leaseExpiresAt);
      expect(taken?.id).toBe(held.id);
      const body = { type: "taskSucceeded" as const, path: held.path, attempt: held.attempt, outputs: { literals: { o0: int(2) } } };
      expect(await engine.deliver({ itemId: held.id, leaseToken: held.leaseToken, result: { body } }, exec.id)).toBe("unhandled");
      expect((await engine.execution(exec.id)).phase).toBe("running");
      expect(await engine.deliver({ itemId: held.id, leaseToken: taken!.leaseToken, result: { body } }, exec.id)).toBe("accepted");
      expect(await exec.result({ timeoutMs: 30_000 })).toEqual({ y: 2 });
      expect(await store.pendingEvents(exec.id)).toEqual([]);
      expect(await engine.deliver({ itemId: held.id, leaseToken: taken!.leaseToken, result: { body } }, "unknown")).toBe("unhandled");
      expect(errors).toEqual([]);
    } finally {
      await engine.stop();
    }
    expect(await engine.deliver({ itemId: "x", leaseToken: "y", result: { body: { type: "taskSucceeded", path: "n0", attempt: 1, outputs: { literals: {} } } } }, "e")).toBe("unhandled");
  });

  it("reads its inbox at least once a poll while its worker keeps it busy: an event that came without a wake-up does not wait for the worker to pause", async () => {
    const store = new MemoryStore();
    const engine = await Engine.open({ store, schedules: false, engineId: "engine-a", pollMs: 100 });
    const worker = await ownWorker(store, { inc, incLater }, 1, { direct: engine });
    engine.attachWorker(worker);
    engine.run();
    try {
      const b = await engine.start(waits, {});
      await expect.poll(async () => (await store.listNodes(b.id)).some((n) => n.phase === "waiting"), { timeout: 30_000 }).toBe(true);
      // A long map, one element at a time: a result delivered every few hundred microseconds, each waking the engine.
      const a = await engine.start(oneByOne, { xs: Array.from({ length: 3000 }, (_, i) => i) });
      await expect.poll(async () => (await store.listNodes(a.id)).filter((n) => n.phase === "succeeded").length, { timeout: 30_000 }).toBeGreaterThan(10);
      // An event written without a wake-up (as a claim's sweep of an attempt out of system retries writes one): the
      // safety-net poll must find it, though the worker's results never let the engine sleep a whole poll.
      await store.addEvents([{ executionId: b.id, body: { type: "abort", reason: "by hand" } }]);
      await expect.poll(async () => (await store.getExecution(b.id))?.phase, { timeout: 30_000 }).toBe("aborted");
      expect((await store.getExecution(a.id))?.phase).toBe("running");
      await engine.abort(a.id, "done");
    } finally {
      await worker.stop();
      await engine.stop();
    }
  }, 120_000);
});

/** A memory store that does `before` to the first group commit that leases an item to the engine's worker, and counts results reported to it. */
class FirstLeasing extends MemoryStore {
  reported = 0;
  /** How many attempts the worker held when that commit began (`held`). */
  heldAtCommit: number | undefined;
  held: () => number = () => 0;
  constructor(private readonly before: (store: FirstLeasing, groups: readonly (readonly StepCommit[])[]) => Promise<void>) {
    super();
  }
  override async commitGroups(groups: readonly (readonly StepCommit[])[]): Promise<(Error | undefined)[]> {
    if (this.heldAtCommit === undefined && groups.some((g) => g.some((c) => (c.leased?.length ?? 0) > 0))) {
      this.heldAtCommit = this.held();
      await this.before(this, groups);
    }
    return super.commitGroups(groups);
  }
  override finishTasks(...args: Parameters<MemoryStore["finishTasks"]>): ReturnType<MemoryStore["finishTasks"]> {
    this.reported += args[0].length;
    return super.finishTasks(...args);
  }
}

async function withWorker(store: FirstLeasing, run: (engine: Engine, reports: { path: string; direct: boolean }[], errors: unknown[]) => Promise<void>): Promise<void> {
  const errors: unknown[] = [];
  const engine = await Engine.open({ store, schedules: false, engineId: "engine-a", pollMs: 20, onError: (e) => errors.push(e) });
  const reports: { path: string; direct: boolean }[] = [];
  const worker = await ownWorker(store, { inc }, 1, { direct: engine, onReport: (r) => reports.push({ path: r.item.path, direct: r.direct }) });
  store.held = () => worker.active();
  engine.attachWorker(worker);
  engine.run();
  try {
    await run(engine, reports, errors);
  } finally {
    await worker.stop();
    await engine.stop();
  }
}

describe("an attempt handed to the engine's own worker while the commit that leases it is under way", () => {
  it("runs while that commit syncs, and a result whose leasing commit failed is neither applied nor reported: the step is applied again and its attempt leased anew", async () => {
    const store = new FirstLeasing(async () => {
      throw Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" });
    });
    await withWorker(store, async (engine, reports, errors) => {
      const exec = await engine.start(chain(3), { x: 0 });
      expect(await exec.result({ timeoutMs: 60_000 })).toEqual({ y: 3 });
      // The worker held the attempt before its lease was written.
      expect(store.heldAtCommit).toBe(1);
      expect(errors.map((e) => (e as Error).message)).toEqual(["disk I/O error"]);
      // One result per node, each taken by the engine: the attempt of the failed commit reported nothing, anywhere.
      expect(reports).toEqual([
        { path: "n0", direct: true },
        { path: "n1", direct: true },
        { path: "n2", direct: true },
      ]);
      expect(store.reported).toBe(0);
      expect((await store.listNodes(exec.id)).map((n) => [n.path, n.phase, n.attempts, n.systemAttempts])).toEqual([
        ["n0", "succeeded", 1, 0],
        ["n1", "succeeded", 1, 0],
        ["n2", "succeeded", 1, 0],
      ]);
    });
  }, 60_000);

  it("abandons the attempt of a group refused as fenced (another engine took the execution over meanwhile): nothing reported, no item left behind", async () => {
    let fencedAt = 0;
    const store = new FirstLeasing(async (s, groups) => {
      // Another engine, alive for hours, takes the execution over (as once this engine's lease looks expired).
      const id = groups[0]![0]!.fence!.executions[0]!.executionId;
      fencedAt = Date.now() + 3_600_000;
      await s.renewEngine({ id: "engine-b", pid: 1, host: "elsewhere", command: "aloft serve", since: Date.now() }, 7_200_000, Date.now());
      await s.acquireExecutions("engine-b", [id], fencedAt);
    });
    await withWorker(store, async (engine, reports) => {
      const exec = await engine.start(single, { x: 1 });
      await expect.poll(() => store.heldAtCommit, { timeout: 30_000 }).toBe(1);
      // The attempt stops (its lease was never written): the worker holds nothing, and reported nothing.
      await expect.poll(() => engine.execution(exec.id).then(() => store.held()), { timeout: 30_000 }).toBe(0);
      expect(reports).toEqual([]);
      expect(store.reported).toBe(0);
      expect(await store.claimTasks("elsewhere", 10, 1000, fencedAt)).toEqual([]);
      // The start is still to be applied, by the engine that owns the execution now.
      expect((await store.pendingEvents(exec.id)).map((e) => e.body.type)).toEqual(["start"]);
      expect((await store.getExecution(exec.id))?.phase).not.toBe("succeeded");
    });
  }, 60_000);
});

let countedRuns = 0;
const counted = task({ name: "dw_counted", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  countedRuns++;
  return x + 1;
});
const countedOnce = workflow({ name: "dw_counted_once", inputs: { x: t.int } }, ({ x }) => ({ y: counted({ x }) }));

/** A memory store whose first group commit that leases an item to the engine's worker is written, then fails (its answer lost). */
class LandsThenFails extends MemoryStore {
  lost = 0;
  override async commitGroups(groups: readonly (readonly StepCommit[])[]): Promise<(Error | undefined)[]> {
    const leases = groups.some((g) => g.some((c) => (c.leased?.length ?? 0) > 0));
    const results = await super.commitGroups(groups);
    if (leases && this.lost++ === 0) throw Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" });
    return results;
  }
}

describe("a commit that leased attempts to the engine's own worker, landed, and failed (its answer lost)", () => {
  it("confirms the attempts the store holds to the worker, which runs each once and reports it", async () => {
    const store = new LandsThenFails();
    const errors: unknown[] = [];
    const engine = await Engine.open({ store, schedules: false, engineId: "engine-a", pollMs: 20, onError: (e) => errors.push(e) });
    const worker = await ownWorker(store, { counted }, 1, { direct: engine });
    engine.attachWorker(worker);
    engine.run();
    try {
      countedRuns = 0;
      const exec = await engine.start(countedOnce, { x: 1 });
      expect(await exec.result({ timeoutMs: 60_000 })).toEqual({ y: 2 });
      expect(countedRuns).toBe(1);
      expect(errors.map((e) => (e as Error).message)).toEqual(["Connection terminated unexpectedly"]);
      expect((await store.listNodes(exec.id)).map((n) => [n.path, n.phase, n.attempts, n.systemAttempts])).toEqual([["n0", "succeeded", 1, 0]]);
    } finally {
      await worker.stop();
      await engine.stop();
    }
  }, 60_000);
});

describe("a stopping worker handed attempts whose leasing commit is under way", () => {
  it("gives back only those whose lease landed, once it has", async () => {
    const store = new MemoryStore();
    const engine = await Engine.open({ store, schedules: false, engineId: "engine-a" });
    const direct = recorder(1);
    engine.attachWorker(direct);
    await engine.start(single, { x: 1 });
    await engine.tick();
    const [item] = direct.items;
    expect(item?.path).toBe("n0");
    const released: string[][] = [];
    const release = store.releaseTasks.bind(store);
    store.releaseTasks = (items, now) => {
      released.push(items.map((r) => r.itemId));
      return release(items, now);
    };
    const worker = await ownWorker(store, { inc }, 1);
    await worker.stop();
    let landNone: (ids: ReadonlySet<string>) => void = () => {};
    worker.take([item!], new Promise((resolve) => (landNone = resolve)));
    landNone(new Set());
    let landIt: (ids: ReadonlySet<string>) => void = () => {};
    worker.take([item!], new Promise((resolve) => (landIt = resolve)));
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toEqual([]); // nothing before its lease landed
    landIt(new Set([item!.id]));
    await expect.poll(() => released, { timeout: 30_000 }).toEqual([[item!.id]]);
    // Given back (unstarted: no attempt counted), it is another worker's at once.
    const [again] = await store.claimTasks("elsewhere", 10, 1000, Date.now());
    expect([again?.id, again?.systemAttempts]).toEqual([item!.id, 0]);
  });
});

/** A memory store whose first group commit that leases an item to the engine's worker fails without landing. */
class FailsFirstLeasing extends MemoryStore {
  failed = false;
  override async commitGroups(groups: readonly (readonly StepCommit[])[]): Promise<(Error | undefined)[]> {
    const leases = groups.some((g) => g.some((c) => (c.leased?.length ?? 0) > 0));
    if (leases && !this.failed) {
      this.failed = true;
      throw Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" });
    }
    return super.commitGroups(groups);
  }
}

const holds: (() => void)[] = [];
const held = task({ name: "dw_held", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  await new Promise<void>((resolve) => holds.push(resolve));
  return x + 1;
});
const heldOnce = workflow({ name: "dw_held_once", inputs: { x: t.int } }, ({ x }) => ({ y: held({ x }) }));

describe("an attempt handed over by a commit that failed, leased again while the first still runs", () => {
  it("keeps both in hand until each has ended: the first one's end does not drop the second from the worker's count", async () => {
    const store = new FailsFirstLeasing();
    const engine = await Engine.open({ store, schedules: false, engineId: "engine-a", pollMs: 20, onError: () => {} });
    const worker = await ownWorker(store, { held }, 2, { direct: engine });
    engine.attachWorker(worker);
    engine.run();
    try {
      holds.length = 0;
      const exec = await engine.start(heldOnce, { x: 1 });
      // The first attempt runs on (a function in process cannot be cut) while the same item, leased anew, runs again.
      await expect.poll(() => holds.length, { timeout: 30_000 }).toBe(2);
      await expect.poll(() => worker.active(), { timeout: 30_000 }).toBe(2);
      holds[0]!();
      await expect.poll(() => worker.active(), { timeout: 30_000 }).toBe(1); // it was 0: the second one unseen by stop()
      holds[1]!();
      expect(await exec.result({ timeoutMs: 60_000 })).toEqual({ y: 2 });
    } finally {
      for (const release of holds) release();
      await worker.stop();
      await engine.stop();
    }
  });
});
