/**
 * Worker endpoints: a worker on another machine joins through the server
 * instead of the database (`aloft worker --server URL --token T`). The server
 * is a thin shell over the store's queue: `claim`, `heartbeat`, `report` and `release`
 * are `Store.claimTasks`, `heartbeat`, `finishTask` and `releaseTasks`, with the same leases
 * and fencing (a heartbeat or a report whose lease was lost is refused with
 * 409 `lease_lost`); a report for an execution the server's own engine runs goes
 * straight into its next step (`Engine.deliver`), which records it in the step's commit; the cache and its key locks, the engine's large values,
 * the attempt logs and the tasks' files go through it too. `GET
 * /workers/events` is a server-sent-events stream with a `work` event each
 * time work may be ready, so an idle worker claims at once; its polls are
 * only a safety net.
 *
 * Beyond Flyte: Flyte's tasks run in pods that read and write blob storage
 * themselves; here a worker needs nothing but the server's URL and token.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { BlobAccessError, BlobPathError, StoredRowError } from "../errors.js";
import { decodeEvent } from "../store/events.js";
import type { BlobStore } from "../store/blob-store.js";
import type { AttemptRecord } from "../store/attempt-logs.js";
import { localWorkQueueOf } from "../store/open-store.js";
import type { ClaimedTask, TaskResult } from "../store/store.js";
import { API_PREFIX, type Api, type RouteContext } from "./context.js";
import { ApiError } from "./errors.js";
import { ApiErrorBody, ref } from "./schemas.js";
import type { WorkerFiles } from "./worker-files.js";

/** What the worker endpoints need besides the engine. */
export interface WorkerEndpoints {
  /** Subscribes to "work may be ready" (the engine enqueued attempts, here or in another engine's process); without it, remote workers only poll. */
  readonly onWork?: ((fn: () => void) => void) | undefined;
  /** The server's blob directory, where remote workers' files are kept; without it, the file endpoints answer 404. */
  readonly files?: WorkerFiles | undefined;
  /** Where the engine keeps large values (`values`); without it, the value endpoints answer 404. */
  readonly values?: BlobStore | undefined;
  /** The largest file or value a worker may send, in bytes (default 256 MiB). */
  readonly maxUploadBytes?: number | undefined;
}

/** The default largest upload: 256 MiB. */
export const DEFAULT_MAX_UPLOAD = 256 * 1024 * 1024;

const PREFIX = `${API_PREFIX}/workers`;
const TAGS = ["Workers"];
const errors = { "4xx": ref(ApiErrorBody), "5xx": ref(ApiErrorBody) };
const FreeObject = Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: true });
const Id = Type.String({ minLength: 1, maxLength: 1024 });
const LeaseMs = Type.Integer({ minimum: 1, maximum: 86_400_000, description: "How long the lease lasts without a heartbeat, in milliseconds." });
const Bytes = { description: "The bytes.", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } };
const KEEPALIVE_MS = 15_000;
/** The longest a claim waits for work. */
const MAX_WAIT_MS = 30_000;

const ClaimBody = Type.Object(
  {
    workerId: Type.String({ minLength: 1, maxLength: 512, description: "The worker's name in leases." }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, description: "At most this many attempts (the worker's free slots)." }),
    leaseMs: LeaseMs,
    waitMs: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_WAIT_MS, description: "When nothing is ready, wait up to this long for work before answering (a long poll; default 0: answer at once)." }),
    ),
  },
  { additionalProperties: false },
);
const ClaimedItem = Type.Object(
  {
    id: Type.String(),
    executionId: Type.String(),
    path: Type.String(),
    attempt: Type.Integer(),
    systemAttempts: Type.Integer(),
    maxSystemAttempts: Type.Integer(),
    task: Type.Object({ project: Type.String(), domain: Type.String(), name: Type.String(), version: Type.String() }, { additionalProperties: false }),
    inputs: FreeObject,
    options: FreeObject,
    readyAt: Type.Number(),
    leaseToken: Type.String({ description: "Proof of the lease: heartbeats and reports carry it." }),
    leaseExpiresAt: Type.Number(),
  },
  { additionalProperties: false },
);
const ReleaseBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          itemId: Id,
          leaseToken: Id,
          started: Type.Boolean({ description: "Whether the attempt started: a started one is handed out again as a lost lease (a system attempt), one that never started as if never claimed." }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);
const LeaseBody = Type.Object({ itemId: Id, leaseToken: Id, leaseMs: LeaseMs }, { additionalProperties: false });

const CacheKeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });
const LockBody = Type.Object({ key: Type.String({ minLength: 1, maxLength: 1024 }), owner: Type.String({ minLength: 1, maxLength: 2048 }), ttlMs: Type.Optional(LeaseMs) }, { additionalProperties: false });
const UriQuery = Type.Object({ uri: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });
const Uri = Type.Object({ uri: Type.String() }, { additionalProperties: false });
const NameQuery = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 1024, description: "The file's name (inside `into`: its relative path)." }),
    into: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: "A directory made by `POST /workers/directories`: the file goes inside it." })),
  },
  { additionalProperties: false },
);
const AttemptRecordBody = Type.Object(
  {
    executionId: Type.String({ minLength: 1, maxLength: 512 }),
    path: Type.String({ minLength: 1, maxLength: 2048 }),
    attempt: Type.Integer({ minimum: 1 }),
    systemAttempt: Type.Integer({ minimum: 0 }),
    workerId: Type.String({ maxLength: 512 }),
    startedAt: Type.Number(),
    endedAt: Type.Number(),
    outcome: Type.Unsafe<AttemptRecord["outcome"]>({ type: "string", enum: ["succeeded", "failed", "timedOut", "cacheHit"] }),
    error: Type.Optional(Type.String()),
    lines: Type.Array(Type.Object({ stream: Type.Unsafe<"stdout" | "stderr">({ type: "string", enum: ["stdout", "stderr"] }), at: Type.Number(), text: Type.String() }, { additionalProperties: false })),
    droppedBytes: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
const ReportBody = Type.Object(
  {
    itemId: Id,
    leaseToken: Id,
    result: Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: true, description: "The attempt's result event: taskSucceeded, taskFailed or taskLost, with its path and attempt." }),
    log: Type.Optional({ ...AttemptRecordBody, description: "The attempt's record with what its task wrote, kept before the result (as `POST /workers/attempt-logs`)." }),
  },
  { additionalProperties: false },
);
const HintQuery = Type.Object({ hint: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: false });

function leaseLost(what: string, itemId: string): ApiError {
  return new ApiError(
    409,
    "lease_lost",
    `the ${what} for task item ${JSON.stringify(itemId)} was refused: its lease was lost (the item was withdrawn, or its lease expired and another worker took it over); the attempt runs elsewhere, stop it and do not report it`,
    "leaseToken",
  );
}

/** Blob errors as API errors: a URI that is not the server's is a 400, a missing file a 404, a file that exists a 409. */
function blobRefusal(e: unknown, field: string): unknown {
  if (e instanceof BlobPathError) return new ApiError(400, "invalid_request", e.message, field);
  if (e instanceof BlobAccessError) return new ApiError(404, "not_found", e.message, field);
  if ((e as NodeJS.ErrnoException | undefined)?.code === "EEXIST") return new ApiError(409, "conflict", "a file of that name exists already in that directory: files are never overwritten", field);
  return e;
}

function need<T>(part: T | undefined, what: string): T {
  if (part === undefined) throw new ApiError(404, "not_found", `this server keeps no ${what} for workers`);
  return part;
}

/**
 * The execution of a task item, from its id (`<execution>|<path>|<attempt>`, as the engine makes it) and the
 * path and attempt its result names; undefined when they do not match (the store then reads it from the item).
 */
function executionOfItem(itemId: string, body: TaskResult["body"]): string | undefined {
  const suffix = `|${body.path}|${String(body.attempt)}`;
  return itemId.endsWith(suffix) && itemId.length > suffix.length ? itemId.slice(0, -suffix.length) : undefined;
}

/** The result a worker reports, decoded as the store would read it; a 400 naming the field otherwise. */
function resultOf(json: Record<string, unknown>): TaskResult["body"] {
  let event;
  try {
    event = decodeEvent(json, "the reported result");
  } catch (e) {
    if (e instanceof StoredRowError) throw new ApiError(400, "invalid_request", e.message, `result.${e.field.replace(/^body\.?/, "")}`.replace(/\.$/, ""));
    throw e;
  }
  if (event.type !== "taskSucceeded" && event.type !== "taskFailed" && event.type !== "taskLost") {
    throw new ApiError(400, "invalid_request", `result.type must be taskSucceeded, taskFailed or taskLost, got ${JSON.stringify(event.type)}`, "result.type");
  }
  return event;
}

/**
 * Adds the worker endpoints under `/api/v1/workers`.
 *
 * @example
 * ```ts
 * workerRoutes(app, ctx, { onWork: (fn) => setup.onWork(fn), files: new WorkerFiles(".aloft/blobs"), values: setup.values });
 * ```
 */
export function workerRoutes(app: Api, ctx: RouteContext, options: WorkerEndpoints = {}): void {
  const store = ctx.engine.store;
  // Claims, heartbeats, releases and cache locks as a worker on the engine's machine makes them (on SQLite,
  // unsynced: the engine's next commit syncs them; what a power cut takes of them only runs an attempt again);
  // a result goes through the store itself, synced before the worker is told it was recorded.
  const queue = localWorkQueueOf(store);
  const bodyLimit = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD;
  const streams = new Set<(line: string) => void>();
  /** Claims waiting for work (long polls): each resolves at the next wake-up. */
  const waiting = new Set<() => void>();
  options.onWork?.(() => {
    for (const send of streams) send("event: work\ndata: {}\n\n");
    for (const resolve of [...waiting]) resolve();
  });
  /** Resolves at the next wake-up, after `ms`, when the client goes away, or when the server closes. */
  const nextWork = (ms: number, socket: NodeJS.EventEmitter): { done: Promise<void>; cancel: () => void } => {
    let cancel = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), ms);
      const finish = (): void => {
        clearTimeout(timer);
        waiting.delete(finish);
        ctx.streams.delete(finish);
        socket.off("close", finish);
        resolve();
      };
      cancel = finish;
      waiting.add(finish);
      ctx.streams.add(finish);
      socket.on("close", finish);
    });
    return { done, cancel };
  };
  const keepRecord = async (record: AttemptRecord): Promise<boolean> => {
    if (!ctx.logs) return false;
    try {
      await ctx.logs.put(record);
    } catch (e) {
      if (e instanceof Error && e.name === "AttemptLogError") throw new ApiError(400, "invalid_request", e.message);
      throw e;
    }
    return true;
  };
  app.addContentTypeParser("application/octet-stream", { parseAs: "buffer", bodyLimit }, (_request, body, done) => done(null, body));

  app.post(
    `${PREFIX}/claim`,
    {
      schema: {
        operationId: "claimTasks",
        tags: TAGS,
        summary: "Claim ready task attempts, each with a lease",
        description:
          "With no items ready, answers at once with none (then wait for a `work` event on `GET /workers/events`, or poll), or, with `waitMs`, as soon as work comes within that time (a long poll).",
        body: ClaimBody,
        response: { 200: Type.Object({ items: Type.Array(ClaimedItem) }, { additionalProperties: false }), ...errors },
      },
    },
    async (request) => {
      const { workerId, limit, leaseMs, waitMs } = request.body;
      // Listening before the first look, so work that comes during it is not missed.
      const socket = request.raw.socket;
      const wait = waitMs ? nextWork(waitMs, socket) : undefined;
      let items: ClaimedTask[] = await queue.claimTasks(workerId, limit, leaseMs, Date.now());
      if (wait && items.length === 0) {
        await wait.done;
        // A client that went away gets nothing leased in its name.
        if (!socket.destroyed) items = await queue.claimTasks(workerId, limit, leaseMs, Date.now());
      }
      wait?.cancel();
      return { items: items.map((i) => ({ ...i, inputs: i.inputs as unknown as Record<string, unknown>, options: i.options as unknown as Record<string, unknown> })) };
    },
  );

  app.post(
    `${PREFIX}/heartbeat`,
    {
      schema: {
        operationId: "heartbeatTask",
        tags: TAGS,
        summary: "Extend the lease of a claimed attempt",
        description: "409 `lease_lost` when the lease was lost: the worker must stop the attempt and not report it.",
        body: LeaseBody,
        response: { 200: Type.Object({ leaseExpiresAt: Type.Number() }, { additionalProperties: false }), ...errors },
      },
    },
    async (request) => {
      const { itemId, leaseToken, leaseMs } = request.body;
      const now = Date.now();
      if (!(await queue.heartbeat(itemId, leaseToken, leaseMs, now))) throw leaseLost("heartbeat", itemId);
      return { leaseExpiresAt: now + leaseMs };
    },
  );

  app.post(
    `${PREFIX}/release`,
    {
      schema: {
        operationId: "releaseTasks",
        tags: TAGS,
        summary: "Give back claimed attempts a stopping worker will not run",
        description:
          "Ends the leases at once so that other workers run the items without waiting for them to expire; `released` says, per item, whether it was still held under that token (an item whose lease was lost is left alone).",
        body: ReleaseBody,
        response: { 200: Type.Object({ released: Type.Array(Type.Boolean()) }, { additionalProperties: false }), ...errors },
      },
    },
    async (request) => ({ released: await queue.releaseTasks(request.body.items, Date.now()) }),
  );

  app.post(
    `${PREFIX}/report`,
    {
      schema: {
        operationId: "reportTask",
        tags: TAGS,
        summary: "Report the result of a claimed attempt",
        description: "Records the result and ends the lease; 409 `lease_lost` (nothing recorded) when the lease was lost meanwhile: the attempt was withdrawn or runs elsewhere.",
        body: ReportBody,
        response: { 200: Type.Object({ accepted: Type.Boolean() }, { additionalProperties: false }), ...errors },
      },
    },
    async (request) => {
      const { itemId, leaseToken } = request.body;
      const body = resultOf(request.body.result);
      // Kept before the result is recorded: once the node shows the outcome, its logs are there.
      if (request.body.log) await keepRecord(request.body.log);
      // Straight into the next step of the server's own engine when it runs the execution: recorded by the step's
      // commit (synced), one commit where the store's would take two (the result's and the step's) and a wake-up.
      const executionId = executionOfItem(itemId, body);
      if (executionId !== undefined && (await ctx.engine.deliver({ itemId, leaseToken, result: { body } }, executionId)) === "accepted") return { accepted: true };
      if (!(await store.finishTask(itemId, leaseToken, { body }, Date.now()))) throw leaseLost("report", itemId);
      ctx.engine.poke();
      return { accepted: true };
    },
  );

  app.get(
    `${PREFIX}/events`,
    {
      schema: {
        operationId: "streamWorkerEvents",
        tags: TAGS,
        summary: "A server-sent-events stream that says when work may be ready",
        description: "Event `work` (data: `{}`) each time attempts may have become ready; a worker claims on it. A wake-up may be spurious.",
        response: { 200: { description: "The event stream.", content: { "text/event-stream": { schema: { type: "string" } } } }, ...errors },
      },
    },
    async (_request, reply) => {
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
      raw.write(": work for workers\n\n");
      const send = (line: string): void => void raw.write(line);
      const keepalive = setInterval(() => raw.write(": keepalive\n\n"), KEEPALIVE_MS);
      const finish = (): void => {
        clearInterval(keepalive);
        streams.delete(send);
        ctx.streams.delete(finish);
        raw.end();
      };
      streams.add(send);
      ctx.streams.add(finish);
      raw.on("close", finish);
    },
  );

  app.get(
    `${PREFIX}/cache/:key`,
    {
      schema: {
        operationId: "getCachedOutputs",
        tags: TAGS,
        summary: "A cached task result, if any",
        params: CacheKeyParams,
        response: {
          200: Type.Object(
            { entry: Type.Optional(Type.Object({ key: Type.String(), task: Type.String(), version: Type.String(), outputs: FreeObject, createdAt: Type.Number() }, { additionalProperties: false })) },
            { additionalProperties: false },
          ),
          ...errors,
        },
      },
    },
    async (request) => {
      const entry = await store.getCached(request.params.key);
      return entry ? { entry: { ...entry, outputs: entry.outputs as unknown as Record<string, unknown> } } : {};
    },
  );

  app.post(
    `${PREFIX}/cache-locks`,
    {
      schema: {
        operationId: "lockCacheKey",
        tags: TAGS,
        summary: "Take the lock of a cache key (serialized caching)",
        description: "`locked` is false while another owner holds a live lock.",
        body: LockBody,
        response: { 200: Type.Object({ locked: Type.Boolean() }, { additionalProperties: false }), ...errors },
      },
    },
    async (request) => {
      const { key, owner, ttlMs } = request.body;
      if (ttlMs === undefined) throw new ApiError(400, "invalid_request", "ttlMs is required to take a lock", "ttlMs");
      return { locked: await queue.lockCacheKey(key, owner, ttlMs, Date.now()) };
    },
  );

  app.post(
    `${PREFIX}/cache-locks/release`,
    {
      schema: { operationId: "unlockCacheKey", tags: TAGS, summary: "Release a cache key lock held by `owner`", body: LockBody, response: { 200: Type.Object({ released: Type.Boolean() }, { additionalProperties: false }), ...errors } },
    },
    async (request) => {
      await queue.unlockCacheKey(request.body.key, request.body.owner);
      return { released: true };
    },
  );

  app.put(
    `${PREFIX}/values`,
    {
      bodyLimit,
      schema: { operationId: "putValue", tags: TAGS, summary: "Store a large value (the engine's value store); answers its URI", querystring: HintQuery, response: { 200: Uri, ...errors } },
    },
    async (request) => {
      const values = need(options.values, "large values");
      const bytes = request.body;
      if (!(bytes instanceof Uint8Array)) throw new ApiError(415, "unsupported_media_type", "send the value as application/octet-stream");
      return { uri: await values.put(bytes, request.query.hint) };
    },
  );

  app.get(
    `${PREFIX}/values`,
    { schema: { operationId: "getValue", tags: TAGS, summary: "The bytes of a large value", querystring: UriQuery, response: { 200: Bytes, ...errors } } },
    async (request, reply) => {
      const values = need(options.values, "large values");
      try {
        const bytes = await values.get(request.query.uri);
        return reply.type("application/octet-stream").send(Buffer.from(bytes));
      } catch (e) {
        throw blobRefusal(e, "uri");
      }
    },
  );

  app.put(
    `${PREFIX}/files`,
    {
      bodyLimit,
      schema: {
        operationId: "putFile",
        tags: TAGS,
        summary: "Store a file a task wrote; answers its URI (a `file://` URI in the server's blob directory)",
        description: "Never overwrites: each file gets a fresh directory, or goes inside `into` where no file of that name exists.",
        querystring: NameQuery,
        response: { 200: Uri, ...errors },
      },
    },
    async (request) => {
      const files = need(options.files, "files");
      const bytes = request.body;
      if (!(bytes instanceof Uint8Array)) throw new ApiError(415, "unsupported_media_type", "send the file as application/octet-stream");
      try {
        const { name, into } = request.query;
        return { uri: into === undefined ? await files.putFile(name, bytes) : await files.putInto(into, name, bytes) };
      } catch (e) {
        throw blobRefusal(e, "name");
      }
    },
  );

  app.post(
    `${PREFIX}/directories`,
    {
      schema: {
        operationId: "newDirectory",
        tags: TAGS,
        summary: "Create an empty directory for a task's directory output; answers its URI (send its files with `PUT /workers/files?into=`)",
        querystring: Type.Object({ name: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 200: Uri, ...errors },
      },
    },
    async (request) => {
      const files = need(options.files, "files");
      try {
        return { uri: await files.newDirectory(request.query.name) };
      } catch (e) {
        throw blobRefusal(e, "name");
      }
    },
  );

  app.get(
    `${PREFIX}/files`,
    { schema: { operationId: "getFile", tags: TAGS, summary: "The bytes of a file in the server's blob directory", querystring: UriQuery, response: { 200: Bytes, ...errors } } },
    async (request, reply) => {
      const files = need(options.files, "files");
      try {
        return reply.type("application/octet-stream").send(await files.read(request.query.uri));
      } catch (e) {
        throw blobRefusal(e, "uri");
      }
    },
  );

  app.get(
    `${PREFIX}/directories`,
    {
      schema: {
        operationId: "listDirectory",
        tags: TAGS,
        summary: "The files of a directory in the server's blob directory",
        querystring: UriQuery,
        response: { 200: Type.Object({ files: Type.Array(Type.Object({ path: Type.String(), uri: Type.String() }, { additionalProperties: false })) }, { additionalProperties: false }), ...errors },
      },
    },
    async (request) => {
      const files = need(options.files, "files");
      try {
        return { files: await files.list(request.query.uri) };
      } catch (e) {
        throw blobRefusal(e, "uri");
      }
    },
  );

  app.post(
    `${PREFIX}/attempt-logs`,
    {
      schema: {
        operationId: "putAttemptLog",
        tags: TAGS,
        summary: "Keep an attempt's record with what its task wrote (what `aloft logs` and the console show)",
        body: AttemptRecordBody,
        response: { 200: Type.Object({ stored: Type.Boolean() }, { additionalProperties: false }), ...errors },
      },
    },
    async (request) => ({ stored: await keepRecord(request.body) }),
  );
}
