import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore, SqliteStore } from "../../src/store/sqlite-store.js";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/store/sqlite/schema.js";
import { Sql } from "../../src/store/sqlite/sql.js";
import { describeStoreConformance } from "./conformance.js";
import { DuplicateExecutionError, SchemaTooNewError } from "../../src/errors.js";
import { T0, cacheEntry, entity, execution, item, node, start } from "./fixtures.js";

const dir = mkdtempSync(path.join(tmpdir(), "aloft-sqlite-"));
let files = 0;
const newFile = (): string => path.join(dir, `store-${++files}`, "aloft.db");

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeStoreConformance("SqliteStore", () => openSqliteStore(newFile()));

describe("SqliteStore on disk", () => {
  it("creates the file's directories, uses WAL and foreign keys, and records the schema version", async () => {
    const file = path.join(dir, "deep", "er", "aloft.db");
    const store = await openSqliteStore(file);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.prepare("SELECT MAX(version) AS v FROM schema_version").get()).toEqual({ v: SCHEMA_VERSION });
      const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
      expect(indexes).toEqual(expect.arrayContaining(["events_pending", "events_pending_by_id", "task_items_ready", "task_items_leases", "executions_by_created", "executions_by_parent"]));
    } finally {
      db.close();
    }
  });

  it("syncs every commit by default (synchronous FULL: power-cut safe); NORMAL when asked, by option or $ALOFT_SQLITE_SYNCHRONOUS", async () => {
    const level = async (options: Parameters<typeof openSqliteStore>[1]): Promise<unknown> => {
      const store = await openSqliteStore(newFile(), options);
      try {
        return (store as unknown as { sql: { db: Database.Database } }).sql.db.pragma("synchronous", { simple: true });
      } finally {
        await store.close();
      }
    };
    expect(await level({})).toBe(2); // FULL
    expect(await level({ synchronous: "normal" })).toBe(1);
    process.env["ALOFT_SQLITE_SYNCHRONOUS"] = "normal";
    try {
      expect(await level({})).toBe(1);
      process.env["ALOFT_SQLITE_SYNCHRONOUS"] = "fast";
      await expect(level({})).rejects.toThrow('ALOFT_SQLITE_SYNCHRONOUS must be "full" or "normal", got "fast"');
    } finally {
      delete process.env["ALOFT_SQLITE_SYNCHRONOUS"];
    }
  });

  it("fails a shared batch whole when SQLite rolls its transaction back by itself (the writes after it committed alone, and all were reported failed)", async () => {
    const db = new Database(":memory:");
    try {
      db.exec("CREATE TABLE t (x INTEGER); CREATE TRIGGER t_full BEFORE INSERT ON t WHEN new.x = 2 BEGIN SELECT RAISE(ROLLBACK, 'as SQLITE_FULL does'); END;");
      const sql = new Sql(db);
      const insert = db.prepare("INSERT INTO t (x) VALUES (?)");
      const results = await Promise.allSettled([1, 2, 3].map((x) => sql.batch(() => insert.run(x))));
      expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
      expect(db.prepare("SELECT x FROM t").all()).toEqual([]);
      expect(db.inTransaction).toBe(false);
    } finally {
      db.close();
    }
  });

  it("gives workers on this machine a queue whose claims and results commit unsynced, the connection back at FULL after each", async () => {
    const store = await openSqliteStore(newFile());
    const db = (store as unknown as { sql: { db: Database.Database } }).sql.db;
    const levels: string[] = [];
    const pragma = db.pragma.bind(db);
    db.pragma = ((source: string, options?: Database.PragmaOptions) => {
      if (source.startsWith("synchronous =")) levels.push(source);
      return pragma(source, options);
    }) as typeof db.pragma;
    try {
      const queue = store.localWorkQueue();
      await store.createExecution(execution("e1"), start("e1"));
      const [ev] = await store.dueEvents(T0, 1);
      await store.commit({ consumed: [ev?.id ?? -1], enqueue: [item("e1", "n1")] });
      expect(levels).toEqual([]); // the engine's commits stay synced
      const [claimed] = await queue.claimTasks("w1", 1, 60_000, T0);
      expect(claimed?.path).toBe("n1");
      expect(await queue.heartbeat(claimed?.id ?? "", claimed?.leaseToken ?? "", 60_000, T0)).toBe(true);
      expect(await queue.finishTask(claimed?.id ?? "", claimed?.leaseToken ?? "", { body: { type: "taskSucceeded", path: "n1", attempt: 1, outputs: { literals: {} } } }, T0)).toBe(true);
      expect(await queue.finishTasks([{ itemId: claimed?.id ?? "", leaseToken: claimed?.leaseToken ?? "", result: { body: { type: "taskSucceeded", path: "n1", attempt: 1, outputs: { literals: {} } } } }], T0)).toEqual([false]);
      expect((await store.dueEvents(T0, 5)).map((e) => e.body.type)).toEqual(["taskSucceeded"]);
      await expect(queue.claimTasks("w1", 0.5, 60_000, T0)).rejects.toThrow(); // refused before it writes: the level is not touched
      expect(await queue.lockCacheKey("k", "w1", 60_000, T0)).toBe(true);
      expect(levels).toEqual(Array.from({ length: 5 }, () => ["synchronous = NORMAL", "synchronous = 2"]).flat());
      expect(pragma("synchronous", { simple: true })).toBe(2);
    } finally {
      await store.close();
    }
  });

  it("prunes consumed events: their rows go, and consuming one again is refused as consumed", async () => {
    const file = newFile();
    const store = await openSqliteStore(file);
    try {
      await store.createExecution(execution("e1"), start("e1"));
      const [ev] = await store.dueEvents(T0, 10);
      await store.commit({ consumed: [ev?.id ?? -1] });
      const other = new Database(file, { readonly: true });
      expect(other.prepare("SELECT COUNT(*) AS n FROM events").get()).toEqual({ n: 0 });
      other.close();
      await expect(store.commit({ consumed: [ev?.id ?? -1] })).rejects.toMatchObject({ reason: "eventConsumed" });
      await expect(store.commit({ consumed: [(ev?.id ?? 0) + 1] })).rejects.toMatchObject({ reason: "eventMissing" });
    } finally {
      await store.close();
    }
  });

  it("keeps everything across closing and reopening the file, without migrating twice", async () => {
    const file = newFile();
    const a = await openSqliteStore(file);
    await a.registerEntity(entity("task", "slope"));
    await a.createExecution(execution("e1"), start("e1"));
    const [ev] = await a.dueEvents(T0, 10);
    await a.commit({ consumed: [ev?.id ?? -1], nodes: [node("e1", "n1")], enqueue: [item("e1", "n1")], cachePut: [cacheEntry("k")], events: [{ executionId: "e1", dueAt: T0 + 99, body: { type: "timer", path: "n1", purpose: "sleep" } }] });
    const [lease] = await a.claimTasks("w1", 1, 60_000, T0);
    expect(await a.lockCacheKey("k", "w1", 60_000, T0)).toBe(true);
    expect(await a.claimScheduleTick("nightly", T0)).toBe(true);
    await a.close();

    const b = await openSqliteStore(file);
    try {
      expect(await b.getEntity("task", entity("task", "slope").key)).toStrictEqual(entity("task", "slope"));
      expect(await b.getExecution("e1")).toStrictEqual(execution("e1"));
      expect(await b.listNodes("e1")).toStrictEqual([node("e1", "n1")]);
      expect(await b.getCached("k")).toStrictEqual(cacheEntry("k"));
      expect(await b.nextEventDue()).toBe(T0 + 99);
      expect(await b.claimTasks("w2", 1, 60_000, T0 + 1)).toEqual([]);
      expect(await b.heartbeat(lease?.id ?? "", lease?.leaseToken ?? "", 60_000, T0 + 2)).toBe(true);
      expect(await b.lockCacheKey("k", "w2", 60_000, T0 + 3)).toBe(false);
      expect(await b.claimScheduleTick("nightly", T0)).toBe(false);
      expect(await b.lastScheduleTick("nightly")).toBe(T0);
      // A new event id continues after the old ones (ids are never reused).
      await b.addEvents([{ executionId: "e1", body: { type: "abort", reason: "by hand" } }]);
      const ids = (await b.dueEvents(T0 + 1000, 10)).map((e) => e.id);
      expect(ids).toHaveLength(2);
      expect((ids[1] ?? 0) > (ids[0] ?? 0) && (ids[0] ?? 0) > (ev?.id ?? 0)).toBe(true);
    } finally {
      await b.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT COUNT(*) AS n FROM schema_version").get()).toEqual({ n: SCHEMA_VERSION });
    db.close();
  });

  it("migrates a database made at schema version 1 to the current version, keeping its rows", async () => {
    const file = newFile();
    mkdirSync(path.dirname(file), { recursive: true });
    const old = new Database(file);
    old.exec(MIGRATIONS[0] ?? "");
    old.exec("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version (version) VALUES (1)");
    old.prepare("INSERT INTO schedule_ticks (schedule, tick_at) VALUES (?, ?)").run("nightly", T0);
    old.close();
    const store = await openSqliteStore(file);
    expect(await store.lastScheduleTick("nightly")).toBe(T0);
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT version FROM schema_version ORDER BY version").all()).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'events_pending_by_id'").get()).toEqual({ name: "events_pending_by_id" });
    db.close();
  });

  it("refuses a database whose schema is newer than this Aloft knows", async () => {
    const file = newFile();
    await (await openSqliteStore(file)).close();
    const db = new Database(file);
    db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(SCHEMA_VERSION + 1);
    db.close();
    const err = await openSqliteStore(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaTooNewError);
    expect(err).toMatchObject({ code: "SCHEMA_TOO_NEW", found: SCHEMA_VERSION + 1, known: SCHEMA_VERSION, database: path.resolve(file) });
    expect((err as Error).message).toContain(`schema version ${SCHEMA_VERSION + 1}, newer than this Aloft knows (${SCHEMA_VERSION})`);
    expect((err as Error).message).toContain("Upgrade Aloft");
  });

  it("writes nothing once a newer Aloft migrated the file under it: commits and lease renewals are refused", async () => {
    const file = newFile();
    const store = await openSqliteStore(file);
    await store.createExecution(execution("e1"), start("e1"));
    const [first] = await store.dueEvents(T0, 10);
    // Another process, with a newer Aloft, opens the file and migrates it.
    const newer = new Database(file);
    newer.prepare("INSERT INTO schema_version (version) VALUES (?)").run(SCHEMA_VERSION + 1);
    newer.close();
    const step = { consumed: [first!.id], nodes: [node("e1", "n1")] };
    await expect(store.commit(step)).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(store.commitGroups([[step]])).rejects.toBeInstanceOf(SchemaTooNewError);
    await expect(store.renewEngine({ id: "old", pid: 1, host: "h", command: "aloft serve", since: T0 }, 15_000, T0)).rejects.toThrow(/newer than this Aloft knows/);
    expect(await store.listNodes("e1")).toEqual([]);
    expect(await store.liveEngines(T0)).toEqual([]);
    await store.close();
  });

  it("opens an in-memory database for ':memory:'", async () => {
    const store = await openSqliteStore(":memory:");
    expect(store).toBeInstanceOf(SqliteStore);
    await store.createExecution(execution("e1"), start("e1"));
    expect((await store.getExecution("e1"))?.id).toBe("e1");
    await store.close();
  });
});

describe("SqliteStore writes asked for together (one transaction, a savepoint each)", () => {
  it("applies each whole or not at all, a refused one alone, and each is on disk once it resolves", async () => {
    const file = newFile();
    const store = await openSqliteStore(file);
    try {
      await store.createExecution(execution("e1"), start("e1"));
      // Asked for in one turn: one of them is refused (a taken id); the others land.
      const outcomes = await Promise.allSettled([
        store.createExecution(execution("e2"), start("e2")),
        store.createExecution(execution("e1"), start("e1")),
        store.commit({ consumed: [], enqueue: [item("e2", "n1")] }),
        store.addEvents([{ executionId: "e1", body: { type: "abort", reason: "by hand" } }]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateExecutionError);
      const other = new Database(file, { readonly: true });
      try {
        expect(other.prepare("SELECT id FROM executions ORDER BY id").all()).toEqual([{ id: "e1" }, { id: "e2" }]);
        expect(other.prepare("SELECT execution_id, json_extract(body, '$.type') AS type FROM events ORDER BY id").all()).toEqual([
          { execution_id: "e1", type: "start" },
          { execution_id: "e2", type: "start" },
          { execution_id: "e1", type: "abort" },
        ]);
        expect(other.prepare("SELECT id FROM task_items").all()).toEqual([{ id: "e2|n1|1" }]);
      } finally {
        other.close();
      }
      // A write asked for right before the store closes still lands.
      const late = store.addEvents([{ executionId: "e2", body: { type: "abort", reason: "late" } }]);
      await store.close();
      await late;
      const again = await openSqliteStore(file);
      expect((await again.pendingEvents("e2")).map((e) => e.body.type)).toEqual(["start", "abort"]);
      await again.close();
    } finally {
      await store.close();
    }
  });
});

describe("SqliteStore shared by several connections", () => {
  const ITEMS = 120;

  async function fill(file: string): Promise<string[]> {
    const store = await openSqliteStore(file);
    await store.createExecution(execution("e1"), start("e1"));
    const items = Array.from({ length: ITEMS }, (_, i) => item("e1", `n${String(i).padStart(3, "0")}`));
    await store.commit({ consumed: [], enqueue: items });
    await store.close();
    return items.map((i) => i.id);
  }

  function expectDisjointAndComplete(all: string[][], expected: string[]): void {
    const flat = all.flat();
    expect(new Set(flat).size).toBe(flat.length);
    expect([...flat].sort()).toEqual([...expected].sort());
  }

  it("never hands the same item to two stores on one file", async () => {
    const file = newFile();
    const expected = await fill(file);
    const a = await openSqliteStore(file);
    const b = await openSqliteStore(file);
    const drain = async (s: SqliteStore, worker: string): Promise<string[]> => {
      const got: string[] = [];
      for (let round = 0; ; round++) {
        const claimed = await s.claimTasks(worker, 1 + (round % 4), 1_000_000, T0);
        if (claimed.length === 0) return got;
        got.push(...claimed.map((c) => c.id));
        await new Promise((r) => setImmediate(r));
      }
    };
    const [ga, gb] = await Promise.all([drain(a, "a"), drain(b, "b")]);
    expect(ga.length).toBeGreaterThan(0);
    expect(gb.length).toBeGreaterThan(0);
    expectDisjointAndComplete([ga, gb], expected);
    await a.close();
    await b.close();
  });

  it("never hands the same item to two processes on one file", async () => {
    const file = newFile();
    const expected = await fill(file);
    const script = fileURLToPath(new URL("./claim-worker.ts", import.meta.url));
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const workers = ["p1", "p2"].map((id) => {
      const child = spawn(process.execPath, ["--import", "tsx", script, file, id], { cwd: root, env: { ...process.env, ALOFT_TEST_NOW: String(T0) }, stdio: ["pipe", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const done = new Promise<number | null>((resolve) => child.on("close", resolve));
      return { child, lines, done, stderr: () => stderr };
    });
    for (const w of workers) expect((await w.lines.next()).value).toBe("ready");
    const local = await openSqliteStore(file);
    for (const w of workers) w.child.stdin.end("go\n");
    const mine: string[] = [];
    for (;;) {
      const claimed = await local.claimTasks("parent", 1, 1_000_000, T0);
      if (claimed.length === 0) break;
      mine.push(...claimed.map((c) => c.id));
      await new Promise((r) => setTimeout(r, 1));
    }
    await local.close();
    const theirs: string[][] = [];
    for (const w of workers) {
      const line = await w.lines.next();
      const code = await w.done;
      expect(code, w.stderr()).toBe(0);
      theirs.push(JSON.parse(String(line.value)) as string[]);
    }
    // The processes really raced: the items were shared out, not all taken by one.
    expect([mine, ...theirs].filter((got) => got.length > 0).length).toBeGreaterThanOrEqual(2);
    expectDisjointAndComplete([mine, ...theirs], expected);
  });
});
