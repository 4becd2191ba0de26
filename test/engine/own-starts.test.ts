/**
 * A running engine creates the executions it starts as its own (the store's `createExecution` with an owner), so
 * its first tick over them needs no `acquireExecutions` transaction (issue 11: one synced transaction on each tick
 * that saw a new execution); an engine whose loop does not run leaves what it starts to any engine.
 */
import { describe, expect, it } from "vitest";
import { task, workflow, t } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { attemptWorker } from "../helpers/attempt-worker.js";

const inc = task({ name: "os_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const wf = workflow({ name: "os_wf", inputs: { x: t.int } }, ({ x }) => ({ y: inc({ x }) }));

function counting(): { store: MemoryStore; acquired: string[] } {
  const store = new MemoryStore();
  const acquired: string[] = [];
  const acquire = store.acquireExecutions.bind(store);
  store.acquireExecutions = (engineId, ids, now) => {
    acquired.push(...ids);
    return acquire(engineId, ids, now);
  };
  return { store, acquired };
}

describe("a running engine owns the executions it starts", () => {
  it("steps them to their end without acquiring them", async () => {
    const { store, acquired } = counting();
    const engine = await Engine.open({ store, schedules: false, pollMs: 2, engineId: "engine-a" });
    engine.run();
    const stop = attemptWorker(store, [wf], { concurrency: 4, onReport: () => engine.poke() });
    try {
      await (await engine.start(wf, { x: 0 })).result({ timeoutMs: 30_000 }); // its lease is on record by then
      acquired.length = 0;
      const execs = await Promise.all(Array.from({ length: 10 }, (_, i) => engine.start(wf, { x: i })));
      expect(await Promise.all(execs.map((e) => e.result({ timeoutMs: 30_000 })))).toEqual(Array.from({ length: 10 }, (_, i) => ({ y: i + 1 })));
      expect(acquired).toEqual([]);
    } finally {
      await stop();
      await engine.stop();
    }
  });

  it("leaves an execution started while its loop does not run to any engine", async () => {
    const { store } = counting();
    const starter = await Engine.open({ store, schedules: false, engineId: "engine-a" });
    const exec = await starter.start(wf, { x: 1 });
    const now = Date.now();
    await store.renewEngine({ id: "engine-b", pid: 2, host: "h", command: "c", since: now }, 60_000, now);
    expect((await store.dueEventsFor("engine-b", now, 10)).map((e) => e.executionId)).toEqual([exec.id]);
    expect(await store.acquireExecutions("engine-b", [exec.id], now)).toEqual([{ executionId: exec.id, epoch: 1 }]);
  });
});
