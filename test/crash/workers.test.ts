/**
 * Workers under faults, as real processes over real PostgreSQL: eight worker
 * processes claiming 10,000 tasks from the same queue never run one twice; a worker frozen
 * (SIGSTOP) past its lease has its attempt run elsewhere and its late report,
 * once it thaws (SIGCONT), refused; PostgreSQL restarted in the middle of a
 * run, and the engine, the workers and the waiting `aloft run` reconnect and
 * the run finishes. The restart uses a private PostgreSQL of this file's own
 * (its own port and data directory), never the machine's shared server.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { queryRows, startOwnServer, usePostgresDatabase, type OwnServer } from "../helpers/postgres.js";
import { ENGINE_MAIN, aloftInBackground, background, killBackground, useEngineProjects } from "../cli/engine-helpers.js";
import { lines, until } from "./waits.js";

const project = useEngineProjects();
const pg = usePostgresDatabase("workers");
const own: OwnServer[] = [];
afterAll(async () => {
  killBackground();
  for (const s of own) await s.destroy();
}, 60_000);

/** A map whose task appends `done <i> <pid>` to the side-effect log, then a sum. */
const MANY_MJS = `
import { appendFileSync } from "node:fs";
import { task, workflow, mapTask, t } from "aloft";
export const square = task({ name: "square", inputs: { i: t.int }, outputs: t.int }, async ({ i }) => {
  if (process.env.TASK_MS) await new Promise((r) => setTimeout(r, Number(process.env.TASK_MS)));
  appendFileSync(process.env.SIDE_EFFECTS, "done " + i + " " + process.pid + "\\n");
  return i * i;
});
export const total = task({ name: "total", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
export const many = workflow({ name: "many_wf", inputs: { xs: t.list(t.int) } }, ({ xs }) => ({ sum: total({ xs: mapTask(square)({ i: xs }) }) }));
`;

/** One task that writes `start <pid>` when it starts and `done <pid>` after `SLOW_MS`, and returns its process id. */
const SLOW_MJS = `
import { appendFileSync } from "node:fs";
import { task, workflow, t } from "aloft";
export const slow = task({ name: "slow", inputs: { x: t.int }, outputs: t.str }, async ({ x }) => {
  appendFileSync(process.env.SIDE_EFFECTS, "start " + process.pid + "\\n");
  await new Promise((r) => setTimeout(r, Number(process.env.SLOW_MS)));
  appendFileSync(process.env.SIDE_EFFECTS, "done " + process.pid + "\\n");
  return String(process.pid);
});
export const slow_wf = workflow({ name: "slow_wf", inputs: { x: t.int } }, ({ x }) => ({ pid: slow({ x }) }));
`;

const sumOfSquares = (n: number): number => ((n - 1) * n * (2 * n - 1)) / 6;

/**
 * Five maps of `square` (each writing `done <i> <pid>` to the side-effect log), then a sum: a map's row holds its
 * list, so 10,000 elements go as maps of 500.
 */
const FIVE_MAPS_MJS = `
import { appendFileSync } from "node:fs";
import { task, workflow, mapTask, t } from "aloft";
const LISTS = ["a", "b", "c", "d", "e"];
export const square = task({ name: "square", inputs: { i: t.int }, outputs: t.int }, async ({ i }) => {
  appendFileSync(process.env.SIDE_EFFECTS, "done " + i + " " + process.pid + "\\n");
  return i * i;
});
export const total5 = task({ name: "total5", inputs: Object.fromEntries(LISTS.map((k) => [k, t.list(t.int)])), outputs: t.int }, (lists) =>
  LISTS.reduce((sum, k) => sum + lists[k].reduce((a, b) => a + b, 0), 0));
export const five = workflow({ name: "five_wf", inputs: Object.fromEntries(LISTS.map((k) => [k, t.list(t.int)])) }, (lists) => ({
  sum: total5(Object.fromEntries(LISTS.map((k) => [k, mapTask(square)({ i: lists[k] })]))),
}));
`;

describe("workers under faults", () => {
  const N = 10_000;
  it(`eight worker processes claiming ${N} tasks from one PostgreSQL queue: each task runs exactly once`, async () => {
    const dir = project();
    writeFileSync(path.join(dir, "five.mjs"), FIVE_MAPS_MJS);
    const log = path.join(dir, "side-effects.log");
    const env = { SIDE_EFFECTS: log };
    const db = `${pg.url()}?schema=eight`;
    const token = "eight-token";
    // The one engine (no workers of its own), with the API the runs go through: the eight aloft worker processes
    // are the only ones that run tasks (an aloft run over PostgreSQL would run an engine and workers of its own).
    const server = aloftInBackground(dir, ["serve", "five.mjs", "--db", db, "--workers", "0", "--port", "0", "--token", token], env);
    const [, url] = await server.waitFor("stdout", /^Aloft server on (http:\/\/\S+) /m);
    const workers = Array.from({ length: 8 }, () => aloftInBackground(dir, ["worker", "five.mjs", "--db", db, "--concurrency", "2"], env));
    for (const w of workers) await w.waitFor("stdout", /^worker \S+ joined/);
    // Four executions at once, each of five maps of 500 (element j of list l of run k is (k * 5 + l) * 500 + j), all
    // ready from the start (--max-parallelism), so the eight workers claim from one deep queue at once.
    const per = N / 20;
    const list = (k: number, l: number): string => JSON.stringify(Array.from({ length: per }, (_, j) => (k * 5 + l) * per + j));
    const runs = [0, 1, 2, 3].map((k) =>
      aloftInBackground(dir, ["run", "five.mjs", ...["a", "b", "c", "d", "e"].flatMap((name, l) => [`--${name}`, list(k, l)]), "--max-parallelism", "10000", "--remote", url!, "--token", token], env),
    );
    const results = await Promise.all(runs.map((r) => r.done));
    results.forEach((r, k) => {
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.stdout).toMatch(new RegExp(`^sum: ${sumOfSquares((k + 1) * 5 * per) - sumOfSquares(k * 5 * per)}\\n`));
    });
    const done = lines(log).map((l) => l.split(" "));
    const counts = new Map<string, number>();
    for (const [, i] of done) counts.set(i!, (counts.get(i!) ?? 0) + 1);
    expect(counts.size).toBe(N);
    expect([...counts.entries()].filter(([, c]) => c !== 1)).toEqual([]);
    expect(done.length).toBe(N);
    // The claims were shared out: most of the 16 task processes ran some.
    expect(new Set(done.map(([, , pid]) => pid)).size).toBeGreaterThanOrEqual(8);
    for (const w of workers) w.child.kill("SIGTERM");
    server.child.kill("SIGTERM");
    await Promise.all([server.done, ...workers.map((w) => w.done)]);
  }, 900_000);

  it("a worker frozen (SIGSTOP) past its lease: its attempt runs on another worker, and its late report after SIGCONT is refused (lease_lost)", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "slow.mjs"), SLOW_MJS);
    const log = path.join(dir, "side-effects.log");
    const env = { SIDE_EFFECTS: log, SLOW_MS: "2500" };
    const token = "frozen-token";
    const server = aloftInBackground(dir, ["serve", "slow.mjs", "--workers", "0", "--port", "0", "--token", token], env);
    const [, url] = await server.waitFor("stdout", /^Aloft server on (http:\/\/\S+) /m);
    const workerArgs = ["worker", "slow.mjs", "--server", url!, "--token", token, "--lease-ms", "1500"];
    const frozen = aloftInBackground(dir, workerArgs, env);
    await frozen.waitFor("stdout", /^worker \S+ joined/);
    const run = aloftInBackground(dir, ["run", "slow.mjs", "--x", "1", "--remote", url!, "--token", token], env);
    await until(() => lines(log).some((l) => l.startsWith("start ")), 60_000, "the first attempt to start");
    const firstPid = lines(log)[0]!.split(" ")[1]!;
    // Freeze the worker (not its task process, which finishes meanwhile: its result waits in the frozen worker).
    frozen.child.kill("SIGSTOP");
    const other = aloftInBackground(dir, workerArgs, env);
    await other.waitFor("stdout", /^worker \S+ joined/);
    const r = await run.done;
    expect(r.code).toBe(0);
    const secondPid = lines(log).find((l) => l.startsWith("start ") && !l.endsWith(` ${firstPid}`))?.split(" ")[1];
    expect(secondPid).toBeDefined();
    // The recorded output is the second attempt's, and the node counts the lost lease.
    expect(r.stdout).toMatch(new RegExp(`^pid: "${secondPid}"\\n`));
    expect(lines(log)).toContain(`done ${firstPid}`); // the frozen worker's task did finish
    frozen.child.kill("SIGCONT");
    // Its result was waiting when it thawed: it reports it, and the server refuses it (409 lease_lost).
    await frozen.waitFor("stderr", /the result of task "slow" \(execution \S+, node n0, attempt 1\) was not recorded: its lease was lost meanwhile/, 60_000);
    const nodes = await aloftInBackground(dir, ["get", "nodes", r.stdout.match(/run (\S+) succeeded/)![1]!, "--remote", url!, "--token", token, "--json"]).done;
    const [node] = JSON.parse(nodes.stdout) as { phase: string; attempts: number; systemAttempts: number; outputs: { o0: string } }[];
    expect(node).toMatchObject({ phase: "succeeded", attempts: 1, systemAttempts: 1 });
    for (const p of [frozen, other, server]) p.child.kill("SIGTERM");
    await Promise.all([frozen.done, other.done, server.done]);
  }, 180_000);

  it("PostgreSQL restarted in the middle of a run: the engine, the workers and aloft run reconnect, and the run finishes with the right outputs", async () => {
    const server = await startOwnServer();
    own.push(server);
    const dir = project();
    writeFileSync(path.join(dir, "many.mjs"), MANY_MJS);
    const log = path.join(dir, "side-effects.log");
    const env = { SIDE_EFFECTS: log, TASK_MS: "20" };
    const db = `${server.url}?schema=restart`;
    const engine = background(dir, ENGINE_MAIN, ["--db", db, "--dir", "setup", "--workers", "0"], env);
    await engine.waitFor("stdout", /^ready /m);
    const workers = [0, 1].map(() => aloftInBackground(dir, ["worker", "many.mjs", "--db", db, "--concurrency", "2"], env));
    for (const w of workers) await w.waitFor("stdout", /^worker \S+ joined/);
    const n = 300;
    const run = aloftInBackground(dir, ["run", "many.mjs", "--xs", JSON.stringify(Array.from({ length: n }, (_, i) => i)), "--db", db], env);
    await until(() => lines(log).length >= 50, 120_000, "some tasks to run");
    await server.stop();
    const during = lines(log).length;
    await new Promise((r) => setTimeout(r, 2000)); // down for a while: claims, reports and steps fail meanwhile
    await server.start();
    const said = (): string => `${lines(log).length} tasks ran; run: ${run.stderr()}\nengine: ${engine.stderr()}\nworkers: ${workers.map((w) => w.stderr()).join("\n")}`;
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      // What is left in the queue says where it stopped, if it does.
      timer = setTimeout(() => void queryRows(db, "SELECT id, lease_owner, lease_expires_at FROM task_items").then((items) => reject(new Error(`the run did not finish: ${JSON.stringify(items)}; ${said()}`)), reject), 150_000);
    });
    const r = await Promise.race([run.done, stuck]).finally(() => clearTimeout(timer));
    expect(r.stdout, said()).toMatch(new RegExp(`^sum: ${sumOfSquares(n)}\\n`));
    expect(r.code).toBe(0);
    expect(during).toBeLessThan(n); // it was stopped mid-run
    const done = new Set(lines(log).map((l) => l.split(" ")[1]));
    expect(done.size).toBe(n);
    for (const w of workers) w.child.kill("SIGTERM");
    engine.child.kill("SIGTERM");
    await Promise.all([engine.done, ...workers.map((w) => w.done)]);
  }, 300_000);
});
