/**
 * Every command that takes `--db` also takes a PostgreSQL URL: the real
 * binary over a database of this file's own, with engines and workers as
 * separate processes joined only through PostgreSQL.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { usePostgresDatabase } from "../helpers/postgres.js";
import { aloft } from "./helpers.js";
import { ENGINE_MAIN, EXEC_ID, aloftInBackground, background, useEngineProjects } from "./engine-helpers.js";

const project = useEngineProjects();
const pg = usePostgresDatabase("cli-db");

/** The URL with a schema of the test's own, so the tests of this file do not share an engine lock. */
const dbOf = (schema: string): string => `${pg.url()}?schema=${schema}`;

describe.concurrent("--db postgres://...", () => {
  it("runs, registers, lists and relaunches on PostgreSQL, in an engine of the command's own", async () => {
    const dir = project();
    const db = dbOf("own");
    const reg = await aloft(dir, ["register", "flows.mjs", "--version", "v1", "--db", db]);
    expect(reg.stderr).toBe("");
    expect(reg.stdout).toMatch(/\nworkflow +sum_wf +v1 +aloft\/development +created\n/);
    const run = await aloft(dir, ["run", "flows.mjs", "sum", "--a", "2", "--b", "3", "--workers", "1", "--db", db]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^total: 6\n/);
    const id = run.stdout.match(EXEC_ID)?.[0] ?? "";
    const listed = JSON.parse((await aloft(dir, ["get", "executions", "--db", db, "--json"])).stdout) as { items: { id: string; phase: string }[] };
    expect(listed.items).toContainEqual(expect.objectContaining({ id, phase: "succeeded" }));
    const again = await aloft(dir, ["relaunch", id, "--workers", "1", "--db", db, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ phase: "succeeded", outputs: { total: 6 } });
  });

  it("joins an engine process and a worker process that share nothing but the PostgreSQL database; the worker's logs reach every machine", async () => {
    const dir = project();
    const workerDir = project(); // another machine's disk
    const db = dbOf("joined");
    const engine = background(dir, ENGINE_MAIN, ["--db", db, "--workers", "0"]);
    await engine.waitFor("stdout", /^ready /m);
    const worker = aloftInBackground(workerDir, ["worker", "flows.mjs", "chain.mjs", "--db", db, "--concurrency", "2"]);
    await worker.waitFor("stdout", /^worker \S+ joined postgres:\/\/\S+ \(concurrency 2; modules flows\.mjs, chain\.mjs\); Ctrl-C stops it\n/);
    const r = await aloft(dir, ["run", "chain.mjs", "--x", "1", "--db", db]);
    expect(r.stderr).toMatch(/^aloft: an engine already runs over postgres:\/\/\S+ \(pid \d+ on \S+ since \S+: aloft-engine --db \S+ --workers 0\): the run goes to it/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^out: 20\n/);
    // The attempts are kept in PostgreSQL, not on the worker's disk: `aloft logs` on a third machine reads them.
    const id = r.stdout.match(EXEC_ID)?.[0] ?? "";
    const logs = await aloft(project(), ["logs", id, "n1", "--db", db]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stderr).toMatch(/^── n1 attempt 1: succeeded · \d+ ms · \S+\n$/);
    expect(existsSync(path.join(workerDir, ".aloft", "logs"))).toBe(false);
    worker.child.kill("SIGTERM");
    expect((await worker.done).code).toBe(0);
    engine.child.kill("SIGTERM");
    await engine.done;
  });

  it("says which server did not answer, without its password", async () => {
    const dir = project();
    const r = await aloft(dir, ["get", "executions", "--db", "postgres://me:hunter2@127.0.0.1:1/none"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("postgres://me:***@127.0.0.1:1/none");
    expect(r.stderr).not.toContain("hunter2");
  });
});
