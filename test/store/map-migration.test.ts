/**
 * A database written before map elements were kept apart from the nodes
 * (SQLite schema 3, PostgreSQL schema 4: every element a row of `nodes`, and
 * each map's row holding its whole input list and its running counts) keeps
 * working: an execution in flight when Aloft is upgraded finishes, with the
 * right outputs, and its attempt under way at the upgrade reports into the new
 * layout.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { mapTask, task, t, workflow } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { openPostgresStore } from "../../src/store/postgres-store.js";
import { nodeToCols } from "../../src/store/sqlite/codec.js";
import { PG_MIGRATIONS } from "../../src/store/postgres/schema.js";
import type { NodeRow, Store } from "../../src/store/store.js";
import { attemptWorker } from "../helpers/attempt-worker.js";
import { usePostgresDatabase } from "../helpers/postgres.js";

const dir = mkdtempSync(path.join(tmpdir(), "aloft-map-migration-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NODE_COLS = ["execution_id", "path", "entity", "phase", "attempts", "system_attempts", "cache_status", "inputs", "outputs", "error", "started_at", "ended_at", "updated_at", "data"] as const;

const inc = task({ name: "mm_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const wf = workflow({ name: "mm_map", inputs: { xs: t.list(t.int) } }, ({ xs }) => ({ ys: mapTask(inc, { concurrency: 2 })({ x: xs }) }));
const xs = [10, 20, 30, 40, 50, 60];

/**
 * Runs `wf` part way on a new store: two elements started, the first succeeded, the second's attempt still
 * held by worker "w". Resolves to the execution, the rows as listed, and the held attempt.
 */
async function partWay(store: Store) {
  const engine = await Engine.open({ store, engineId: "before-upgrade", schedules: false });
  const { id } = await engine.start(wf, { xs });
  await engine.tick();
  const held = await store.claimTasks("w", 10, 60_000, Date.now());
  expect(held.map((i) => i.path)).toEqual(["n0[0]", "n0[1]"]);
  const [first, second] = held;
  await store.finishTask(first!.id, first!.leaseToken, { body: { type: "taskSucceeded", path: "n0[0]", attempt: 1, outputs: { literals: { o0: { scalar: { primitive: { integer: "11" } } } } } } }, Date.now());
  await engine.tick();
  await engine.stop();
  const rows = await store.listNodes(id);
  expect(rows.map((r) => [r.path, r.phase])).toEqual([
    ["n0", "running"],
    ["n0[0]", "succeeded"],
    ["n0[1]", "running"],
    ["n0[2]", "running"],
  ]);
  return { id, rows, second: second! };
}

/** Finishes the execution after the upgrade: the held attempt reports, a worker runs the rest. */
async function finish(store: Store, id: string, rows: readonly NodeRow[], second: { id: string; leaseToken: string }): Promise<void> {
  // Read back exactly as before the upgrade (the map's counts from its elements, each element with its map's task).
  expect(await store.listNodes(id)).toStrictEqual(rows);
  expect(await store.finishTask(second.id, second.leaseToken, { body: { type: "taskSucceeded", path: "n0[1]", attempt: 1, outputs: { literals: { o0: { scalar: { primitive: { integer: "21" } } } } } } }, Date.now())).toBe(true);
  const engine = await Engine.open({ store, engineId: "after-upgrade", schedules: false });
  const stopWorker = attemptWorker(store, [wf], { concurrency: 2, pollMs: 2 });
  try {
    engine.run();
    await expect(engine.result(id, { timeoutMs: 60_000 })).resolves.toEqual({ ys: xs.map((x) => x + 1) });
    await engine.stop();
  } finally {
    await stopWorker();
  }
  const after = await store.listNodes(id);
  expect(after.map((r) => [r.path, r.phase])).toEqual([["n0", "succeeded"], ...xs.map((_, i) => [`n0[${i}]`, "succeeded"])]);
  const map = after[0]!.data;
  expect(map.kind === "array" && [map.next, map.inFlight, map.succeeded, map.failed]).toEqual([6, 0, 6, 0]);
}

describe("an execution in flight in a database of the layout before map elements were kept apart", () => {
  it("finishes on SQLite after the upgrade (schema 3 to 4)", async () => {
    const file = path.join(dir, "old.db");
    const store = await openSqliteStore(file);
    const { id, rows, second } = await partWay(store);
    await store.close();
    // Back to schema 3, as Aloft wrote it then: every row in `nodes`, whole (a map's with its inputs and counts), and
    // no record of whether a leased attempt started (migration 5).
    const db = new Database(file);
    db.exec("DROP TABLE map_elements; DROP TABLE map_inputs; ALTER TABLE task_items DROP COLUMN started; DELETE FROM schema_version WHERE version >= 4");
    const upsert = db.prepare(`INSERT OR REPLACE INTO nodes (${NODE_COLS.join(", ")}) VALUES (${NODE_COLS.map((c) => `@${c}`).join(", ")})`);
    for (const r of rows) upsert.run(nodeToCols(r));
    expect(db.prepare("SELECT COUNT(*) AS n FROM nodes WHERE path LIKE 'n0[%'").get()).toEqual({ n: 3 });
    db.close();
    const upgraded = await openSqliteStore(file);
    try {
      await finish(upgraded, id, rows, second);
    } finally {
      await upgraded.close();
    }
  });

  const pg = usePostgresDatabase("map-migration");
  it("finishes on PostgreSQL after the upgrade (schema 4 to 5)", async () => {
    const store = await openPostgresStore(pg.url(), { schema: "old_layout" });
    const { id, rows, second } = await partWay(store);
    // Back to schema 4: its step function (which wrote elements as nodes; migration 6 made them take jsonb), no map
    // tables, every row in `nodes`, no record of whether a leased attempt started (migration 7).
    await store.pool.query(
      `DROP TABLE map_elements; DROP TABLE map_inputs; DROP FUNCTION aloft_commit(jsonb, boolean); DROP FUNCTION aloft_apply_step(jsonb, text[]); ALTER TABLE task_items DROP COLUMN started; DELETE FROM schema_version WHERE version > 4; ${PG_MIGRATIONS[3] ?? ""}`,
    );
    for (const r of rows) {
      const cols = nodeToCols(r);
      await store.pool.query(
        `INSERT INTO nodes (${NODE_COLS.join(", ")}) VALUES (${NODE_COLS.map((_, i) => `$${i + 1}`).join(", ")})
         ON CONFLICT (execution_id, path) DO UPDATE SET ${NODE_COLS.slice(2).map((c) => `${c} = excluded.${c}`).join(", ")}`,
        NODE_COLS.map((c) => cols[c]),
      );
    }
    expect((await store.pool.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM nodes WHERE path LIKE 'n0[%'")).rows[0]).toEqual({ n: 3 });
    await store.close();
    const upgraded = await openPostgresStore(pg.url(), { schema: "old_layout" });
    try {
      await finish(upgraded, id, rows, second);
    } finally {
      await upgraded.close();
    }
  });
});
