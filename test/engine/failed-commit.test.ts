/**
 * Regression: a group commit that failed (PostgreSQL restarting under the
 * engine) left the states the engine had stepped in memory in its cache, so
 * when the same events were applied again after the database came back, they
 * were applied to states that already counted them: a map node waited for
 * elements whose attempts were never enqueued, and the execution never ended.
 * A failed commit now drops those states; they are read back from the store.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mapTask, task, t, workflow } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import type { StepCommit } from "../../src/store/store.js";
import { attemptWorker } from "../helpers/attempt-worker.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A memory store whose group commits fail, writing nothing, every `every`-th call. */
class FlakyStore extends MemoryStore {
  calls = 0;
  failures = 0;
  constructor(private readonly every: number) {
    super();
  }
  override async commitGroups(groups: readonly (readonly StepCommit[])[]): Promise<(Error | undefined)[]> {
    if (++this.calls % this.every === 0) {
      this.failures++;
      throw Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
    }
    return super.commitGroups(groups);
  }
}

const square = task({ name: "square_fc", inputs: { i: t.int }, outputs: t.int }, ({ i }) => i * i);
const total = task({ name: "total_fc", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
const wf = workflow({ name: "failed_commit_wf", inputs: { xs: t.list(t.int) } }, ({ xs }) => ({ sum: total({ xs: mapTask(square)({ i: xs }) }) }));

describe("a group commit that fails", () => {
  it("does not leave stepped states in the engine's cache: the events are applied again to the stored state and the execution ends right", async () => {
    // Every other group commit fails: workers report results in batches, so a map of 60 takes only a few commits.
    const store = new FlakyStore(2);
    const errors: unknown[] = [];
    const engine = await Engine.open({ store, pollMs: 2, schedules: false, onError: (e) => errors.push(e) });
    engine.run();
    cleanups.push(() => engine.stop());
    cleanups.push(attemptWorker(store, [wf], { concurrency: 4, onReport: () => engine.poke() }));
    const n = 60;
    const exec = await engine.start(wf, { xs: Array.from({ length: n }, (_, i) => i) });
    await expect(exec.result({ timeoutMs: 30_000 })).resolves.toEqual({ sum: ((n - 1) * n * (2 * n - 1)) / 6 });
    expect(store.failures).toBeGreaterThan(2);
    expect(errors.length).toBe(store.failures);
  }, 60_000);
});

const inc = task({ name: "inc_fc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const one = workflow({ name: "one_fc", inputs: { x: t.int } }, ({ x }) => ({ y: inc({ x }) }));

/** A memory store whose steps of one execution fail, writing nothing, while `failing` names it. */
class FailingFor extends MemoryStore {
  failing: string | undefined;
  override async commit(step: StepCommit): Promise<void> {
    if (this.failing !== undefined && step.fence?.executions.some((o) => o.executionId === this.failing)) throw new Error("connection lost");
    return super.commit(step);
  }
}

describe("a tick that fails before its group commit", () => {
  it("does not leave the states it stepped in the engine's cache: an execution it cannot fail (the store down) after another was stepped", async () => {
    const store = new FailingFor();
    const errors: unknown[] = [];
    const engine = await Engine.open({ store, schedules: false, onError: (e) => errors.push(e) });
    const a = await engine.start(one, { x: 1 });
    await engine.tick(); // a is stepped, and its state cached
    const [item] = await store.claimTasks("w", 1, 60_000, Date.now());
    expect(item?.path).toBe("n0");
    await store.finishTask(item!.id, item!.leaseToken, { body: { type: "taskSucceeded", path: "n0", attempt: 1, outputs: { literals: { o0: { scalar: { primitive: { integer: "2" } } } } } } }, Date.now());
    // Another execution, which cannot be loaded (its workflow is not registered), due after a's result.
    const row = (await store.getExecution(a.id))!;
    await store.createExecution({ ...row, id: "b-unloadable", workflow: { ...row.workflow, version: "not-registered" } }, { executionId: "b-unloadable", body: { type: "start" } });
    // Failing it cannot be written: the tick throws after a's result was applied to a's state in memory.
    store.failing = "b-unloadable";
    await expect(engine.tick()).rejects.toThrow(/connection lost/);
    store.failing = undefined;
    await engine.tick(); // a's result, applied again: to the stored state
    expect((await store.getExecution("b-unloadable"))?.phase).toBe("failed");
    expect((await store.listNodes(a.id)).map((n) => [n.path, n.phase])).toEqual([["n0", "succeeded"]]);
    expect((await store.getExecution(a.id))?.phase).toBe("succeeded");
    expect(await a.result({ timeoutMs: 10_000 })).toEqual({ y: 2 });
  });
});
