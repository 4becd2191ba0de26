/**
 * Running the real, built `aloft` binary (`node dist/cli/main.js`) in a
 * temporary directory of fixture modules.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** The built binary. */
export const BIN = path.join(root, "dist", "cli", "main.js");

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return latest;
}

/** Fails with what to do when the binary is missing or older than the CLI's sources. */
export function assertBuilt(): void {
  let built: number;
  try {
    built = statSync(BIN).mtimeMs;
  } catch {
    throw new Error(`${BIN} does not exist: run npm run build first (npm test does)`);
  }
  if (newest(path.join(root, "src", "cli")) > built) throw new Error(`${BIN} is older than src/cli: run npm run build first (npm test does)`);
}

/** What a run of the binary did. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `aloft ...args` in `cwd`, with stdin closed and `ALOFT_HOME` inside
 * `cwd`; `onStdout` sees the child and each chunk of its output as it comes.
 */
export function aloft(
  cwd: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  onStdout?: (child: ChildProcess, chunk: string) => void,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, ALOFT_HOME: path.join(cwd, ".aloft-home"), NO_COLOR: "1", ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
    if (onStdout) child.stdout?.on("data", (chunk: Buffer | string) => onStdout(child, String(chunk)));
  });
}

/** A temporary directory holding `files` (path → contents); `cleanup` removes it. */
export function fixtureDir(files: Readonly<Record<string, string>>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aloft-cli-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
