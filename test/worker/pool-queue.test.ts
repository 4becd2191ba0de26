/**
 * A child of the pool takes the next short attempt while it runs one (`acquire({ queue })`, issue 11): the
 * parent sends it ahead, the child runs them one at a time in order, a queued attempt counts as started (and
 * is timed) only once the child takes it up, and one aborted while it waits never runs; one the child took up
 * before the abort reached it is settled by the child's answer.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkerPool, QUEUE_DEPTH } from "../../src/worker/pool.js";
import { taskItem, writeFixtures } from "./fixtures.js";

const fixtures = writeFixtures();
let flows: Record<string, unknown>;
let pool: WorkerPool;

beforeAll(async () => {
  flows = (await import(fixtures.flows)) as Record<string, unknown>;
  pool = await WorkerPool.start({ size: 1, modules: ["flows.ts"], cwd: fixtures.dir, log: () => {} });
}, 120_000);

afterAll(async () => {
  await pool.close();
});

describe("a child's queue", () => {
  it("runs attempts sent ahead one after another, each started when the one before it ended, and drops one aborted while it waits", async () => {
    const log = path.join(fixtures.dir, "queue.log");
    const first = await pool.acquire();
    const second = await pool.acquire({ queue: true });
    const third = await pool.acquire({ queue: true });
    const starts: string[] = [];
    const slow = first.run(taskItem(flows["polite"], "polite", { ms: 1500, log }), undefined, () => starts.push("first"));
    const next = second.run(taskItem(flows["add"], "add", { a: 1, b: 2 }), undefined, () => starts.push("second"));
    const dropped = third.run(taskItem(flows["polite"], "polite", { ms: 10, log: `${log}.dropped` }), undefined, () => starts.push("third"));
    await expect.poll(() => existsSync(log) && readFileSync(log, "utf8"), { timeout: 30_000 }).toBe("started\n");
    expect(starts).toEqual(["first"]);
    third.abort("stop");
    expect(await dropped).toMatchObject({ type: "taskLost", message: expect.stringMatching(/withdrawn before it started/) });
    expect(await slow).toMatchObject({ type: "taskSucceeded" });
    expect(await next).toMatchObject({ type: "taskSucceeded", outputs: { literals: { o0: { scalar: { primitive: { integer: "3" } } } } } });
    expect(starts).toEqual(["first", "second"]);
    for (const s of [first, second, third]) s.release();
    // The dropped attempt never ran in the child, and the child is lent again as usual.
    expect(existsSync(`${log}.dropped`)).toBe(false);
    const again = await pool.acquire();
    expect(await again.run(taskItem(flows["add"], "add", { a: 2, b: 2 }))).toMatchObject({ type: "taskSucceeded" });
    again.release();
  });

  it("an attempt aborted while this process still thinks it waits, but which the child has taken up, is settled by the child's answer, not given up as never started", async () => {
    const log = path.join(fixtures.dir, "race-first.log");
    const log2 = path.join(fixtures.dir, "race-second.log");
    const first = await pool.acquire();
    const second = await pool.acquire({ queue: true });
    const starts: string[] = [];
    const one = first.run(taskItem(flows["polite"], "polite", { ms: 200, log }), undefined, () => starts.push("first"));
    const two = second.run(taskItem(flows["polite"], "polite", { ms: 60_000, log: log2 }), undefined, () => starts.push("second"));
    await expect.poll(() => existsSync(log) && readFileSync(log, "utf8"), { timeout: 30_000 }).toBe("started\n");
    // This process's event loop is held (as a synced commit holds it) while the child ends the first attempt and
    // takes up the second: the answer to the first waits unread, so here the second still looks queued.
    const until = Date.now() + 60_000;
    while (!(existsSync(log2) && readFileSync(log2, "utf8") === "started\n") && Date.now() < until) {
      // busy: no event-loop turn
    }
    expect(starts).toEqual(["first"]);
    second.abort("stop");
    expect(await one).toMatchObject({ type: "taskSucceeded" });
    // It ran: its result is the aborted attempt's, and it counts as started.
    const result = await two;
    expect(result).toMatchObject({ type: "taskFailed" });
    expect(JSON.stringify(result)).not.toMatch(/withdrawn before it started/);
    expect(starts).toEqual(["first", "second"]);
    expect(readFileSync(log2, "utf8")).toMatch(/^started\naborted: /);
    first.release();
    second.release();
  });

  it(`lends at most ${QUEUE_DEPTH} slots on one child; a queued slot waits for room, a plain one for an idle child`, async () => {
    const slots = [await pool.acquire()];
    for (let i = 1; i < QUEUE_DEPTH; i++) slots.push(await pool.acquire({ queue: true }));
    let queued = false;
    let plain = false;
    const more = pool.acquire({ queue: true }).then((s) => ((queued = true), s));
    const idle = pool.acquire().then((s) => ((plain = true), s));
    await new Promise((resolve) => setImmediate(resolve)); // a turn of the event loop: nothing was released, so neither is lent
    expect([queued, plain]).toEqual([false, false]);
    slots.pop()!.release();
    const room = await more;
    expect(plain).toBe(false);
    for (const s of [...slots, room]) s.release();
    (await idle).release();
    expect(plain).toBe(true);
  });
});
