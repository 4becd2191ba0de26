/**
 * Setups of several processes: an engine process with `aloft worker`
 * joining it through its database, and `aloft serve` with the command line's
 * `--remote` mode, all with the real binaries in temporary projects.
 */
import { describe, expect, it } from "vitest";
import { freePort } from "../helpers/postgres.js";
import { aloft } from "./helpers.js";
import { ENGINE_MAIN, EXEC_ID, aloftInBackground, background, useEngineProjects } from "./engine-helpers.js";

/** A fresh project for each test. */
const project = useEngineProjects();

const ID = EXEC_ID.source;

describe.concurrent("aloft worker", () => {
  it("joins an engine process through its database and runs the tasks of a run that goes to that engine", async () => {
    const dir = project();
    const engine = background(dir, ENGINE_MAIN, ["--dir", "setup", "--workers", "0"]);
    await engine.waitFor("stdout", /^ready /m);
    const worker = aloftInBackground(dir, ["worker", "flows.ts", "chain.mjs", "--db", "setup/aloft.db", "--concurrency", "2", "--poll-ms", "20"]);
    await worker.waitFor("stdout", /^worker \S+ joined setup\/aloft\.db \(concurrency 2; modules flows\.ts, chain\.mjs\); Ctrl-C stops it\n/);

    const r = await aloft(dir, ["run", "flows.ts", "sum", "--a", "2", "--b", "3", "--db", "setup/aloft.db"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^aloft: an engine already runs over setup\/aloft\.db \(pid \d+ on \S+ since \S+: aloft-engine --dir setup --workers 0\): the run goes to it, and its workers run the tasks \(they must load its modules; --db <another path> runs on an engine of its own\)\n$/);
    expect(r.stdout).toMatch(new RegExp(`^total: 6\\nrun (${ID}) succeeded in \\S+ \\(engine: setup/aloft\\.db\\)\\nlook at it: aloft get execution \\1 --db setup/aloft\\.db\\n$`));

    // relaunch and recover also go to the running engine; its worker runs them
    const chained = await aloft(dir, ["run", "chain.mjs", "--x", "1", "--db", "setup/aloft.db"]);
    expect(chained.code).toBe(0);
    const relaunched = await aloft(dir, ["relaunch", chained.stdout.match(EXEC_ID)?.[0] ?? "", "--db", "setup/aloft.db", "--json"]);
    expect(JSON.parse(relaunched.stdout)).toMatchObject({ phase: "succeeded", outputs: { out: 20 } });

    worker.child.kill("SIGINT");
    const stopped = await worker.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain("aloft worker: SIGINT: finishing the attempts in hand (send it again to stop at once)");
    engine.child.kill("SIGTERM");
    await engine.done;
  });

  it("says what is wrong in one line: a missing database, a server that does not answer, a module that does not load", async () => {
    const dir = project();
    const closed = await freePort(); // nothing listens there
    const cases: [string[], RegExp | string][] = [
      [["worker", "flows.ts"], "error: no Aloft database at .aloft/aloft.db; run a workflow first or pass --db"],
      [["worker", "flows.ts", "--server", `http://127.0.0.1:${closed}`], new RegExp(`^error: cannot reach the server at http://127\\.0\\.0\\.1:${closed}: fetch failed \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${closed}\\)\n$`)],
      [["worker", "flows.ts", "--server", "ftp://x"], 'error: the server URL must start with http:// or https://, got "ftp://x"'],
      [["worker", "flows.ts", "--token", "t"], "error: --token goes with --server (a worker over the database needs no token)"],
      [["worker", "--db", "x.db"], "error: missing required argument 'modules'"],
    ];
    for (const [args, message] of cases) {
      const r = await aloft(dir, args);
      expect(r.code).toBe(2);
      if (typeof message === "string") expect(r.stderr).toBe(`${message}\n`);
      else expect(r.stderr).toMatch(message);
    }
    await expect(aloft(dir, ["register", "flows.mjs"])).resolves.toMatchObject({ code: 0 });
    const broken = await aloft(dir, ["worker", "nope.mjs"]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error: .*nope\.mjs.*no such file.*\n$/);
  });
});

describe.concurrent("aloft serve and --remote", () => {
  it("serves the API over the engine with a token; run, get, signal, approve, abort, relaunch and recover work through it", async () => {
    const dir = project();
    const server = aloftInBackground(dir, ["serve", "flows.mjs", "gates.mjs", "chain.mjs", "--port", "0", "--db", "served/aloft.db", "--workers", "2"], { ALOFT_TOKEN: "s3cret" });
    const [, url = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:\d+) \(API: \S+\/api\/v1, OpenAPI: \S+\/api\/openapi\.json\); requests need the token\n/);
    expect(server.stdout()).toMatch(/\ndatabase served\/aloft\.db; a worker pool; registered 5 workflows, 1 launch plan, 6 tasks; Ctrl-C stops it\n/);
    const env = { ALOFT_TOKEN: "s3cret" };
    const remote = ["--remote", url];

    const run = await aloft(dir, ["run", "flows.mjs", "sum", "--a", "1", "--b", "2", ...remote], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const id = run.stdout.match(new RegExp(`^total: 4\\nrun (${ID}) succeeded in \\S+ \\(remote: ${url}\\)\\nlook at it: aloft get execution \\1 --remote ${url}\\n$`))?.[1] ?? "";
    expect(id).toMatch(EXEC_ID);
    const task = await aloft(dir, ["run", "flows.mjs", "add", "--a", "2", "--b", "2", "--json", ...remote], env);
    expect(JSON.parse(task.stdout)).toMatchObject({ mode: "remote", phase: "succeeded", outputs: { o0: 4 } });
    const failed = await aloft(dir, ["run", "flows.mjs", "failing", "--msg", "no", ...remote], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`^error: run ${ID} failed at node n0/n0 \\(task "boom"\\): no second line\\n$`));

    // get, the same JSON as the API's
    const listed = JSON.parse((await aloft(dir, ["get", "executions", "--filter", "workflow=sum_wf", "--json", ...remote], env)).stdout) as { items: { id: string }[] };
    expect(listed.items.map((e) => e.id)).toEqual([id]);
    const shown = await aloft(dir, ["get", "execution", id, ...remote], env);
    expect(shown.stdout).toMatch(/\noutputs +total: 4\n/);
    expect(shown.stdout).toContain(`aloft get nodes ${id} --remote ${url}`);
    const nodes = JSON.parse((await aloft(dir, ["get", "nodes", id, "--json", ...remote], env)).stdout) as { path: string; phase: string }[];
    expect(nodes.map((n) => n.phase)).toEqual(["succeeded", "succeeded"]);
    expect((await aloft(dir, ["get", "launchplans", ...remote], env)).stdout).toMatch(/\nsum_lp +\w+ +1 /);

    // gates and abort through the API
    const gated = aloftInBackground(dir, ["run", "gates.mjs", ...remote], env);
    const [, gid = ""] = await gated.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "factor" \\(node n0\\) for a value of type int; answer it with: aloft signal \\1 factor <value> --remote ${url}\\n`));
    await expect(aloft(dir, ["signal", gid, "factor", "7", ...remote], env)).resolves.toMatchObject({ code: 0, stdout: `gave "factor" the value 7 for execution ${gid}\n` });
    await gated.waitFor("stderr", /waits at gate "publish"/);
    await expect(aloft(dir, ["approve", gid, "publish", ...remote], env)).resolves.toMatchObject({ code: 0 });
    expect((await gated.done).stdout).toMatch(/^out: 14\n/);
    const toAbort = aloftInBackground(dir, ["run", "gates.mjs", ...remote], env);
    const [, aid = ""] = await toAbort.waitFor("stderr", new RegExp(`run (${ID}) waits at gate`));
    await expect(aloft(dir, ["abort", aid, "--reason", "enough", ...remote], env)).resolves.toMatchObject({ code: 0, stdout: `aborted execution ${aid}\n` });
    const aborted = await toAbort.done;
    expect([aborted.code, aborted.stderr.split("\n").at(-2)]).toEqual([1, `error: run ${aid} was aborted: enough`]);

    // relaunch and recover on the server
    const relaunched = await aloft(dir, ["relaunch", id, "--json", ...remote], env);
    expect(JSON.parse(relaunched.stdout)).toMatchObject({ mode: "remote", phase: "succeeded", outputs: { total: 4 } });
    const recovered = await aloft(dir, ["recover", aid, "--signal", "factor=1", "--signal", "publish=true", ...remote], env);
    expect([recovered.code, recovered.stdout.split("\n")[0]]).toEqual([0, "out: 2"]);

    // the token is enforced; a second engine over the same database is refused
    const noToken = await aloft(dir, ["get", "executions", ...remote], { ALOFT_TOKEN: "" });
    expect([noToken.code, noToken.stderr]).toEqual([2, "error: this server needs a token: send Authorization: Bearer <token>; pass it with --token <token>, set $ALOFT_TOKEN, or put \"token\" in aloft.config.json\n"]);
    const second = await aloft(dir, ["serve", "flows.mjs", "--port", "0", "--db", "served/aloft.db"]);
    expect(second.code).toBe(4); // busy: another engine holds the database (it was 1)
    expect(second.stderr).toMatch(/^error: another Aloft engine is running over .*served\/aloft\.db \(pid \d+ on \S+ since \S+: aloft serve flows\.mjs .*\); only one engine may run over a database\n$/);
    // on the database too, the served executions are there
    expect((await aloft(dir, ["get", "execution", id, "--db", "served/aloft.db"])).stdout).toContain("phase        succeeded");

    server.child.kill("SIGINT");
    const stopped = await server.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain("aloft serve: SIGINT: stopping");
    const gone = await aloft(dir, ["get", "executions", ...remote], env);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe(`error: cannot reach the Aloft server at ${url} (ECONNREFUSED); is it running? (start one with: aloft serve)\n`);
  });

  it("says when it cannot listen, in one line", async () => {
    const dir = project();
    const first = aloftInBackground(dir, ["serve", "--port", "0", "--db", "a/aloft.db"]);
    const [, port = ""] = await first.waitFor("stdout", /^Aloft server on http:\/\/127\.0\.0\.1:(\d+) /);
    expect(first.stdout()).toContain("no workers (no modules); registered 0 workflows, 0 launch plans, 0 tasks");
    const busy = await aloft(dir, ["serve", "--port", port, "--db", "b/aloft.db"]);
    expect([busy.code, busy.stderr]).toEqual([4, `error: cannot listen on 127.0.0.1:${port}: the address is in use (another server? pass --port)\n`]);
    first.child.kill("SIGTERM");
    expect((await first.done).code).toBe(0);
  });
});
