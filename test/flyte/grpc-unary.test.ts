/**
 * Aloft's unary gRPC client (Node's HTTP/2, gRPC's wire format) against a
 * real gRPC server, `@grpc/grpc-js`'s: answers, statuses with their
 * percent-encoded messages, deadlines, an endpoint that is not listening,
 * and an HTTP/2 server that does not speak gRPC (grpc/grpc
 * doc/http-grpc-status-mapping.md).
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRPC_STATUS, GrpcCallError, GrpcUnaryClient, grpcStatusName } from "../../src/flyte/grpc-unary.js";

const raw = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
  requestStream: false,
  responseStream: false,
} as const;
const service: grpc.ServiceDefinition = {
  Echo: { path: "/test.Bytes/Echo", ...raw },
  Refuse: { path: "/test.Bytes/Refuse", ...raw },
  Hang: { path: "/test.Bytes/Hang", ...raw },
};

let server: grpc.Server;
let endpoint: string;
let notGrpc: http2.Http2Server;
let notGrpcEndpoint: string;

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(service, {
    Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.concat([Buffer.from("echo:"), call.request])),
    Refuse: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb({ code: grpc.status.FAILED_PRECONDITION, details: `no ${call.request.toString()} here: 100% sûr` }),
    Hang: () => {},
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  endpoint = `127.0.0.1:${port}`;
  notGrpc = http2.createServer((_req, res) => {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  });
  await new Promise<void>((resolve) => notGrpc.listen(0, "127.0.0.1", resolve));
  notGrpcEndpoint = `127.0.0.1:${(notGrpc.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.forceShutdown();
  await new Promise((resolve) => notGrpc.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<GrpcCallError> {
  const e = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(GrpcCallError);
  return e as GrpcCallError;
}

describe("GrpcUnaryClient", () => {
  it("sends a message and gets the answer's message, several calls on one connection, empty messages too", async () => {
    const client = new GrpcUnaryClient(endpoint, { insecure: true });
    try {
      expect(Buffer.from(await client.call("/test.Bytes/Echo", Buffer.from("hi"), 10_000)).toString()).toBe("echo:hi");
      expect(Buffer.from(await client.call("/test.Bytes/Echo", new Uint8Array(0), 10_000)).toString()).toBe("echo:");
      const big = Buffer.alloc(200_000, 7);
      expect(Buffer.from(await client.call("/test.Bytes/Echo", big, 10_000)).subarray(5).equals(big)).toBe(true);
    } finally {
      client.close();
    }
  });

  it("reports the status and the (percent-encoded) message the server answered", async () => {
    const client = new GrpcUnaryClient(endpoint, { insecure: true });
    try {
      const e = await failure(client.call("/test.Bytes/Refuse", Buffer.from("tea"), 10_000));
      expect([e.grpcCode, e.details, e.answered, e.code, e.message]).toEqual([GRPC_STATUS.FAILED_PRECONDITION, "no tea here: 100% sûr", true, "GRPC_CALL_FAILED", "FAILED_PRECONDITION: no tea here: 100% sûr"]);
      const unknown = await failure(client.call("/test.Bytes/Nothing", Buffer.from("x"), 10_000));
      expect([unknown.grpcCode, unknown.answered]).toEqual([GRPC_STATUS.UNIMPLEMENTED, true]);
    } finally {
      client.close();
    }
  });

  it("gives up at the deadline with DEADLINE_EXCEEDED", async () => {
    const client = new GrpcUnaryClient(endpoint, { insecure: true });
    try {
      const e = await failure(client.call("/test.Bytes/Hang", Buffer.from("x"), 300));
      expect(e.grpcCode).toBe(GRPC_STATUS.DEADLINE_EXCEEDED);
    } finally {
      client.close();
    }
  });

  it("says UNAVAILABLE, naming the endpoint and the cause, when nothing listens there", async () => {
    const client = new GrpcUnaryClient("127.0.0.1:1", { insecure: true });
    try {
      const e = await failure(client.call("/test.Bytes/Echo", Buffer.from("x"), 10_000));
      expect([e.grpcCode, e.answered]).toEqual([GRPC_STATUS.UNAVAILABLE, false]);
      expect(e.message).toMatch(/^UNAVAILABLE: cannot reach 127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    } finally {
      client.close();
    }
  });

  it("maps the HTTP status of a server that does not speak gRPC (404 is UNIMPLEMENTED)", async () => {
    const client = new GrpcUnaryClient(notGrpcEndpoint, { insecure: true });
    try {
      const e = await failure(client.call("/test.Bytes/Echo", Buffer.from("x"), 10_000));
      expect([e.grpcCode, e.answered, e.details]).toEqual([GRPC_STATUS.UNIMPLEMENTED, false, `${notGrpcEndpoint} answered HTTP status 404, not gRPC`]);
    } finally {
      client.close();
    }
  });

  it("names gRPC's status codes", () => {
    expect([0, 6, 14, 16, 42].map(grpcStatusName)).toEqual(["OK", "ALREADY_EXISTS", "UNAVAILABLE", "UNAUTHENTICATED", "UNKNOWN(42)"]);
  });
});
