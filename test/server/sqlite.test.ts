import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { task, t, workflow } from "aloft";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { ExecutionEvent } from "../../src/client/client.js";
import { startApi, type Api } from "./harness.js";

const shout = task({ name: "shout_sql", inputs: { s: t.str, at: t.datetime }, outputs: { s: t.str, at: t.datetime } }, ({ s, at }) => ({ s: s.toUpperCase(), at }));
const wf = workflow({ name: "shout_wf_sql", inputs: { s: t.str, at: t.datetime } }, ({ s, at }) => shout({ s, at }));

let dir: string;
let api: Api;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aloft-api-"));
  api = await startApi([wf], { store: await openSqliteStore(join(dir, "aloft.db")) });
});
afterAll(async () => {
  await api.close();
  await api.store.close();
  await rm(dir, { recursive: true, force: true });
  expect(api.serverErrors).toEqual([]);
});

describe("the API over the SQLite store", () => {
  it("runs an execution to the end while streaming its events, and lists and gets it", async () => {
    const e = await api.client.createExecution({ workflow: { name: "shout_wf_sql" }, inputs: { s: "hi", at: "2024-01-31" } });
    const events: ExecutionEvent[] = [];
    for await (const ev of api.client.events(e.id)) events.push(ev);
    expect(events.at(-1)).toEqual({ type: "end", data: { id: e.id, phase: "succeeded" } });
    const got = await api.client.getExecution(e.id);
    expect(got).toMatchObject({ phase: "succeeded", inputs: { s: "hi", at: "2024-01-31T00:00:00.000Z" }, outputs: { s: "HI", at: "2024-01-31T00:00:00.000Z" } });
    expect((await api.client.listExecutions({ workflow: "shout_wf_sql" })).items.map((x) => x.id)).toEqual([e.id]);
    expect((await api.client.listNodes(e.id)).map((n) => [n.path, n.phase, n.outputs])).toEqual([["n0", "succeeded", { s: "HI", at: "2024-01-31T00:00:00.000Z" }]]);
    const [w] = await api.client.listEntities("workflow");
    expect(w?.name).toBe("shout_wf_sql");
  });
});
