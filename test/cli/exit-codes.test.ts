/**
 * The exit codes of every command, against the one table in the README
 * (issue 13: they disagreed with it: recover of a succeeded execution 1,
 * abort 1 on the database but 2 with --remote, a locked database 1, a used
 * port 2).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { COMMAND_SUMMARIES } from "../../src/cli/commands/summaries.js";
import { ExitCode } from "../../src/cli/errors.js";
import { aloft } from "./helpers.js";
import { EXEC_ID, aloftInBackground, useEngineProjects } from "./engine-helpers.js";

const project = useEngineProjects();
const README = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");

/** The README's table of exit codes: code → meaning. */
function documentedCodes(): Map<number, string> {
  const block = /<!-- exit-codes -->\n([\s\S]*?)<!-- \/exit-codes -->/.exec(README)?.[1] ?? "";
  const rows = block.split("\n").filter((l) => /^\| \d+ \|/.test(l));
  return new Map(rows.map((l) => [Number(/^\| (\d+) \|/.exec(l)?.[1]), l.split("|")[2]?.trim() ?? ""]));
}

/** One command line and the exit code the table says it ends with. */
type Case = readonly [what: string, args: readonly string[], code: ExitCode];

describe("exit codes", () => {
  it("the README's table lists every exit code the CLI has, and nothing else", () => {
    expect([...documentedCodes().keys()].sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });

  it(
    "every command ends as the table says, on the database and through a server",
    async () => {
      const dir = project();
      writeFileSync(path.join(dir, "bump.mjs"), `import { task, t } from "aloft";\nexport const add = task({ name: "add", inputs: { a: t.int }, outputs: t.int }, ({ a }) => a);\n`);
      const ok = await aloft(dir, ["run", "flows.mjs", "sum", "--a", "1", "--b", "2", "--workers", "1", "--json"]);
      expect(ok.code, ok.stderr).toBe(ExitCode.Ok);
      const done = (JSON.parse(ok.stdout) as { id: string }).id;
      const failed = await aloft(dir, ["run", "flows.mjs", "failing", "--msg", "no", "--workers", "1"]);
      expect(failed.code).toBe(ExitCode.Failed);
      const failedId = EXEC_ID.exec(failed.stderr)?.[0] ?? "";
      const server = aloftInBackground(dir, ["serve", "flows.mjs", "gates.mjs", "--port", "0", "--workers", "1"]);
      const [, url = "", port = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:(\d+)) /);
      const served = await aloft(dir, ["run", "flows.mjs", "sum", "--a", "1", "--b", "2", "--remote", url, "--json"]);
      const servedId = (JSON.parse(served.stdout) as { id: string }).id;
      const remote = ["--remote", url];
      const cases: Case[] = [
        ["run: succeeded", ["run", "flows.mjs", "sum", "--a", "1", "--b", "2", "--local"], ExitCode.Ok],
        ["run: failed at a node", ["run", "flows.mjs", "failing", "--msg", "no", "--local"], ExitCode.Failed],
        ["run: an unknown input", ["run", "flows.mjs", "sum", "--c", "1"], ExitCode.Usage],
        ["run: an ill-typed input", ["run", "flows.mjs", "sum", "--a", "x", "--b", "2"], ExitCode.Usage],
        ["run --remote: a server that cannot be reached", ["run", "flows.mjs", "sum", "--a", "1", "--b", "2", "--remote", "http://127.0.0.1:9"], ExitCode.Usage],
        ["get executions", ["get", "executions"], ExitCode.Ok],
        ["get execution: not found", ["get", "execution", "a0000000000000000000"], ExitCode.Usage],
        ["get execution --remote: not found", ["get", "execution", "a0000000000000000000", ...remote], ExitCode.Usage],
        ["get nodes", ["get", "nodes", done], ExitCode.Ok],
        ["get task: not found", ["get", "task", "nope"], ExitCode.Usage],
        ["get --db: not there", ["get", "executions", "--db", "nope.db"], ExitCode.Usage],
        ["abort: an ended execution (database)", ["abort", done], ExitCode.Refused],
        ["abort: an ended execution (--remote)", ["abort", servedId, ...remote], ExitCode.Refused],
        ["abort: not found", ["abort", "a0000000000000000000"], ExitCode.Usage],
        ["signal: an ended execution", ["signal", done, "factor", "1"], ExitCode.Refused],
        ["signal: an ended execution (--remote)", ["signal", servedId, "factor", "1", ...remote], ExitCode.Refused],
        ["approve: not found (--remote)", ["approve", "a0000000000000000000", "publish", ...remote], ExitCode.Usage],
        ["reject: not found", ["reject", "a0000000000000000000", "publish"], ExitCode.Usage],
        ["follow: an ended execution it reports", ["follow", done], ExitCode.Ok],
        ["follow: a failed one", ["follow", failedId], ExitCode.Failed],
        ["follow: not found", ["follow", "a0000000000000000000"], ExitCode.Usage],
        ["recover: a succeeded execution (database)", ["recover", done], ExitCode.Refused],
        ["recover: a succeeded execution (--remote)", ["recover", servedId, ...remote], ExitCode.Refused],
        ["relaunch: not found", ["relaunch", "a0000000000000000000"], ExitCode.Usage],
        ["resume: an ended execution", ["resume", done], ExitCode.Refused],
        ["logs: a node that ran no task", ["logs", done, "n9"], ExitCode.Usage],
        ["logs", ["logs", done, "n0"], ExitCode.Ok],
        ["register: new specs", ["register", "flows.mjs", "--version", "v1"], ExitCode.Ok],
        ["register: another spec under a taken version", ["register", "bump.mjs", "--version", "v1"], ExitCode.Refused],
        ["register: a module that does not load", ["register", "nope.mjs"], ExitCode.Usage],
        ["compile", ["compile", "flows.mjs", "sum", "--out", "specs"], ExitCode.Ok],
        ["compile: specs there already", ["compile", "flows.mjs", "sum", "--out", "specs"], ExitCode.Usage],
        ["execute: a missing input file", ["execute", "flows.mjs", "add"], ExitCode.Usage],
        ["cache clear", ["cache", "clear"], ExitCode.Ok],
        ["cache clear: a version without a task", ["cache", "clear", "--version", "1"], ExitCode.Usage],
        ["schema: an unknown format", ["schema", "nope"], ExitCode.Usage],
        ["serve: a database another engine holds", ["serve", "flows.mjs", "--port", "0"], ExitCode.Busy],
        ["serve: a port another server listens on", ["serve", "flows.mjs", "--port", port, "--db", "other.db"], ExitCode.Busy],
        ["worker: a database that is not there", ["worker", "flows.mjs", "--db", "nope.db"], ExitCode.Usage],
        ["an unknown command", ["rnu"], ExitCode.Usage],
        ["--help", ["--help"], ExitCode.Ok],
      ];
      const results: string[] = [];
      for (const [what, args] of cases) {
        const r = await aloft(dir, args);
        results.push(`${what}: ${r.code}${r.code === cases.find((c) => c[0] === what)?.[2] ? "" : ` (${r.stderr.trim()})`}`);
      }
      server.child.kill("SIGTERM");
      await server.done;
      expect(results).toEqual(cases.map(([what, , code]) => `${what}: ${code}`));
      // Every top-level command is among the cases.
      const named = new Set(cases.map(([, args]) => args[0]));
      expect(Object.keys(COMMAND_SUMMARIES).filter((c) => !named.has(c))).toEqual([]);
      // Every code but the signals' is shown by a case (130 and 143: run.test.ts, stranded.test.ts, engine-run.test.ts).
      expect([...new Set(cases.map((c) => c[2]))].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    },
    10 * 60_000,
  );
});
