import { describe, expect, it } from "vitest";

import { openPostgresStore, isPostgresUrl, redactUrl } from "../../src/store/postgres-store.js";
import { PG_SCHEMA_VERSION } from "../../src/store/postgres/schema.js";
import { AloftError, SchemaTooNewError } from "../../src/errors.js";
import { usePostgresDatabase } from "../helpers/postgres.js";
import { describeStoreConformance } from "./conformance.js";
import { T0, entity, execution, item, node, start } from "./fixtures.js";
import { PostgresAttemptLogs } from "../../src/store/postgres/attempt-logs.js";
import { attemptLogsOf } from "../../src/store/open-store.js";
import type { AttemptRecord } from "../../src/store/attempt-logs.js";

const db = usePostgresDatabase("pg-store");
let schemas = 0;

// Each conformance test gets a new, empty schema of this file's own database.
describeStoreConformance("PostgresStore", () => openPostgresStore(db.url(), { schema: `conformance_${++schemas}`, poolSize: 4 }));

describe("PostgresStore", () => {
  it("migrates a new schema once, records its version, and keeps everything across reopening", async () => {
    const a = await openPostgresStore(db.url(), { schema: "reopen" });
    await a.registerEntity(entity("task", "slope"));
    await a.createExecution(execution("e1"), start("e1"));
    await a.close();
    const b = await openPostgresStore(db.url(), { schema: "reopen" });
    try {
      expect(await b.getEntity("task", entity("task", "slope").key)).toStrictEqual(entity("task", "slope"));
      expect(await b.getExecution("e1")).toStrictEqual(execution("e1"));
      const r = await b.pool.query<{ v: number; n: string }>("SELECT MAX(version) AS v, COUNT(*) AS n FROM schema_version");
      expect(r.rows[0]).toEqual({ v: PG_SCHEMA_VERSION, n: PG_SCHEMA_VERSION });
      expect((await b.dueEvents(T0, 10)).map((e) => e.body.type)).toEqual(["start"]);
    } finally {
      await b.close();
    }
  });

  it("prunes consumed events: their rows go, and consuming one again is refused as consumed", async () => {
    const store = await openPostgresStore(db.url(), { schema: "pruned" });
    try {
      await store.createExecution(execution("e1"), start("e1"));
      const [ev] = await store.dueEvents(T0, 10);
      await store.commit({ consumed: [ev?.id ?? -1] });
      const r = await store.pool.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM events");
      expect(r.rows[0]?.n).toBe(0);
      await expect(store.commit({ consumed: [ev?.id ?? -1] })).rejects.toMatchObject({ reason: "eventConsumed" });
      await expect(store.commit({ consumed: [(ev?.id ?? 0) + 1] })).rejects.toMatchObject({ reason: "eventMissing" });
    } finally {
      await store.close();
    }
  });

  it("does not make a fenced step wait for a batch of results holding its execution's key share (it deadlocked with one wanting the step's other execution)", async () => {
    const store = await openPostgresStore(db.url(), { schema: "fence_key_share", poolSize: 4 });
    const batch = await store.pool.connect();
    try {
      await store.createExecution(execution("e1"), start("e1"));
      await store.renewEngine({ id: "engine-a", pid: 1, host: "h", command: "c", since: T0 }, 15_000, T0);
      const [owned] = await store.acquireExecutions("engine-a", ["e1"], T0);
      // What inserting a result event takes on its execution's row (the foreign key), held as a batch in flight holds it.
      await batch.query("BEGIN");
      await batch.query("SELECT 1 FROM executions WHERE id = 'e1' FOR KEY SHARE");
      const step = store.commit({ consumed: [], executions: [execution("e1", { phase: "running" })], fence: { engineId: "engine-a", executions: [{ executionId: "e1", epoch: owned!.epoch }] } });
      // Either the step commits, or it waits on the batch's lock: which one happens first is the test.
      let settled = false;
      const waiting = (async (): Promise<"waited" | "stopped"> => {
        while (!settled) {
          const r = await store.pool.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()");
          if ((r.rows[0]?.n ?? 0) > 0) return "waited";
          await new Promise((resolve) => setImmediate(resolve));
        }
        return "stopped";
      })();
      const first = await Promise.race([step.then(() => "committed" as const), waiting]);
      settled = true;
      await waiting;
      expect(first).toBe("committed");
      expect((await store.getExecution("e1"))?.phase).toBe("running");
    } finally {
      await batch.query("ROLLBACK");
      batch.release();
      await store.close();
    }
  });

  it("brings a schema made before the step became one statement (version 3) to the current version, and its steps commit", async () => {
    const a = await openPostgresStore(db.url(), { schema: "from_v3" });
    await a.createExecution(execution("e1"), start("e1"));
    // What version 3 had: no step functions (migration 4 adds them, 6 makes them take jsonb), no map tables (migration 5),
    // no record of whether a leased attempt started (migration 7).
    await a.pool.query(
      "DROP TABLE map_elements; DROP TABLE map_inputs; DROP FUNCTION aloft_commit(jsonb, boolean); DROP FUNCTION aloft_apply_step(jsonb, text[]); ALTER TABLE task_items DROP COLUMN started; DELETE FROM schema_version WHERE version > 3",
    );
    await a.close();
    const b = await openPostgresStore(db.url(), { schema: "from_v3" });
    try {
      const r = await b.pool.query<{ v: number }>("SELECT MAX(version) AS v FROM schema_version");
      expect(r.rows[0]?.v).toBe(PG_SCHEMA_VERSION);
      const [ev] = await b.dueEvents(T0, 1);
      await b.commit({ consumed: [ev?.id ?? -1], executions: [execution("e1", { phase: "running" })], enqueue: [item("e1", "n1")] });
      expect((await b.getExecution("e1"))?.phase).toBe("running");
      expect((await b.claimTasks("w1", 5, 60_000, T0)).map((c) => c.id)).toEqual(["e1|n1|1"]);
      await expect(b.commit({ consumed: [ev?.id ?? -1] })).rejects.toMatchObject({ reason: "eventConsumed" });
    } finally {
      await b.close();
    }
  });

  it("migrates once when several stores open a new schema at the same time", async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(db.url(), { schema: "together" })));
    try {
      const r = await stores[0]!.pool.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM schema_version");
      expect(r.rows[0]?.n).toBe(PG_SCHEMA_VERSION);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("gives a worker beside its engine a queue on connections of its own that commit asynchronously, its notifications the store's own", async () => {
    const store = await openPostgresStore(db.url(), { schema: "local_queue" });
    const queue = await store.localWorkQueue();
    expect(await store.localWorkQueue()).toBe(queue);
    try {
      const setting = async (pool: typeof store.pool): Promise<string | undefined> => (await pool.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")).rows[0]?.s;
      expect(await setting(store.pool)).toBe("on"); // the engine's commits are flushed before they return
      expect(await setting(queue.pool)).toBe("off");
      await store.createExecution(execution("e1"), start("e1"));
      const [ev] = await store.dueEvents(T0, 1);
      await store.commit({ consumed: [ev?.id ?? -1], enqueue: [item("e1", "n1")] });
      const [claimed] = await queue.claimTasks("w1", 1, 60_000, T0);
      expect(claimed?.path).toBe("n1");
      expect(await queue.finishTask(claimed?.id ?? "", claimed?.leaseToken ?? "", { body: { type: "taskSucceeded", path: "n1", attempt: 1, outputs: { literals: {} } } }, T0)).toBe(true);
      expect((await store.dueEvents(T0, 5)).map((e) => e.body.type)).toEqual(["taskSucceeded"]);
      const pid = (await queue.pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid ?? -1;
      expect(store.ownsBackend(pid)).toBe(true);
    } finally {
      await store.close();
    }
    expect(queue.pool.ended).toBe(true);
  });

  it("writes the attempt records of the worker beside the engine with the engine's next commit, gives them back when it is refused, and writes what is left at close", async () => {
    const store = await openPostgresStore(db.url(), { schema: "carried_logs" });
    const queue = await store.localWorkQueue({ logDelayMs: 600_000 });
    const logs = attemptLogsOf(queue, "unused");
    const reader = new PostgresAttemptLogs(store.pool);
    const record = (path: string): AttemptRecord => ({ executionId: "e1", path, attempt: 1, systemAttempt: 0, workerId: "w1", startedAt: T0, endedAt: T0 + 1, outcome: "succeeded", lines: [{ stream: "stdout", at: T0, text: `${path}\n` }], droppedBytes: 0 });
    try {
      await store.createExecution(execution("e1"), start("e1"));
      await logs.put(record("n1"));
      expect(await reader.list("e1")).toEqual([]); // kept for the next commit
      const [ev] = await store.dueEvents(T0, 1);
      await store.commit({ consumed: [ev?.id ?? -1], nodes: [node("e1", "n1")] });
      expect((await reader.records("e1", "n1")).map((r) => r.lines)).toEqual([record("n1").lines]);
      await logs.put(record("n2"));
      await expect(store.commit({ consumed: [ev?.id ?? -1] })).rejects.toMatchObject({ reason: "eventConsumed" });
      expect((await reader.list("e1")).map((a) => a.path)).toEqual(["n1"]); // refused whole: given back
      expect(await store.commitGroups([[{ consumed: [], nodes: [node("e1", "n2")] }], [{ consumed: [ev?.id ?? -1] }]])).toMatchObject([undefined, { reason: "eventConsumed" }]);
      expect((await reader.list("e1")).map((a) => a.path)).toEqual(["n1", "n2"]); // a group refused alone: written all the same
      await logs.put(record("n3"));
    } finally {
      await store.close();
    }
    const again = await openPostgresStore(db.url(), { schema: "carried_logs" });
    try {
      expect((await new PostgresAttemptLogs(again.pool).list("e1")).map((a) => a.path)).toEqual(["n1", "n2", "n3"]);
    } finally {
      await again.close();
    }
  });

  it("refuses a schema made by a newer Aloft, saying which versions", async () => {
    const a = await openPostgresStore(db.url(), { schema: "newer" });
    await a.pool.query(`INSERT INTO schema_version (version) VALUES (${PG_SCHEMA_VERSION + 1})`);
    await a.close();
    const err = await openPostgresStore(db.url(), { schema: "newer" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaTooNewError);
    expect(err).toMatchObject({ code: "SCHEMA_TOO_NEW", found: PG_SCHEMA_VERSION + 1, known: PG_SCHEMA_VERSION });
    expect((err as SchemaTooNewError).database).toContain("(schema newer)");
    expect((err as Error).message).toContain(`version ${PG_SCHEMA_VERSION + 1}, newer than this Aloft knows (${PG_SCHEMA_VERSION})`);
  });

  it("an engine's lease renewal is refused once a newer Aloft migrated the schema under it", async () => {
    const store = await openPostgresStore(db.url(), { schema: "newer_running" });
    try {
      const engine = { id: "old", pid: 1, host: "h", command: "aloft serve", since: T0 };
      await store.renewEngine(engine, 15_000, T0);
      await store.pool.query(`INSERT INTO schema_version (version) VALUES (${PG_SCHEMA_VERSION + 1})`);
      const err = await store.renewEngine(engine, 15_000, T0 + 5_000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchemaTooNewError);
      expect(err).toMatchObject({ code: "SCHEMA_TOO_NEW", found: PG_SCHEMA_VERSION + 1, known: PG_SCHEMA_VERSION });
    } finally {
      await store.close();
    }
  });

  it("refuses a schema name that is not a plain identifier, before connecting", async () => {
    await expect(openPostgresStore(db.url(), { schema: "x; DROP TABLE y" })).rejects.toThrow(/schema name "x; DROP TABLE y" is not allowed/);
  });

  it("names the server without its password when it does not answer", async () => {
    const err = await openPostgresStore("postgres://someone:hunter2@127.0.0.1:1/nowhere").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AloftError);
    expect((err as Error).message).toContain("postgres://someone:***@127.0.0.1:1/nowhere");
    expect((err as Error).message).not.toContain("hunter2");
  });

  it("tells URLs from file paths, and hides passwords", () => {
    expect(isPostgresUrl("postgresql://h/db")).toBe(true);
    expect(isPostgresUrl("./postgres.db")).toBe(false);
    expect(redactUrl("postgres://u:pw@h:1/db")).toBe("postgres://u:***@h:1/db");
  });

  it("hands each of 200 items to exactly one of eight concurrent claimers", async () => {
    const store = await openPostgresStore(db.url(), { schema: "claims", poolSize: 8 });
    try {
      await store.createExecution(execution("e1"), start("e1"));
      const items = Array.from({ length: 200 }, (_, i) => ({
        id: `e1|n${i}|1`, executionId: "e1", path: `n${i}`, attempt: 1, systemAttempts: 0, maxSystemAttempts: 3,
        task: entity("task", "t").key, inputs: { literals: {} }, options: { taskDigest: "d1" }, readyAt: T0,
      }));
      await store.commit({ consumed: [], enqueue: items });
      const got: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (;;) {
            const claimed = await store.claimTasks(`w${w}`, 3, 60_000, T0);
            if (claimed.length === 0) return;
            got.push(...claimed.map((c) => c.id));
          }
        }),
      );
      expect(got.length).toBe(200);
      expect(new Set(got).size).toBe(200);
    } finally {
      await store.close();
    }
  });
});
