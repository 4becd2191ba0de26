import { createServer as createNetServer } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { describe, expect, it } from "vitest";
import { AloftClient, ClientError } from "../../src/client/client.js";
import { AloftClient as Exported, ClientError as ExportedError, AloftError } from "aloft";

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("AloftClient", () => {
  it("is exported by the package, and its errors are AloftErrors", () => {
    expect(Exported).toBe(AloftClient);
    expect(ExportedError).toBe(ClientError);
    expect(new ClientError("x", 400, "invalid_request")).toBeInstanceOf(AloftError);
  });

  it("names the URL when the server cannot be reached", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const client = new AloftClient({ baseUrl: `${url}/` });
    expect(client.baseUrl).toBe(url);
    const err = (await client.listExecutions().catch((e: unknown) => e)) as ClientError;
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ status: 0, code: "unreachable" });
    expect(err.message).toContain(`cannot reach the Aloft server at ${url}`);
    expect(err.message).toMatch(/ECONNREFUSED/);
    const streamErr = (await client
      .events("x")
      .next()
      .catch((e: unknown) => e)) as ClientError;
    expect(streamErr).toMatchObject({ code: "unreachable" });
  });

  it("refuses a base URL that is not an http URL", () => {
    expect(() => new AloftClient({ baseUrl: "localhost:8080" })).toThrow(/must start with http:\/\/ or https:\/\//);
    expect(() => new AloftClient({ baseUrl: "not a url" })).toThrow(/is not a URL/);
  });

  it("reports a server that is not Aloft's, and one that does not answer in time", async () => {
    const srv = createHttpServer((req, res) => {
      if (req.url?.startsWith("/slow")) return;
      res.writeHead(502, { "content-type": "text/html" }).end("<h1>Bad gateway</h1>");
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    try {
      const err = (await new AloftClient({ baseUrl: base }).getExecution("x").catch((e: unknown) => e)) as ClientError;
      expect(err).toMatchObject({ status: 502, code: "http_error" });
      expect(err.message).toMatch(/answered 502 Bad Gateway: <h1>Bad gateway<\/h1>/);
      const slow = (await new AloftClient({ baseUrl: `${base}/slow`, timeoutMs: 50 }).getExecution("x").catch((e: unknown) => e)) as ClientError;
      expect(slow).toMatchObject({ status: 0, code: "timeout" });
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
