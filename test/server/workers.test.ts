/**
 * The worker endpoints (`/api/v1/workers`), through the worker's own client
 * (`RemoteQueue`, `RemoteFiles`' server calls): a real server over a real
 * engine, with no worker of its own, so each test claims by hand.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { task, t, workflow } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { createServer, type AloftServer } from "../../src/server/server.js";
import { WorkerFiles } from "../../src/server/worker-files.js";
import { RemoteServer, RemoteServerError } from "../../src/worker/remote-client.js";
import { RemoteQueue } from "../../src/worker/remote-queue.js";
import { openRemoteWakeups } from "../../src/worker/remote-wakeups.js";
import type { ClaimedTask, TaskResult } from "../../src/store/store.js";

/** A memory store that counts the results recorded through it (rather than by the engine's steps). */
class CountingStore extends MemoryStore {
  finished = 0;
  override finishTask(itemId: string, leaseToken: string, result: TaskResult, now: number): Promise<boolean> {
    this.finished++;
    return super.finishTask(itemId, leaseToken, result, now);
  }
}

const inc = task({ name: "inc_rw", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const wf = workflow({ name: "inc_rw_wf", inputs: { x: t.int } }, ({ x }) => ({ y: inc({ x }) }));

const TOKEN = "worker-secret";
let engine: Engine;
const store = new CountingStore();
let server: AloftServer;
let url: string;
let dir: string;
const work: (() => void)[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "aloft-rw-"));
  engine = await Engine.open({ store, pollMs: 2, schedules: false, onWork: () => work.forEach((fn) => fn()) });
  engine.run();
  await engine.register(wf);
  server = createServer({ engine, token: TOKEN, console: false, onError: (e) => errors.push(e), workers: { onWork: (fn) => work.push(fn), files: new WorkerFiles(path.join(dir, "blobs")) } });
  url = await server.listen({ port: 0 });
});
afterAll(async () => {
  await server.close();
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

async function claimOne(queue: RemoteQueue, workerId: string, leaseMs: number): Promise<ClaimedTask> {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    const [item] = await queue.claimTasks(workerId, 1, leaseMs, Date.now());
    if (item) return item;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("nothing to claim");
}

function succeeded(item: ClaimedTask, y: number) {
  return { body: { type: "taskSucceeded" as const, path: item.path, attempt: item.attempt, outputs: { literals: { o0: { scalar: { primitive: { integer: String(y) } } } } } } };
}

describe("worker endpoints", () => {
  it("claim, heartbeat and report run an attempt: the engine applies the report and the execution succeeds", async () => {
    const queue = new RemoteQueue(new RemoteServer(url, TOKEN));
    const exec = await engine.start(wf, { x: 41 });
    const item = await claimOne(queue, "w-ok", 30_000);
    expect(item.task.name).toBe("inc_rw");
    expect(item.inputs.literals?.["x"]).toEqual({ scalar: { primitive: { integer: "41" } } });
    expect(await queue.heartbeat(item.id, item.leaseToken, 30_000, Date.now())).toBe(true);
    const before = store.finished;
    expect(await queue.finishTask(item.id, item.leaseToken, succeeded(item, 42), Date.now())).toBe(true);
    // The server's own engine took the report into its next step, recorded by that step's commit: not through the store's finishTask.
    expect(store.finished).toBe(before);
    expect(await exec.result()).toEqual({ y: 42 });
  });

  it("refuses the heartbeat and the report of an attempt whose lease was lost (409 lease_lost), and takes the new holder's", async () => {
    const queue = new RemoteQueue(new RemoteServer(url, TOKEN));
    const exec = await engine.start(wf, { x: 1 });
    const first = await claimOne(queue, "w-slow", 50);
    await new Promise((r) => setTimeout(r, 120));
    const second = await claimOne(queue, "w-fast", 30_000);
    expect(second.id).toBe(first.id);
    expect(second.systemAttempts).toBe(first.systemAttempts + 1);
    expect(await queue.heartbeat(first.id, first.leaseToken, 30_000, Date.now())).toBe(false);
    const before = store.finished;
    expect(await queue.finishTask(first.id, first.leaseToken, succeeded(first, 999), Date.now())).toBe(false);
    // The engine's step refused it (the lease was lost), and so did the store, which the server asked next.
    expect(store.finished).toBe(before + 1);
    const raw = await fetch(`${url}/api/v1/workers/report`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ itemId: first.id, leaseToken: first.leaseToken, result: succeeded(first, 999).body }),
    });
    expect(raw.status).toBe(409);
    const body = (await raw.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("lease_lost");
    expect(body.error.message).toMatch(/lease was lost/);
    expect(await queue.finishTask(second.id, second.leaseToken, succeeded(second, 2), Date.now())).toBe(true);
    expect(await exec.result()).toEqual({ y: 2 });
  });

  it("release gives back claimed attempts at once: one never started as if never claimed, one cut short as a lost lease; a dead token is left alone", async () => {
    const queue = new RemoteQueue(new RemoteServer(url, TOKEN));
    const exec = await engine.start(wf, { x: 6 });
    const first = await claimOne(queue, "w-stops", 30_000);
    expect(await queue.releaseTasks([{ itemId: first.id, leaseToken: first.leaseToken, started: false }], Date.now())).toEqual([true]);
    const second = await claimOne(queue, "w-stops-hard", 30_000);
    expect([second.id, second.systemAttempts]).toEqual([first.id, first.systemAttempts]);
    expect(await queue.releaseTasks([{ itemId: first.id, leaseToken: first.leaseToken, started: false }], Date.now())).toEqual([false]);
    expect(await queue.releaseTasks([{ itemId: second.id, leaseToken: second.leaseToken, started: true }], Date.now())).toEqual([true]);
    const third = await claimOne(queue, "w-takes", 30_000);
    expect([third.id, third.systemAttempts]).toEqual([first.id, first.systemAttempts + 1]);
    expect(await queue.finishTask(third.id, third.leaseToken, succeeded(third, 7), Date.now())).toBe(true);
    expect(await exec.result()).toEqual({ y: 7 });
  });

  it("refuses a report that is not a result event, naming the field", async () => {
    const res = await fetch(`${url}/api/v1/workers/report`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ itemId: "x", leaseToken: "y", result: { type: "abort", reason: "no" } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe("result.type");
  });

  it("refuses a missing or wrong token (401 unauthorized), on claims and on the event stream", async () => {
    for (const token of [undefined, "guess"]) {
      const queue = new RemoteQueue(new RemoteServer(url, token));
      const refused = await queue.claimTasks("w", 1, 1000).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RemoteServerError);
      expect((refused as RemoteServerError).code).toBe("unauthorized");
      expect((refused as RemoteServerError).status).toBe(401);
      await expect(openRemoteWakeups(new RemoteServer(url, token))).rejects.toMatchObject({ code: "unauthorized" });
    }
  });

  it("wakes an idle worker through the event stream when work is enqueued", async () => {
    const remote = new RemoteServer(url, TOKEN);
    const wakeups = await openRemoteWakeups(remote);
    let woken = 0;
    wakeups.on("work", () => woken++);
    await new Promise((r) => setTimeout(r, 50));
    const before = woken;
    const got = new Promise<void>((resolve) => wakeups.on("work", resolve));
    const exec = await engine.start(wf, { x: 5 });
    await got;
    expect(woken).toBeGreaterThan(before);
    const queue = new RemoteQueue(remote);
    const item = await claimOne(queue, "w-woken", 30_000);
    await queue.finishTask(item.id, item.leaseToken, succeeded(item, 6), Date.now());
    expect(await exec.result()).toEqual({ y: 6 });
    await wakeups.close();
  });

  it("answers a long-poll claim (waitMs) as soon as work is enqueued, and an idle one when its time is up", async () => {
    const queue = new RemoteQueue(new RemoteServer(url, TOKEN), 20_000);
    const t0 = Date.now();
    const claim = queue.claimTasks("w-long", 1, 30_000);
    await new Promise((r) => setTimeout(r, 100));
    const exec = await engine.start(wf, { x: 7 });
    const [item] = await claim;
    expect(item?.task.name).toBe("inc_rw");
    expect(Date.now() - t0).toBeLessThan(15_000);
    await queue.finishTask(item!.id, item!.leaseToken, succeeded(item!, 8), Date.now());
    expect(await exec.result()).toEqual({ y: 8 });
    const idle = await new RemoteQueue(new RemoteServer(url, TOKEN)).claimTasks("w-idle", 1, 30_000);
    expect(idle).toEqual([]);
    const short = await new RemoteServer(url, TOKEN).json<{ items: unknown[] }>("POST", "/claim", { workerId: "w-short", limit: 1, leaseMs: 1000, waitMs: 50 });
    expect(short.items).toEqual([]);
    // A waiting claim interrupted (the worker stopping) resolves with nothing.
    const waiting = queue.claimTasks("w-stop", 1, 30_000);
    await new Promise((r) => setTimeout(r, 50));
    queue.interrupt();
    expect(await waiting).toEqual([]);
  });

  it("keeps files and directories workers send, serves them back, and refuses URIs outside its blob directory", async () => {
    const remote = new RemoteServer(url, TOKEN);
    const put = await remote.request("PUT", "/files", { query: { name: "a.txt" }, bytes: new TextEncoder().encode("hello") });
    const { uri } = (await put.json()) as { uri: string };
    expect(uri.startsWith(`file://${path.join(dir, "blobs")}/`)).toBe(true);
    expect(new TextDecoder().decode(await remote.bytes("/files", { uri }))).toBe("hello");
    const d = await remote.json<{ uri: string }>("POST", "/directories", undefined, { name: "out" });
    await remote.request("PUT", "/files", { query: { name: "sub/b.txt", into: d.uri }, bytes: new TextEncoder().encode("b") });
    const listing = await remote.json<{ files: { path: string; uri: string }[] }>("GET", "/directories", undefined, { uri: d.uri });
    expect(listing.files.map((f) => f.path)).toEqual(["sub/b.txt"]);
    // No overwriting, no escaping.
    await expect(remote.request("PUT", "/files", { query: { name: "sub/b.txt", into: d.uri }, bytes: new Uint8Array([1]) })).rejects.toMatchObject({ code: "conflict", status: 409 });
    await expect(remote.request("PUT", "/files", { query: { name: "../x.txt", into: d.uri }, bytes: new Uint8Array([1]) })).rejects.toMatchObject({ code: "invalid_request" });
    await expect(remote.bytes("/files", { uri: "file:///etc/passwd" })).rejects.toMatchObject({ code: "invalid_request", status: 400 });
  });
});
