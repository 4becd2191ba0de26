import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LaunchPlan, task, t, workflow } from "aloft";
import { ClientError } from "../../src/client/client.js";
import { startApi, type Api } from "./harness.js";

const add = task({ name: "add_console", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const sum = workflow({ name: "sum_console", inputs: { a: t.int, b: t.int } }, ({ a, b }) => ({ total: add({ a, b }) }));
const fixed = LaunchPlan.create("sum_console_fixed", sum, { fixedInputs: { b: 1 } });

/** A built console as `vite build` lays it out: index.html and hashed assets. */
function consoleDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "aloft-console-"));
  mkdirSync(path.join(dir, "assets"));
  writeFileSync(path.join(dir, "index.html"), '<!doctype html><title>Aloft</title><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(path.join(dir, "assets", "index-abc123.js"), "console.log('console');");
  writeFileSync(path.join(dir, "assets", "index-abc123.css"), "body{}");
  return dir;
}

const TOKEN = "console-test-token";

describe("the console's files", () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi([sum], { server: { console: consoleDir() } });
  });
  afterAll(async () => {
    await api.close();
  });

  it("serves index.html at / and at every path the app routes itself, revalidated each time", async () => {
    for (const p of ["/", "/executions/abc", "/entities/workflow/aloft/development/sum_console/v1", "/launch?x=1"]) {
      const r = await api.request("GET", p, { headers: { accept: "text/html" } });
      expect(r.status, p).toBe(200);
      expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(r.headers.get("cache-control")).toBe("no-cache");
      expect(r.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
      expect(r.text).toContain("/assets/index-abc123.js");
    }
  });

  it("serves hashed assets with their types, cached for good; a missing asset is a 404, not the app", async () => {
    const js = await api.request("GET", "/assets/index-abc123.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await api.request("GET", "/assets/index-abc123.css")).headers.get("content-type")).toBe("text/css; charset=utf-8");
    const missing = await api.request("GET", "/assets/gone-000.js");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: "not_found" } });
  });

  it("never reads a path from the request: dot segments and encoded slashes get the app, not a file", async () => {
    for (const p of ["/../package.json", "/assets/../../package.json", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fpackage.json"]) {
      const r = await api.request("GET", p);
      expect(r.text, p).not.toContain('"name"');
      expect(r.text).not.toContain("root:");
    }
  });

  it("leaves /api to the API: an unknown endpoint is the API's JSON 404", async () => {
    const r = await api.request("GET", "/api/v1/nowhere", { headers: { accept: "text/html" } });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: "not_found", message: "no endpoint GET /api/v1/nowhere" } });
  });
});

describe("a server without a built console", () => {
  it("says how to build it at /, and the API still works", async () => {
    const api = await startApi([sum], { server: { console: false } });
    try {
      expect((await api.request("GET", "/")).status).toBe(404);
      expect((await api.client.listEntities("workflow")).map((w) => w.name)).toContain("sum_console");
    } finally {
      await api.close();
    }
  });
});

describe("a server with a token", () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi([sum], { token: TOKEN, server: { console: consoleDir() } });
  });
  afterAll(async () => {
    await api.close();
  });

  it("gives a browser without a session the login page, and nothing of the console", async () => {
    for (const p of ["/", "/executions/abc", "/assets/index-abc123.js"]) {
      const r = await api.request("GET", p, { headers: { accept: "text/html,application/xhtml+xml" } });
      expect(r.status, p).toBe(401);
      expect(r.text).toContain("This server needs its token");
      expect(r.text).not.toContain("index-abc123");
      expect(r.headers.get("content-security-policy")).toMatch(/script-src 'sha256-/);
    }
    const asset = await api.request("GET", "/assets/index-abc123.js");
    expect(asset.status).toBe(401);
    expect(asset.text).not.toContain("console.log");
  });

  it("starts a session for the token: an HttpOnly, SameSite=Strict cookie that is not the token", async () => {
    expect((await api.request("POST", "/api/v1/session")).status).toBe(401);
    expect((await api.request("POST", "/api/v1/session", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const r = await api.request("POST", "/api/v1/session", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(204);
    const cookie = r.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^aloft_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(TOKEN);
  });

  it("serves the console and the API to the session; the API only with the console's header", async () => {
    const started = await api.request("POST", "/api/v1/session", { headers: { authorization: `Bearer ${TOKEN}` } });
    const cookie = (started.headers.get("set-cookie") ?? "").split(";")[0]!;
    const page = await api.request("GET", "/executions/abc", { headers: { cookie, accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.text).toContain("index-abc123.js");
    expect((await api.request("GET", "/assets/index-abc123.js", { headers: { cookie } })).status).toBe(200);

    expect((await api.request("GET", "/api/v1/workflows", { headers: { cookie, "x-aloft-console": "1" } })).status).toBe(200);
    // Without the header (what a cross-site form or image could send), the cookie is not enough.
    const bare = await api.request("POST", "/api/v1/executions", { headers: { cookie }, body: { workflow: { name: "sum_console" }, inputs: { a: 1, b: 2 } } });
    expect(bare.status).toBe(401);
    expect((await api.client.listExecutions()).items).toEqual([]);
    // A forged cookie is refused.
    expect((await api.request("GET", "/api/v1/workflows", { headers: { cookie: "aloft_session=forged", "x-aloft-console": "1" } })).status).toBe(401);
  });

  it("ends the session: the cookie is cleared", async () => {
    const r = await api.request("DELETE", "/api/v1/session", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(204);
    expect(r.headers.get("set-cookie")).toMatch(/^aloft_session=; .*Max-Age=0/);
  });
});

describe("validateExecution", () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi([sum, fixed], { server: { console: false } });
  });
  afterAll(async () => {
    await api.close();
  });

  it("accepts what createExecution accepts and starts nothing", async () => {
    const ok = await api.client.validateExecution({ workflow: { name: "sum_console" }, inputs: { a: 1, b: 2 } });
    expect(ok).toMatchObject({ kind: "workflow", key: { name: "sum_console" } });
    expect((await api.client.listExecutions()).items).toEqual([]);
  });

  it("refuses with the very error createExecution gives: bad, missing, unknown and fixed inputs", async () => {
    const bodies = [
      { workflow: { name: "sum_console" }, inputs: { a: "three", b: 2 } },
      { workflow: { name: "sum_console" }, inputs: { a: 1 } },
      { workflow: { name: "sum_console" }, inputs: { a: 1, b: 2, c: 3 } },
      { launchPlan: { name: "sum_console_fixed" }, inputs: { a: 1, b: 5 } },
      { workflow: { name: "no_such_workflow" } },
    ];
    for (const body of bodies) {
      const v = (await api.client.validateExecution(body).catch((e: unknown) => e)) as ClientError;
      const c = (await api.client.createExecution(body).catch((e: unknown) => e)) as ClientError;
      expect(v, JSON.stringify(body)).toBeInstanceOf(ClientError);
      expect({ status: v.status, code: v.code, message: v.message, field: v.field }).toEqual({ status: c.status, code: c.code, message: c.message, field: c.field });
    }
    expect((await api.client.listExecutions()).items).toEqual([]);
  });
});
