/**
 * A program's first run: what a user's script pays when it builds one workflow and runs it once, in a fresh
 * plain `node` process over the built package (no tsx, no flags, nothing run before it in that process). The
 * overhead benchmark's *first run* is measured in a process that has already run other workflows, so its code
 * is compiled by then; this one is not.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitForIdle } from "./machine.js";
import { IDLE_GATE } from "./config.js";
import { median } from "./stats.js";
import type { Shape } from "./results.js";

/** One fresh process's figures. */
export interface ProgramFirstRunSample {
  readonly shape: Shape;
  readonly size: number;
  /** Building the workflow (`new Workflow`, `addEntity` per node, outputs). */
  readonly buildMs: number;
  /** The first `wf.run`: compile, plan and execute. */
  readonly runMs: number;
  /** CPU time of the process during that run (all its threads). */
  readonly runCpuMs: number;
  readonly buildCpuMs: number;
}

/** Every sample of one shape. */
export interface ProgramFirstRunResult {
  readonly shape: Shape;
  readonly size: number;
  readonly samples: readonly ProgramFirstRunSample[];
}

const script = fileURLToPath(new URL("./workers/program-first-run.mjs", import.meta.url));

function runOnce(size: number, shape: Shape): Promise<ProgramFirstRunSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, String(size), shape], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) reject(new Error(`bench/workers/program-first-run.mjs ${size} ${shape} failed (${signal ?? `exit code ${String(code)}`}); is dist/ built (npm run build)?`));
      else resolve(JSON.parse(line) as ProgramFirstRunSample);
    });
  });
}

/**
 * Measures `runs` fresh processes per shape, the shapes interleaved.
 *
 * @example
 * ```ts
 * const [chain] = await measureProgramFirstRun(10_000, ["chain"], 5);
 * ```
 */
export async function measureProgramFirstRun(size: number, shapes: readonly Shape[], runs: number): Promise<ProgramFirstRunResult[]> {
  const results = shapes.map((shape) => ({ shape, size, samples: [] as ProgramFirstRunSample[] }));
  for (let round = 0; round < runs; round++) {
    for (const r of results) {
      await waitForIdle(IDLE_GATE.minIdle, IDLE_GATE.maxWaitMs);
      r.samples.push(await runOnce(size, r.shape));
    }
  }
  return results;
}

/** Median microseconds a node of a program's first run. */
export function programFirstRunUs(r: ProgramFirstRunResult): number {
  return (median(r.samples.map((s) => s.runMs)) * 1000) / r.size;
}

function f(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** The report's section. */
export function programFirstRunSection(results: readonly ProgramFirstRunResult[] | undefined): string {
  if (!results || results.length === 0) return "Not measured in this run.";
  const rows = results.map((r) => {
    const m = (k: keyof Pick<ProgramFirstRunSample, "buildMs" | "runMs" | "runCpuMs" | "buildCpuMs">): number => median(r.samples.map((s) => s[k]));
    return `| ${r.shape === "chain" ? "chain" : "fan-out"} | ${r.size.toLocaleString("en-US")} | ${f(m("buildMs"))} | ${f(m("buildCpuMs"))} | ${f(m("runMs"))} | ${f((m("runMs") * 1000) / r.size)} | ${f(m("runCpuMs"))} | ${f((m("runCpuMs") * 1000) / r.size)} | ${r.samples.length} |`;
  });
  return `Each figure is the median of fresh processes (\`node bench/workers/program-first-run.mjs\`: plain \`node\`, no flags, importing the built package in \`dist/\`), shapes interleaved, each started once the machine was idle (or after the wait above ran out): the script builds one workflow and runs it once, as a program that runs a workflow once does. Nothing has run in the process before, so the code runs cold (interpreted, then compiled by the JIT while it runs); module loading is not counted. *CPU* is the process's CPU time over the same span (every thread: the JIT's and the garbage collector's too).

| Shape | Nodes | Build (ms) | Build CPU (ms) | First run (ms) | µs / node | First run CPU (ms) | CPU µs / node | Processes |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}`;
}
