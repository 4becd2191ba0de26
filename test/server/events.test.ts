import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { task, t, waitForInput, workflow } from "aloft";
import { ClientError, type ExecutionEvent, type NodeExecutionInfo } from "../../src/client/client.js";
import { SHARED_SCHEMAS } from "../../src/server/schemas.js";
import { startApi, until, type Api } from "./harness.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Squares wait for this: a test holds them until it has seen them running. */
let squaresMayEnd: Promise<void> = Promise.resolve();
const square = task({ name: "square_ev", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  await squaresMayEnd;
  return x * x;
});
const total = task({ name: "total_ev", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
const squares = workflow({ name: "squares_ev", inputs: { a: t.int, b: t.int, c: t.int } }, ({ a, b, c }) => ({ sum: total({ xs: [square({ x: a }), square({ x: b }), square({ x: c })] }) }));
const held = workflow({ name: "held_ev" }, () => waitForInput("go", t.int));

/** Checks every event's data against the schema the OpenAPI document gives it. */
const ajv = new Ajv({ strict: false });
addFormats(ajv);
for (const s of SHARED_SCHEMAS) ajv.addSchema(s);
const schemaOf = { execution: "ExecutionInfo", node: "NodeExecutionInfo", end: "ExecutionEnd" } as const;
function checkEvent(e: ExecutionEvent): void {
  const validate = ajv.getSchema(schemaOf[e.type])!;
  expect(validate(e.data), `${e.type}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

let api: Api;
beforeAll(async () => {
  api = await startApi([squares, held]);
});
afterAll(async () => {
  await api.close();
  expect(api.serverErrors).toEqual([]);
});

describe("GET /executions/{id}/events", () => {
  it("drives a run through the client while reading its event stream to the end", async () => {
    let letSquaresEnd = () => {};
    squaresMayEnd = new Promise((resolve) => (letSquaresEnd = resolve));
    const exec = await api.client.createExecution({ workflow: { name: "squares_ev" }, inputs: { a: 1, b: 2, c: 3 } });
    const events: ExecutionEvent[] = [];
    const running = new Set<string>();
    for await (const e of api.client.events(exec.id)) {
      checkEvent(e);
      events.push(e);
      if (e.type === "node" && e.data.entity === 'task "square_ev"' && e.data.phase === "running") running.add(e.data.path);
      if (running.size === 3) letSquaresEnd();
    }
    // The current state first, then changes, then end, after which the iterator finished by itself.
    expect(events[0]).toMatchObject({ type: "execution", data: { id: exec.id } });
    const last = events[events.length - 1]!;
    expect(last).toEqual({ type: "end", data: { id: exec.id, phase: "succeeded" } });
    const execs = events.filter((e) => e.type === "execution").map((e) => e.data.phase);
    expect(execs[execs.length - 1]).toBe("succeeded");
    expect(events.filter((e) => e.type === "execution").at(-1)).toMatchObject({ data: { outputs: { sum: 14 } } });

    // Every node's last event is its final state, the same as GET .../nodes gives.
    const lastByPath = new Map<string, NodeExecutionInfo>();
    for (const e of events) if (e.type === "node") lastByPath.set(e.data.path, e.data);
    const nodes = await api.client.listNodes(exec.id);
    expect(nodes.length).toBe(4);
    expect(lastByPath.size).toBe(4);
    for (const n of nodes) expect(lastByPath.get(n.path)).toEqual(n);
    // Nodes were seen moving: each square was seen running, then succeeded.
    for (const n of nodes.filter((x) => x.entity === 'task "square_ev"')) {
      const phases = events.filter((e) => e.type === "node" && e.data.path === n.path).map((e) => e.data.phase);
      expect(phases, n.path).toContain("running");
      expect(phases.at(-1)).toBe("succeeded");
    }
    expect(nodes.find((n) => n.entity === 'task "total_ev"')).toMatchObject({ inputs: { xs: [1, 4, 9] }, outputs: { o0: 14 } });
  });

  it("sends an ended execution's state and end at once", async () => {
    const exec = await api.client.createExecution({ workflow: { name: "squares_ev" }, inputs: { a: 0, b: 0, c: 0 } });
    await api.client.waitForEnd(exec.id);
    const events: ExecutionEvent[] = [];
    for await (const e of api.client.events(exec.id)) events.push(e);
    expect(events[0]).toMatchObject({ type: "execution", data: { phase: "succeeded" } });
    expect(events.at(-1)).toMatchObject({ type: "end", data: { phase: "succeeded" } });
    expect(events.filter((e) => e.type === "end")).toHaveLength(1);
  });

  it("ends the stream with the failure when the execution is aborted, to every watcher", async () => {
    const exec = await api.client.createExecution({ workflow: { name: "held_ev" } });
    const sawWaiting: Promise<void>[] = [];
    const read = async () => {
      let mark = () => {};
      sawWaiting.push(new Promise<void>((resolve) => (mark = resolve)));
      const seen: ExecutionEvent[] = [];
      for await (const e of api.client.events(exec.id)) {
        seen.push(e);
        if (e.type === "node" && e.data.gate?.name === "go" && e.data.phase === "waiting") mark();
      }
      return seen;
    };
    const a = read();
    const b = read();
    // Both watchers see the gate waiting; then it is aborted.
    await Promise.all(sawWaiting);
    expect(api.server.openStreams).toBe(2);
    await api.client.abort(exec.id, "enough");
    const [ea, eb] = await Promise.all([a, b]);
    for (const events of [ea, eb]) {
      const end = events.at(-1)!;
      expect(end.type).toBe("end");
      expect(end.data).toMatchObject({ id: exec.id, phase: "aborted", error: { message: expect.stringMatching(/enough/) as unknown } });
      expect(events.some((e) => e.type === "node" && e.data.gate?.name === "go" && e.data.phase === "waiting")).toBe(true);
    }
  });

  it("closes the server side when the client stops reading", async () => {
    const exec = await api.client.createExecution({ workflow: { name: "held_ev" } });
    for await (const e of api.client.events(exec.id)) {
      expect(e.type).toBe("execution");
      expect(api.server.openStreams).toBe(1);
      break;
    }
    await until(async () => api.server.openStreams === 0);
    await api.client.abort(exec.id);
    await api.client.waitForEnd(exec.id);
  });

  it("answers 404 for an unknown execution, before any stream starts", async () => {
    const iterator = api.client.events("a_missing");
    const err = (await iterator.next().catch((e: unknown) => e)) as ClientError;
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ status: 404, code: "EXECUTION_NOT_FOUND", field: "id" });
    const raw = await api.request("GET", "/api/v1/executions/a_missing/events");
    expect(raw.status).toBe(404);
    expect(raw.headers.get("content-type")).toMatch(/application\/json/);
  });

  it("streams as text/event-stream with ids and named events", async () => {
    const exec = await api.client.createExecution({ workflow: { name: "squares_ev" }, inputs: { a: 2, b: 2, c: 2 } });
    await api.client.waitForEnd(exec.id);
    const res = await fetch(`${api.url}/api/v1/executions/${exec.id}/events`);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toMatch(/no-cache/);
    const text = await res.text();
    expect(text).toMatch(/^: events of execution /);
    expect(text).toMatch(/\nid: 1\nevent: execution\ndata: \{/);
    expect(text.trimEnd()).toMatch(/event: end\ndata: \{"id":"[^"]+","phase":"succeeded"\}$/);
  });
});
