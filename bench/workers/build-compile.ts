/**
 * Child process of the benchmark: builds and compiles one imperative workflow
 * of the size and shape given on the command line, in a fresh process so that
 * peak memory belongs to that size alone, and prints one JSON line.
 *
 *   node --expose-gc --import tsx bench/workers/build-compile.ts <size> <chain|fanout>
 *
 * @module
 */
import { compile } from "aloft";
import { buildChain, buildFanOut } from "../workloads/aloft.js";
import { collectGarbage, since } from "../stats.js";
import type { BuildCompileSample } from "../results.js";
import { BUILD_COMPILE } from "../config.js";

const MiB = 2 ** 20;

function main(): void {
  const size = Number(process.argv[2]);
  const shape = process.argv[3];
  if (!Number.isSafeInteger(size) || size < 1 || (shape !== "chain" && shape !== "fanout")) {
    throw new Error("usage: build-compile.ts <size> <chain|fanout>");
  }
  const build = shape === "chain" ? buildChain : buildFanOut;
  for (let i = 0; i < BUILD_COMPILE.warmupWorkflows; i++) compile(build(BUILD_COMPILE.warmupSize, `warmup_${i}`));
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const startRssMiB = process.memoryUsage().rss / MiB;

  const cpuStart = process.cpuUsage();
  let start = performance.now();
  const wf = build(size);
  const buildMs = since(start);
  start = performance.now();
  const spec = compile(wf);
  const compileMs = since(start);
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / MiB;
  collectGarbage();
  const retainedHeapMiB = (process.memoryUsage().heapUsed - heapBefore) / MiB;

  start = performance.now();
  const versioned = compile(wf, { version: "bench" });
  const compileVersionedMs = since(start);

  const sample: BuildCompileSample = { size, shape, buildMs, compileMs, cpuMs, compileVersionedMs, peakRssMiB, startRssMiB, retainedHeapMiB };
  if (spec === versioned) throw new Error("unreachable: two compiles gave one object");
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

main();
