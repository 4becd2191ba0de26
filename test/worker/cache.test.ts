import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { LiteralMap } from "../../src/idl/core.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../../src/store/memory-store.js";
import { startWorker, type WorkerHandle } from "../../src/worker/worker.js";
import { enqueue, result, results, taskItem, writeFixtures, type ResultBody } from "./fixtures.js";

const fixtures = writeFixtures();
let flows: Record<string, unknown>;
let store: MemoryStore;
let worker: WorkerHandle;

beforeAll(async () => {
  flows = (await import(fixtures.flows)) as Record<string, unknown>;
  store = new MemoryStore();
  worker = await startWorker({ store, modules: ["flows.ts"], cwd: fixtures.dir, concurrency: 2, leaseMs: 2000, pollMs: 10, log: () => {} });
});

afterAll(async () => {
  await worker?.stop();
});

const cache = (serialize = false) => ({ cache: { version: "1", serialize, ignoredInputs: ["log", "ms"] } });
const log = (name: string) => path.join(fixtures.dir, `${name}.log`);
const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []);

/** Plays the engine's part: stores a populated result in the cache. */
async function storeInCache(body: ResultBody): Promise<void> {
  if (body["cacheStatus"] !== "populated") return;
  await store.commit({ consumed: [], cachePut: [{ key: String(body["cacheKey"]), task: "counted", version: "1", outputs: body["outputs"] as LiteralMap, createdAt: Date.now() }] });
}

describe("caching in the worker", () => {
  it("populates the cache on a miss and serves a hit without running the task; overwriteCache runs it again", async () => {
    const first = taskItem(flows["counted"], "counted", { x: 1, log: log("c1"), ms: 1 }, cache());
    await enqueue(store, [first]);
    const populated = await result(store, first.path);
    expect(populated).toMatchObject({ type: "taskSucceeded", cacheStatus: "populated", outputs: { literals: { o0: { scalar: { primitive: { integer: "10" } } } } } });
    expect(populated["cacheKey"]).toMatch(/^[0-9a-f]{64}$/);
    await storeInCache(populated);

    const again = taskItem(flows["counted"], "counted", { x: 1, log: log("c2"), ms: 1 }, cache());
    await enqueue(store, [again]);
    expect(await result(store, again.path)).toEqual({ type: "taskSucceeded", path: again.path, attempt: 1, outputs: populated["outputs"], cacheStatus: "hit", cacheKey: populated["cacheKey"] });
    expect(lines(log("c2"))).toEqual([]);

    const overwrite = taskItem(flows["counted"], "counted", { x: 1, log: log("c3"), ms: 1 }, { ...cache(), overwriteCache: true });
    await enqueue(store, [overwrite]);
    expect(await result(store, overwrite.path)).toMatchObject({ cacheStatus: "populated", cacheKey: populated["cacheKey"] });
    expect(lines(log("c3"))).toHaveLength(2);
  });

  it("with serialize, runs one of two identical attempts and serves the other from its result", async () => {
    const shared = log("serial");
    const a = taskItem(flows["counted"], "counted", { x: 7, log: shared, ms: 300 }, cache(true));
    const b = taskItem(flows["counted"], "counted", { x: 7, log: shared, ms: 300 }, cache(true));
    await enqueue(store, [a, b]);
    // The first result to arrive is the run; the engine stores it, and the waiting attempt finds it.
    let first: ResultBody | undefined;
    const paths = [a.path, b.path];
    while (!first) {
      const due = await store.dueEvents(Date.now(), 100);
      const mine = due.find((e) => "path" in e.body && paths.includes(e.body.path));
      if (mine) {
        first = mine.body as ResultBody;
        await store.commit({ consumed: [mine.id] });
      } else await new Promise((r) => setTimeout(r, 5));
    }
    expect(first).toMatchObject({ cacheStatus: "populated" });
    await storeInCache(first);
    const other = paths.find((p) => p !== first["path"])!;
    expect(await result(store, other)).toMatchObject({ type: "taskSucceeded", cacheStatus: "hit", cacheKey: first["cacheKey"], outputs: first["outputs"] });
    expect(lines(shared).filter((l) => l.startsWith("start"))).toHaveLength(1);
  });

  it("runs at most `concurrency` attempts at once", async () => {
    const shared = log("bound");
    const items = Array.from({ length: 5 }, (_, i) => taskItem(flows["counted"], "counted", { x: i, log: shared, ms: 150 }));
    await enqueue(store, items);
    const got = await results(
      store,
      items.map((i) => i.path),
    );
    expect([...got.values()].every((b) => b.type === "taskSucceeded")).toBe(true);
    const marks = lines(shared)
      .map((l) => l.split(" "))
      .map(([kind, at]) => ({ delta: kind === "start" ? 1 : -1, at: Number(at) }))
      .sort((x, y) => x.at - y.at || x.delta - y.delta);
    let running = 0;
    let most = 0;
    for (const m of marks) most = Math.max(most, (running += m.delta));
    expect(marks).toHaveLength(10);
    expect(most).toBe(2);
  });
});
