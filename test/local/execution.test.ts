import { describe, expect, it } from "vitest";
import { task, workflow, Workflow, t, ExecutionError, OutputValueError, InputValueError } from "aloft";
import { add } from "../fixtures.js";

/** A promise with its resolver, for tasks that wait on each other. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("local execution", () => {
  it("runs a task on its own and resolves to its outputs record", async () => {
    const slope = task({ name: "slope_alone", inputs: { x: t.list(t.int), y: t.list(t.int) }, outputs: t.float }, ({ x, y }) => (y[1]! - y[0]!) / (x[1]! - x[0]!));
    await expect(slope.run({ x: [0, 2], y: [1, -2] })).resolves.toEqual({ o0: -1.5 });
    await expect(slope.run({ x: [0, 2] } as never)).rejects.toThrow(InputValueError);
  });

  it("runs independent nodes concurrently", async () => {
    const a = deferred();
    const b = deferred();
    // Each task releases the other and then waits for it: this finishes only if both run at once.
    const left = task({ name: "left", outputs: t.int }, async () => {
      a.resolve();
      await b.promise;
      return 1;
    });
    const right = task({ name: "right", outputs: t.int }, async () => {
      b.resolve();
      await a.promise;
      return 2;
    });
    const wf = workflow({ name: "concurrent" }, () => [left(), right()]);
    await expect(wf.run()).resolves.toEqual({ o0: 1, o1: 2 });
  });

  it("bounds concurrency with maxParallelism", async () => {
    let running = 0;
    let peak = 0;
    const slow = task({ name: "slow", inputs: { i: t.int }, outputs: t.int }, async ({ i }) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return i;
    });
    const wf = workflow({ name: "bounded" }, () => [0, 1, 2, 3, 4, 5, 6, 7].map((i) => slow({ i })));
    await expect(wf.run({}, { maxParallelism: 3 })).resolves.toEqual({ o0: 0, o1: 1, o2: 2, o3: 3, o4: 4, o5: 5, o6: 6, o7: 7 });
    expect(peak).toBe(3);
    await expect(wf.run({}, { maxParallelism: 0 })).rejects.toThrow(/maxParallelism must be a whole number of at least 1/);
  });

  it("fails the run naming the node, the entity and the cause, and starts no later node", async () => {
    const started: string[] = [];
    const boom = task({ name: "boom", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      started.push("boom");
      throw new Error(`no good: ${a}`);
    });
    const after = task({ name: "after", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      started.push("after");
      return a;
    });
    const wf = workflow({ name: "failing", inputs: { a: t.int } }, ({ a }) => after({ a: boom({ a }) }));
    const err = (await wf.run({ a: 7 }).catch((e: unknown) => e)) as ExecutionError;
    expect(err).toBeInstanceOf(ExecutionError);
    expect(err.nodeId).toBe("n0");
    expect(err.entity).toBe('task "boom"');
    expect(err.message).toBe('workflow "failing": node n0 (task "boom") failed: no good: 7');
    expect((err.cause as Error).message).toBe("no good: 7");
    expect(started).toEqual(["boom"]);
  });

  it("fails immediately by default: nodes not yet started do not start", async () => {
    const ran: number[] = [];
    const fail = task({ name: "fail_fast", outputs: t.int }, () => {
      throw new Error("x");
    });
    const later = task({ name: "later", inputs: { i: t.int }, outputs: t.int }, async ({ i }) => {
      await new Promise((r) => setTimeout(r, 1));
      ran.push(i);
      return i;
    });
    const wf = workflow({ name: "fast" }, () => [fail(), later({ i: 1 }), later({ i: 2 })]);
    await expect(wf.run({}, { maxParallelism: 1 })).rejects.toThrow(ExecutionError);
    expect(ran).toEqual([]);
  });

  it("with failAfterExecutableNodesComplete, runs the nodes that do not depend on the failure", async () => {
    const ran: number[] = [];
    const fail = task({ name: "fail_late", outputs: t.int }, () => {
      throw new Error("x");
    });
    const other = task({ name: "other", inputs: { i: t.int }, outputs: t.int }, ({ i }) => {
      ran.push(i);
      return i;
    });
    const wf = workflow({ name: "late", failurePolicy: "failAfterExecutableNodesComplete" }, () => {
      const f = fail();
      other({ i: f });
      return [other({ i: 1 }), other({ i: 2 })];
    });
    await expect(wf.run({}, { maxParallelism: 1 })).rejects.toThrow('node n0 (task "fail_late") failed');
    expect(ran).toEqual([1, 2]);
  });

  it("with failAfterExecutableNodesComplete, also runs nodes downstream of those that succeeded", async () => {
    const ran: number[] = [];
    const fail = task({ name: "fail_late_down", outputs: t.int }, () => {
      throw new Error("x");
    });
    const other = task({ name: "other_down", inputs: { i: t.int }, outputs: t.int }, ({ i }) => {
      ran.push(i);
      return i + 10;
    });
    const wf = workflow({ name: "late_down", failurePolicy: "failAfterExecutableNodesComplete" }, () => [fail(), other({ i: other({ i: 1 }) })]);
    await expect(wf.run({}, { maxParallelism: 1 })).rejects.toThrow('node n0 (task "fail_late_down") failed');
    expect(ran).toEqual([1, 11]);
  });

  it("runs the failure handler with the workflow's inputs and the error", async () => {
    const seen: unknown[] = [];
    const handler = task({ name: "on_failure", inputs: { a: t.int, err: t.optional(t.error) } }, ({ a, err }) => {
      seen.push({ a, err });
    });
    const boom = task({ name: "boom2", inputs: { a: t.int }, outputs: t.int }, () => {
      throw new Error("kaput");
    });
    const wf = new Workflow("with_handler");
    const a = wf.addWorkflowInput("a", t.int);
    wf.addEntity(boom, { a });
    wf.addOnFailureHandler(handler);
    await expect(wf.run({ a: 5 })).rejects.toThrow("kaput");
    expect(seen).toEqual([{ a: 5, err: { failedNodeId: "n0", message: "kaput" } }]);
    const ok = workflow({ name: "handler_not_run", inputs: { a: t.int }, onFailure: handler }, ({ a }) => add({ a, b: 1 }));
    await expect(ok.run({ a: 1 })).resolves.toEqual({ o0: 2 });
    expect(seen).toHaveLength(1);
  });

  it("runs a subworkflow's own failure handler, and a workflow given as a failure handler", async () => {
    const seen: unknown[] = [];
    const boom = task({ name: "sub_boom", inputs: { a: t.int }, outputs: t.int }, () => {
      throw new Error("kaput");
    });
    const handler = task({ name: "sub_handler", inputs: { a: t.int, err: t.optional(t.error) } }, ({ a, err }) => {
      seen.push({ a, failed: err?.failedNodeId });
    });
    const sub = workflow({ name: "sub_fails", inputs: { a: t.int }, onFailure: handler }, ({ a }) => boom({ a }));
    const note = task({ name: "note_failure", inputs: { a: t.int } }, ({ a }) => {
      seen.push({ note: a });
    });
    const wfHandler = workflow({ name: "wf_handler", inputs: { a: t.int } }, ({ a }) => {
      note({ a });
    });
    const wf = workflow({ name: "calls_sub_fails", inputs: { a: t.int }, onFailure: wfHandler }, ({ a }) => sub({ a }));
    const run = wf.start({ a: 4 });
    await expect(run.result).rejects.toThrow("kaput");
    expect(seen).toEqual([{ a: 4, failed: "n0" }, { note: 4 }]);
    expect(run.nodes().map((n) => [n.path, n.phase])).toEqual([
      ["n0", "failed"],
      ["n0/n0", "failed"],
      ["n0/efn", "succeeded"],
      ["efn", "succeeded"],
      ["efn/n0", "succeeded"],
    ]);
  });

  it("rejects a failure handler whose err input is not optional<error>", () => {
    const bad = task({ name: "bad_handler", inputs: { err: t.str } }, () => {});
    const wf = new Workflow("w");
    expect(() => wf.addOnFailureHandler(bad)).toThrow(/must be t.optional\(t.error\)/);
  });

  it("fails a task that returns the wrong type, naming the output", async () => {
    const liar = task({ name: "liar", outputs: { n: t.int, s: t.str } }, () => ({ n: 1, s: 2 }) as never);
    const err = await liar.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputValueError);
    expect((err as OutputValueError).variable).toBe("s");
    expect((err as Error).message).toBe('task "liar" returned an ill-typed output "s": expected str, got number 2');
    const missing = task({ name: "missing", outputs: [t.int, t.int] }, () => [1] as never);
    await expect(missing.run()).rejects.toThrow('task "missing" must return an array of 2 outputs (int, int), got 1 values');
    const wf = workflow({ name: "liar_wf" }, () => liar().n);
    const wfErr = (await wf.run().catch((e: unknown) => e)) as ExecutionError;
    expect(wfErr.message).toBe('workflow "liar_wf": node n0 (task "liar") failed: task "liar" returned an ill-typed output "s": expected str, got number 2');
    expect(wfErr.cause).toBeInstanceOf(OutputValueError);
  });

  it("runs subworkflows, nested, and reports failures through them", async () => {
    const inner = workflow({ name: "inner_sub", inputs: { a: t.int } }, ({ a }) => add({ a, b: 1 }));
    const middle = workflow({ name: "middle_sub", inputs: { a: t.int } }, ({ a }) => inner({ a: inner({ a }) }));
    const outer = new Workflow("outer_sub");
    const a = outer.addWorkflowInput("a", t.int);
    const n = outer.addSubwf(middle, { a });
    outer.addWorkflowOutput("r", n.outputs.o0);
    await expect(outer.run({ a: 1 })).resolves.toEqual({ r: 3 });
    const fails = task({ name: "fails_inside", inputs: { a: t.int }, outputs: t.int }, () => {
      throw new Error("deep");
    });
    const sub = workflow({ name: "failing_sub", inputs: { a: t.int } }, ({ a }) => fails({ a }));
    const top = workflow({ name: "top", inputs: { a: t.int } }, ({ a }) => sub({ a }));
    await expect(top.run({ a: 1 })).rejects.toThrow('workflow "top": node n0 (workflow "failing_sub") failed: workflow "failing_sub": node n0 (task "fails_inside") failed: deep');
  });

  it("passes list outputs and struct values between nodes", async () => {
    const Row = t.struct({ id: t.int, tags: t.list(t.str) });
    const rows = task({ name: "rows", inputs: { n: t.int }, outputs: t.list(Row) }, ({ n }) => Array.from({ length: n }, (_, id) => ({ id, tags: [`t${id}`] })));
    const count = task({ name: "count_tags", inputs: { rows: t.list(Row) }, outputs: t.int }, ({ rows }) => rows.flatMap((r) => r.tags).length);
    const wf = workflow({ name: "lists_of_structs", inputs: { n: t.int } }, ({ n }) => count({ rows: rows({ n }) }));
    await expect(wf.run({ n: 4 })).resolves.toEqual({ o0: 4 });
  });

  it("gives the task its context: name, attempt and a signal", async () => {
    const ctxTask = task({ name: "ctx", outputs: t.str }, (_, ctx) => `${ctx.taskName}:${ctx.attempt}:${ctx.signal.aborted}`);
    await expect(ctxTask.run()).resolves.toEqual({ o0: "ctx:1:false" });
  });
});
