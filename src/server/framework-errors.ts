/**
 * The errors the HTTP layers below the routes send, in the API's own shape
 * `{ error: { code, message } }`, as every other error of the API:
 *
 * - what Node's HTTP parser refuses before there is a request (a bad method,
 *   `HTTP/9.9`, a stray byte in a header: 400; headers over Node's limit:
 *   431; a client too slow to send its request: 408);
 * - what fastify's router refuses (`%ZZ` in a path: 400; a path parameter
 *   over its length limit: 414), after the token check, as for any route;
 * - a request without a `Host` header (HTTP/1.1 requires one): 400, after the
 *   token check.
 *
 * @module
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "./errors.js";

/** The longest path parameter (an execution id, an entity name) the router takes; longer ones get a 414. */
export const MAX_PARAM_LENGTH = 500;

/** The error body for what Node's HTTP parser refused: no request was read, so no token could be checked. */
function parserError(err: NodeJS.ErrnoException): ApiError {
  switch (err.code) {
    case "HPE_HEADER_OVERFLOW":
      return new ApiError(431, "invalid_request", "the request's headers are larger than the server accepts (16 KiB in all)");
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new ApiError(408, "invalid_request", "the request was not sent in time");
    case "HPE_INVALID_METHOD":
      return new ApiError(400, "invalid_request", "the request's method is not an HTTP method");
    case "HPE_INVALID_VERSION":
      return new ApiError(400, "invalid_request", "the request's HTTP version is not one the server speaks (HTTP/1.0 or HTTP/1.1)");
    case "HPE_INVALID_HEADER_TOKEN":
      return new ApiError(400, "invalid_request", "a request header has a character that HTTP does not allow");
    default:
      return new ApiError(400, "invalid_request", `the request is not valid HTTP (${err.code ?? err.message})`);
  }
}

/**
 * Answers what Node's HTTP parser refused, in the API's error body, and
 * closes the connection (fastify's `clientErrorHandler`).
 *
 * @example
 * ```ts
 * fastify({ clientErrorHandler: answerClientError });
 * ```
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  if (socket.writable) {
    const e = parserError(err);
    const body = JSON.stringify(e.body());
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ""}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * What the router refused, in the API's error body (fastify's
 * `frameworkErrors`), after `authorize` had its say.
 *
 * @example
 * ```ts
 * fastify({ frameworkErrors: frameworkErrorAnswer((request, reply) => false) });
 * ```
 */
export function frameworkErrorAnswer(
  authorize: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>,
): (error: { readonly code?: string; readonly message: string }, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    void (async () => {
      if (!(await authorize(request, reply))) return;
      const e =
        error.code === "FST_ERR_BAD_URL"
          ? new ApiError(400, "invalid_request", "the request's path is not a valid URL: it has a % that does not start an escape such as %20")
          : error.code === "FST_ERR_MAX_PARAM_LENGTH"
            ? new ApiError(414, "invalid_request", `a part of the request's path is longer than the server accepts (${MAX_PARAM_LENGTH} characters)`)
            : new ApiError(400, "invalid_request", error.message);
      await reply.code(e.status).send(e.body());
    })();
  };
}

/**
 * The error for a request without a `Host` header, or `undefined` when it
 * has one.
 *
 * @example
 * ```ts
 * const e = missingHost(request); if (e) return reply.code(e.status).send(e.body());
 * ```
 */
export function missingHost(request: FastifyRequest): ApiError | undefined {
  if (request.headers.host !== undefined && request.headers.host !== "") return undefined;
  if (request.raw.httpVersionMajor === 1 && request.raw.httpVersionMinor === 0) return undefined; // HTTP/1.0 has no Host
  return new ApiError(400, "invalid_request", "the request has no Host header, which HTTP/1.1 requires");
}
