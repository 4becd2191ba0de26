/**
 * Benchmark worker: a map task over many trivial elements (time per element
 * and memory), and a re-run of a workflow of cached tasks served entirely from
 * the cache (time per hit). Prints one JSON line per measurement.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Workflow, task, t } from "aloft";
import { buildMap, directMap, mapInputs } from "../workloads/map-task.js";
import { median } from "../stats.js";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

async function mapTask(n: number, runs: number): Promise<void> {
  const wf = buildMap();
  const inputs = mapInputs(n);
  await wf.run(mapInputs(1_000));
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const times: number[] = [];
  let kept = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = (await wf.run(inputs)) as { out: number[] };
    times.push(performance.now() - t0);
    if (out.out.length !== n || out.out[n - 1] !== n) throw new Error("wrong map result");
    gc();
    kept = Math.max(kept, process.memoryUsage().heapUsed - heapBefore);
  }
  const direct: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    directMap(inputs.xs);
    direct.push(performance.now() - t0);
  }
  const ms = median(times);
  process.stdout.write(
    `${JSON.stringify({ kind: "map", elements: n, runs, ms, usPerElement: (ms * 1000) / n, directMs: median(direct), peakRssGrowthMiB: mib(process.resourceUsage().maxRSS * 1024 - rssBefore), heapKeptMiB: mib(kept), resultMiB: mib(n * 8) })}\n`,
  );
}

async function cachedRerun(n: number, runs: number): Promise<void> {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "aloft-bench-cache-"));
  try {
    const square = task({ name: "bench_cached_square", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, ({ x }) => x * x);
    const wf = new Workflow("bench_cached");
    const handles = [];
    for (let i = 0; i < n; i++) handles.push(wf.addEntity(square, { x: i }).outputs.o0);
    wf.addWorkflowOutput("out", handles, t.list(t.int));
    const t0 = performance.now();
    await wf.run({}, { cacheDir });
    const populateMs = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      const run = wf.start({}, { cacheDir });
      const out = (await run.result) as { out: number[] };
      times.push(performance.now() - s);
      if (out.out[n - 1] !== (n - 1) * (n - 1)) throw new Error("wrong cached result");
      if (!run.nodes().every((node) => node.cacheStatus === "hit")) throw new Error("a node missed the cache");
    }
    const ms = median(times);
    process.stdout.write(`${JSON.stringify({ kind: "cache", nodes: n, runs, populateMs, ms, usPerHit: (ms * 1000) / n })}\n`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

const [mapSize = "100000", cacheSize = "1000", runs = "5"] = process.argv.slice(2);
await mapTask(Number(mapSize), Number(runs));
await cachedRerun(Number(cacheSize), Number(runs));
