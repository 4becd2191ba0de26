/**
 * How a worker talks to the store when attempts are short: it claims work
 * ahead of its slots (one claim for many attempts) and reports results in
 * batches (`finishTasks`, one transaction each); when attempts are long it
 * claims no more than its free slots. And a batch the store fails is retried
 * whole, each result reported once.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../../src/store/memory-store.js";
import type { ClaimedTask, TaskReport } from "../../src/store/store.js";
import { startWorker, type WorkerHandle } from "../../src/worker/worker.js";
import { enqueue, results, taskItem, writeFixtures } from "./fixtures.js";

/** A memory store that records its claims (the limit asked, the items got) and its batches of results. */
class CountingStore extends MemoryStore {
  readonly claims: { limit: number; got: number }[] = [];
  readonly batches: number[] = [];
  failBatches = 0;
  override async claimTasks(workerId: string, limit: number, leaseMs: number, now: number): Promise<ClaimedTask[]> {
    const got = await super.claimTasks(workerId, limit, leaseMs, now);
    if (got.length > 0) this.claims.push({ limit, got: got.length });
    return got;
  }
  override async finishTasks(reports: readonly TaskReport[], now: number): Promise<boolean[]> {
    if (this.failBatches > 0) {
      this.failBatches--;
      throw Object.assign(new Error("the database restarts"), { code: "57P01" });
    }
    this.batches.push(reports.length);
    return super.finishTasks(reports, now);
  }
}

const fixtures = writeFixtures();
let flows: Record<string, unknown>;
let worker: WorkerHandle | undefined;

beforeAll(async () => {
  flows = (await import(fixtures.flows)) as Record<string, unknown>;
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

function inProcessWorker(store: CountingStore, concurrency: number): Promise<WorkerHandle> {
  return startWorker({ store, modules: ["flows.ts"], inProcess: [{ file: "flows.ts", exports: flows }], cwd: fixtures.dir, concurrency, pollMs: 5, log: () => {} });
}

describe("a worker's claims and reports", () => {
  it("claims short attempts ahead of its slots and reports them in batches, each result once", async () => {
    const store = new CountingStore();
    worker = await inProcessWorker(store, 2);
    const items = Array.from({ length: 400 }, (_, i) => taskItem(flows["add"], "add", { a: i, b: 1 }));
    await enqueue(store, items);
    const got = await results(store, items.map((i) => i.path));
    expect(items.map((i) => got.get(i.path))).toEqual(items.map((i, n) => ({ type: "taskSucceeded", path: i.path, attempt: 1, outputs: { literals: { o0: { scalar: { primitive: { integer: String(n + 1) } } } } } })));
    // The first claim knows nothing of the attempts and takes the free slots; the next ones take work ahead.
    expect(store.claims[0]).toEqual({ limit: 2, got: 2 });
    expect(Math.max(...store.claims.map((c) => c.got))).toBeGreaterThan(2);
    expect(store.claims.length).toBeLessThan(items.length / 4);
    expect(store.batches.reduce((a, b) => a + b, 0)).toBe(items.length);
    expect(store.batches.length).toBeLessThan(items.length);
  });

  it("claims no more than its free slots for attempts that take longer than the work it would hold ahead", async () => {
    const store = new CountingStore();
    worker = await inProcessWorker(store, 2);
    const items = Array.from({ length: 8 }, () => taskItem(flows["rude"], "rude", { ms: 40 }));
    await enqueue(store, items);
    await results(store, items.map((i) => i.path));
    expect(store.claims.every((c) => c.limit <= 2)).toBe(true);
  });

  it("retries a batch the store fails, and reports each of its results once", async () => {
    const store = new CountingStore();
    store.failBatches = 2;
    worker = await inProcessWorker(store, 2);
    const items = Array.from({ length: 20 }, (_, i) => taskItem(flows["add"], "add", { a: i, b: 0 }));
    await enqueue(store, items);
    const got = await results(store, items.map((i) => i.path));
    expect(got.size).toBe(items.length);
    expect(store.failBatches).toBe(0);
    expect(store.batches.reduce((a, b) => a + b, 0)).toBe(items.length);
    expect(await store.dueEvents(Number.MAX_SAFE_INTEGER, 1000)).toEqual([]);
  });
});
