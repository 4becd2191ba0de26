/**
 * Regression (issue 13): errors made below the routes (Node's HTTP parser,
 * fastify's router, a missing Host) came in the framework's own shapes
 * (`{"error":"Bad Request","code":"FST_ERR_BAD_URL",...}`, "Client Error",
 * an empty body) and before the token check. Every error the server sends
 * now has the API's body `{ error: { code, message } }`, and the token is
 * checked first wherever a request was read.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { task, workflow, t } from "aloft";
import { startApi, type Api } from "./harness.js";

const echo = task({ name: "echo_fw", inputs: { s: t.str }, outputs: t.str }, ({ s }) => s);
const wf = workflow({ name: "echo_wf_fw", inputs: { s: t.str } }, ({ s }) => echo({ s }));
const TOKEN = "fw-s3cret";

/** Sends `raw` bytes to the server and resolves to its status and parsed body. */
function rawRequest(url: string, raw: string): Promise<{ status: number; body: unknown; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    let text = "";
    socket.on("data", (d: Buffer) => (text += String(d)));
    socket.on("error", reject);
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyText = text.slice(text.indexOf("\r\n\r\n") + 4);
      let body: unknown;
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = bodyText;
      }
      resolve({ status, body, text });
    });
  });
}

const apiError = (code: string, message: RegExp | string): unknown => ({ error: { code, message: typeof message === "string" ? message : expect.stringMatching(message) } });

describe("every error the server sends has the API's error body", () => {
  let api: Api;
  let open: Api;
  beforeAll(async () => {
    api = await startApi([wf], { token: TOKEN });
    open = await startApi([wf]);
  });
  afterAll(async () => {
    await api.close();
    await open.close();
  });

  it("a bad escape in the path: 401 without the token (the token comes first), then 400", async () => {
    const noToken = await rawRequest(api.url, "GET /api/v1/executions/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect([noToken.status, noToken.body]).toEqual([401, apiError("unauthorized", "this server needs a token: send Authorization: Bearer <token>")]);
    const withToken = await rawRequest(api.url, `GET /api/v1/executions/%ZZ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
    expect([withToken.status, withToken.body]).toEqual([400, apiError("invalid_request", /^the request's path is not a valid URL: it has a % that does not start an escape/)]);
  });

  it("a wrong token and a missing one are told apart", async () => {
    const wrong = await api.request("GET", "/api/v1/executions", { headers: { authorization: "Bearer nope" } });
    expect([wrong.status, wrong.body]).toEqual([401, apiError("unauthorized", "the token sent (Authorization: Bearer ...) is not this server's token")]);
    const missing = await api.request("GET", "/api/v1/executions");
    expect([missing.status, missing.body]).toEqual([401, apiError("unauthorized", "this server needs a token: send Authorization: Bearer <token>")]);
  });

  it("a path parameter that is too long: 414, after the token check", async () => {
    const long = "a".repeat(2000);
    expect((await api.request("GET", `/api/v1/executions/${long}`)).status).toBe(401);
    const r = await open.request("GET", `/api/v1/executions/${long}`);
    expect([r.status, r.body]).toEqual([414, apiError("invalid_request", "a part of the request's path is longer than the server accepts (500 characters)")]);
  });

  it("what Node's HTTP parser refuses: a bad method, HTTP/9.9, a stray byte in a header (400), 16 KB of headers (431)", async () => {
    const cases: [string, number, RegExp][] = [
      ["FOO@ / HTTP/1.1\r\nHost: x\r\n\r\n", 400, /^the request('s method| is not valid HTTP)/],
      ["GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400, /^the request('s HTTP version| is not valid HTTP)/],
      ["GET / HTTP/1.1\r\nHost: x\r\nX-Bad\u0001: 1\r\n\r\n", 400, /^(a request header has a character|the request is not valid HTTP)/],
      [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(17 * 1024)}\r\n\r\n`, 431, /^the request's headers are larger than the server accepts/],
    ];
    for (const [raw, status, message] of cases) {
      const r = await rawRequest(api.url, raw);
      expect([JSON.stringify(raw.slice(0, 30)), r.status, r.body]).toEqual([JSON.stringify(raw.slice(0, 30)), status, apiError("invalid_request", message)]);
    }
  });

  it("a request without Host: 401 without the token, then 400", async () => {
    const noToken = await rawRequest(api.url, "GET /api/v1/executions HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect([noToken.status, noToken.body]).toEqual([401, apiError("unauthorized", /needs a token/)]);
    const r = await rawRequest(open.url, "GET /api/v1/executions HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect([r.status, r.body]).toEqual([400, apiError("invalid_request", "the request has no Host header, which HTTP/1.1 requires")]);
  });

  it("GET /healthz answers without a token and with no data", async () => {
    const r = await api.request("GET", "/healthz");
    expect([r.status, r.body]).toEqual([200, { status: "ok" }]);
    expect((await api.request("POST", "/healthz")).status).toBe(401);
  });
});
