/**
 * The engine loop's sleep when the only events due are another engine's
 * (several engines over one PostgreSQL database): `nextEventDue` counts every
 * engine's events, so an engine whose peer was slow to take its own asked
 * again at once, in a loop, until the peer did (found in review).
 */
import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { execution, start } from "../store/fixtures.js";

describe("the engine loop", () => {
  it("sleeps, rather than spins, while the only due events belong to another live engine's execution", async () => {
    const store = new MemoryStore();
    const now = Date.now();
    await store.createExecution(execution("e1", { createdAt: now }), start("e1", now - 1000));
    await store.renewEngine({ id: "engine-b", pid: 1, host: "h", command: "c", since: now }, 600_000, now);
    await store.acquireExecutions("engine-b", ["e1"], now);
    let reads = 0;
    const dueEventsFor = store.dueEventsFor.bind(store);
    store.dueEventsFor = (...args) => {
      reads++;
      return dueEventsFor(...args);
    };
    let asked!: () => void;
    const askedDue = new Promise<void>((resolve) => (asked = resolve));
    const nextEventDue = store.nextEventDue.bind(store);
    store.nextEventDue = async () => {
      const due = await nextEventDue();
      asked();
      return due;
    };
    const engine = await Engine.open({ store, schedules: false, pollMs: 600_000, engineId: "engine-a" });
    engine.run();
    try {
      await askedDue;
      // A spinning loop reads the inbox again within a few turns of the event loop; give it a hundred.
      for (let i = 0; i < 100; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(reads).toBe(1);
      expect((await store.pendingEvents("e1")).length).toBe(1); // still engine B's to apply
    } finally {
      await engine.stop();
    }
  });
});
