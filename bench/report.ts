/**
 * Rendering the benchmark results as BENCHMARKS.md.
 *
 * @module
 */
import type { BuildCompileResult } from "./build-compile.js";
import type { MachineInfo } from "./machine.js";
import type { OverheadResult } from "./overhead.js";
import type { AloftRun, PeerRun, Shape } from "./results.js";
import { growthExponent, median } from "./stats.js";
import { ALOFT_RUNS, BUILD_COMPILE, DIRECT_RUNS, IDLE_GATE, PEER_RUNS } from "./config.js";
import { mapCacheSection, type MapCacheResult } from "./map-cache.js";
import { programFirstRunSection, programFirstRunUs, type ProgramFirstRunResult } from "./program-first-run.js";

/** Everything a report is made from. */
export interface BenchmarkReport {
  readonly date: Date;
  readonly machine: MachineInfo;
  /** Load average over the last minute when the benchmark ended. */
  readonly loadAtEnd: number;
  /** Lowest and highest load average (1 min) sampled every 5 s during the benchmark. */
  readonly loadRange: readonly [number, number];
  readonly versions: { readonly aloft: string; readonly langgraph: string; readonly commit: string };
  readonly buildCompile: readonly BuildCompileResult[];
  readonly buildCompileRuns: number;
  readonly overhead: readonly OverheadResult[];
  /** The map-task and cache benchmarks (absent in results saved before they existed). */
  readonly mapCache?: MapCacheResult;
  /** A program's first run in a fresh plain-node process (absent in results saved before it existed). */
  readonly programFirstRun?: readonly ProgramFirstRunResult[];
  readonly peerLimitMs: number;
  /** Wall time of the whole benchmark. */
  readonly totalSeconds: number;
}

/** The targets the issue sets. */
export const TARGETS = { buildCompileMs: 500, buildCompileSize: 100_000, overheadUs: 2, overheadSize: 10_000, firstRunUs: 3, earlyRunUs: 1, peerRatio: 200, peerRatioSize: 1_000 } as const;

const SHAPE_NAMES: Record<Shape, string> = { chain: "chain", fanout: "fan-out" };

function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function us(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function int(value: number): string {
  return value.toLocaleString("en-US");
}

function ratio(value: number): string {
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)}×`;
}

function mark(ok: boolean): string {
  return ok ? "yes" : "**no**";
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line)].join("\n");
}

/** Per-node overhead in µs: (median run − median direct calls) / size. */
export function overheadUs(runMs: readonly number[], directMs: readonly number[], size: number): number {
  return ((median(runMs) - median(directMs)) * 1000) / size;
}

/** Median build + compile of a result, in ms. */
function totalMs(r: BuildCompileResult): number {
  return median(r.samples.map((s) => s.buildMs + s.compileMs));
}

function aloftWarmUs(a: AloftRun): number {
  return overheadUs(a.warmRunMs, a.directMs, a.size);
}

function aloftFirstUs(a: AloftRun): number {
  return overheadUs(a.firstRunMs, a.directMs, a.size);
}

function aloftEarlyUs(a: AloftRun): number | undefined {
  return a.earlyRunMs && a.earlyRunMs.length > 0 ? overheadUs(a.earlyRunMs, a.directMs, a.size) : undefined;
}

function peerUs(p: PeerRun): number {
  return overheadUs(p.runMs, p.directMs, p.size);
}

function summary(r: BenchmarkReport): string {
  const rows: string[][] = [];
  for (const shape of ["chain", "fanout"] as const) {
    const bc = r.buildCompile.find((b) => b.shape === shape && b.size === TARGETS.buildCompileSize);
    if (bc) rows.push([`${int(TARGETS.buildCompileSize)}-node ${SHAPE_NAMES[shape]} built and compiled in under ${TARGETS.buildCompileMs / 1000} s`, `${ms(totalMs(bc))} ms`, mark(totalMs(bc) < TARGETS.buildCompileMs)]);
  }
  for (const o of r.overhead) {
    const a = o.aloft.find((x) => x.size === TARGETS.overheadSize);
    if (a) rows.push([`Local overhead under ${TARGETS.overheadUs} µs a node, ${int(TARGETS.overheadSize)}-node ${SHAPE_NAMES[o.shape]} (warm run)`, `${us(aloftWarmUs(a))} µs`, mark(aloftWarmUs(a) < TARGETS.overheadUs)]);
    if (a) rows.push([`First run (compile, plan, execute) under ${TARGETS.firstRunUs} µs a node, ${int(TARGETS.overheadSize)}-node ${SHAPE_NAMES[o.shape]}`, `${us(aloftFirstUs(a))} µs`, mark(aloftFirstUs(a) < TARGETS.firstRunUs)]);
    const early = a && aloftEarlyUs(a);
    if (early !== undefined) rows.push([`Runs 2 to ${ALOFT_RUNS.earlyRuns + 1} (before the JIT settles) under ${TARGETS.earlyRunUs} µs a node, ${int(TARGETS.overheadSize)}-node ${SHAPE_NAMES[o.shape]}`, `${us(early)} µs`, mark(early < TARGETS.earlyRunUs)]);
  }
  for (const p of r.programFirstRun ?? []) {
    const v = programFirstRunUs(p);
    rows.push([`A program's first run under ${TARGETS.firstRunUs} µs a node, in a fresh process (plain node, built package), ${int(p.size)}-node ${SHAPE_NAMES[p.shape]}`, `${us(v)} µs`, mark(v < TARGETS.firstRunUs)]);
  }
  for (const o of r.overhead) {
    const a = o.aloft.find((x) => x.size === TARGETS.peerRatioSize);
    const p = o.peer.find((x) => x.size === TARGETS.peerRatioSize);
    if (a && p) {
      const k = peerUs(p) / aloftWarmUs(a);
      rows.push([`At least ${TARGETS.peerRatio}× less overhead a node than LangGraph.js at ${int(TARGETS.peerRatioSize)} nodes, ${SHAPE_NAMES[o.shape]}`, `${ratio(k)} (${us(peerUs(p))} µs vs ${us(aloftWarmUs(a))} µs)`, mark(k >= TARGETS.peerRatio)]);
    }
  }
  return table(["Target", "Measured (median)", "Met"], rows);
}

function machine(r: BenchmarkReport): string {
  const m = r.machine;
  return [
    `- CPU: ${m.cpu}, ${m.cores} logical cores available to Node (a shared, noisy machine)`,
    `- Memory: ${m.memoryGiB} GiB`,
    `- Node.js ${m.node} on ${m.os}; TypeScript run through tsx, as \`npm run bench\` does`,
    `- Aloft ${r.versions.aloft} at commit ${r.versions.commit}; @langchain/langgraph ${r.versions.langgraph}`,
    `- Load average (1 min): ${m.load1} when the benchmark started, ${r.loadAtEnd} when it ended, between ${r.loadRange[0]} and ${r.loadRange[1]} in samples every 5 s (other jobs share the machine; a load above 2 means the benchmark competed for the two cores)`,
    `- Date: ${r.date.toISOString()}; the whole benchmark took ${r.totalSeconds.toFixed(0)} s`,
  ].join("\n");
}

function buildCompileSection(r: BenchmarkReport): string {
  const parts: string[] = [];
  for (const shape of ["chain", "fanout"] as const) {
    const results = r.buildCompile.filter((b) => b.shape === shape).sort((a, b) => a.size - b.size);
    if (results.length === 0) continue;
    const rows = results.map((b) => {
      const s = b.samples;
      const med = (f: (x: (typeof s)[number]) => number) => median(s.map(f));
      const total = totalMs(b);
      return [
        int(b.size),
        ms(med((x) => x.buildMs)),
        ms(med((x) => x.compileMs)),
        ms(total),
        us((total * 1000) / b.size),
        ms(med((x) => x.cpuMs)),
        ms(med((x) => x.compileVersionedMs)),
        med((x) => x.peakRssMiB).toFixed(0),
        med((x) => x.peakRssMiB - x.startRssMiB).toFixed(0),
        med((x) => x.retainedHeapMiB).toFixed(1),
        int(Math.round((med((x) => x.retainedHeapMiB) * 2 ** 20) / b.size)),
      ];
    });
    parts.push(`### ${shape === "chain" ? "Chain" : "Fan-out"}\n\n${table(
      ["Nodes", "Build (ms)", "Compile (ms)", "Build + compile (ms)", "µs / node", "CPU time (ms)", "Compile, fixed version (ms)", "Peak RSS (MiB)", "Peak RSS − start (MiB)", "Heap kept (MiB)", "Heap kept / node (bytes)"],
      rows,
    )}\n\n${growthNote(results)}`);
  }
  return parts.join("\n\n");
}

function describeGrowth(k: number): string {
  if (k < 0.9) return "less than linearly (fixed costs weigh more at the small end)";
  return k <= 1.15 ? "linearly" : k <= 1.4 ? "a little faster than linearly" : "faster than linearly";
}

function growthNote(results: readonly BuildCompileResult[]): string {
  const first = results[0];
  const last = results.at(-1);
  const prev = results.at(-2);
  if (!first || !last || !prev || last.size <= first.size) return "";
  const top = growthExponent(prev.size, totalMs(prev), last.size, totalMs(last));
  const all = growthExponent(first.size, totalMs(first), last.size, totalMs(last));
  const bytes = (r: BuildCompileResult) => (median(r.samples.map((x) => x.retainedHeapMiB)) * 2 ** 20) / r.size;
  const rss = (r: BuildCompileResult) => median(r.samples.map((x) => x.peakRssMiB - x.startRssMiB));
  return (
    `Time grows ${describeGrowth(top)}: as size^${top.toFixed(2)} from ${int(prev.size)} to ${int(last.size)} nodes, size^${all.toFixed(2)} from ${int(first.size)}. ` +
    `Heap kept per node: ${int(Math.round(bytes(first)))} bytes at ${int(first.size)} nodes, ${int(Math.round(bytes(last)))} at ${int(last.size)}; ` +
    `peak RSS above the start: ${rss(prev).toFixed(0)} MiB at ${int(prev.size)} nodes, ${rss(last).toFixed(0)} MiB at ${int(last.size)} (${((rss(last) * 1024) / last.size).toFixed(1)} KiB a node).`
  );
}

function overheadSection(r: BenchmarkReport): string {
  const parts: string[] = [];
  for (const o of r.overhead) {
    const sizes = [...new Set([...o.aloft.map((a) => a.size), ...o.peer.map((p) => p.size)])].sort((a, b) => a - b);
    const rows = sizes.map((size) => {
      const a = o.aloft.find((x) => x.size === size);
      const p = o.peer.find((x) => x.size === size);
      const stop = o.peerStop?.size === size ? o.peerStop : undefined;
      return [
        int(size),
        a ? ms(median(a.firstRunMs)) : "",
        a ? us(aloftFirstUs(a)) : "",
        a && aloftEarlyUs(a) !== undefined ? us(aloftEarlyUs(a)!) : "",
        a ? ms(median(a.warmRunMs)) : "",
        a ? us(aloftWarmUs(a)) : "",
        p ? ms(median(p.runMs)) : stop ? "—" : "",
        p ? us(peerUs(p)) : stop ? "—" : "",
        p ? `${p.runMs.length}${p.warmedUp ? " (+1 warm-up)" : ""}` : stop ? "not run" : "",
        a && p ? `**${ratio(peerUs(p) / aloftWarmUs(a))}**` : "—",
        a && p ? ratio(peerUs(p) / aloftFirstUs(a)) : "—",
      ];
    });
    const peers = [...o.peer].sort((x, y) => x.size - y.size);
    const growth: number[] = [];
    for (let i = 1; i < peers.length; i++) {
      const x = peers[i - 1]!;
      const y = peers[i]!;
      growth.push(growthExponent(x.size, median(x.runMs), y.size, median(y.runMs)));
    }
    const aloftSorted = [...o.aloft].sort((x, y) => x.size - y.size);
    const aFirst = aloftSorted[0];
    const aLast = aloftSorted.at(-1);
    const largest = peers.at(-1);
    const notes = [
      growth.length > 0
        ? `LangGraph.js's invoke time grows ${describeGrowth(growthExponent(peers[0]!.size, median(peers[0]!.runMs), peers.at(-1)!.size, median(peers.at(-1)!.runMs)))}: as size^${growth.map((k, i) => `${k.toFixed(2)} from ${int(peers[i]!.size)} to ${int(peers[i + 1]!.size)}`).join(", size^")} nodes.`
        : "",
      aFirst && aLast && aLast.size > aFirst.size ? aloftGrowth(aFirst, aLast) : "",
      largest ? `The largest size LangGraph.js ran within the ${r.peerLimitMs / 1000} s limit: ${int(largest.size)} nodes (${(median(largest.runMs) / 1000).toFixed(1)} s an invoke).` : "",
      o.peerStop ? `It stopped at ${int(o.peerStop.size)} nodes: ${o.peerStop.reason}.` : `It ran every size.`,
    ].filter((s) => s !== "");
    parts.push(
      `### ${o.shape === "chain" ? "Chain" : "Fan-out"}\n\n` +
        table(
          ["Nodes", "Aloft first run (ms)", "µs / node", `Runs 2–${ALOFT_RUNS.earlyRuns + 1}, µs / node`, "Aloft warm run (ms)", "µs / node", "LangGraph.js invoke (ms)", "µs / node", "LangGraph.js runs", "LangGraph.js ÷ Aloft warm", "LangGraph.js ÷ Aloft first"],
          rows,
        ) +
        `\n\n${notes.join(" ")}`,
    );
  }
  return parts.join("\n\n");
}

function aloftGrowth(a: AloftRun, b: AloftRun): string {
  const k = growthExponent(a.size, median(a.warmRunMs), b.size, median(b.warmRunMs));
  return `Aloft's warm run grows ${describeGrowth(k)}: as size^${k.toFixed(2)} from ${int(a.size)} to ${int(b.size)} nodes.`;
}

function quietNote(r: BenchmarkReport): string {
  const processes = r.buildCompile.reduce((n, b) => n + b.samples.length, 0) + r.overhead.length;
  const busy = r.buildCompile.reduce((n, b) => n + b.busyStarts, 0) + r.overhead.filter((o) => o.busyStart).length;
  return busy === 0 ? `All ${processes} processes found one.` : `${busy} of ${processes} processes started without one (the machine stayed busy).`;
}

/** Renders the whole report. */
export function renderReport(r: BenchmarkReport): string {
  const shapes = r.overhead.map((o) => o.shape);
  const sizes = [...new Set(r.overhead.flatMap((o) => o.aloft.map((a) => a.size)))].sort((a, b) => a - b);
  return `# Benchmarks

Written by \`npm run bench\` (\`bench/run.ts\`); run it again to refresh. This is a benchmark, not a test: nothing here fails a build.

## Targets

${summary(r)}

## Machine

${machine(r)}

## Method

- **Noise.** The machine is shared and has two cores, so every figure is a median of several runs (counts below), after warm-up, and the CPU time of the build + compile processes is shown next to their wall time. Peers run side by side in the same process, one after the other, and are compared as ratios.
- **Waiting for a quiet machine.** Before each measured process starts, the benchmark waits (up to ${IDLE_GATE.maxWaitMs / 1000} s) for half a second in which at least ${IDLE_GATE.minIdle * 100}% of the CPU time was idle. ${quietNote(r)}
- **Workloads.** A trivial synchronous task, \`inc\` (\`{ x: int } → int\`, returns \`x + 1\`). *Chain*: an imperative \`Workflow\` whose node *i* takes node *i − 1*'s output (\`wf.addEntity(inc, { x: prev.outputs.o0 })\`) and whose output is the last node's. *Fan-out*: *N* independent nodes each bound to the workflow input (\`wf.addEntity(inc, { x: wf.inputs.x })\`), **gathered** into one workflow output, a list of *N* ints (\`wf.addWorkflowOutput("out", handles, t.list(t.int))\`). Every result is checked.
- **Building and compiling** (${r.buildCompile.map((b) => b.size).filter((v, i, a) => a.indexOf(v) === i).map(int).join(", ")} nodes). Each measurement is a fresh child process (\`node --expose-gc --import tsx bench/workers/build-compile.ts\`), so that peak memory belongs to one size alone: it builds and compiles ${BUILD_COMPILE.warmupWorkflows} workflows of ${int(BUILD_COMPILE.warmupSize)} nodes of the same shape as warm-up, then times building the workflow and \`compile(wf)\` with default options, where the version is a hash of the canonical JSON of every spec, so compiling includes hashing them. *Compile, fixed version* is \`compile(wf, { version })\` of the same workflow afterwards (no hashing). *Peak RSS* is \`process.resourceUsage().maxRSS\` at the end of the first compile (the process, tsx and the modules take the *start* figure before building); *heap kept* is heap used after a full GC with the workflow and its spec alive, minus before building. ${r.buildCompileRuns} ${r.buildCompileRuns === 1 ? "process" : "processes"} per size and shape, rounds interleaved; medians.
- **Local execution overhead** (${sizes.map(int).join(", ")} nodes; ${shapes.map((s) => SHAPE_NAMES[s]).join(" and ")}). One child process per shape (\`bench/workers/overhead.ts\`) runs Aloft, then LangGraph.js, on the same workload. Overhead per node = (median wall time of a run − median time of calling the node function *N* times directly) / *N*; the direct calls cost a few nanoseconds a node, so this is nearly wall time / *N*. Aloft runs with \`wf.run(inputs)\` and default options (\`maxParallelism\` 25 task attempts at once; these tasks are synchronous, so one at a time anyway). The local runner compiles and plans a workflow on its first run and caches the plan per workflow definition, so three figures are given: **first run** (compile + plan + execute: the median of ${ALOFT_RUNS.firstRuns} freshly built workflows' first runs), **runs 2–${ALOFT_RUNS.earlyRuns + 1}** (the next ${ALOFT_RUNS.earlyRuns} runs of each of those workflows, before the JIT settles: the median of ${ALOFT_RUNS.firstRuns * ALOFT_RUNS.earlyRuns}) and **warm run** (the same workflow run again: untimed runs for at least ${ALOFT_RUNS.warm.warmup} runs and ${ALOFT_RUNS.warm.warmupMs} ms, then the median of ${ALOFT_RUNS.warm.runs}). The direct calls: untimed for at least ${DIRECT_RUNS.warmup} rounds and ${DIRECT_RUNS.warmupMs} ms, then the median of ${DIRECT_RUNS.runs}.
- **LangGraph.js** (the peer, \`@langchain/langgraph\` ${r.versions.langgraph}, no checkpointer). The same workloads as a \`StateGraph\`: *chain*, nodes \`n0 … nN−1\` with edges \`START → n0 → … → END\`, state \`{ x }\`, each node returning \`{ x: x + 1 }\`; *fan-out*, \`START → n_i → END\` for every node (all run in one superstep), each returning \`{ sum: x + 1 }\` into a summing reducer channel (the gather). \`invoke(input, { recursionLimit: N + 10 })\` on the compiled graph; building and compiling the graph is not timed in the ratio. Sizes run in increasing order: an invoke that takes under ${PEER_RUNS.repeatBelowMs / 1000} s is a warm-up followed by ${PEER_RUNS.runs} timed invokes; under ${PEER_RUNS.tripleBelowMs / 1000} s, the median of 3 invokes including the first; slower, that single invoke. A size extrapolated (from the growth between the two smaller sizes) to take over ${(PEER_RUNS.skipFactor * r.peerLimitMs) / 1000} s is not attempted, and a first invoke that runs past ${r.peerLimitMs / 1000} s is killed; either way the sizes above are not run.
- **Ratios.** *LangGraph.js ÷ Aloft warm* divides LangGraph.js's overhead per node by Aloft's warm-run overhead per node, both measured in the same process; *÷ Aloft first* uses Aloft's first run, which also compiles and plans the workflow.

## Building and compiling imperative workflows

${buildCompileSection(r)}

## Local execution overhead, side by side with LangGraph.js

${overheadSection(r)}

## A program's first run, in a fresh process

${programFirstRunSection(r.programFirstRun)}

## Map tasks and cache hits

${mapCacheSection(r.mapCache)}
`;
}
