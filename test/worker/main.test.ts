import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite-store.js";
import { parseWorkerArgs, WorkerUsageError } from "../../src/worker/main.js";
import { enqueue, result, taskItem, writeFixtures } from "./fixtures.js";

const MAIN = fileURLToPath(new URL("../../src/worker/main.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

const fixtures = writeFixtures();
let flows: Record<string, unknown>;
const stores: SqliteStore[] = [];
const procs: ChildProcess[] = [];

beforeAll(async () => {
  flows = (await import(fixtures.flows)) as Record<string, unknown>;
});

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  await Promise.all(stores.map((s) => s.close()));
});

interface WorkerProcess {
  readonly proc: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts `main.ts` as a worker process over the SQLite file `db`, in the fixtures' directory. */
function startProcess(db: string): WorkerProcess {
  const proc = spawn(process.execPath, ["--import", TSX, MAIN, "--db", db, "--concurrency", "1", "--poll-ms", "10", "--lease-ms", "5000", "flows.ts"], { cwd: fixtures.dir, stdio: ["ignore", "ignore", "pipe"] });
  procs.push(proc);
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, stderr: () => err, exited };
}

async function open(name: string): Promise<{ db: string; store: SqliteStore }> {
  const db = path.join(fixtures.dir, name);
  const store = await openSqliteStore(db);
  stores.push(store);
  return { db, store };
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []);

describe("the worker process", () => {
  it("runs tasks from the engine's SQLite file and drains on SIGTERM: the attempt in hand is reported, then it exits 0", async () => {
    const { db, store } = await open("drain.db");
    const w = startProcess(db);
    const quick = taskItem(flows["add"], "add", { a: 2, b: 3 });
    await enqueue(store, [quick]);
    expect(await result(store, quick.path, 15_000)).toMatchObject({ type: "taskSucceeded", outputs: { literals: { o0: { scalar: { primitive: { integer: "5" } } } } } });

    const log = path.join(fixtures.dir, "drain.log");
    const slow = taskItem(flows["counted"], "counted", { x: 4, log, ms: 400 });
    await enqueue(store, [slow]);
    await expect.poll(() => lines(log).length, { timeout: 5000 }).toBe(1);
    w.proc.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    expect(lines(log)).toHaveLength(2);
    expect(await result(store, slow.path, 1000)).toMatchObject({ type: "taskSucceeded", outputs: { literals: { o0: { scalar: { primitive: { integer: "40" } } } } } });
    expect(w.stderr()).toMatch(/SIGTERM: finishing the attempts in hand/);
  });

  it("stops at once on a second signal, leaving the attempt unreported for another worker", async () => {
    const { db, store } = await open("hard.db");
    const w = startProcess(db);
    const log = path.join(fixtures.dir, "hard.log");
    const stuck = taskItem(flows["polite"], "polite", { ms: 20_000, log });
    await enqueue(store, [stuck]);
    await expect.poll(() => lines(log), { timeout: 15_000 }).toEqual(["started"]);
    w.proc.kill("SIGINT");
    await expect.poll(() => w.stderr(), { timeout: 3000 }).toMatch(/SIGINT: finishing the attempts in hand \(send it again to stop at once\)/);
    const started = Date.now();
    w.proc.kill("SIGINT");
    expect(await w.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(result(store, stuck.path, 200)).rejects.toThrow(/no result/);
    expect(lines(log)).toEqual(["started"]);
  });

  it("reads its command line, and says what is missing", () => {
    expect(parseWorkerArgs(["--db", "a.db", "--concurrency", "3", "x.ts", "y.mjs"])).toEqual({ db: "a.db", concurrency: 3, modules: ["x.ts", "y.mjs"], leaseMs: undefined, pollMs: undefined, workerId: undefined, blobDir: undefined });
    expect(() => parseWorkerArgs(["x.ts"])).toThrow(new WorkerUsageError("--db is required: the SQLite file (or postgres:// URL) the engine uses"));
    expect(() => parseWorkerArgs(["--db", "a.db"])).toThrow(/give the modules that define the tasks/);
    expect(() => parseWorkerArgs(["--db", "a.db", "--concurrency", "1.5", "x.ts"])).toThrow(/--concurrency expects a positive integer, got "1.5"/);
    expect(() => parseWorkerArgs(["--db", "a.db", "--nope", "x.ts"])).toThrow(WorkerUsageError);
  });
});
