import { describe, expect, it } from "vitest";
import { task, workflow, t, NonRetryableError, TaskTimeoutError, ExecutionError } from "aloft";

const fast = { retryBackoff: { initial: 1, max: 5 } };

describe("retries", () => {
  it("retries a failing task up to `retries` times and shows attempts to the task and in the report", async () => {
    const seen: number[] = [];
    const flaky = task({ name: "flaky", outputs: t.int, retries: 3 }, (_, ctx) => {
      seen.push(ctx.attempt);
      if (ctx.attempt < 3) throw new Error(`try ${ctx.attempt}`);
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
      throw new Error(`fail ${calls}`);
    });
    const run = workflow({ name: "exhausted" }, () => always()).start({}, fast);
    await expect(run.result).rejects.toThrow('node n0 (task "always_fails") failed: fail 3');
    expect(calls).toBe(3);
    expect(run.nodes()[0]).toMatchObject({ phase: "failed", attempts: 3 });
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
      if (times.length < 3) throw new Error("again");
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
