/**
 * Never strand an execution (issue 13): a run stopped by SIGTERM is aborted
 * as on Ctrl-C; a run that went to another process's engine takes over when
 * that engine ends; an execution whose aloft run was killed says it has no
 * engine, and `aloft resume` (or `aloft serve` over its database) continues
 * it in place; `aloft run --remote` reconnects to a server that comes back;
 * a SIGTERM to npm's process chain stops the real server.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AloftClient } from "../../src/client/client.js";
import { ExecutionStateUnknownError, followRemote } from "../../src/cli/engine/follow.js";
import { aloft, BIN } from "./helpers.js";
import { EXEC_ID, aloftInBackground, useEngineProjects } from "./engine-helpers.js";

const project = useEngineProjects();
const ID = EXEC_ID.source;
const AT_FACTOR = new RegExp(`run (${ID}) waits at gate "factor"`);

/**
 * `holder` says it holds, and ends once the file `until` exists; `sleepy` appends when it starts (the time) to the file `mark`,
 * then sleeps: its first attempt 10 minutes (it is cut short), the next `ms` milliseconds.
 */
const HANDOVER_MJS = `
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { task, t } from "aloft";
export const holder = task({ name: "holder", inputs: { until: t.str }, outputs: t.int }, async ({ until }) => {
  console.log("holding");
  while (!existsSync(until)) await new Promise((resolve) => setTimeout(resolve, 20));
  return 1;
});
export const sleepy = task({ name: "sleepy", inputs: { ms: t.int, mark: t.str }, outputs: t.int }, async ({ ms, mark }) => {
  appendFileSync(mark, String(Date.now()) + "\\n");
  // Its first attempt lasts until it is cut short; the next takes ms.
  const first = readFileSync(mark, "utf8").trim().split("\\n").length === 1;
  await new Promise((resolve) => setTimeout(resolve, first ? 600_000 : ms));
  return ms;
});
`;

async function phaseOf(dir: string, id: string, ...flags: string[]): Promise<string> {
  const got = await aloft(dir, ["get", "execution", id, "--json", ...flags]);
  return (JSON.parse(got.stdout) as { phase: string }).phase;
}

describe.concurrent("never strand an execution", () => {
  it("SIGTERM of aloft run aborts its execution as Ctrl-C does, and exits 143", async () => {
    const dir = project();
    const run = aloftInBackground(dir, ["run", "slow.mjs", "slow", "--workers", "1"]);
    await run.waitFor("stdout", /started/);
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(143);
    const id = r.stderr.match(new RegExp(`error: run (${ID}) was aborted: interrupted \\(SIGTERM: the aloft run process was asked to stop\\)\\n$`))?.[1];
    expect(id, r.stderr).toBeDefined();
    expect(await phaseOf(dir, id ?? "")).toBe("aborted");
  });

  it("a run that went to another run's engine takes over when that run ends, and finishes", async () => {
    const dir = project();
    const first = aloftInBackground(dir, ["run", "gates.mjs", "--workers", "1"]);
    await first.waitFor("stderr", AT_FACTOR);
    const second = aloftInBackground(dir, ["run", "gates.mjs", "--workers", "1"]);
    await second.waitFor("stderr", /an engine already runs over \.aloft\/aloft\.db \(pid \d+/);
    const [, id = ""] = await second.waitFor("stderr", AT_FACTOR);
    first.child.kill("SIGTERM");
    expect((await first.done).code).toBe(143);
    await second.waitFor("stderr", /the engine this run went to \(pid \d+.*\) has ended: an engine of this process takes over \.aloft\/aloft\.db, and its workers run the tasks\n/);
    expect((await aloft(dir, ["signal", id, "factor", "21"])).code).toBe(0);
    expect((await aloft(dir, ["approve", id, "publish"])).code).toBe(0);
    const r = await second.done;
    expect([r.code, r.stdout.split("\n")[0]]).toEqual([0, "out: 42"]);
  });

  it("when the run whose engine runs another run's attempt ends, the attempt is handed over at once, not after its lease (issue 13)", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "handover.mjs"), HANDOVER_MJS);
    const mark = path.join(dir, "sleepy.starts");
    // The first run's engine and workers (two slots) run the second run's attempt; the first ends while it runs.
    const first = aloftInBackground(dir, ["run", "handover.mjs", "holder", "--until", mark, "--workers", "2"]);
    await first.waitFor("stdout", /holding/);
    const second = aloftInBackground(dir, ["run", "handover.mjs", "sleepy", "--ms", "500", "--mark", mark, "--workers", "1"]);
    await second.waitFor("stderr", /an engine already runs over \.aloft\/aloft\.db \(pid \d+/);
    expect((await first.done).code).toBe(0);
    await second.waitFor("stderr", /has ended: an engine of this process takes over \.aloft\/aloft\.db/);
    const r = await second.done;
    expect([r.code, r.stdout.split("\n")[0]], r.stderr).toEqual([0, "o0: 500"]);
    // The attempt cut short ran again (a lost lease, a system retry) as soon as this run's engine took over: its
    // lease (30 s, renewed every 10 s) was given back, not waited out.
    const starts = readFileSync(mark, "utf8").trim().split("\n").map(Number);
    expect(starts).toHaveLength(2);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeLessThan(20_000);
  });

  it("an execution whose aloft run was killed says no engine runs it; aloft resume continues it in place", async () => {
    const dir = project();
    const run = aloftInBackground(dir, ["run", "gates.mjs", "--workers", "1", "--signal", "factor=21"]);
    const [, id = ""] = await run.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "publish"`));
    run.child.kill("SIGKILL");
    await run.done;
    const shown = await aloft(dir, ["get", "execution", id]);
    expect(shown.stdout).toContain("phase        running\n");
    expect(shown.stdout).toContain(
      `engine       none runs over the database, so nothing advances this execution (its aloft run was stopped or killed): continue it in place with aloft resume ${id} (or start aloft serve over the database with its modules)\n`,
    );
    const recover = await aloft(dir, ["recover", id]);
    expect(recover.stderr).toContain(`if no engine runs it any more, aloft resume ${id} continues it in place`);
    const resumed = await aloft(dir, ["resume", id, "--signal", "publish=true"]);
    expect([resumed.code, resumed.stdout.split("\n").slice(0, 2)]).toEqual([0, ["out: 42", expect.stringMatching(new RegExp(`^run ${id} succeeded in `))]]);
    expect(await phaseOf(dir, id)).toBe("succeeded");
    // The execution's own duration (its start, before the kill, to its end), as aloft get execution says it; not the resume's (issue 13).
    const took = (await aloft(dir, ["get", "execution", id])).stdout.match(/\(took (\S+)\)/)?.[1];
    expect(resumed.stdout).toContain(`run ${id} succeeded in ${took ?? "?"} (`);
    const again = await aloft(dir, ["resume", id]);
    expect([again.code, again.stderr]).toEqual([3, `error: execution ${id} already succeeded; there is nothing to resume (aloft relaunch ${id} runs it again)\n`]);
  });

  it("aloft serve over the database of a killed run continues its execution", async () => {
    const dir = project();
    const run = aloftInBackground(dir, ["run", "gates.mjs", "--workers", "1", "--signal", "factor=21"]);
    const [, id = ""] = await run.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "publish"`));
    run.child.kill("SIGKILL");
    await run.done;
    const server = aloftInBackground(dir, ["serve", "gates.mjs", "--port", "0", "--workers", "1"]);
    const [, url = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:\d+) /);
    expect((await aloft(dir, ["approve", id, "publish", "--remote", url])).code).toBe(0);
    // The server's event stream ends when the execution does.
    for await (const event of new AloftClient({ baseUrl: url }).events(id)) if (event.type === "end") break;
    expect(await phaseOf(dir, id, "--remote", url)).toBe("succeeded");
    server.child.kill("SIGINT");
    await server.done;
  });

  it("aloft run --remote reconnects when its server dies and comes back, and reports the execution's end", async () => {
    const dir = project();
    const serve = (port: string): ReturnType<typeof aloftInBackground> => aloftInBackground(dir, ["serve", "gates.mjs", "--port", port, "--workers", "1", "--db", "served/aloft.db"]);
    let server = serve("0");
    const [, url = "", port = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:(\d+)) /);
    const run = aloftInBackground(dir, ["run", "gates.mjs", "--remote", url, "--signal", "factor=21"]);
    const [, id = ""] = await run.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "publish"`));
    server.child.kill("SIGKILL");
    await server.done;
    await run.waitFor("stderr", /aloft: lost the server \(.*\); reconnecting for up to 60 s \(the execution goes on there\)\n/);
    server = serve(port);
    await server.waitFor("stdout", /^Aloft server on /);
    await run.waitFor("stderr", new RegExp(`aloft: the server at ${url} is back; following execution ${id} again\\n`));
    expect((await aloft(dir, ["approve", id, "publish", "--remote", url])).code).toBe(0);
    const r = await run.done;
    expect([r.code, r.stdout.split("\n")[0]]).toEqual([0, "out: 42"]);
    server.child.kill("SIGINT");
    await server.done;
  });

  it("following a server that does not come back says the execution's state is unknown and how to see it", async () => {
    const client = new AloftClient({ baseUrl: "http://127.0.0.1:9" });
    const run = followRemote(client, "a0000000000000000000a", new Map(), { reconnectForMs: 300 });
    const e: unknown = await run.result.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ExecutionStateUnknownError);
    expect((e as Error).message).toMatch(
      /^the state of execution a0000000000000000000a is unknown: the server at http:\/\/127\.0\.0\.1:9 went away \(cannot reach .*\) and did not come back within 60 s; it may still be running there: once the server is back, follow it with aloft follow a0000000000000000000a --remote http:\/\/127\.0\.0\.1:9 \(or see it with aloft get execution a0000000000000000000a --remote http:\/\/127\.0\.0\.1:9\)$/,
    );
  });

  it("when npm started aloft (npx) and its process chain is ended by SIGTERM, the real server stops with its workers", async () => {
    const dir = project();
    // npx runs the bin as npm → sh -c → node; a SIGTERM to the chain never reaches node itself.
    const sh = spawn("sh", ["-c", `"${process.execPath}" "${BIN}" serve gates.mjs --port 0 --workers 1; true`], {
      cwd: dir,
      env: { ...process.env, npm_command: "exec", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const closed = new Promise<void>((resolve) => sh.stdout.once("close", () => resolve()));
    sh.stderr.on("data", (d: Buffer) => (out += String(d)));
    await new Promise<void>((resolve) => sh.stdout.on("data", (d: Buffer) => (String(d).includes("Aloft server on") ? resolve() : undefined)));
    sh.kill("SIGTERM");
    await closed; // every process holding the pipe (the server and its workers) has ended
    expect(out).toContain("aloft serve: SIGTERM: stopping");
  });
});
