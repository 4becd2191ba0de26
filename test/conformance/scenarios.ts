/**
 * The scenarios of the runner conformance suite: every node kind, every
 * error class, both failure policies, retries, timeouts, caching, gates,
 * dynamic workflows, launch-plan nodes and nested combinations. Each states
 * what it must show; the suite also checks both runners show the same.
 */
import {
  approve,
  conditional,
  dynamic,
  LaunchPlan,
  mapTask,
  NonRetryableError,
  RecoverableError,
  sleep,
  t,
  task,
  waitForInput,
  workflow,
  type AnyEntity,
} from "aloft";
import type { Scenario } from "./harness.js";

const ok = (outputs: Record<string, unknown>) => ({ outputs });
const fails = (...classes: string[]) => ({ error: classes });

// ---- tasks ---------------------------------------------------------------

const inc = task({ name: "cs_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const add = task({ name: "cs_add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const double = task({ name: "cs_double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);
const asyncInc = task({ name: "cs_async_inc", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  await new Promise((r) => setTimeout(r, 1));
  return x + 1;
});
const sum = task({ name: "cs_sum", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
const sumMaybe = task({ name: "cs_sum_maybe", inputs: { xs: t.list(t.optional(t.int)) }, outputs: t.int }, ({ xs }) => xs.reduce((a: number, b) => a + (b ?? 0), 0));
const pair = task({ name: "cs_pair", inputs: { x: t.int }, outputs: { lo: t.int, hi: t.int } }, ({ x }) => ({ lo: x - 1, hi: x + 1 }));
const greet = task({ name: "cs_greet", inputs: { name: t.str, greeting: t.str }, outputs: t.str }, ({ name, greeting }) => `${greeting}, ${name}`);
const boom = task({ name: "cs_boom", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  throw new Error(`boom ${x}`);
});
const typeBoom = task({ name: "cs_type_boom", outputs: t.int }, () => {
  throw new TypeError("not a function");
});
const fatal = task({ name: "cs_fatal", outputs: t.int, retries: 3 }, () => {
  throw new NonRetryableError("no point retrying");
});
const liar = task({ name: "cs_liar", outputs: t.int }, () => "one" as never);
const noisy = task({ name: "cs_plain_retries", outputs: t.int, retries: 2 }, () => {
  throw new Error("plain errors are final");
});
const flaky = task({ name: "cs_flaky", inputs: { x: t.int }, outputs: t.int, retries: 3 }, ({ x }, ctx) => {
  if (ctx.attempt < 3) throw new RecoverableError(`busy (attempt ${ctx.attempt})`);
  return x + ctx.attempt;
});
const exhausted = task({ name: "cs_exhausted", outputs: t.int, retries: 2 }, (_, ctx) => {
  throw new RecoverableError(`still busy (attempt ${ctx.attempt})`);
});
const retryAll = task({ name: "cs_retry_all", outputs: t.int, retries: 2, retryAllErrors: true }, (_, ctx) => {
  if (ctx.attempt < 2) throw new RangeError("out of range once");
  return ctx.attempt;
});
const hang = (ctxSignal: AbortSignal, ms: number) =>
  new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
    ctxSignal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(ctxSignal.reason as Error);
    });
  });
const slow = task({ name: "cs_slow", outputs: t.int, timeout: 40 }, (_, ctx) => hang(ctx.signal, 5000));
const slowRetried = task({ name: "cs_slow_retried", outputs: t.int, timeout: 40, retries: 1 }, async (_, ctx) => {
  if (ctx.attempt === 1) return hang(ctx.signal, 5000);
  return 7;
});
const waitsForAbort = task({ name: "cs_waits_for_abort", outputs: t.int }, (_, ctx) => hang(ctx.signal, 5000));
const failsSoon = task({ name: "cs_fails_soon", outputs: t.int }, async () => {
  await new Promise((r) => setTimeout(r, 5));
  throw new NonRetryableError("failed soon");
});
const later = task({ name: "cs_later", outputs: t.int }, async () => {
  await new Promise((r) => setTimeout(r, 30));
  return 30;
});
const odd = task({ name: "cs_odd_fails", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  if (x % 2 === 1) throw new Error(`odd ${x}`);
  return x * 10;
});
const elemFlaky = task({ name: "cs_elem_flaky", inputs: { x: t.int }, outputs: t.int, retries: 2 }, ({ x }, ctx) => {
  if (ctx.attempt === 1 && x > 1) throw new RecoverableError(`first try of ${x}`);
  return x;
});
let cachedCalls = 0;
const cached = task({ name: "cs_cached", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, ({ x }) => {
  cachedCalls++;
  return x * 3;
});
const cachedSerial = task({ name: "cs_cached_serial", inputs: { x: t.int }, outputs: t.int, cache: { version: "1", serialize: true } }, ({ x }) => x * 5);
const cachedIgnoring = task({ name: "cs_cached_ignoring", inputs: { x: t.int, note: t.str }, outputs: t.int, cache: { version: "1", ignoredInputs: ["note"] } }, ({ x }) => x + 100);
let inFlight = 0;
const countsPeers = task({ name: "cs_counts_peers", inputs: { i: t.int }, outputs: t.int }, async () => {
  inFlight++;
  const within = inFlight <= 2 ? 1 : 0;
  await new Promise((r) => setTimeout(r, 15));
  inFlight--;
  return within;
});
const onFailure = task({ name: "cs_on_failure", inputs: { err: t.optional(t.error) } }, () => {});
const onFailureSeesErr = task({ name: "cs_on_failure_err", inputs: { x: t.int, err: t.optional(t.error) } }, ({ err }) => {
  if (!err || err.failedNodeId !== "n0" || err.message !== "boom 3") throw new Error(`the handler got ${JSON.stringify(err)}`);
});
const handlerFails = task({ name: "cs_handler_fails", inputs: { err: t.optional(t.error) } }, () => {
  throw new Error("the handler failed too");
});

// ---- workflows -------------------------------------------------------------

const chain = workflow({ name: "cs_chain", inputs: { x: t.int } }, ({ x }) => inc({ x: inc({ x: inc({ x }) }) }));
const diamond = workflow({ name: "cs_diamond", inputs: { x: t.int } }, ({ x }) => {
  const a = inc({ x });
  return add({ a: double({ x: a }), b: asyncInc({ x: a }) });
});
const tuple = workflow({ name: "cs_named_outputs", inputs: { x: t.int } }, ({ x }) => {
  const p = pair({ x });
  return { lo: p.lo, hi: p.hi, sum: add({ a: p.lo, b: p.hi }) };
});
const constants = workflow({ name: "cs_constants" }, () => ({ s: sum({ xs: [1, 2, 3] }), g: greet({ name: "Ada", greeting: "Hello" }) }));
const optionalInput = workflow({ name: "cs_optional", inputs: { xs: t.list(t.optional(t.int)) } }, ({ xs }) => sumMaybe({ xs }));
// One node beside the pass-through: Flyte refuses a workflow with no nodes (propeller NoNodesFound).
const empty = workflow({ name: "cs_passthrough", inputs: { x: t.int } }, ({ x }) => ({ y: x, z: inc({ x }) }));

const sub = workflow({ name: "cs_sub", inputs: { x: t.int } }, ({ x }) => double({ x: inc({ x }) }));
const callsSub = workflow({ name: "cs_calls_sub", inputs: { x: t.int } }, ({ x }) => inc({ x: sub({ x }) }));
const subSub = workflow({ name: "cs_sub_sub", inputs: { x: t.int } }, ({ x }) => sub({ x: sub({ x }) }));
const callsSubSub = workflow({ name: "cs_calls_sub_sub", inputs: { x: t.int } }, ({ x }) => subSub({ x }));

const subFails = workflow({ name: "cs_sub_fails", inputs: { x: t.int } }, ({ x }) => boom({ x: inc({ x }) }));
const callsSubFails = workflow({ name: "cs_calls_sub_fails", inputs: { x: t.int } }, ({ x }) => subFails({ x }));
const subWithHandler = workflow({ name: "cs_sub_with_handler", inputs: { x: t.int }, onFailure }, ({ x }) => boom({ x }));
const callsSubWithHandler = workflow({ name: "cs_calls_sub_with_handler", inputs: { x: t.int }, onFailure }, ({ x }) => subWithHandler({ x }));

const lp = LaunchPlan.create("cs_lp", sub, { defaultInputs: { x: 10 } });
const lpFixed = LaunchPlan.create("cs_lp_fixed", sub, { fixedInputs: { x: 20 } });
const greetWf = workflow({ name: "cs_greet_wf", inputs: { name: t.str, greeting: t.str } }, ({ name, greeting }) => greet({ name, greeting }));
const greetLp = LaunchPlan.create("cs_greet_lp", greetWf, { defaultInputs: { greeting: "Hi" }, fixedInputs: { name: "Grace" } });
const callsLp = workflow({ name: "cs_calls_lp" }, () => [lp(), lpFixed()]);
const callsLpBound = workflow({ name: "cs_calls_lp_bound", inputs: { x: t.int } }, ({ x }) => lp({ x }));
const lpFailsWf = workflow({ name: "cs_lp_fails_wf", inputs: { x: t.int } }, ({ x }) => boom({ x }));
const lpFails = LaunchPlan.create("cs_lp_fails", lpFailsWf, { defaultInputs: { x: 5 } });
const callsLpFails = workflow({ name: "cs_calls_lp_fails" }, () => lpFails());

const branch = workflow({ name: "cs_branch", inputs: { x: t.int } }, ({ x }) =>
  conditional("sign").if(x.gt(0)).then(double, { x }).elif(x.eq(0)).then(inc, { x }).else().then(add, { a: x, b: x }),
);
const branchFail = workflow({ name: "cs_branch_fail", inputs: { x: t.int } }, ({ x }) => conditional("guard").if(x.ge(0)).then(double, { x }).else().fail("x must not be negative"));
const branchNone = workflow({ name: "cs_branch_none", inputs: { o: t.optional(t.int) } }, ({ o }) => conditional("decide").if(o.gt(3)).then(inc, { x: 1 }).else().then(inc, { x: 2 }));
const branchStr = workflow({ name: "cs_branch_str", inputs: { s: t.str } }, ({ s }) => conditional("word").if(s.eq("yes")).then(inc, { x: 1 }).else().then(inc, { x: 0 }));
const branchAndOr = workflow({ name: "cs_branch_and_or", inputs: { x: t.int } }, ({ x }) =>
  conditional("range").if(x.gt(0).and(x.lt(10))).then(inc, { x }).elif(x.lt(-10).or(x.gt(100))).then(double, { x }).else().then(inc, { x: 0 }),
);
const branchInnerFails = workflow({ name: "cs_branch_inner_fails", inputs: { x: t.int } }, ({ x }) => conditional("risky").if(x.gt(0)).then(boom, { x }).else().then(inc, { x }));
const branchSub = workflow({ name: "cs_branch_sub", inputs: { x: t.int } }, ({ x }) => conditional("to_sub").if(x.gt(0)).then(sub, { x }).else().then(inc, { x }));
const branchThenDownstream = workflow({ name: "cs_branch_downstream", inputs: { x: t.int } }, ({ x }) => {
  const y = inc({ x });
  return inc({ x: conditional("mid").if(y.gt(2)).then(double, { x: y }).else().then(inc, { x: y }) });
});

const squares = mapTask(double);
const mapWf = workflow({ name: "cs_map", inputs: { xs: t.list(t.int) } }, ({ xs }) => sum({ xs: squares({ x: xs }) }));
const addAll = mapTask(add, { fixed: ["b"] });
const mapFixed = workflow({ name: "cs_map_fixed", inputs: { xs: t.list(t.int) } }, ({ xs }) => addAll({ a: xs, b: 100 }));
const zipAdd = mapTask(add);
const mapZip = workflow({ name: "cs_map_zip", inputs: { a: t.list(t.int), b: t.list(t.int) } }, ({ a, b }) => zipAdd({ a, b }));
const oddMap = mapTask(odd);
const mapFails = workflow({ name: "cs_map_fails", inputs: { xs: t.list(t.int) } }, ({ xs }) => oddMap({ x: xs }));
const oddMapTolerant = mapTask(odd, { minSuccessRatio: 0.5 });
const mapTolerant = workflow({ name: "cs_map_tolerant", inputs: { xs: t.list(t.int) } }, ({ xs }) => sumMaybe({ xs: oddMapTolerant({ x: xs }) }));
const flakyMap = mapTask(elemFlaky, { concurrency: 2 });
const mapRetries = workflow({ name: "cs_map_retries", inputs: { xs: t.list(t.int) } }, ({ xs }) => flakyMap({ x: xs }));
const mapEmpty = workflow({ name: "cs_map_empty", inputs: { xs: t.list(t.int) } }, ({ xs }) => squares({ x: xs }));
const cachedMap = mapTask(cached);
const mapCached = workflow({ name: "cs_map_cached", inputs: { xs: t.list(t.int) } }, ({ xs }) => cachedMap({ x: xs }));

const dyn = dynamic({ name: "cs_dyn", inputs: { n: t.int }, outputs: t.int }, ({ n }) => sum({ xs: Array.from({ length: n }, (_, i) => double({ x: i })) }));
const dynWf = workflow({ name: "cs_dyn_wf", inputs: { n: t.int } }, ({ n }) => inc({ x: dyn({ n }) }));
const dynFails = dynamic({ name: "cs_dyn_fails", inputs: { n: t.int }, outputs: t.int }, ({ n }) => boom({ x: n }));
const dynFailsWf = workflow({ name: "cs_dyn_fails_wf", inputs: { n: t.int } }, ({ n }) => dynFails({ n }));
const dynSub = dynamic({ name: "cs_dyn_sub", inputs: { n: t.int }, outputs: t.int }, ({ n }) => sub({ x: n }));
const dynSubWf = workflow({ name: "cs_dyn_sub_wf", inputs: { n: t.int } }, ({ n }) => dynSub({ n }));
const dynGate = dynamic({ name: "cs_dyn_gate", inputs: { n: t.int }, outputs: t.int }, ({ n }) => add({ a: n, b: waitForInput("cs_dyn_factor", t.int) }));
const dynGateWf = workflow({ name: "cs_dyn_gate_wf", inputs: { n: t.int } }, ({ n }) => dynGate({ n }));
const dynMap = dynamic({ name: "cs_dyn_map", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) => squares({ x: Array.from({ length: n }, (_, i) => i) }));
const dynMapWf = workflow({ name: "cs_dyn_map_wf", inputs: { n: t.int } }, ({ n }) => dynMap({ n }));

const sleeps = workflow({ name: "cs_sleep", inputs: { x: t.int } }, ({ x }) => {
  const nap = sleep(1);
  const y = inc({ x });
  nap.runsBefore(y);
  return y;
});
const signalled = workflow({ name: "cs_signal", inputs: { x: t.int } }, ({ x }) => add({ a: x, b: waitForInput("cs_factor", t.int) }));
const approved = workflow({ name: "cs_approve", inputs: { x: t.int } }, ({ x }) => inc({ x: approve(inc({ x }), "cs_publish") }));
const gateTimesOut = workflow({ name: "cs_gate_timeout" }, () => inc({ x: waitForInput("cs_never", t.int, { timeout: 40 }) }));
const approvalTimesOut = workflow({ name: "cs_approval_timeout", inputs: { x: t.int } }, ({ x }) => approve(x, "cs_never_approved", { timeout: 40 }));
const gateInBranch = workflow({ name: "cs_gate_in_sub", inputs: { x: t.int } }, ({ x }) => sub({ x: add({ a: x, b: waitForInput("cs_sub_factor", t.int) }) }));

const withHandler = workflow({ name: "cs_with_handler", inputs: { x: t.int }, onFailure: onFailureSeesErr }, ({ x }) => boom({ x }));
const handlerAlsoFails = workflow({ name: "cs_handler_also_fails", onFailure: handlerFails }, () => boom({ x: 1 }));
const failFast = workflow({ name: "cs_fail_fast", onFailure }, () => [failsSoon(), waitsForAbort()]);
const failLate = workflow({ name: "cs_fail_late", failurePolicy: "failAfterExecutableNodesComplete" }, () => {
  const f = failsSoon();
  const l = later();
  return [f, inc({ x: l })];
});
const failLateDownstream = workflow({ name: "cs_fail_late_downstream", failurePolicy: "failAfterExecutableNodesComplete", onFailure }, () => {
  const f = failsSoon();
  return [inc({ x: f }), inc({ x: later() })];
});
const failFastInSub = workflow({ name: "cs_fail_fast_sub" }, () => {
  failsSoon();
  return waitsForAbort();
});
const callsFailFastInSub = workflow({ name: "cs_calls_fail_fast_sub" }, () => [failFastInSub(), later()]);

const peersSub = workflow({ name: "cs_peers_sub", inputs: { i: t.int } }, ({ i }) => add({ a: countsPeers({ i }), b: countsPeers({ i: inc({ x: i }) }) }));
const peers = workflow({ name: "cs_peers" }, () => add({ a: add({ a: peersSub({ i: 1 }), b: peersSub({ i: 3 }) }), b: sum({ xs: mapTask(countsPeers)({ i: [5, 6, 7] }) }) }));
const retried = workflow({ name: "cs_retried", inputs: { x: t.int } }, ({ x }) => flaky({ x }));
const retriesSpent = workflow({ name: "cs_retries_spent" }, () => exhausted());
const plainFinal = workflow({ name: "cs_plain_final" }, () => noisy());
const fatalWf = workflow({ name: "cs_fatal_wf" }, () => fatal());
const retryAllWf = workflow({ name: "cs_retry_all_wf" }, () => retryAll());
const typeErrorWf = workflow({ name: "cs_type_error" }, () => typeBoom());
const liarWf = workflow({ name: "cs_liar_wf" }, () => liar());
const timesOut = workflow({ name: "cs_times_out" }, () => slow());
const timeoutRetried = workflow({ name: "cs_timeout_retried" }, () => slowRetried());
const overrideRetries = workflow({ name: "cs_override_retries" }, () => exhausted().withOverrides({ retries: 0 }));

const cachedWf = workflow({ name: "cs_cached_wf", inputs: { x: t.int } }, ({ x }) => inc({ x: cached({ x }) }));
const cachedTwice = workflow({ name: "cs_cached_twice", inputs: { x: t.int } }, ({ x }) => [cachedSerial({ x }), cachedIgnoring({ x, note: "a" })]);

const nested = workflow({ name: "cs_nested", inputs: { xs: t.list(t.int) } }, ({ xs }) => {
  const total = sum({ xs: squares({ x: xs }) });
  const picked = conditional("big").if(total.gt(10)).then(sub, { x: total }).else().then(inc, { x: total });
  return { o: inc({ x: picked }), d: dyn({ n: 3 }) };
});
const nestedFails = workflow({ name: "cs_nested_fails", inputs: { xs: t.list(t.int) } }, ({ xs }) => {
  const total = sum({ xs: oddMap({ x: xs }) });
  return conditional("after").if(total.gt(0)).then(sub, { x: total }).else().then(inc, { x: total });
});
const subMapFails = workflow({ name: "cs_sub_map_fails", inputs: { xs: t.list(t.int) } }, ({ xs }) => oddMap({ x: xs }));
const callsSubMapFails = workflow({ name: "cs_calls_sub_map_fails", inputs: { xs: t.list(t.int) } }, ({ xs }) => subMapFails({ xs }));
const lpBranch = workflow({ name: "cs_lp_branch", inputs: { x: t.int } }, ({ x }) => conditional("lp_or_not").if(x.gt(0)).then(lp, { x }).else().then(inc, { x }));
const lpSubLp = workflow({ name: "cs_lp_of_calls_lp" }, () => callsLp());
const lpOfLp = LaunchPlan.create("cs_lp_of_lp", lpSubLp);
const callsLpOfLp = workflow({ name: "cs_calls_lp_of_lp" }, () => lpOfLp());

/** Every scenario, with what it must show. */
export const scenarios: readonly Scenario[] = [
  // tasks and plain graphs
  { name: "a chain of tasks", entity: chain, inputs: { x: 1 }, expect: ok({ o0: 4 }) },
  { name: "a diamond with a synchronous and an asynchronous branch", entity: diamond, inputs: { x: 2 }, expect: ok({ o0: 10 }) },
  { name: "named outputs of a task with a record of outputs", entity: tuple, inputs: { x: 5 }, expect: ok({ lo: 4, hi: 6, sum: 10 }) },
  { name: "constant bindings (a list, strings)", entity: constants, expect: ok({ s: 6, g: "Hello, Ada" }) },
  { name: "optional elements in a list input", entity: optionalInput, inputs: { xs: [1, null, 3] }, expect: ok({ o0: 4 }) },
  { name: "a workflow output bound to a workflow input", entity: empty, inputs: { x: 9 }, expect: ok({ y: 9, z: 10 }) },
  // subworkflows
  { name: "a subworkflow node", entity: callsSub, inputs: { x: 1 }, expect: ok({ o0: 5 }) },
  { name: "subworkflows two deep", entity: callsSubSub, inputs: { x: 1 }, expect: ok({ o0: 10 }) },
  { name: "a failing subworkflow fails its node with the subworkflow's error as cause", entity: callsSubFails, inputs: { x: 1 }, expect: fails("ExecutionError", "ExecutionError", "Error") },
  { name: "a subworkflow's own failure handler runs, then the parent's", entity: callsSubWithHandler, inputs: { x: 2 }, expect: fails("ExecutionError", "ExecutionError", "Error") },
  // launch plans
  { name: "launch-plan nodes with a default input and a fixed input", entity: callsLp, expect: ok({ o0: 22, o1: 42 }) },
  { name: "a launch-plan node given an input over its default", entity: callsLpBound, inputs: { x: 3 }, expect: ok({ o0: 8 }) },
  { name: "a launch plan run directly: its defaults, then the inputs, then its fixed inputs", entity: greetLp, inputs: { greeting: "Hey" }, expect: ok({ o0: "Hey, Grace" }) },
  { name: "a launch plan run directly with its default", entity: greetLp, expect: ok({ o0: "Hi, Grace" }) },
  { name: "a failing launch-plan node has the child execution's error as cause", entity: callsLpFails, expect: fails("ExecutionError", "ExecutionError", "Error") },
  { name: "a launch plan of a workflow that calls launch plans", entity: callsLpOfLp, expect: ok({ o0: 22, o1: 42 }) },
  // conditionals
  { name: "a conditional takes its if", entity: branch, inputs: { x: 4 }, expect: ok({ o0: 8 }) },
  { name: "a conditional takes its elif", entity: branch, inputs: { x: 0 }, expect: ok({ o0: 1 }) },
  { name: "a conditional takes its else", entity: branch, inputs: { x: -3 }, expect: ok({ o0: -6 }) },
  { name: "a conditional's fail() fails with a ConditionalError cause", entity: branchFail, inputs: { x: -1 }, expect: fails("ExecutionError", "ConditionalError") },
  { name: "a conditional that orders none fails with a ConditionalError", entity: branchNone, inputs: { o: null }, expect: fails("ExecutionError", "ConditionalError") },
  { name: "a conditional compares strings", entity: branchStr, inputs: { s: "yes" }, expect: ok({ o0: 2 }) },
  { name: "a conditional with and/or", entity: branchAndOr, inputs: { x: 200 }, expect: ok({ o0: 400 }) },
  { name: "a conditional whose then-node fails names the then-node", entity: branchInnerFails, inputs: { x: 2 }, expect: fails("ExecutionError", "ExecutionError", "Error") },
  { name: "a conditional that runs a subworkflow", entity: branchSub, inputs: { x: 2 }, expect: ok({ o0: 6 }) },
  { name: "a conditional's outputs feed a downstream node", entity: branchThenDownstream, inputs: { x: 2 }, expect: ok({ o0: 7 }) },
  // map tasks
  { name: "a map task", entity: mapWf, inputs: { xs: [1, 2, 3] }, expect: ok({ o0: 12 }) },
  { name: "a map task with a fixed input", entity: mapFixed, inputs: { xs: [1, 2] }, expect: ok({ o0: [101, 102] }) },
  { name: "a map task zipping two lists", entity: mapZip, inputs: { a: [1, 2], b: [10, 20] }, expect: ok({ o0: [11, 22] }) },
  { name: "a map task over lists of different lengths fails with an InputValueError", entity: mapZip, inputs: { a: [1, 2, 3], b: [10] }, expect: fails("ExecutionError", "InputValueError") },
  { name: "a failing map task fails with a MapTaskError whose cause is the first element's error", entity: mapFails, inputs: { xs: [2, 4, 5] }, expect: fails("ExecutionError", "MapTaskError", "Error") },
  { name: "a map task with minSuccessRatio succeeds with nulls for failed elements", entity: mapTolerant, inputs: { xs: [2, 3, 4, 6] }, expect: ok({ o0: 120 }) },
  { name: "a map task with minSuccessRatio fails once too few can succeed", entity: mapTolerant, inputs: { xs: [1, 3, 5, 6] }, expect: fails("ExecutionError", "MapTaskError", "Error") },
  { name: "a map task retries each element and bounds its concurrency", entity: mapRetries, inputs: { xs: [1, 2, 3] }, expect: ok({ o0: [1, 2, 3] }) },
  { name: "an empty map task", entity: mapEmpty, inputs: { xs: [] }, expect: ok({ o0: [] }) },
  { name: "a map task of a cached task, run twice", entity: mapCached, inputs: { xs: [1, 2] }, runs: 2, expect: ok({ o0: [3, 6] }) },
  // dynamic workflows
  { name: "a dynamic workflow", entity: dynWf, inputs: { n: 4 }, expect: ok({ o0: 13 }) },
  { name: "a failing node inside a dynamic workflow", entity: dynFailsWf, inputs: { n: 2 }, also: [boom], expect: fails("ExecutionError", "ExecutionError", "Error") },
  { name: "a dynamic workflow that calls a subworkflow", entity: dynSubWf, inputs: { n: 1 }, also: [sub], expect: ok({ o0: 4 }) },
  { name: "a gate inside a dynamic workflow, signalled at the start", entity: dynGateWf, inputs: { n: 2 }, signals: { cs_dyn_factor: 5 }, expect: ok({ o0: 7 }) },
  { name: "a dynamic workflow running a map task", entity: dynMapWf, inputs: { n: 3 }, also: [squares], expect: ok({ o0: [0, 2, 4] }) },
  // gates
  { name: "a sleep before a task", entity: sleeps, inputs: { x: 1 }, expect: ok({ o0: 2 }) },
  { name: "a signal's value given at the start", entity: signalled, inputs: { x: 1 }, signals: { cs_factor: 41 }, expect: ok({ o0: 42 }) },
  { name: "an approval given at the start passes its value on", entity: approved, inputs: { x: 1 }, signals: { cs_publish: true }, expect: ok({ o0: 3 }) },
  { name: "a rejected approval fails with a GateError", entity: approved, inputs: { x: 1 }, signals: { cs_publish: false }, expect: fails("ExecutionError", "GateError") },
  { name: "a signal gate that times out is timedOut with a GateError", entity: gateTimesOut, expect: fails("ExecutionError", "GateError") },
  { name: "an approval gate that times out is timedOut with a GateError", entity: approvalTimesOut, inputs: { x: 1 }, expect: fails("ExecutionError", "GateError") },
  { name: "a gate whose value feeds a subworkflow", entity: gateInBranch, inputs: { x: 1 }, signals: { cs_sub_factor: 2 }, expect: ok({ o0: 8 }) },
  // failures and failure policies
  { name: "a plain error fails the run naming the node and its entity", entity: subFails, inputs: { x: 1 }, expect: fails("ExecutionError", "Error") },
  { name: "the failure handler gets err with the failed node's id and message", entity: withHandler, inputs: { x: 3 }, expect: fails("ExecutionError", "Error") },
  { name: "a failure handler that fails too is reported beside the error", entity: handlerAlsoFails, expect: fails("ExecutionError", "Error") },
  { name: "failImmediately aborts the running siblings before the handler", entity: failFast, expect: fails("ExecutionError", "NonRetryableError") },
  { name: "failAfterExecutableNodesComplete lets the other nodes finish", entity: failLate, expect: fails("ExecutionError", "NonRetryableError") },
  { name: "failAfterExecutableNodesComplete does not start nodes downstream of the failure", entity: failLateDownstream, expect: fails("ExecutionError", "NonRetryableError") },
  { name: "failImmediately inside a subworkflow aborts its siblings and fails the parent", entity: callsFailFastInSub, expect: fails("ExecutionError", "ExecutionError", "NonRetryableError") },
  { name: "a TypeError from a task is its cause", entity: typeErrorWf, expect: fails("ExecutionError", "TypeError") },
  { name: "a task returning the wrong type fails with an OutputValueError", entity: liarWf, expect: fails("ExecutionError", "OutputValueError") },
  // retries and timeouts
  { name: "a RecoverableError is retried up to the task's retries", entity: retried, inputs: { x: 1 }, expect: ok({ o0: 4 }) },
  { name: "spent retries fail with the last RecoverableError", entity: retriesSpent, expect: fails("ExecutionError", "RecoverableError") },
  { name: "a plain error is final, whatever the task's retries (as in Flyte)", entity: plainFinal, expect: fails("ExecutionError", "Error") },
  { name: "a NonRetryableError is never retried", entity: fatalWf, expect: fails("ExecutionError", "NonRetryableError") },
  { name: "retryAllErrors retries a plain error", entity: retryAllWf, expect: ok({ o0: 2 }) },
  { name: "a node override of retries replaces the task's", entity: overrideRetries, expect: fails("ExecutionError", "RecoverableError") },
  { name: "a task that outlives its timeout fails with a TaskTimeoutError", entity: timesOut, expect: fails("ExecutionError", "TaskTimeoutError") },
  { name: "a timed-out attempt is retried", entity: timeoutRetried, expect: ok({ o0: 7 }) },
  { name: "maxParallelism counts the task attempts of the whole run: subworkflows and map elements included (as in Flyte)", entity: peers, maxParallelism: 2, expect: ok({ o0: 7 }) },
  // caching
  { name: "a cached task populates the cache", entity: cachedWf, inputs: { x: 7 }, expect: ok({ o0: 22 }) },
  { name: "a cached task run again is a cache hit", entity: cachedWf, inputs: { x: 3 }, runs: 2, expect: ok({ o0: 10 }) },
  { name: "serialized caching and ignored inputs, run twice", entity: cachedTwice, inputs: { x: 1 }, runs: 2, expect: ok({ o0: 5, o1: 101 }) },
  // nested combinations
  { name: "a map, a conditional into a subworkflow and a dynamic workflow together", entity: nested, inputs: { xs: [1, 2, 3] }, also: [sum, double], expect: ok({ o: 27, d: 6 }) },
  { name: "a failing map before a conditional fails the run at the map", entity: nestedFails, inputs: { xs: [1, 2] }, expect: fails("ExecutionError", "MapTaskError", "Error") },
  { name: "a failing map inside a subworkflow", entity: callsSubMapFails, inputs: { xs: [2, 3] }, expect: fails("ExecutionError", "ExecutionError", "MapTaskError", "Error") },
  { name: "a conditional that runs a launch plan", entity: lpBranch, inputs: { x: 1 }, expect: ok({ o0: 4 }) },
];

/** Every entity the worker must know. */
export const entities: readonly AnyEntity[] = [...new Set(scenarios.flatMap((s) => [s.entity, ...(s.also ?? [])]))];

/** How many times the cached task ran (the cache scenarios check it). */
export function cachedRuns(): number {
  return cachedCalls;
}
