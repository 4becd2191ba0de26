import { describe, expect, it } from "vitest";
import { task, workflow, t, NonRetryableError, RecoverableError, TaskTimeoutError, ExecutionError } from "aloft";

const fast = { retryBackoff: { initial: 1, max: 5 } };

describe("retries", () => {
  it("retries a failing task up to `retries` times and shows attempts to the task and in the report", async () => {
    const seen: number[] = [];
    const flaky = task({ name: "flaky", outputs: t.int, retries: 3 }, (_, ctx) => {
      seen.push(ctx.attempt);
      if (ctx.attempt < 3) throw new RecoverableError(`try ${ctx.attempt}`);
      return ctx.attempt;
    });
    const wf = workflow({ name: "retrying" }, () => flaky());
    const run = wf.start({}, fast);
    await expect(run.result).resolves.toEqual({ o0: 3 });
    expect(seen).toEqual([1, 2, 3]);
    const [node] = run.nodes();
    expect(node).toMatchObject({ path: "n0", phase: "succeeded", attempts: 3, error: "try 2" });
  });

  it("fails after the last retry with the last error", async () => {
    let calls = 0;
    const always = task({ name: "always_fails", outputs: t.int, retries: 2 }, () => {
      calls++;
      throw new RecoverableError(`fail ${calls}`);
    });
    const run = workflow({ name: "exhausted" }, () => always()).start({}, fast);
    await expect(run.result).rejects.toThrow('node n0 (task "always_fails") failed: fail 3');
    expect(calls).toBe(3);
    expect(run.nodes()[0]).toMatchObject({ phase: "failed", attempts: 3 });
  });

  // flytekit exceptions/user.py: only FlyteRecoverableException is retried; a plain user exception is final.
  it("does not retry a plain error, as Flyte does not retry a non-recoverable user error", async () => {
    let calls = 0;
    const plain = task({ name: "plain_fails", outputs: t.int, retries: 3 }, () => {
      calls++;
      throw new Error("a bug in the task");
    });
    const run = workflow({ name: "plain_final" }, () => plain()).start({}, fast);
    await expect(run.result).rejects.toThrow('workflow "plain_final": node n0 (task "plain_fails") failed: a bug in the task');
    expect(calls).toBe(1);
    expect(run.nodes()[0]).toMatchObject({ phase: "failed", attempts: 1 });
  });

  it("retries every error of a task with retryAllErrors, but still not bad inputs or a NonRetryableError", async () => {
    let calls = 0;
    const eager = task({ name: "retry_all", outputs: t.int, retries: 2, retryAllErrors: true }, (_, ctx) => {
      calls++;
      if (ctx.attempt < 3) throw new TypeError(`try ${ctx.attempt}`);
      return ctx.attempt;
    });
    await expect(eager.run({}, fast)).resolves.toEqual({ o0: 3 });
    expect(calls).toBe(3);
    let fatalCalls = 0;
    const fatal = task({ name: "retry_all_fatal", outputs: t.int, retries: 2, retryAllErrors: true }, () => {
      fatalCalls++;
      throw new NonRetryableError("no");
    });
    await expect(fatal.run({}, fast)).rejects.toThrow(NonRetryableError);
    expect(fatalCalls).toBe(1);
    expect(() => task({ name: "bad_option", retryAllErrors: "yes" as never }, () => {})).toThrow(/retryAllErrors of task "bad_option" must be a boolean/);
  });

  it("does not retry a NonRetryableError", async () => {
    let calls = 0;
    const fatal = task({ name: "fatal", outputs: t.int, retries: 5 }, () => {
      calls++;
      throw new NonRetryableError("bad input, no point retrying");
    });
    await expect(fatal.run({}, fast)).rejects.toThrow(NonRetryableError);
    expect(calls).toBe(1);
  });

  it("waits with exponential backoff between attempts", async () => {
    const times: number[] = [];
    const flaky = task({ name: "backoff", outputs: t.int, retries: 2 }, () => {
      times.push(Date.now());
      if (times.length < 3) throw new RecoverableError("again");
      return 1;
    });
    await flaky.run({}, { retryBackoff: { initial: 40, multiplier: 2 } });
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(35);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(75);
  });

  it("validates the backoff options", async () => {
    const one = task({ name: "one", outputs: t.int }, () => 1);
    await expect(one.run({}, { retryBackoff: { multiplier: 0.5 } })).rejects.toThrow(/multiplier must be a number of at least 1/);
    await expect(one.run({}, { retryBackoff: { initial: "soon" } })).rejects.toThrow(/retryBackoff.initial/);
  });
});

describe("timeouts", () => {
  it("aborts the attempt through its signal and fails it as timed out", async () => {
    let aborted = false;
    const slow = task({ name: "slow_to", outputs: t.int, timeout: 30 }, (_, ctx) => {
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => resolve(1), 5_000);
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
          clearTimeout(timer);
          reject(ctx.signal.reason as Error);
        });
      });
    });
    const run = workflow({ name: "timing_out" }, () => slow()).start();
    const err = (await run.result.catch((e: unknown) => e)) as ExecutionError;
    expect(err).toBeInstanceOf(ExecutionError);
    expect(err.cause).toBeInstanceOf(TaskTimeoutError);
    expect(err.message).toBe('workflow "timing_out": node n0 (task "slow_to") failed: task "slow_to" timed out after 30 ms (attempt 1)');
    expect(aborted).toBe(true);
    expect(run.nodes()[0]).toMatchObject({ phase: "timedOut" });
  });

  it("fails a task that ignores its signal when the timeout passes", async () => {
    const stubborn = task({ name: "stubborn", outputs: t.int, timeout: "20ms" }, () => new Promise<number>((r) => setTimeout(() => r(1), 300)));
    await expect(stubborn.run()).rejects.toThrow(TaskTimeoutError);
  });

  it("retries a timed-out attempt", async () => {
    const late = task({ name: "late_then_fast", outputs: t.int, timeout: 30, retries: 1 }, (_, ctx) =>
      ctx.attempt === 1 ? new Promise<number>((r) => setTimeout(() => r(1), 300)) : 2,
    );
    await expect(late.run({}, fast)).resolves.toEqual({ o0: 2 });
  });
});
