/**
 * `npm run bench`: measures building, compiling and locally running Aloft
 * workflows, runs the same workloads through LangGraph.js, and writes
 * BENCHMARKS.md at the repository root (and the raw results to scratch/).
 * `npm run bench -- --render` writes the report again from those results.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { BUILD_COMPILE, OVERHEAD_SIZES, PEER_RUNS, QUICK } from "./config.js";
import { measureBuildCompile } from "./build-compile.js";
import { machineInfo } from "./machine.js";
import { measureOverhead, type OverheadResult } from "./overhead.js";
import { renderReport, type BenchmarkReport } from "./report.js";
import { measureMapCache } from "./map-cache.js";
import { measureProgramFirstRun } from "./program-first-run.js";

const root = new URL("../", import.meta.url);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function packageVersion(path: string): string {
  return (JSON.parse(readFileSync(new URL(path, root), "utf8")) as { version: string }).version;
}

function commit(): string {
  try {
    const hash = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: fileURLToPath(root), encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no", "src"], { cwd: fileURLToPath(root), encoding: "utf8" }).trim() !== "";
    return dirty ? `${hash} (with uncommitted changes in src/)` : hash;
  } catch {
    return "unknown";
  }
}

/** Where the raw results of a run are kept, so that `--render` can write the report again without measuring. */
const rawResults = new URL(QUICK ? "scratch/bench-results.quick.json" : "scratch/bench-results.json", root);
const reportFile = new URL(QUICK ? "scratch/BENCHMARKS.quick.md" : "BENCHMARKS.md", root);

function write(report: BenchmarkReport): void {
  mkdirSync(new URL(".", reportFile), { recursive: true });
  writeFileSync(reportFile, renderReport(report));
  log(`wrote ${fileURLToPath(reportFile)}`);
}

async function main(): Promise<void> {
  if (process.argv.includes("--render")) {
    const saved = JSON.parse(readFileSync(rawResults, "utf8")) as BenchmarkReport & { date: string };
    write({ ...saved, date: new Date(saved.date) });
    return;
  }
  const started = performance.now();
  const date = new Date();
  const machine = machineInfo();
  const loads: number[] = [machine.load1];
  const sampler = setInterval(() => loads.push(Math.round(os.loadavg()[0]! * 100) / 100), 5_000);
  sampler.unref();
  log(`Aloft benchmark on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);

  const buildCompile = await measureBuildCompile({ sizes: BUILD_COMPILE.sizes, shapes: BUILD_COMPILE.shapes, runs: BUILD_COMPILE.runs }, log);

  const overhead: OverheadResult[] = [];
  for (const shape of ["chain", "fanout"] as const) {
    log(`local execution overhead, ${shape}`);
    overhead.push(await measureOverhead(shape, OVERHEAD_SIZES, PEER_RUNS.limitMs));
  }

  log("a program's first run, fresh processes");
  const programFirstRun = await measureProgramFirstRun(10_000, ["chain", "fanout"], QUICK ? 1 : 5);

  log("map task and cache");
  const mapCache = await measureMapCache(QUICK ? 10_000 : 100_000, 1_000, QUICK ? 1 : 5);

  const report: BenchmarkReport = {
    date,
    machine,
    loadAtEnd: Math.round(os.loadavg()[0]! * 100) / 100,
    loadRange: [Math.min(...loads), Math.max(...loads)],
    versions: { aloft: packageVersion("package.json"), langgraph: packageVersion("node_modules/@langchain/langgraph/package.json"), commit: commit() },
    buildCompile,
    buildCompileRuns: BUILD_COMPILE.runs,
    overhead,
    mapCache,
    programFirstRun,
    peerLimitMs: PEER_RUNS.limitMs,
    totalSeconds: (performance.now() - started) / 1000,
  };
  clearInterval(sampler);
  mkdirSync(new URL(".", rawResults), { recursive: true });
  writeFileSync(rawResults, JSON.stringify(report));
  log(`measured in ${report.totalSeconds.toFixed(0)} s; raw results in ${fileURLToPath(rawResults)}`);
  write(report);
}

await main();
