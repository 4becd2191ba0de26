/**
 * The HTTP API server: JSON over HTTP on top of an `Engine`, described by an
 * OpenAPI 3 document at `GET /api/openapi.json`.
 *
 * Built on fastify 5: its routes carry JSON schemas (TypeBox), which validate
 * every request before a handler sees it, validate every response before it
 * is sent, and produce the OpenAPI document (through `@fastify/swagger`), so
 * the document cannot disagree with what the server does.
 *
 * The API never runs code sent to it: entities are registered by the
 * server's own modules (through `engine.register`); a request can only name
 * them and give JSON inputs.
 *
 * @module
 */
import fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import swagger from "@fastify/swagger";
import responseValidation from "@fastify/response-validation";
import type { Engine } from "../engine/engine.js";
import { defaultConsoleDir, readConsole } from "./console.js";
import type { Api, RouteContext } from "./context.js";
import { ApiError, toApiError } from "./errors.js";
import { MAX_PARAM_LENGTH, answerClientError, frameworkErrorAnswer, missingHost } from "./framework-errors.js";
import { entityRoutes } from "./routes-entities.js";
import { eventRoutes } from "./routes-events.js";
import { executionRoutes } from "./routes-executions.js";
import { accessCheck, serveConsole, sessionRoutes } from "./routes-console.js";
import { bearerChecker } from "./auth.js";
import { swaggerOptions } from "./openapi.js";
import { SHARED_SCHEMAS } from "./schemas.js";
import { ajvPlugins, requestValidatorCompiler } from "./validation.js";
import { Watches } from "./watch.js";
import { StoredValues } from "./stored-values.js";
import type { BlobStore } from "../store/blob-store.js";
import type { AttemptLogStore } from "../store/attempt-logs.js";
import { logRoutes } from "./routes-logs.js";
import { dynamicRoutes } from "./routes-dynamic.js";
import { workerRoutes, type WorkerEndpoints } from "./routes-workers.js";
import { DEFAULT_UPLOAD_LIMIT, uploadRoutes } from "./routes-uploads.js";
import { FileRoots } from "../blobs/confine.js";
import { describeLimit } from "../blobs/uploads.js";

/** Settings of an API server. */
export interface ServerOptions {
  /** The engine the API works on (its loop and workers run elsewhere: the caller starts them). */
  readonly engine: Engine;
  /**
   * A bearer token every request must carry (`Authorization: Bearer <token>`);
   * without one, the API is open to whoever can reach it (it listens on
   * loopback by default).
   */
  readonly token?: string | undefined;
  /** The largest request body accepted, in bytes (default 1 MiB); larger bodies are refused with 413. */
  readonly bodyLimitBytes?: number;
  /** How often event streams look for changes, in milliseconds (default 50). */
  readonly eventPollMs?: number;
  /** Whether responses are checked against their schemas before they are sent (default true). */
  readonly validateResponses?: boolean;
  /**
   * The blob store the engine keeps large values in (the engine's `values`): with it, the API shows
   * those values; without it, it shows `{ "$offloaded": { uri, sizeBytes } }` in their place.
   */
  readonly values?: BlobStore | undefined;
  /** Where the workers keep each task attempt with what it wrote to stdout and stderr (`aloft serve`: `.aloft/logs`); without it, the API shows no attempts. */
  readonly logs?: AttemptLogStore | undefined;
  /**
   * The built web console to serve at `/` (a folder with `index.html`); default: the package's
   * `dist/console`; `false`: no console (every path outside `/api` is a 404).
   */
  readonly console?: string | false;
  /**
   * The worker endpoints' parts (`/api/v1/workers`, for `aloft worker --server`): the wake-ups they pass on,
   * the blob directory remote workers' files are kept in; the large values are `values`.
   */
  readonly workers?: Omit<WorkerEndpoints, "values"> | undefined;
  /**
   * Where uploads go (`POST /api/v1/uploads`): the blob store the workers create files in
   * (`aloft serve`: `.aloft/blobs`). Without it, the server takes no uploads.
   */
  readonly uploadDir?: string | undefined;
  /** The largest upload accepted, in bytes (default 1 GiB); larger ones are refused with 413. */
  readonly uploadLimitBytes?: number;
  /**
   * Directories besides `uploadDir` whose files, directories and dataframes requests may give as
   * inputs (`aloft serve --allow-files <dir>`). A reference anywhere else (`file:///etc/passwd`,
   * `s3://...`, a symbolic link leading out) is refused with 400 `file_not_allowed`.
   */
  readonly fileRoots?: readonly string[];
  /** Called with errors the server survives (500s, failed polls); default: written to stderr. */
  readonly onError?: (error: unknown) => void;
}

/** Where to listen. */
export interface ListenOptions {
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
}

/** A created server. */
export interface AloftServer {
  /** Starts listening; resolves to the base URL, e.g. `http://127.0.0.1:8080`. */
  listen(options?: ListenOptions): Promise<string>;
  /** Ends open event streams and stops listening. */
  close(): Promise<void>;
  /** The base URL once listening. */
  readonly url: string | undefined;
  /** How many event streams are open now. */
  readonly openStreams: number;
  /** The OpenAPI document the server serves. */
  openApiDocument(): Promise<Record<string, unknown>>;
}

/** The default body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The health endpoint: `GET /healthz` answers 200 `{ "status": "ok" }` while
 * the server runs, without a token and without any data (for load balancers
 * and service managers).
 */
export const HEALTH_PATH = "/healthz";

function urlOf(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/**
 * Creates the API server over an engine.
 *
 * @example
 * ```ts
 * const engine = await Engine.open({ store: await openSqliteStore(".aloft/aloft.db") });
 * engine.run();
 * await engine.register(regression);
 * const server = createServer({ engine, token: process.env.ALOFT_TOKEN });
 * const url = await server.listen({ port: 8080 }); // "http://127.0.0.1:8080"
 * // ... later
 * await server.close();
 * await engine.stop();
 * ```
 */
export function createServer(options: ServerOptions): AloftServer {
  const onError = options.onError ?? ((e: unknown) => process.stderr.write(`aloft server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`));
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1) throw new RangeError(`bodyLimitBytes must be a whole number of bytes above 0, got ${String(options.bodyLimitBytes)}`);
  if (options.token !== undefined && options.token === "") throw new RangeError("token must not be empty; leave it out for no token");

  // The token check, first for every request that reaches fastify (even one its router refuses).
  const allowed = options.token === undefined ? undefined : bearerChecker(options.token);
  const authorize = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    if (allowed === undefined || allowed(request.headers.authorization)) return true;
    const given = request.headers.authorization !== undefined;
    const e = new ApiError(
      401,
      "unauthorized",
      given
        ? "the token sent (Authorization: Bearer ...) is not this server's token"
        : "this server needs a token: send Authorization: Bearer <token>",
    );
    await reply.code(401).header("www-authenticate", 'Bearer realm="aloft"').send(e.body());
    return false;
  };
  const app = fastify({
    bodyLimit,
    logger: false,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // Every layer answers in the API's error body (see framework-errors.ts).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    http: { requireHostHeader: false },
    clientErrorHandler: answerClientError,
    frameworkErrors: frameworkErrorAnswer(authorize),
  }) as unknown as Api;
  const values = new StoredValues(options.values);
  const uploadLimitBytes = options.uploadLimitBytes ?? DEFAULT_UPLOAD_LIMIT;
  if (!Number.isSafeInteger(uploadLimitBytes) || uploadLimitBytes < 1) throw new RangeError(`uploadLimitBytes must be a whole number of bytes above 0, got ${String(options.uploadLimitBytes)}`);
  const fileRoots = new FileRoots([...(options.uploadDir === undefined ? [] : [options.uploadDir]), ...(options.fileRoots ?? [])]);
  const ctx: RouteContext = { engine: options.engine, values, logs: options.logs, fileRoots, uploadDir: options.uploadDir, uploadLimitBytes, watches: new Watches(options.engine.store, values, options.eventPollMs ?? 50, onError), streams: new Set() };

  // Bodies are JSON only: anything else is a 415.
  app.removeContentTypeParser("text/plain");
  const validator = requestValidatorCompiler(SHARED_SCHEMAS);
  app.setValidatorCompiler(validator);
  for (const s of SHARED_SCHEMAS) app.addSchema(s);

  const consoleAccess = options.token === undefined ? undefined : accessCheck(options.token);
  app.addHook("onRequest", async (request, reply) => {
    if (request.url === HEALTH_PATH && request.method === "GET") return; // no token, no data
    // The bearer token, or a console session (routes-console.ts).
    if (consoleAccess) {
      const refused = await consoleAccess(request, reply);
      if (refused) return refused;
    }
    const noHost = missingHost(request);
    if (noHost) {
      await reply.code(noHost.status).send(noHost.body());
      return reply;
    }
  });
  const consoleDir = options.console === false ? undefined : (options.console ?? defaultConsoleDir());
  const consoleFiles = consoleDir === undefined ? undefined : readConsole(consoleDir);

  app.setErrorHandler((error, _request, reply) => {
    let e = toApiError(error);
    if (e.code === "payload_too_large" && !(error instanceof ApiError)) e = new ApiError(413, "payload_too_large", `the request body is larger than the server accepts (${describeLimit(bodyLimit)})`);
    if (e.status >= 500) onError(error);
    void reply.code(e.status).send(e.body());
  });
  app.setNotFoundHandler((request, reply) => {
    if (options.console !== false && serveConsole(consoleFiles, request, reply)) return;
    const e = new ApiError(404, "not_found", `no endpoint ${request.method} ${request.url.split("?")[0] ?? ""}`);
    void reply.code(404).send(e.body());
  });
  app.addHook("preClose", (done) => {
    for (const end of [...ctx.streams]) end();
    done();
  });

  void app.register(swagger, swaggerOptions({ secured: options.token !== undefined }));
  if (options.validateResponses !== false) {
    void app.register(responseValidation, {
      ajv: { plugins: ajvPlugins(SHARED_SCHEMAS) as never, coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, strict: true },
    });
  }
  void app.register(async (api) => {
    const typed = api as unknown as Api;
    typed.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());
    typed.get(HEALTH_PATH, { schema: { hide: true } }, async () => ({ status: "ok" }));
    entityRoutes(typed, ctx);
    executionRoutes(typed, ctx);
    eventRoutes(typed, ctx);
    logRoutes(typed, ctx);
    dynamicRoutes(typed, ctx);
    workerRoutes(typed, ctx, { ...options.workers, values: options.values });
    uploadRoutes(typed, ctx, validator);
    sessionRoutes(typed, options.token);
  });

  let url: string | undefined;
  return {
    async listen(listen: ListenOptions = {}) {
      const host = listen.host ?? "127.0.0.1";
      if (!isLoopback(host) && options.token === undefined) {
        process.stderr.write(`aloft server: listening on ${host} without a token: anyone who can reach it can start and abort executions\n`);
      }
      await app.listen({ host, port: listen.port ?? 8080 });
      const address = app.server.address();
      const port = typeof address === "object" && address ? address.port : (listen.port ?? 8080);
      url = urlOf(host, port);
      return url;
    },
    async close() {
      await app.close();
      url = undefined;
    },
    get url() {
      return url;
    },
    get openStreams() {
      return ctx.streams.size;
    },
    async openApiDocument() {
      await app.ready();
      return app.swagger() as unknown as Record<string, unknown>;
    },
  };
}
