/**
 * Regressions: a gate inside a dynamic workflow could not be signalled (its
 * type was looked up only in the registered templates), and the gates of an
 * execution that had ended could still be "answered".
 */
import { afterEach, describe, expect, it } from "vitest";
import { dynamic, task, waitForInput, workflow, t } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { attemptWorker } from "../helpers/attempt-worker.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const double = task({ name: "gd_double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);
const asks = dynamic({ name: "gd_asks", inputs: { n: t.int }, outputs: t.int }, ({ n }) => double({ x: n > 0 ? waitForInput("factor", t.int) : 0 }));
const wf = workflow({ name: "gd_wf", inputs: { n: t.int } }, ({ n }) => asks({ n }));

describe("gates and the engine API", () => {
  it("signals a gate that lives inside a dynamic workflow, and refuses answers once the execution ended", async () => {
    const store = new MemoryStore();
    const engine = await Engine.open({ store, pollMs: 2, schedules: false });
    engine.run();
    const stop = attemptWorker(store, [wf]);
    cleanups.push(async () => {
      await stop();
      await engine.stop();
    });
    const e = await engine.start(wf, { n: 1 });
    for (let i = 0; i < 300 && !(await engine.nodes(e.id)).some((n) => n.phase === "waiting"); i++) await new Promise((r) => setTimeout(r, 10));
    await engine.signal(e.id, "factor", 21);
    await expect(e.result({ timeoutMs: 5000 })).resolves.toEqual({ o0: 42 });
    await expect(engine.signal(e.id, "factor", 1)).rejects.toThrow(`execution ${e.id} already succeeded; its gates no longer wait`);
    await expect(engine.approve(e.id, "ok")).rejects.toThrow(/no longer wait/);
  });
});
