/**
 * Running a benchmark worker in a child process and reading its JSON lines.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** A running worker. */
export interface Worker<M> {
  /** Resolves when the worker exits, with its exit code (or the signal that ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the worker. */
  kill(): void;
  /** Messages (JSON lines on stdout) in arrival order. */
  readonly messages: M[];
}

/**
 * Starts `bench/workers/<script>` with `--expose-gc` under tsx. Its stderr is
 * passed through (progress); each stdout line is parsed as JSON and handed to
 * `onMessage`.
 */
export function startWorker<M>(script: string, args: readonly string[], onMessage: (message: M) => void = () => {}): Worker<M> {
  const path = fileURLToPath(new URL(`./workers/${script}`, import.meta.url));
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", path, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const messages: M[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.trim() === "") return;
    const message = JSON.parse(line) as M;
    messages.push(message);
    onMessage(message);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  return { exited, messages, kill: () => child.kill("SIGKILL") };
}

/** Runs a worker to completion and returns its messages; fails if it exits with an error. */
export async function runWorker<M>(script: string, args: readonly string[]): Promise<M[]> {
  const worker = startWorker<M>(script, args);
  const { code, signal } = await worker.exited;
  if (code !== 0) throw new Error(`bench/workers/${script} ${args.join(" ")} failed (${signal ?? `exit code ${String(code)}`})`);
  return worker.messages;
}
