/**
 * Unary gRPC calls over Node's own HTTP/2 client: what `aloft register
 * --flyte` needs to talk to flyteadmin, with no gRPC library (`@grpc/grpc-js`
 * brings protobufjs 7 through `@grpc/proto-loader`, whose install script
 * every install of Aloft would then run). The wire format is gRPC's
 * ("gRPC over HTTP2", grpc/grpc `doc/PROTOCOL-HTTP2.md`): a `POST` of
 * `application/grpc` to `/<service>/<method>` with `te: trailers` and
 * `grpc-timeout`, each message prefixed by a compressed flag and its length,
 * and the outcome in `grpc-status` and `grpc-message` (percent-encoded), in
 * the trailers or, for a trailers-only answer, in the headers. Messages are
 * never compressed (no `grpc-accept-encoding` is sent).
 *
 * @module
 */
import http2 from "node:http2";
import { AloftError } from "../errors.js";

/** gRPC's status codes by number (grpc/grpc `doc/statuscodes.md`). */
const STATUS_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/**
 * gRPC's status codes by name.
 *
 * @example
 * ```ts
 * if (e instanceof GrpcCallError && e.grpcCode === GRPC_STATUS.ALREADY_EXISTS) { ... }
 * ```
 */
export const GRPC_STATUS = Object.fromEntries(STATUS_NAMES.map((name, code) => [name, code])) as { readonly [K in (typeof STATUS_NAMES)[number]]: number };

/**
 * The name of a gRPC status code (`UNKNOWN(42)` for one gRPC does not define).
 *
 * @example
 * ```ts
 * grpcStatusName(6); // "ALREADY_EXISTS"
 * ```
 */
export function grpcStatusName(code: number): string {
  return STATUS_NAMES[code] ?? `UNKNOWN(${code})`;
}

/**
 * A unary gRPC call did not succeed: the server answered a status other than
 * `OK` (`grpcCode`, `details` its message), or the call could not be made
 * (`UNAVAILABLE`: no connection; `DEADLINE_EXCEEDED`: no answer in time;
 * `INTERNAL`: an answer that is not gRPC), as gRPC's own clients report them.
 *
 * @example
 * ```ts
 * try { await client.call(path, bytes); } catch (e) { if (e instanceof GrpcCallError) console.error(grpcStatusName(e.grpcCode), e.details); }
 * ```
 */
export class GrpcCallError extends AloftError {
  override name = "GrpcCallError";
  readonly code = "GRPC_CALL_FAILED";
  constructor(
    /** The gRPC status code. */
    readonly grpcCode: number,
    /** What the server (or the failed connection) said. */
    readonly details: string,
    options?: { cause?: unknown; answered?: boolean },
  ) {
    super(`${grpcStatusName(grpcCode)}: ${details}`, options);
    this.answered = options?.answered === true;
  }
  /** True when the server answered this status; false when the call could not be made or its answer was not gRPC. */
  readonly answered: boolean;
}

/** HTTP statuses that are not gRPC answers, as gRPC's clients map them (grpc/grpc `doc/http-grpc-status-mapping.md`). */
function statusOfHttp(status: number): number {
  if (status === 400) return GRPC_STATUS.INTERNAL;
  if (status === 401) return GRPC_STATUS.UNAUTHENTICATED;
  if (status === 403) return GRPC_STATUS.PERMISSION_DENIED;
  if (status === 404) return GRPC_STATUS.UNIMPLEMENTED;
  if (status === 429 || status === 502 || status === 503 || status === 504) return GRPC_STATUS.UNAVAILABLE;
  return GRPC_STATUS.UNKNOWN;
}

/** `grpc-message` is percent-encoded UTF-8. */
function decodeGrpcMessage(value: unknown): string {
  const text = Array.isArray(value) ? value.join(",") : typeof value === "string" ? value : "";
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One length-prefixed message: flag 0 (not compressed), its length (4 bytes, big-endian), its bytes. */
function frame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** The one message of a unary answer's body. */
function unframe(body: Buffer): Uint8Array {
  if (body.length < 5) throw new GrpcCallError(GRPC_STATUS.INTERNAL, `the answer holds no message (${body.length} bytes)`);
  if (body[0] !== 0) throw new GrpcCallError(GRPC_STATUS.INTERNAL, "the answer is compressed, which was not asked for");
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) throw new GrpcCallError(GRPC_STATUS.INTERNAL, `the answer's message is ${body.length - 5} bytes, its prefix says ${length}`);
  return body.subarray(5);
}

/**
 * A connection to one gRPC server (`host:port`; TLS unless `insecure`) that
 * makes unary calls. `close` ends it.
 *
 * @example
 * ```ts
 * const client = new GrpcUnaryClient("localhost:30080", { insecure: true });
 * try { await client.call("/flyteidl.service.AdminService/CreateTask", bytes, 30_000); } finally { client.close(); }
 * ```
 */
export class GrpcUnaryClient {
  private readonly session: http2.ClientHttp2Session;
  private broken: Error | undefined;

  constructor(
    readonly endpoint: string,
    options: { readonly insecure?: boolean } = {},
  ) {
    this.session = http2.connect(`${options.insecure === true ? "http" : "https"}://${endpoint}`);
    // A failed connection fails every call on it (each request sees it); kept for the message.
    this.session.on("error", (e) => (this.broken = e));
  }

  /**
   * Sends one request message to `path` (`/<package.Service>/<Method>`) and
   * resolves to the answer's message.
   *
   * @throws GrpcCallError with the status the server answered, or that of a call that could not be made.
   */
  call(path: string, request: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const chunks: Buffer[] = [];
      let httpStatus: number | undefined;
      let status: { code: number; message: string } | undefined;
      const settle = (outcome: { ok: Uint8Array } | { error: GrpcCallError }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if ("ok" in outcome) resolve(outcome.ok);
        else reject(outcome.error);
      };
      const noteStatus = (headers: http2.IncomingHttpHeaders): void => {
        const code = headers["grpc-status"];
        if (code !== undefined) status = { code: Number(code), message: decodeGrpcMessage(headers["grpc-message"]) };
      };
      const timer = setTimeout(() => {
        settle({ error: new GrpcCallError(GRPC_STATUS.DEADLINE_EXCEEDED, `no answer from ${this.endpoint} within ${timeoutMs} ms`) });
        req.close(http2.constants.NGHTTP2_CANCEL);
      }, timeoutMs);
      const req = this.session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc+proto",
        te: "trailers",
        "grpc-timeout": `${Math.max(1, Math.ceil(timeoutMs))}m`,
        "user-agent": "aloft",
      });
      req.on("response", (headers) => {
        httpStatus = Number(headers[":status"]);
        noteStatus(headers);
      });
      req.on("trailers", noteStatus);
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("error", (e: Error) => {
        // A stream canceled because its connection failed carries the connection's error as its cause.
        const cause = this.broken ?? (e.cause instanceof Error ? e.cause : e);
        settle({ error: new GrpcCallError(GRPC_STATUS.UNAVAILABLE, `cannot reach ${this.endpoint}: ${cause.message}`, { cause }) });
      });
      req.on("close", () => {
        if (settled) return;
        if (httpStatus !== undefined && httpStatus !== 200) {
          return settle({ error: new GrpcCallError(statusOfHttp(httpStatus), `${this.endpoint} answered HTTP status ${httpStatus}, not gRPC`) });
        }
        if (status === undefined) {
          const cause = this.broken;
          return settle({ error: new GrpcCallError(GRPC_STATUS.UNAVAILABLE, `${this.endpoint} ended the call without a gRPC status${cause ? `: ${cause.message}` : ""}`, { cause }) });
        }
        if (status.code !== GRPC_STATUS.OK) return settle({ error: new GrpcCallError(status.code, status.message, { answered: true }) });
        try {
          settle({ ok: unframe(Buffer.concat(chunks)) });
        } catch (e) {
          settle({ error: e as GrpcCallError });
        }
      });
      req.end(frame(request));
    });
  }

  /** Ends the connection (calls still running fail). */
  close(): void {
    this.session.close();
  }
}
