/**
 * Runner conformance through real worker processes: the scenarios of a user
 * module run in the local runner (the module imported here) and in the
 * engine with a worker whose child processes load the same file, so that
 * errors, retries and timeouts cross a process boundary. A task process
 * killed by a signal is a system failure, retried as a system retry: the run
 * ends as it does locally, where nothing kills it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine, MemoryStore, startWorker, type AnyEntity, type WorkerHandle } from "aloft";
import { observeEngine, observeLocal, type Scenario } from "./harness.js";

const MODULE = `
import { existsSync, writeFileSync } from "node:fs";
import { conditional, mapTask, task, workflow, t, RecoverableError } from "aloft";

export const killsItsProcess = task({ name: "cp_kills_its_process", inputs: { marker: t.str, testPid: t.int }, outputs: t.int }, ({ marker, testPid }) => {
  // In a worker's child process (never in the test's own), the first attempt dies by SIGKILL, as an OOM kill would.
  if (process.pid !== testPid && !existsSync(marker)) {
    writeFileSync(marker, String(process.pid));
    process.kill(process.pid, "SIGKILL");
  }
  return 1;
});
export const survivesKill = workflow({ name: "cp_survives_kill", inputs: { marker: t.str, testPid: t.int } }, ({ marker, testPid }) => killsItsProcess({ marker, testPid }));

const flaky = task({ name: "cp_flaky", inputs: { x: t.int }, outputs: t.int, retries: 2 }, ({ x }, ctx) => {
  if (ctx.attempt < 2) throw new RecoverableError("busy, attempt " + ctx.attempt);
  return x * 10;
});
const odd = task({ name: "cp_odd", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  if (x % 2 === 1) throw new TypeError("odd " + x);
  return x;
});
export const mapped = workflow({ name: "cp_mapped", inputs: { xs: t.list(t.int) } }, ({ xs }) => mapTask(odd)({ x: xs }));
export const retried = workflow({ name: "cp_retried", inputs: { x: t.int } }, ({ x }) => flaky({ x }));
const stubborn = task({ name: "cp_stubborn", outputs: t.int, timeout: 100 }, () => new Promise<number>(() => {}));
export const ignoresTimeout = workflow({ name: "cp_ignores_timeout" }, () => stubborn());
export const guarded = workflow({ name: "cp_guarded", inputs: { x: t.int } }, ({ x }) => conditional("guard").if(x.gt(0)).then(flaky, { x }).else().fail("x must be positive"));
`;

describe("runner conformance through real worker processes", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aloft-conformance-processes-"));
  const file = path.join(dir, "flows.ts");
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(file, MODULE);
  let flows: Record<string, AnyEntity>;
  let engine: Engine;
  let worker: WorkerHandle;

  beforeAll(async () => {
    flows = (await import(file)) as Record<string, AnyEntity>;
    const store = new MemoryStore();
    engine = await Engine.open({ store, pollMs: 5, schedules: false, backoff: { initial: 1, max: 4 }, onWork: () => worker?.wake(), onError: () => {} });
    worker = await startWorker({ store, modules: [file], cwd: dir, concurrency: 2, pollMs: 5, graceMs: 200, log: () => {}, onReport: () => engine.poke() });
    engine.run();
  });
  afterAll(async () => {
    await worker?.stop({ hard: true });
    await engine?.stop();
  });

  const scenario = (name: string, entity: string, inputs: Record<string, unknown>, expected: Scenario["expect"]): Scenario => ({ name, entity: flows[entity]!, inputs, expect: expected });

  const cases: [string, string, () => Record<string, unknown>, Scenario["expect"]][] = [
    ["a task process killed by SIGKILL is a system retry, and the run succeeds as it does locally", "survivesKill", () => ({ marker: path.join(dir, `killed-${Date.now()}`), testPid: process.pid }), { outputs: { o0: 1 } }],
    ["a RecoverableError thrown in a worker process is retried", "retried", () => ({ x: 4 }), { outputs: { o0: 40 } }],
    ["a map task's MapTaskError and its element's TypeError cross the process boundary", "mapped", () => ({ xs: [2, 3] }), { error: ["ExecutionError", "MapTaskError", "TypeError"] }],
    ["a task that ignores its timeout fails with a TaskTimeoutError (its process is killed)", "ignoresTimeout", () => ({}), { error: ["ExecutionError", "TaskTimeoutError"] }],
    ["a conditional's fail() in an execution whose tasks run in processes", "guarded", () => ({ x: -1 }), { error: ["ExecutionError", "ConditionalError"] }],
  ];

  for (const [name, entity, inputs, expected] of cases) {
    it(name, async () => {
      const given = inputs();
      const s = scenario(name, entity, given, expected);
      const local = await observeLocal(s);
      if ("outputs" in expected) expect(local.outputs, JSON.stringify(local.error)).toEqual(expected.outputs);
      else expect(local.error?.map((e) => e.name)).toEqual(expected.error);
      // Imported here through vitest's transform, the module's code text differs from what the worker processes load, and
      // so would a computed version (the worker refuses an execution whose version its code does not give): name one.
      const remote = await observeEngine(s, engine, { version: "cp-processes" });
      if (entity === "survivesKill") {
        // The one thing a user sees only on the engine: the system failure the node recovered from.
        expect(remote.nodes[0]?.error).toMatch(/^the worker process \(pid \d+\) running task "cp_kills_its_process" was killed by SIGKILL during attempt 1; a new process took its place$/);
        expect({ ...remote, nodes: remote.nodes.map((n) => ({ ...n, error: undefined })) }).toEqual(local);
      } else expect(remote).toEqual(local);
    });
  }
});
