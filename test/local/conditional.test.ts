/**
 * Conditionals in the local runner: the conditions are evaluated on the
 * run's values, only the branch taken runs (reported under the branch node's
 * path), its outputs flow downstream, and `else().fail` fails the run.
 */
import { describe, expect, it } from "vitest";
import { conditional, ConditionalError, ExecutionError, RecoverableError, t, task, Workflow, workflow, type Condition, type Handle } from "aloft";

/** Tasks that count their calls, so a test can see which branch ran. */
function counted() {
  const calls: string[] = [];
  const double = task({ name: "cl_double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
    calls.push("double");
    return x * 2;
  });
  const negate = task({ name: "cl_negate", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
    calls.push("negate");
    return -x;
  });
  const zero = task({ name: "cl_zero", inputs: {}, outputs: t.int }, () => {
    calls.push("zero");
    return 0;
  });
  return { calls, double, negate, zero };
}

const yes = task({ name: "cl_yes", inputs: {}, outputs: t.str }, () => "yes");
const no = task({ name: "cl_no", inputs: {}, outputs: t.str }, () => "no");
const inc = task({ name: "cl_inc", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  await new Promise((r) => setTimeout(r, 1));
  return x + 1;
});

/** A workflow on inputs `x: int`, `y: int` and `o: optional<int>` that outputs "yes" when the condition holds, "no" otherwise. */
function decide(name: string, make: (h: { x: Handle<number>; y: Handle<number>; o: Handle<number | null> }) => Condition) {
  return workflow({ name, inputs: { x: t.int, y: t.int, o: t.optional(t.int) } }, (h) => conditional("decide").if(make(h)).then(yes).else().then(no));
}

async function holds(wf: ReturnType<typeof decide>, inputs: { x: number; y: number; o?: number | null }): Promise<boolean> {
  const { o0 } = await wf.run(inputs);
  return o0 === "yes";
}

describe("evaluating conditions", () => {
  const operators: [string, (x: Handle<number>) => Condition, [number, boolean][]][] = [
    ["eq", (x) => x.eq(3), [[3, true], [2, false]]],
    ["ne", (x) => x.ne(3), [[3, false], [2, true]]],
    ["gt", (x) => x.gt(3), [[4, true], [3, false], [2, false]]],
    ["ge", (x) => x.ge(3), [[4, true], [3, true], [2, false]]],
    ["lt", (x) => x.lt(3), [[2, true], [3, false], [4, false]]],
    ["le", (x) => x.le(3), [[2, true], [3, true], [4, false]]],
  ];
  for (const [op, make, table] of operators) {
    it(`evaluates ${op} with a constant`, async () => {
      const wf = decide(`cl_${op}`, ({ x }) => make(x));
      for (const [x, expected] of table) expect(await holds(wf, { x, y: 0 }), `${x} ${op} 3`).toBe(expected);
    });
  }

  it("compares a handle with a handle", async () => {
    const wf = decide("cl_handles", ({ x, y }) => x.lt(y));
    expect(await holds(wf, { x: 1, y: 2 })).toBe(true);
    expect(await holds(wf, { x: 2, y: 2 })).toBe(false);
  });

  it("combines conditions with and / or", async () => {
    const both = decide("cl_and", ({ x }) => x.gt(0).and(x.lt(10)));
    expect(await holds(both, { x: 5, y: 0 })).toBe(true);
    expect(await holds(both, { x: 10, y: 0 })).toBe(false);
    expect(await holds(both, { x: 0, y: 0 })).toBe(false);
    const either = decide("cl_or", ({ x, y }) => x.eq(1).or(y.eq(1)));
    expect(await holds(either, { x: 0, y: 1 })).toBe(true);
    expect(await holds(either, { x: 1, y: 0 })).toBe(true);
    expect(await holds(either, { x: 0, y: 0 })).toBe(false);
  });

  it("tests optional values with isNone, and compares them when they are set", async () => {
    const none = decide("cl_none", ({ o }) => o.isNone());
    expect(await holds(none, { x: 0, y: 0 })).toBe(true);
    expect(await holds(none, { x: 0, y: 0, o: null })).toBe(true);
    expect(await holds(none, { x: 0, y: 0, o: 0 })).toBe(false);
    const eq = decide("cl_optional_eq", ({ o, x }) => o.eq(x));
    expect(await holds(eq, { x: 3, y: 0, o: 3 })).toBe(true);
    expect(await holds(eq, { x: 3, y: 0, o: null })).toBe(false);
    const ne = decide("cl_optional_ne", ({ o }) => o.ne(3));
    expect(await holds(ne, { x: 0, y: 0, o: null })).toBe(true);
  });

  it("fails the run when a none value is ordered", async () => {
    const gt = decide("cl_none_gt", ({ o }) => o.gt(3));
    expect(await holds(gt, { x: 0, y: 0, o: 4 })).toBe(true);
    const error = await gt.run({ x: 0, y: 0, o: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionError);
    expect((error as ExecutionError).cause).toBeInstanceOf(ConditionalError);
    expect((error as Error).message).toBe('workflow "cl_none_gt": node n0 (conditional "decide") failed: conditional "decide": cannot evaluate .o > 3: none cannot be ordered');
  });

  it("compares bools, strings, enums, floats, datetimes and durations", async () => {
    const wf = workflow(
      { name: "cl_kinds", inputs: { b: t.bool, s: t.str, mode: t.enum("fast", "slow"), f: t.float, when: t.datetime, d: t.duration } },
      ({ b, s, mode, f, when, d }) => ({
        flag: conditional("flag").if(b.isTrue()).then(yes).else().then(no),
        notFlag: conditional("not_flag").if(b.isFalse()).then(yes).else().then(no),
        text: conditional("text").if(s.gt("m").and(mode.eq("fast"))).then(yes).else().then(no),
        number: conditional("number").if(f.le(0.5)).then(yes).else().then(no),
        time: conditional("time").if(when.ge(new Date("2024-01-01T00:00:00Z")).and(d.lt(60_000))).then(yes).else().then(no),
      }),
    );
    expect(await wf.run({ b: true, s: "z", mode: "fast", f: 0.5, when: new Date("2024-06-01T00:00:00Z"), d: 1000 })).toEqual({ flag: "yes", notFlag: "no", text: "yes", number: "yes", time: "yes" });
    expect(await wf.run({ b: false, s: "a", mode: "fast", f: 0.75, when: new Date("2023-06-01T00:00:00Z"), d: 1000 })).toEqual({ flag: "no", notFlag: "yes", text: "no", number: "no", time: "no" });
    expect(await wf.run({ b: true, s: "z", mode: "slow", f: 0.25, when: new Date("2024-01-01T00:00:00Z"), d: 60_000 })).toMatchObject({ text: "no", number: "yes", time: "no" });
  });
});

describe("running branches", () => {
  it("runs only the branch taken, in a chain of elifs", async () => {
    const { calls, double, negate, zero } = counted();
    const wf = workflow({ name: "cl_elif", inputs: { x: t.int } }, ({ x }) =>
      conditional("sign").if(x.gt(0)).then(double, { x }).elif(x.eq(0)).then(zero).elif(x.gt(-10)).then(negate, { x }).else().then(double, { x: 100 }),
    );
    const results = [];
    for (const x of [5, 0, -3, -50]) {
      calls.length = 0;
      results.push((await wf.run({ x })).o0);
      expect(calls, `x = ${x}`).toHaveLength(1);
    }
    expect(results).toEqual([10, 0, 3, 200]);
  });

  it("reports the branch taken under the branch node's path, and no other", async () => {
    const { double, negate } = counted();
    const wf = workflow({ name: "cl_report", inputs: { x: t.int } }, ({ x }) => {
      const first = double({ x });
      return conditional("sign").if(first.gt(0)).then(double, { x: first }).else().then(negate, { x: first });
    });
    const run = wf.start({ x: -2 });
    await expect(run.result).resolves.toEqual({ o0: 4 });
    expect(run.nodes().map((n) => [n.path, n.entity, n.phase])).toEqual([
      ["n0", 'task "cl_double"', "succeeded"],
      ["n1", 'conditional "sign"', "succeeded"],
      ["n1/n1-n1", 'task "cl_negate"', "succeeded"],
    ]);
  });

  it("gives the branch's outputs to downstream nodes, which wait for it", async () => {
    const { calls, double, negate } = counted();
    const wf = workflow({ name: "cl_downstream", inputs: { x: t.int } }, ({ x }) => {
      const slow = inc({ x });
      const picked = conditional("pick").if(x.ge(0)).then(double, { x: slow }).else().then(negate, { x: slow });
      return { picked, after: double({ x: picked }) };
    });
    expect(await wf.run({ x: 4 })).toEqual({ picked: 10, after: 20 });
    expect(await wf.run({ x: -4 })).toEqual({ picked: 3, after: 6 });
    expect(calls).toEqual(["double", "double", "negate", "double"]);
  });

  it("fails the run with the message of else().fail, and runs no branch", async () => {
    const { calls, double } = counted();
    const wf = workflow({ name: "cl_fail", inputs: { x: t.int } }, ({ x }) => {
      const y = conditional("positive").if(x.gt(0)).then(double, { x }).else().fail("x must be positive");
      return double({ x: y });
    });
    expect(await wf.run({ x: 2 })).toEqual({ o0: 8 });
    calls.length = 0;
    const run = wf.start({ x: -1 });
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionError);
    expect(error).toMatchObject({ nodeId: "n0", entity: 'conditional "positive"', message: 'workflow "cl_fail": node n0 (conditional "positive") failed: x must be positive' });
    const cause = (error as ExecutionError).cause;
    expect(cause).toBeInstanceOf(ConditionalError);
    expect(cause).toMatchObject({ message: "x must be positive", conditional: "positive", nodeId: "n0" });
    expect(calls).toEqual([]);
    expect(run.nodes().map((n) => [n.path, n.phase, n.error])).toEqual([["n0", "failed", "x must be positive"]]);
  });

  it("fails the run when the branch taken fails, naming the then-node, and retries it as its task says", async () => {
    let attempts = 0;
    const flaky = task({ name: "cl_flaky", inputs: { x: t.int }, outputs: t.int, retries: 1 }, ({ x }) => {
      attempts++;
      if (attempts === 1 || x < 0) throw new RecoverableError("boom");
      return x;
    });
    const wf = workflow({ name: "cl_inner_fails", inputs: { x: t.int } }, ({ x }) => conditional("c").if(x.ne(0)).then(flaky, { x }).else().then(flaky, { x: 1 }));
    const run = wf.start({ x: 5 }, { retryBackoff: { initial: 1 } });
    await expect(run.result).resolves.toEqual({ o0: 5 });
    expect(run.nodes().find((n) => n.path === "n0/n0-n0")).toMatchObject({ attempts: 2, phase: "succeeded" });
    const failing = wf.start({ x: -1 }, { retryBackoff: { initial: 1 } });
    await expect(failing.result).rejects.toThrow('workflow "cl_inner_fails": node n0 (conditional "c") failed: node n0-n0 (task "cl_flaky") failed: boom');
    expect(failing.nodes().map((n) => [n.path, n.phase])).toEqual([
      ["n0", "failed"],
      ["n0/n0-n0", "failed"],
    ]);
  });

  it("runs the same way on the imperative builder", async () => {
    const { calls, double, negate } = counted();
    const wf = new Workflow("cl_imperative");
    const x = wf.addWorkflowInput("x", t.int);
    const first = wf.addEntity(double, { x });
    const sign = wf.conditional("sign").if(first.outputs.o0.ge(0)).then(double, { x: first.outputs.o0 }).else().then(negate, { x: first.outputs.o0 });
    const last = wf.addEntity(negate, { x: sign.outputs.o0 });
    wf.addWorkflowOutput("out", last.outputs.o0);
    expect(await wf.run({ x: 3 })).toEqual({ out: -12 });
    expect(calls).toEqual(["double", "double", "negate"]);
    await expect(wf.run({ x: -3 })).resolves.toEqual({ out: -6 });
  });

  it("runs subworkflows as branches, with a conditional nested inside one", async () => {
    const { calls, double, negate } = counted();
    const inner = workflow({ name: "cl_inner", inputs: { x: t.int } }, ({ x }) => conditional("inner").if(x.gt(10)).then(double, { x }).else().then(negate, { x }));
    const outer = workflow({ name: "cl_outer", inputs: { x: t.int } }, ({ x }) => {
      const first = inc({ x });
      return conditional("outer").if(first.lt(100)).then(inner, { x: first }).else().fail("too big");
    });
    const run = outer.start({ x: 20 });
    await expect(run.result).resolves.toEqual({ o0: 42 });
    expect(run.nodes().map((n) => n.path)).toEqual(["n0", "n1", "n1/n1-n0", "n1/n1-n0/n0", "n1/n1-n0/n0/n0-n0"]);
    expect(await outer.run({ x: 1 })).toEqual({ o0: -2 });
    expect(calls).toEqual(["double", "negate"]);
    await expect(outer.run({ x: 200 })).rejects.toThrow("too big");
  });

  it("runs an imperative Workflow as a branch", async () => {
    const { double } = counted();
    const sub = new Workflow("cl_sub");
    const sx = sub.addWorkflowInput("x", t.int);
    sub.addWorkflowOutput("y", sub.addEntity(double, { x: sx }).outputs.o0);
    const other = new Workflow("cl_sub_other");
    const ox = other.addWorkflowInput("x", t.int);
    other.addWorkflowOutput("y", other.addEntity(inc, { x: ox }).outputs.o0);
    const wf = workflow({ name: "cl_uses_sub", inputs: { x: t.int } }, ({ x }) => {
      const r = conditional("c").if(x.gt(0)).then(sub, { x }).else().then(other, { x });
      return { y: r["y"]! };
    });
    expect(await wf.run({ x: 4 })).toEqual({ y: 8 });
    expect(await wf.run({ x: -4 })).toEqual({ y: -3 });
  });
});
