/**
 * Regressions of the command line's output and errors (issue 13): a reader
 * that stops early (`| head`) made a 27-line EPIPE stack trace and exit 1;
 * `--db` at a file that is not SQLite, at a directory or under a file gave
 * raw SqliteError/EEXIST messages, exit 1 and a stray `.lock` file; a gate
 * given its value with `--signal` was still announced as waiting.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, aloft } from "./helpers.js";
import { useEngineProjects } from "./engine-helpers.js";

const project = useEngineProjects();

/** Runs `node BIN args | true` (the reader ends at once) and resolves to aloft's exit code and stderr. */
function intoClosedPipe(cwd: string, args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ALOFT_HOME: path.join(cwd, ".aloft-home") } });
    child.stdout.destroy(); // the reader is gone before aloft writes
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += String(d)));
    child.once("close", (code) => resolve({ code: code ?? 1, stderr }));
  });
}

describe.concurrent("the command line's output and errors", () => {
  it("a reader that stops early (| head) ends aloft quietly, exit 0", async () => {
    const dir = project();
    expect((await aloft(dir, ["run", "flows.mjs", "sum", "--a", "1", "--b", "2", "--workers", "1"])).code).toBe(0);
    for (const args of [["--help"], ["get", "executions"], ["get", "nodes", "--help"]]) {
      const r = await intoClosedPipe(dir, args);
      expect([args.join(" "), r.code, r.stderr]).toEqual([args.join(" "), 0, ""]);
    }
  });

  it("--db at a file that is not SQLite, at a directory or under a file: names the path, says what is wrong, exits 2, leaves nothing behind", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "notes.txt"), "not a database\n");
    mkdirSync(path.join(dir, "folder"));
    const before = readdirSync(dir).sort();
    const cases: [string[], string][] = [
      [["get", "executions", "--db", "notes.txt"], "error: --db notes.txt: it is a file but not an SQLite database; pass --db <path of an aloft.db, or of one to create>\n"],
      [["run", "flows.mjs", "sum", "--a", "1", "--b", "2", "--db", "notes.txt"], "error: --db notes.txt: it is a file but not an SQLite database; pass --db <path of an aloft.db, or of one to create>\n"],
      [["run", "flows.mjs", "sum", "--a", "1", "--b", "2", "--db", "folder"], "error: --db folder: it is a directory, not a database file; pass --db <path of an aloft.db, or of one to create>\n"],
      [["serve", "flows.mjs", "--port", "0", "--db", "notes.txt/aloft.db"], "error: --db notes.txt/aloft.db: notes.txt is a file, so nothing can be made under it; pass --db <path of an aloft.db, or of one to create>\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = await aloft(dir, args);
      expect([args.join(" "), r.code, r.stderr]).toEqual([args.join(" "), 2, stderr]);
    }
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(path.join(dir, "notes.txt.lock"))).toBe(false);
  });

  it("a gate given its value with --signal is not announced as waiting", async () => {
    const dir = project();
    const r = await aloft(dir, ["run", "gates.mjs", "--signal", "factor=21", "--signal", "publish=true", "--workers", "1"]);
    expect([r.code, r.stdout.split("\n")[0], r.stderr]).toEqual([0, "out: 42", ""]);
  });
});
