/**
 * Helpers of the command-line tests over the durable engine: a temporary
 * project (an ES-module package of fixture modules), and processes of the
 * real binary that keep running (a run waiting at a gate, a worker, a
 * server) while other commands act on them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { BIN, assertBuilt, fixtureDir, type CliResult } from "./helpers.js";
import { FLOWS_TS, GATES_MJS, SLOW_MJS } from "./fixtures.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The built engine process. */
export const ENGINE_MAIN = path.join(ROOT, "dist", "engine", "main.js");

/** Two tasks in a row; the second fails while `FAIL_SECOND` is set in the environment. */
export const CHAIN_MJS = `
import { task, workflow, t } from "aloft";
export const first = task({ name: "first", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
export const second = task({ name: "second", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  if (process.env.FAIL_SECOND) throw new Error("second failed on purpose");
  return x * 10;
});
export const chain = workflow({ name: "chain_wf", inputs: { x: t.int } }, ({ x }) => ({ out: second({ x: first({ x }) }) }));
`;

/**
 * A temporary project: `package.json` marking it an ES-module package, and
 * `flows.ts` (also as `flows.mjs`), `gates.mjs`, `slow.mjs`, `chain.mjs`.
 */
export function engineProject(): { dir: string; cleanup: () => void } {
  return fixtureDir({
    "package.json": JSON.stringify({ name: "aloft-cli-test", private: true, type: "module" }),
    "flows.ts": FLOWS_TS,
    "flows.mjs": FLOWS_TS, // the same module as JavaScript: it loads faster (no TypeScript compiler)
    "gates.mjs": GATES_MJS,
    "slow.mjs": SLOW_MJS,
    "chain.mjs": CHAIN_MJS,
  });
}

/**
 * Registers the hooks every engine test file needs (the binary is built;
 * background processes and projects are cleaned up at the end) and returns a
 * maker of fresh projects: each has its own `.aloft/` (one engine per database).
 */
export function useEngineProjects(): () => string {
  const cleanups: (() => void)[] = [];
  beforeAll(() => assertBuilt());
  afterAll(() => {
    killBackground();
    cleanups.forEach((c) => c());
  });
  return () => {
    const { dir, cleanup } = engineProject();
    cleanups.push(cleanup);
    return dir;
  };
}

/** A process that keeps running while the test acts on it. */
export interface Background {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves to the first match of `pattern` in the stream, once it shows. */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process ends. */
  readonly done: Promise<CliResult>;
}

const running = new Set<ChildProcess>();

/** Ends every background process still running (for `afterEach`/`afterAll`). */
export function killBackground(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  running.clear();
}

/**
 * Starts `node <script> ...args` in `cwd`, stdin closed, `ALOFT_HOME` inside `cwd`.
 */
export function background(cwd: string, script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Background {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: { ...process.env, ALOFT_HOME: path.join(cwd, ".aloft-home"), NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const changed = (): void => listeners.forEach((l) => l());
  child.stdout.on("data", (d: Buffer) => {
    out += String(d);
    changed();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += String(d);
    changed();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.once("close", (code, signal) => {
      running.delete(child);
      changed();
      resolve({ code: code ?? (signal ? 128 : 1), stdout: out, stderr: err });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor(stream, pattern, ms = 120_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = (stream === "stdout" ? out : err).match(pattern);
          if (m) {
            cleanup();
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`the process ended before ${stream} showed ${pattern}; stdout: ${out}; stderr: ${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${stream} did not show ${pattern} within ${ms} ms; stdout: ${out}; stderr: ${err}`));
        }, ms);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Starts `aloft ...args` in `cwd` in the background. */
export function aloftInBackground(cwd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Background {
  return background(cwd, BIN, args, env);
}

/** An execution id as the engine makes them. */
export const EXEC_ID = /a[0-9a-f]{20}/;
