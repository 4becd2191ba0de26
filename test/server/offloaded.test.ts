import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { task, t, workflow } from "aloft";
import { DirectoryBlobStore } from "../../src/store/blob-store.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { AloftClient, type ExecutionEvent } from "../../src/client/client.js";
import { Engine } from "../../src/engine/engine.js";
import { createServer, type AloftServer } from "../../src/server/server.js";
import { startApi, type Api } from "./harness.js";

const shout = task({ name: "shout_off", inputs: { s: t.str }, outputs: t.int }, ({ s }) => s.length);
const wf = workflow({ name: "shout_wf_off", inputs: { s: t.str } }, ({ s }) => shout({ s }));
const big = "x".repeat(5000);

let dir: string;
let withValues: Api;
let without: { server: AloftServer; client: AloftClient };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aloft-off-"));
  const values = new DirectoryBlobStore(join(dir, "values"));
  const store = new MemoryStore();
  withValues = await startApi([wf], { store, engine: { values, offloadBytes: 1000 }, server: { values } });
  // A second server over the same store, without the blob store (and without an engine loop of its own).
  const server = createServer({ engine: await Engine.open({ store, schedules: false }) });
  without = { server, client: new AloftClient({ baseUrl: await server.listen({ port: 0 }) }) };
});
afterAll(async () => {
  await withValues.close();
  await without.server.close();
  await rm(dir, { recursive: true, force: true });
  expect(withValues.serverErrors).toEqual([]);
});

describe("values kept in the engine's blob store", () => {
  it("are shown as themselves when the server has the blob store, as references when it has not", async () => {
    const e = await withValues.client.createExecution({ workflow: { name: "shout_wf_off" }, inputs: { s: big } });
    expect(e.inputs).toEqual({ s: big });
    const events: ExecutionEvent[] = [];
    for await (const ev of withValues.client.events(e.id)) events.push(ev);
    expect(events.find((x) => x.type === "execution")?.data).toMatchObject({ inputs: { s: big } });
    const stored = await withValues.store.getExecution(e.id);
    expect((stored!.inputs as { literals: { s: { offloadedMetadata?: unknown } } }).literals.s.offloadedMetadata).toBeDefined();

    const got = await withValues.client.getExecution(e.id);
    expect(got).toMatchObject({ phase: "succeeded", inputs: { s: big }, outputs: { o0: 5000 } });
    expect((await withValues.client.listNodes(e.id))[0]!.inputs).toEqual({ s: big });

    const ref = await without.client.getExecution(e.id);
    expect(ref.inputs["s"]).toEqual({ $offloaded: { uri: expect.stringMatching(/^aloft-blob:sha256\//) as unknown, sizeBytes: expect.any(Number) as unknown } });
    expect(ref.outputs).toEqual({ o0: 5000 });
  });
});
