/**
 * Regression: `Engine.result` added an event listener every 250 ms while it
 * waited and never removed one (a `setMaxListeners(0)` hid the leak), so a
 * long wait piled up listeners until the engine stopped.
 */
import { afterEach, describe, expect, it } from "vitest";
import { t, waitForInput, workflow } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";

const waits = workflow({ name: "rl_waits" }, () => waitForInput("never_given", t.int));

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

describe("Engine.result while it waits", () => {
  it("keeps at most one listener, however long it waits (no MaxListenersExceededWarning)", async () => {
    engine = await Engine.open({ store: new MemoryStore(), pollMs: 5, schedules: false });
    engine.run();
    const e = await engine.start(waits, {});
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      // 3 s is 12 wake-ups of 250 ms: more than the 10 listeners Node warns about.
      await expect(e.result({ timeoutMs: 3000 })).rejects.toThrow(`did not end within 3000 ms (it is running)`);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });
});
