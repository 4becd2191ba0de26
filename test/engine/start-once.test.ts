/**
 * `engine.start` of the same entity again neither recompiles nor re-registers
 * it (the W3 spent its time there), while a `Workflow` builder, which
 * can still change, is registered at every start.
 */
import { describe, expect, it } from "vitest";
import { task, workflow, Workflow, t } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { EntityCache } from "../../src/engine/entity-cache.js";
import { attemptWorker } from "../helpers/attempt-worker.js";

const inc = task({ name: "so_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const wf = workflow({ name: "so_wf", inputs: { x: t.int } }, ({ x }) => ({ y: inc({ x }) }));

function counting(): { store: MemoryStore; registrations: () => number } {
  const store = new MemoryStore();
  let n = 0;
  const register = store.registerEntity.bind(store);
  store.registerEntity = (e) => {
    n++;
    return register(e);
  };
  return { store, registrations: () => n };
}

describe("engine.start registers an entity once", () => {
  it("writes the specs of a workflow at its first start only, and again for other options", async () => {
    const { store, registrations } = counting();
    const engine = await Engine.open({ store, schedules: false });
    await engine.start(wf, { x: 1 });
    const first = registrations();
    expect(first).toBeGreaterThan(0);
    await engine.start(wf, { x: 2 });
    await engine.start(wf, { x: 3 });
    expect(registrations()).toBe(first);
    await engine.start(wf, { x: 4 }, { version: "v2" });
    expect(registrations()).toBe(2 * first);
    expect((await engine.list({}, { limit: 10 })).items.length).toBe(4);
  });

  it("registers a Workflow builder at every start (it may have changed)", async () => {
    const { store, registrations } = counting();
    const engine = await Engine.open({ store, schedules: false });
    const b = new Workflow("so_builder");
    b.addWorkflowOutput("y", b.addEntity(inc, { x: b.addWorkflowInput("x", t.int) }).outputs.o0);
    await engine.start(b, { x: 1 });
    const first = registrations();
    await engine.start(b, { x: 1 });
    expect(registrations()).toBe(2 * first);
  });
});

describe("the engine reads each registered spec once", () => {
  it("starts, steps and awaits many executions of one workflow reading its specs from the store once", async () => {
    const store = new MemoryStore();
    let reads = 0;
    const get = store.getEntity.bind(store);
    store.getEntity = (kind, key) => {
      reads++;
      return get(kind, key);
    };
    const engine = await Engine.open({ store, schedules: false, pollMs: 2 });
    engine.run();
    const stop = attemptWorker(store, [wf], { concurrency: 4, onReport: () => engine.poke() });
    try {
      const first = await engine.start(wf, { x: 0 });
      await first.result({ timeoutMs: 30_000 });
      const once = reads;
      const execs = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.start(wf, { x: i })));
      expect(await Promise.all(execs.map((e) => e.result({ timeoutMs: 30_000 })))).toEqual(Array.from({ length: 20 }, (_, i) => ({ y: i + 1 })));
      expect(reads).toBe(once);
    } finally {
      await stop();
      await engine.stop();
    }
  });

  it("keeps what it found, not what it did not find (registered later) nor a failed read", async () => {
    const store = new MemoryStore();
    let reads = 0;
    let fail = false;
    const source = {
      getEntity: (...args: Parameters<MemoryStore["getEntity"]>) => {
        reads++;
        return fail ? Promise.reject(new Error("the database restarts")) : store.getEntity(...args);
      },
    };
    const cache = new EntityCache(source);
    const key = { project: "p", domain: "d", name: "t", version: "1" };
    expect(await cache.getEntity("task", key)).toBeUndefined();
    fail = true;
    await expect(cache.getEntity("task", key)).rejects.toThrow(/restarts/);
    fail = false;
    await store.registerEntity({ kind: "task", key, spec: { template: {} }, digest: "d1", createdAt: 1 });
    expect((await cache.getEntity("task", key))?.digest).toBe("d1");
    expect((await cache.getEntity("task", key))?.digest).toBe("d1");
    expect(reads).toBe(3);
  });
});
