/**
 * Wake-ups across processes: on SQLite through wake files beside the database,
 * on PostgreSQL through LISTEN/NOTIFY. The last tests run an engine and a
 * worker as separate processes whose polls are a minute apart: a run of two
 * steps ends in seconds only because each side wakes the other.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../src/store/postgres-store.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { openWakeups, type WakeTopic, type Wakeups } from "../../src/store/wakeups.js";
import { wakeFileName } from "../../src/store/sqlite/wake-files.js";
import { usePostgresDatabase } from "../helpers/postgres.js";
import { aloft } from "../cli/helpers.js";
import { ENGINE_MAIN, aloftInBackground, background, useEngineProjects } from "../cli/engine-helpers.js";
import { T0, execution, item, start } from "./fixtures.js";

const pg = usePostgresDatabase("wakeups");
const dir = mkdtempSync(path.join(tmpdir(), "aloft-wakeups-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const project = useEngineProjects();

/** Resolves when `topic` fires on `wakeups`. */
function next(wakeups: Wakeups, topic: WakeTopic): Promise<void> {
  return new Promise((resolve) => wakeups.on(topic, resolve));
}

async function wakesOnWrites(store: Store, wakeups: Wakeups): Promise<void> {
  const started = next(wakeups, "events");
  await store.createExecution(execution("e1"), start("e1"));
  await started;
  const [ev] = await store.dueEvents(T0, 1);
  const work = next(wakeups, "work");
  await store.commit({ consumed: [ev?.id ?? -1], enqueue: [item("e1", "n1")] });
  await work;
  const [claimed] = await store.claimTasks("w1", 1, 60_000, T0);
  const reported = next(wakeups, "events");
  expect(await store.finishTask(claimed?.id ?? "", claimed?.leaseToken ?? "", { body: { type: "taskSucceeded", path: "n1", attempt: 1, outputs: { literals: {} } } }, T0)).toBe(true);
  await reported;
}

/**
 * A commit that ends an execution wakes `ended`, though it adds no event and enqueues nothing (the last commit of
 * the direct path: the engine's own worker's result, applied in the engine's own commit); one that ends none does not.
 */
async function wakesFollowersOnEnd(store: Store, wakeups: Wakeups): Promise<void> {
  const ends: string[] = [];
  let phase = "running";
  wakeups.on("ended", () => ends.push(phase));
  await store.createExecution(execution("f1"), start("f1"));
  const [ev] = await store.dueEvents(T0, 1);
  const running = { ...execution("f1"), phase: "running" as const, startedAt: T0 };
  await store.commit({ consumed: [ev?.id ?? -1], executions: [running] });
  // A write that wakes another topic, heard after the commit before it (notifications and file changes come in order).
  const work = next(wakeups, "work");
  await store.commit({ consumed: [], enqueue: [item("f1", "n1")] });
  await work;
  expect(ends).toEqual([]);
  phase = "ended";
  const ended = next(wakeups, "ended");
  await store.commitGroups([[{ consumed: [], cancelTasks: [{ executionId: "f1", path: "n1" }], executions: [{ ...running, phase: "succeeded", endedAt: T0 + 1 }] }]]);
  await ended;
  expect(ends).toEqual(["ended"]);
}

describe("wake-ups", () => {
  it("on SQLite: a commit that ends an execution wakes its followers elsewhere (ended), one that does not end one does not", async () => {
    const file = path.join(dir, "ended", "aloft.db");
    const store = await openSqliteStore(file);
    const wakeups = await openWakeups(file);
    try {
      await wakesFollowersOnEnd(store, wakeups);
    } finally {
      await wakeups.close();
      await store.close();
    }
  });

  it("on PostgreSQL: a commit that ends an execution notifies ended, one that does not end one does not", async () => {
    const store = await openPostgresStore(pg.url(), { schema: "notify_ended" });
    const wakeups = await openWakeups(`${pg.url()}?schema=notify_ended`);
    try {
      await wakesFollowersOnEnd(store, wakeups);
    } finally {
      await wakeups.close();
      await store.close();
    }
  });

  it("on SQLite: a write by another connection wakes the listener", async () => {
    const file = path.join(dir, "a", "aloft.db");
    const store = await openSqliteStore(file);
    const wakeups = await openWakeups(file);
    try {
      await wakesOnWrites(store, wakeups);
    } finally {
      await wakeups.close();
      await store.close();
    }
  });

  it("on SQLite: a wake file removed while the store runs is written again at the next commit (it went quiet for good)", async () => {
    const file = path.join(dir, "removed", "aloft.db");
    const store = await openSqliteStore(file);
    const wakeups = await openWakeups(file);
    try {
      const first = next(wakeups, "events");
      await store.createExecution(execution("e1"), start("e1"));
      await first;
      rmSync(wakeFileName(file, "events"));
      const again = next(wakeups, "events");
      await store.createExecution(execution("e2"), start("e2"));
      await again;
      expect(existsSync(wakeFileName(file, "events"))).toBe(true);
    } finally {
      await wakeups.close();
      await store.close();
    }
  });

  it("on PostgreSQL: createExecution and finishTask notify events, a step that enqueues notifies work", async () => {
    const db = `${pg.url()}?schema=notify`;
    const store = await openPostgresStore(pg.url(), { schema: "notify" });
    const wakeups = await openWakeups(db);
    try {
      await wakesOnWrites(store, wakeups);
    } finally {
      await wakeups.close();
      await store.close();
    }
  });

  /**
   * Writes with `own` (which must not wake the listener), waits until the listener has heard those writes
   * (`heard`), then writes with `other` (which must wake it).
   */
  async function ignoresOwnCommits(own: Store, other: Store, wakeups: Wakeups, heard: () => Promise<void>): Promise<void> {
    const events: string[] = [];
    let phase = "own";
    wakeups.on("events", () => events.push(phase));
    await own.createExecution(execution("own"), start("own"));
    const [ev] = await own.dueEvents(T0, 1);
    await own.commit({ consumed: [ev?.id ?? -1], enqueue: [item("own", "n1")] });
    await heard();
    expect(events).toEqual([]);
    phase = "other";
    const woken = next(wakeups, "events");
    await other.addEvents([{ executionId: "own", body: { type: "abort", reason: "test" } }]);
    await woken;
    expect(events).toEqual(["other"]);
  }

  it("on SQLite: given its store, ignores that store's own commits", async () => {
    const file = path.join(dir, "own", "aloft.db");
    const own = await openSqliteStore(file);
    const other = await openSqliteStore(file);
    const wakeups = await openWakeups(file, { store: own });
    // Wake-ups without a store hear every commit; the directory's changes reach both in order, so once this one
    // heard own's last write (work), the other has heard its earlier ones.
    const everything = await openWakeups(file);
    const heardWork = next(everything, "work");
    try {
      await ignoresOwnCommits(own, other, wakeups, () => heardWork);
    } finally {
      await everything.close();
      await wakeups.close();
      await other.close();
      await own.close();
    }
  });

  it("on PostgreSQL: given its store, ignores notifications from that store's connections", async () => {
    const db = `${pg.url()}?schema=notify_own`;
    const own = await openPostgresStore(pg.url(), { schema: "notify_own" });
    const other = await openPostgresStore(pg.url(), { schema: "notify_own" });
    const wakeups = await openWakeups(db, { store: own });
    try {
      // Notifications come in commit order on the listener's connection: once other's work arrived, own's came before.
      await ignoresOwnCommits(own, other, wakeups, async () => {
        const work = next(wakeups, "work");
        await other.commit({ consumed: [], enqueue: [item("own", "n2")] });
        await work;
      });
    } finally {
      await wakeups.close();
      await other.close();
      await own.close();
    }
  });

  for (const kind of ["sqlite", "postgres"] as const) {
    it(`wakes an engine process and an aloft worker process that poll once a minute (${kind})`, async () => {
      const cwd = project();
      const db = kind === "sqlite" ? "setup/aloft.db" : `${pg.url()}?schema=processes`;
      const engine = background(cwd, ENGINE_MAIN, ["--db", db, "--dir", "setup", "--workers", "0", "--poll-ms", "60000"]);
      await engine.waitFor("stdout", /^ready /m);
      const worker = aloftInBackground(cwd, ["worker", "chain.mjs", "--db", db, "--poll-ms", "60000"]);
      await worker.waitFor("stdout", /^worker \S+ joined/);
      const r = await aloft(cwd, ["run", "chain.mjs", "--x", "1", "--db", db]);
      expect(r.stderr).toMatch(/the run goes to it/);
      expect(r.stdout).toMatch(/^out: 20\n/);
      worker.child.kill("SIGTERM");
      await worker.done;
      engine.child.kill("SIGTERM");
      await engine.done;
    }, 55_000);
  }
});
