/**
 * The console beside the API: who may make a request (the bearer token, or a
 * browser session that the token started), the session endpoints, and the
 * console's pages for every GET outside `/api`.
 *
 * @module
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerChecker } from "./auth.js";
import type { ConsoleFiles } from "./console.js";
import { NOT_BUILT_PAGE } from "./console.js";
import { LOGIN_PAGE, LOGIN_PAGE_CSP } from "./console-login.js";
import { CONSOLE_HEADER, consoleSessions } from "./console-session.js";
import { API_PREFIX, type Api } from "./context.js";
import { ApiError } from "./errors.js";
import { ApiErrorBody, ref } from "./schemas.js";

/** The console's Content-Security-Policy: its own scripts, styles, images and API only. */
const CONSOLE_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function pathOf(request: FastifyRequest): string {
  return request.url.split("?")[0] ?? "/";
}

function isApiPath(p: string): boolean {
  return p === "/api" || p.startsWith("/api/");
}

function wantsPage(request: FastifyRequest): boolean {
  return request.method === "GET" && /\btext\/html\b/.test(request.headers.accept ?? "");
}

/**
 * The `onRequest` check of a server with a token: a request passes with
 * `Authorization: Bearer <token>`, or with the browser session's cookie (API
 * requests also with `x-aloft-console: 1`). Any other request is refused with
 * 401: a browser asking for a page gets the login page, anything else the
 * API's error body.
 *
 * @example
 * ```ts
 * app.addHook("onRequest", accessCheck("s3cret"));
 * ```
 */
export function accessCheck(token: string): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const allowed = bearerChecker(token);
  const sessions = consoleSessions(token);
  return async (request, reply) => {
    if (allowed(request.headers.authorization)) return undefined;
    const p = pathOf(request);
    const session = sessions.valid(request.headers.cookie);
    if (session && (!isApiPath(p) || request.headers[CONSOLE_HEADER] === "1")) return undefined;
    reply.code(401).header("www-authenticate", 'Bearer realm="aloft"');
    if (!isApiPath(p) && wantsPage(request)) {
      await reply.header("content-type", "text/html; charset=utf-8").header("content-security-policy", LOGIN_PAGE_CSP).header("cache-control", "no-store").send(LOGIN_PAGE);
      return reply;
    }
    const given = request.headers.authorization !== undefined;
    await reply.send(new ApiError(401, "unauthorized", given ? "the token sent (Authorization: Bearer ...) is not this server's token" : "this server needs a token: send Authorization: Bearer <token>").body());
    return reply;
  };
}

/**
 * Adds `POST /session` (starts a browser session: needs the bearer token, sets
 * the session cookie) and `DELETE /session` (ends it).
 *
 * @example
 * ```ts
 * sessionRoutes(app, process.env.ALOFT_TOKEN);
 * ```
 */
export function sessionRoutes(app: Api, token: string | undefined): void {
  const sessions = token === undefined ? undefined : consoleSessions(token);
  const errors = { "4xx": ref(ApiErrorBody), "5xx": ref(ApiErrorBody) };
  app.post(
    `${API_PREFIX}/session`,
    {
      schema: {
        operationId: "startSession",
        tags: ["Console"],
        summary: "Starts a browser session: answers with an HttpOnly, SameSite=Strict session cookie",
        description:
          "For the web console: a browser cannot put the bearer token on page loads, so it sends it here once. Requests with the cookie are then served; API requests also need the header `x-aloft-console: 1`. On a server without a token this does nothing.",
        response: { 204: { description: "The session started", type: "null" }, ...errors },
      },
    },
    async (_request, reply) => {
      if (sessions) reply.header("set-cookie", sessions.startCookie());
      await reply.code(204).send();
    },
  );
  app.delete(
    `${API_PREFIX}/session`,
    {
      schema: {
        operationId: "endSession",
        tags: ["Console"],
        summary: "Ends the browser session (clears its cookie)",
        response: { 204: { description: "The session ended", type: "null" }, ...errors },
      },
    },
    async (_request, reply) => {
      if (sessions) reply.header("set-cookie", sessions.endCookie());
      await reply.code(204).send();
    },
  );
}

/**
 * Answers a GET outside `/api` with the console: one of its files, or its
 * `index.html` for the paths the app routes itself; `undefined` for requests
 * the console does not answer (the caller sends its 404).
 *
 * @example
 * ```ts
 * app.setNotFoundHandler((request, reply) => serveConsole(files, request, reply) ?? notFound(request, reply));
 * ```
 */
export function serveConsole(files: ConsoleFiles | undefined, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const p = pathOf(request);
  if (request.method !== "GET" || isApiPath(p)) return undefined;
  reply.header("x-content-type-options", "nosniff").header("content-security-policy", CONSOLE_CSP).header("referrer-policy", "no-referrer");
  if (!files) return reply.code(200).header("content-type", "text/html; charset=utf-8").header("cache-control", "no-cache").send(NOT_BUILT_PAGE);
  const f = files.fileFor(p);
  if (!f) return undefined;
  return reply.code(200).header("content-type", f.contentType).header("cache-control", f.cacheControl).send(f.body);
}
