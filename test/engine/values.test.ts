/**
 * Large values live in the blob store, not the database; malformed or
 * oversized requests leave the store as it was.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { mapTask, task, workflow, t } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { DirectoryBlobStore } from "../../src/store/blob-store.js";
import { attemptWorker } from "../helpers/attempt-worker.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const size = task({ name: "v_size", inputs: { text: t.str }, outputs: t.int }, ({ text }) => text.length);
const echo = task({ name: "v_echo", inputs: { n: t.int }, outputs: t.str }, ({ n }) => "y".repeat(n));
const big = workflow({ name: "v_big", inputs: { text: t.str } }, ({ text }) => ({ n: size({ text }), back: echo({ n: size({ text }) }) }));
const inc = task({ name: "v_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const incAll = mapTask(inc);
const many = workflow({ name: "v_many", inputs: { xs: t.list(t.int) } }, ({ xs }) => incAll({ x: xs }));

async function setup() {
  const store = new MemoryStore();
  const values = new DirectoryBlobStore(path.join(mkdtempSync(path.join(os.tmpdir(), "aloft-values-")), "values"));
  const engine = await Engine.open({ store, values, offloadBytes: 64 * 1024, pollMs: 2, schedules: false });
  engine.run();
  const stop = attemptWorker(store, [big, many], { values });
  cleanups.push(async () => {
    await stop();
    await engine.stop();
  });
  return { engine, store };
}

describe("large values", () => {
  it("keep a several-megabyte input and output in the blob store, not the database", async () => {
    const { engine, store } = await setup();
    const text = "x".repeat(5 * 1024 * 1024);
    const e = await engine.start(big, { text });
    await expect(e.result({ timeoutMs: 10_000 }).then((o) => ({ n: o.n, back: o.back.length }))).resolves.toEqual({ n: text.length, back: text.length });
    const row = await store.getExecution(e.id);
    expect(JSON.stringify(row).length).toBeLessThan(10_000);
    const nodes = await store.listNodes(e.id);
    expect(JSON.stringify(nodes).length).toBeLessThan(20_000);
    expect((await engine.execution(e.id)).inputValues["text"]).toHaveLength(text.length);
  });

  it("split an offloaded list for a map task", async () => {
    const { engine } = await setup();
    const xs = Array.from({ length: 5_000 }, (_, i) => i);
    const e = await engine.start(many, { xs });
    const out = await e.result({ timeoutMs: 60_000 });
    expect(out.o0).toHaveLength(5_000);
    expect(out.o0[4_999]).toBe(5_000);
  }, 90_000);
});
