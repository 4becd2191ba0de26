/**
 * Child process of the benchmark: local execution overhead of one shape, for
 * Aloft and then LangGraph.js in this same process, at each size given. Prints
 * one JSON line (`OverheadMessage`) per measurement, and progress on stderr.
 *
 *   node --expose-gc --import tsx bench/workers/overhead.ts <chain|fanout> <sizes,...> <limitMs>
 *
 * LangGraph.js runs sizes in increasing order and stops at the first size
 * whose run is extrapolated to take far longer than `limitMs`; the parent
 * process kills this one when a first invoke runs past `limitMs`.
 *
 * @module
 */
import { setMaxListeners } from "node:events";
import { buildChain, buildFanOut, incBody } from "../workloads/aloft.js";
import { buildChainGraph, buildFanOutGraph, chainStep, fanOutStep, recursionLimitFor, type RunnableGraph } from "../workloads/langgraph.js";
import { collectGarbage, growthExponent, median, sample, timeOnce } from "../stats.js";
import type { OverheadMessage, Shape } from "../results.js";
import { ALOFT_RUNS, DIRECT_RUNS, PEER_RUNS } from "../config.js";

let sink = 0;

function emit(message: OverheadMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function progress(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`wrong result: ${what}`);
}

function directAloft(shape: Shape, n: number): void {
  if (shape === "chain") {
    let x = 0;
    for (let i = 0; i < n; i++) x = incBody({ x });
    sink += x;
  } else {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = incBody({ x: 1 });
    sink += out.length;
  }
}

function directPeer(shape: Shape, n: number): void {
  if (shape === "chain") {
    let state = { x: 0 };
    for (let i = 0; i < n; i++) state = chainStep(state);
    sink += state.x;
  } else {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += fanOutStep({ x: 1 }).sum;
    sink += sum;
  }
}

async function measureAloft(shape: Shape, n: number): Promise<void> {
  const build = shape === "chain" ? buildChain : buildFanOut;
  const inputs = { x: shape === "chain" ? 0 : 1 };
  const firstRunMs: number[] = [];
  const earlyRunMs: number[] = [];
  let wf = build(n);
  for (let i = 0; i < ALOFT_RUNS.firstRuns; i++) {
    wf = build(n, `${shape}_${n}_first_${i}`);
    collectGarbage();
    firstRunMs.push(await timeOnce(() => wf.run(inputs)));
    for (let k = 0; k < ALOFT_RUNS.earlyRuns; k++) earlyRunMs.push(await timeOnce(() => wf.run(inputs)));
  }
  const out = await wf.run(inputs);
  if (shape === "chain") check(out["out"] === n, `Aloft chain of ${n} gave ${String(out["out"])}`);
  else check(Array.isArray(out["out"]) && out["out"].length === n && out["out"].every((v) => v === 2), `Aloft fan-out of ${n}`);
  collectGarbage();
  const warmRunMs = await sample(() => wf.run(inputs), ALOFT_RUNS.warm);
  const directMs = await sample(() => directAloft(shape, n), DIRECT_RUNS);
  emit({ type: "aloft", shape, size: n, firstRunMs, earlyRunMs, warmRunMs, directMs });
}

function peerGraph(shape: Shape, n: number): RunnableGraph<{ x: number }, { x: number; sum?: number }> {
  return shape === "chain" ? buildChainGraph(n) : buildFanOutGraph(n);
}

async function measurePeer(shape: Shape, n: number, predictedMs: number | undefined): Promise<number> {
  collectGarbage();
  const start = performance.now();
  const graph = peerGraph(shape, n);
  const buildMs = performance.now() - start;
  const config = { recursionLimit: recursionLimitFor(n) };
  const input = { x: shape === "chain" ? 0 : 1 };
  const invoke = () => graph.invoke(input, config);
  emit({ type: "peer-start", shape, size: n, predictedMs });
  let result: { x: number; sum?: number } | undefined;
  const first = await timeOnce(async () => {
    result = await invoke();
  });
  emit({ type: "peer-first", shape, size: n, ms: first });
  if (shape === "chain") check(result?.x === n, `LangGraph chain of ${n} gave ${String(result?.x)}`);
  else check(result?.sum === 2 * n, `LangGraph fan-out of ${n} gave ${String(result?.sum)}`);
  let runMs: number[];
  let warmedUp: boolean;
  if (first < PEER_RUNS.repeatBelowMs) {
    runMs = await sample(invoke, { warmup: 0, runs: PEER_RUNS.runs });
    warmedUp = true;
  } else {
    runMs = first < PEER_RUNS.tripleBelowMs ? [first, ...(await sample(invoke, { warmup: 0, runs: 2 }))] : [first];
    warmedUp = false;
  }
  const directMs = await sample(() => directPeer(shape, n), DIRECT_RUNS);
  emit({ type: "peer", shape, size: n, buildMs, runMs, warmedUp, directMs });
  return median(runMs);
}

/** The time a size should take, from the growth between the two largest sizes measured (at least linear). */
function extrapolate(measured: readonly { size: number; ms: number }[], size: number): number | undefined {
  const last = measured.at(-1);
  if (!last) return undefined;
  const before = measured.at(-2);
  const k = before ? Math.max(1, growthExponent(before.size, before.ms, last.size, last.ms)) : 1;
  return last.ms * (size / last.size) ** k;
}

async function main(): Promise<void> {
  // LangGraph.js adds an abort listener per parallel task to one signal; Node's leak warning would only be noise here.
  setMaxListeners(0);
  const shape = process.argv[2];
  const sizes = (process.argv[3] ?? "").split(",").map(Number);
  const limitMs = Number(process.argv[4]);
  if ((shape !== "chain" && shape !== "fanout") || sizes.some((n) => !Number.isSafeInteger(n) || n < 1) || !(limitMs > 0)) {
    throw new Error("usage: overhead.ts <chain|fanout> <sizes,...> <limitMs>");
  }
  for (const n of sizes) {
    progress(`Aloft ${shape} of ${n} nodes`);
    await measureAloft(shape, n);
  }
  const measured: { size: number; ms: number }[] = [];
  for (const n of sizes) {
    const predictedMs = extrapolate(measured, n);
    if (predictedMs !== undefined && predictedMs > PEER_RUNS.skipFactor * limitMs) {
      emit({ type: "peer-stop", shape, size: n, reason: `not run, as the smaller sizes extrapolate to ${(predictedMs / 1000).toFixed(0)} s an invoke, over the ${limitMs / 1000} s limit` });
      return;
    }
    progress(`LangGraph.js ${shape} of ${n} nodes${predictedMs === undefined ? "" : ` (extrapolated ${(predictedMs / 1000).toFixed(1)} s)`}`);
    measured.push({ size: n, ms: await measurePeer(shape, n, predictedMs) });
  }
  if (sink === Number.MIN_VALUE) progress("unreachable");
}

await main();
