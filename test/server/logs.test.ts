/**
 * Task logs end to end below the browser: a real worker (child processes
 * loading a user module) captures what each attempt writes to stdout and
 * stderr, keeps it in the attempt log store, and the API serves it by node.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientError } from "../../src/client/client.js";
import { AloftClient } from "../../src/client/client.js";
import { Engine } from "../../src/engine/engine.js";
import { createServer, type AloftServer } from "../../src/server/server.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { MAX_LOG_BYTES, MemoryAttemptLogs } from "../../src/store/attempt-logs.js";
import { startWorker, type WorkerHandle } from "../../src/worker/worker.js";

const FLOWS = `
import { task, workflow, mapTask, t, RecoverableError } from "aloft";
export const chatty = task({ name: "chatty", inputs: { x: t.int }, outputs: t.int, retries: 1 }, ({ x }, ctx) => {
  console.log("hello from attempt " + ctx.attempt);
  process.stderr.write("a warning on stderr\\n");
  if (ctx.attempt === 1) throw new RecoverableError("first attempt fails on purpose"); // retried: a plain error is final, as in Flyte
  return x + 1;
});
export const flood = task({ name: "flood", outputs: t.int }, () => {
  const line = " ".repeat(1024); // blank, so that the worker's own output (it passes writes on) stays readable
  for (let i = 0; i < 1100; i++) process.stdout.write(line);
  return 1;
});
export const each = task({ name: "each", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  console.log("element " + x);
  return x;
});
export const eachAll = mapTask(each);
export const wf = workflow({ name: "logs_wf", inputs: { x: t.int } }, ({ x }) => ({ y: chatty({ x }) }));
export const floodWf = workflow({ name: "flood_wf" }, () => ({ y: flood() }));
export const mapWf = workflow({ name: "map_logs_wf", inputs: { xs: t.list(t.int) } }, ({ xs }) => ({ ys: eachAll({ x: xs }) }));
`;

let engine: Engine;
let worker: WorkerHandle;
let server: AloftServer;
let client: AloftClient;
const logs = new MemoryAttemptLogs();

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "aloft-logs-"));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "logs-test", private: true, type: "module" }));
  writeFileSync(path.join(dir, "flows.mjs"), FLOWS);
  const store = new MemoryStore();
  engine = await Engine.open({ store, backoff: { initial: 1, max: 5 }, pollMs: 2, schedules: false });
  engine.run();
  const flows = (await import(path.join(dir, "flows.mjs"))) as Record<string, Parameters<Engine["register"]>[0]>;
  // Imported through vitest's transform, the code's text differs from what the worker loads, and so would a computed
  // version (the worker refuses one its code does not give): name one.
  for (const name of ["wf", "floodWf", "mapWf"]) await engine.register(flows[name]!, { version: "logs-test" });
  worker = await startWorker({ store, modules: ["flows.mjs"], cwd: dir, concurrency: 2, pollMs: 5, log: () => {}, logs });
  server = createServer({ engine, logs, console: false, eventPollMs: 10 });
  client = new AloftClient({ baseUrl: await server.listen({ port: 0 }) });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await worker?.stop();
  await engine?.stop();
});

describe("task logs", () => {
  it("keeps what each attempt wrote to stdout and stderr, with the attempt's outcome and error", async () => {
    const e = await client.createExecution({ workflow: { name: "logs_wf" }, inputs: { x: 1 } });
    expect((await client.waitForEnd(e.id)).phase).toBe("succeeded");
    const attempts = await client.nodeLogs(e.id, "n0");
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error])).toEqual([
      [1, "failed", "first attempt fails on purpose"],
      [2, "succeeded", undefined],
    ]);
    for (const a of attempts) {
      expect(a.lines.filter((l) => l.stream === "stdout").map((l) => l.text).join("")).toBe(`hello from attempt ${a.attempt}\n`);
      expect(a.lines.filter((l) => l.stream === "stderr").map((l) => l.text).join("")).toBe("a warning on stderr\n");
      expect(Date.parse(a.endedAt)).toBeGreaterThanOrEqual(Date.parse(a.startedAt));
      expect(a.workerId).toBe(worker.workerId);
    }
    const listed = await client.listAttempts(e.id);
    expect(listed.map((a) => [a.path, a.attempt, a.logBytes])).toEqual([
      ["n0", 1, "hello from attempt 1\n".length + "a warning on stderr\n".length],
      ["n0", 2, "hello from attempt 2\n".length + "a warning on stderr\n".length],
    ]);
  }, 60_000);

  it("keeps 1 MiB of an attempt's output and counts the rest", async () => {
    const e = await client.createExecution({ workflow: { name: "flood_wf" } });
    expect((await client.waitForEnd(e.id)).phase).toBe("succeeded");
    const [a] = await client.nodeLogs(e.id, "n0");
    expect(a!.logBytes).toBeLessThanOrEqual(MAX_LOG_BYTES);
    expect(a!.logBytes + a!.droppedBytes).toBe(1100 * 1024);
    expect(a!.droppedBytes).toBeGreaterThan(0);
  }, 60_000);

  it("keeps each map task element's log under the element's path", async () => {
    const e = await client.createExecution({ workflow: { name: "map_logs_wf" }, inputs: { xs: [5, 6, 7] } });
    expect((await client.waitForEnd(e.id)).phase).toBe("succeeded");
    for (const [i, x] of [5, 6, 7].entries()) {
      const [a] = await client.nodeLogs(e.id, `n0[${i}]`);
      expect(a!.lines.map((l) => l.text).join("")).toBe(`element ${x}\n`);
    }
    expect((await client.listAttempts(e.id, "n0[1]")).map((a) => a.path)).toEqual(["n0[1]"]);
  }, 60_000);

  it("answers 404 for an unknown execution and an empty list for a node that ran no task", async () => {
    const err = (await client.nodeLogs("no-such-id", "n0").catch((x: unknown) => x)) as ClientError;
    expect(err).toMatchObject({ status: 404, code: "EXECUTION_NOT_FOUND" });
    const e = await client.createExecution({ workflow: { name: "logs_wf" }, inputs: { x: 2 } });
    await client.waitForEnd(e.id);
    expect(await client.nodeLogs(e.id, "n9")).toEqual([]);
  }, 60_000);
});
