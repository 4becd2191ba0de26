import { mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { task, workflow, t, clearLocalCache, type NodeExecution } from "aloft";

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), "aloft-cache-test-"));
}

function makeCounter() {
  const counter = { calls: 0 };
  const square = task({ name: "square_cached", inputs: { x: t.int, note: t.optional(t.str) }, outputs: t.int, cache: { version: "1", ignoredInputs: ["note"] } }, ({ x }) => {
    counter.calls++;
    return x * x;
  });
  return { counter, square };
}

const statuses = (nodes: NodeExecution[]) => nodes.map((n) => n.cacheStatus);

describe("caching", () => {
  it("misses and populates, then hits without running the task, across runners", async () => {
    const cacheDir = tempDir();
    const { counter, square } = makeCounter();
    const wf = workflow({ name: "cached_wf", inputs: { x: t.int } }, ({ x }) => square({ x }));
    const first = wf.start({ x: 3 }, { cacheDir });
    await expect(first.result).resolves.toEqual({ o0: 9 });
    expect(statuses(first.nodes())).toEqual(["populated"]);
    const second = wf.start({ x: 3 }, { cacheDir });
    await expect(second.result).resolves.toEqual({ o0: 9 });
    expect(statuses(second.nodes())).toEqual(["hit"]);
    expect(counter.calls).toBe(1);
    // A new definition of the same task (as after a restart) finds the entry on disk.
    const again = makeCounter();
    await expect(again.square.run({ x: 3 }, { cacheDir })).resolves.toEqual({ o0: 9 });
    expect(again.counter.calls).toBe(0);
  });

  it("leaves ignored inputs out of the key, and reports disabled for uncached tasks", async () => {
    const cacheDir = tempDir();
    const { counter, square } = makeCounter();
    const plain = task({ name: "plain", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x);
    const wf = workflow({ name: "ignored", inputs: { note: t.str } }, ({ note }) => [square({ x: 2, note }), plain({ x: 1 })]);
    await wf.run({ note: "a" }, { cacheDir });
    const run = wf.start({ note: "b" }, { cacheDir });
    await run.result;
    expect(statuses(run.nodes())).toEqual(["hit", "disabled"]);
    expect(counter.calls).toBe(1);
  });

  it("keys records canonically, whatever the order of their keys", async () => {
    const cacheDir = tempDir();
    let calls = 0;
    const total = task({ name: "total_cached", inputs: { m: t.map(t.int) }, outputs: t.int, cache: { version: "1" } }, ({ m }) => {
      calls++;
      return Object.values(m).reduce((a, b) => a + b, 0);
    });
    await total.run({ m: { a: 1, b: 2 } }, { cacheDir });
    await total.run({ m: { b: 2, a: 1 } }, { cacheDir });
    expect(calls).toBe(1);
  });

  it("misses when the version or the interface changes", async () => {
    const cacheDir = tempDir();
    let calls = 0;
    const v = (version: string, outputs: typeof t.int | typeof t.float) =>
      task({ name: "versioned", inputs: { x: t.int }, outputs, cache: { version } }, ({ x }) => {
        calls++;
        return x;
      });
    await v("1", t.int).run({ x: 1 }, { cacheDir });
    await v("1", t.int).run({ x: 1 }, { cacheDir });
    expect(calls).toBe(1);
    await v("2", t.int).run({ x: 1 }, { cacheDir });
    expect(calls).toBe(2);
    await v("2", t.float).run({ x: 1 }, { cacheDir });
    expect(calls).toBe(3);
  });

  it("keeps types through the cache: dates, structs, unions", async () => {
    const cacheDir = tempDir();
    const Ev = t.struct({ at: t.datetime, kind: t.enum("a", "b"), extra: t.optional(t.union(t.int, t.str)) });
    const make = task({ name: "typed_cached", inputs: { n: t.int }, outputs: t.list(Ev), cache: { version: "1" } }, ({ n }) =>
      Array.from({ length: n }, (_, i) => ({ at: new Date(i * 1000), kind: "a" as const, extra: i % 2 ? "s" : i })),
    );
    const first = await make.run({ n: 3 }, { cacheDir });
    const second = await make.run({ n: 3 }, { cacheDir });
    expect(second).toEqual(first);
    expect(second.o0[1]!.at).toBeInstanceOf(Date);
  });

  it("overwriteCache runs the task again and stores its new outputs", async () => {
    const cacheDir = tempDir();
    let value = 1;
    const read = task({ name: "read_value", outputs: t.int, cache: { version: "1" } }, () => value);
    await expect(read.run({}, { cacheDir })).resolves.toEqual({ o0: 1 });
    value = 2;
    await expect(read.run({}, { cacheDir })).resolves.toEqual({ o0: 1 });
    await expect(read.run({}, { cacheDir, overwriteCache: true })).resolves.toEqual({ o0: 2 });
    await expect(read.run({}, { cacheDir })).resolves.toEqual({ o0: 2 });
  });

  it("serialize makes concurrent identical runs wait for one", async () => {
    const cacheDir = tempDir();
    let calls = 0;
    const slow = task({ name: "serialized", inputs: { x: t.int }, outputs: t.int, cache: { version: "1", serialize: true } }, async ({ x }) => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      return x + 1;
    });
    const results = await Promise.all([slow.run({ x: 1 }, { cacheDir }), slow.run({ x: 1 }, { cacheDir }), slow.run({ x: 1 }, { cacheDir })]);
    expect(results).toEqual([{ o0: 2 }, { o0: 2 }, { o0: 2 }]);
    expect(calls).toBe(1);
  });

  it("can be cleared", async () => {
    const cacheDir = tempDir();
    const { counter, square } = makeCounter();
    await square.run({ x: 5 }, { cacheDir });
    expect(readdirSync(cacheDir).length).toBeGreaterThan(0);
    clearLocalCache({ cacheDir });
    await square.run({ x: 5 }, { cacheDir });
    expect(counter.calls).toBe(2);
  });

  it("rejects a cache option without a version, as Flyte does", () => {
    expect(() => task({ name: "nov", outputs: t.int, cache: {} as never }, () => 1)).toThrow('option cache of task "nov" needs a version, as in Flyte: cache: { version: "1" }');
    expect(() => task({ name: "noi", inputs: { a: t.int }, outputs: t.int, cache: { version: "1", ignoredInputs: ["b"] } }, () => 1)).toThrow(/names "b", which is not an input/);
  });
});
