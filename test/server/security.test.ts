import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { task, t, workflow } from "aloft";
import { AloftClient, ClientError } from "../../src/client/client.js";
import { bearerChecker } from "../../src/server/auth.js";
import { createServer } from "../../src/server/server.js";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { startApi, type Api } from "./harness.js";

const echo = task({ name: "echo_sec", inputs: { s: t.str }, outputs: t.str }, ({ s }) => s);
const wf = workflow({ name: "echo_wf_sec", inputs: { s: t.str } }, ({ s }) => echo({ s }));

const TOKEN = "s3cret-token-for-tests";

describe("with a token", () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi([wf], { token: TOKEN });
  });
  afterAll(async () => {
    await api.close();
  });

  it("refuses every request without the token with 401, the OpenAPI document and unknown paths too", async () => {
    const paths: [string, string, object?][] = [
      ["GET", "/api/openapi.json"],
      ["GET", "/api/v1/workflows"],
      ["GET", "/api/v1/executions"],
      ["POST", "/api/v1/executions", { workflow: { name: "echo_wf_sec" }, inputs: { s: "x" } }],
      ["GET", "/api/v1/executions/anything/events"],
      ["GET", "/nowhere"],
    ];
    for (const [method, path, body] of paths) {
      const attempts: Record<string, string>[] = [{}, { authorization: "Bearer wrong" }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }, { authorization: "Bearer" }];
      for (const headers of attempts) {
        const r = await api.request(method, path, { headers, ...(body ? { body } : {}) });
        expect(r.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.body).toEqual({ error: { code: "unauthorized", message: expect.stringMatching(/Authorization: Bearer/) as unknown } });
        expect(r.headers.get("www-authenticate")).toBe('Bearer realm="aloft"');
      }
    }
    expect((await api.client.listExecutions()).items).toEqual([]);
  });

  it("serves requests that carry it", async () => {
    const ok = await api.request("GET", "/api/openapi.json", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect((ok.body as { security: unknown }).security).toEqual([{ bearer: [] }]);
    const e = await api.client.createExecution({ workflow: { name: "echo_wf_sec" }, inputs: { s: "hi" } });
    expect((await api.client.waitForEnd(e.id)).outputs).toEqual({ o0: "hi" });
  });

  it("gives the client a ClientError with status 401 when its token is wrong or missing", async () => {
    for (const token of [undefined, "nope"]) {
      const c = new AloftClient({ baseUrl: api.url, token });
      const err = (await c.listExecutions().catch((e: unknown) => e)) as ClientError;
      expect(err).toBeInstanceOf(ClientError);
      expect(err).toMatchObject({ status: 401, code: "unauthorized" });
    }
  });
});

describe("the bearer check", () => {
  it("accepts the exact token only", () => {
    const allowed = bearerChecker("abc");
    expect(allowed("Bearer abc")).toBe(true);
    expect(allowed("bearer  abc")).toBe(true);
    expect(allowed("Bearer abcd")).toBe(false);
    expect(allowed("Bearer ab")).toBe(false);
    expect(allowed("abc")).toBe(false);
    expect(allowed(undefined)).toBe(false);
    expect(() => bearerChecker("")).toThrow(/must not be empty/);
  });
});

describe("request bodies", () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi([wf], { server: { bodyLimitBytes: 2048 } });
  });
  afterAll(async () => {
    await api.close();
  });

  it("are refused with 413 above the limit, and nothing is started", async () => {
    const big = { workflow: { name: "echo_wf_sec" }, inputs: { s: "x".repeat(4096) } };
    const r = await api.request("POST", "/api/v1/executions", { body: big });
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ error: { code: "payload_too_large", message: "the request body is larger than the server accepts (2 KiB, 2048 bytes)" } });
    const err = (await api.client.createExecution(big).catch((e: unknown) => e)) as ClientError;
    expect(err).toMatchObject({ status: 413, code: "payload_too_large" });
    expect((await api.client.listExecutions()).items).toEqual([]);
    const small = await api.client.createExecution({ workflow: { name: "echo_wf_sec" }, inputs: { s: "x".repeat(100) } });
    expect((await api.client.waitForEnd(small.id)).phase).toBe("succeeded");
  });

  it("default to a limit of 1 MiB", async () => {
    const dflt = await startApi([wf]);
    try {
      const justOver = { workflow: { name: "echo_wf_sec" }, inputs: { s: "x".repeat(1024 * 1024) } };
      expect((await dflt.request("POST", "/api/v1/executions", { body: justOver })).status).toBe(413);
      const under = { workflow: { name: "echo_wf_sec" }, inputs: { s: "x".repeat(1000 * 1000) } };
      expect((await dflt.request("POST", "/api/v1/executions", { body: under })).status).toBe(201);
    } finally {
      await dflt.close();
    }
  });
});

describe("listening", () => {
  it("listens on loopback by default", async () => {
    const api = await startApi([]);
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await api.close();
    }
  });

  it("refuses bad settings at once", async () => {
    const engine = await Engine.open({ store: new MemoryStore(), schedules: false });
    expect(() => createServer({ engine, token: "" })).toThrow(/token must not be empty/);
    expect(() => createServer({ engine, bodyLimitBytes: 0 })).toThrow(/bodyLimitBytes/);
  });
});
