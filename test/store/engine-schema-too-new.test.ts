/**
 * An engine older than the schema (issue 11): a newer Aloft that migrates the database while an older engine runs
 * over it (SQLite 4 and PostgreSQL 5 moved map elements to their own tables) would have the old engine write where
 * the new one no longer reads. The store refuses the old engine's next write with `SchemaTooNewError`, and the
 * engine stops, having said why, with nothing of the step written.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { task, t, workflow } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { SchemaTooNewError } from "../../src/errors.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { SCHEMA_VERSION } from "../../src/store/sqlite/schema.js";

const inc = task({ name: "stn_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const wf = workflow({ name: "stn_wf", inputs: { x: t.int } }, ({ x }) => ({ y: inc({ x }) }));

describe("an engine running when a newer Aloft migrates its SQLite file", () => {
  it("stops at its next commit with SchemaTooNewError, writing nothing", async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "aloft-stn-")), "aloft.db");
    const store = await openSqliteStore(file);
    const errors: unknown[] = [];
    let stopped!: () => void;
    const sawError = new Promise<void>((resolve) => (stopped = resolve));
    const engine = await Engine.open({
      store,
      schedules: false,
      onError: (e) => {
        errors.push(e);
        stopped();
      },
    });
    const exec = await engine.start(wf, { x: 1 });
    const newer = new Database(file);
    newer.prepare("INSERT INTO schema_version (version) VALUES (?)").run(SCHEMA_VERSION + 1);
    newer.close();
    engine.run();
    await sawError;
    await engine.stop();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SchemaTooNewError);
    expect(errors[0]).toMatchObject({ code: "SCHEMA_TOO_NEW", found: SCHEMA_VERSION + 1, known: SCHEMA_VERSION });
    // Its start event was not applied: no node, the execution still waits to start.
    expect(await store.listNodes(exec.id)).toEqual([]);
    expect((await store.pendingEvents(exec.id)).map((e) => e.body.type)).toEqual(["start"]);
    await store.close();
  }, 30_000);
});
