/**
 * A typed client of Aloft's HTTP API, for scripts, the command line's
 * `--remote` mode and the web console. It runs wherever `fetch` does
 * (Node 20, browsers).
 *
 * @module
 */
import { createParser } from "eventsource-parser";
import { AloftError } from "../errors.js";
import type {
  ApiErrorBody,
  AttemptInfo,
  AttemptList,
  NodeLogs,
  DynamicWorkflowInfo,
  CreateExecutionBody,
  EntityInfo,
  EntityKey,
  EntityList,
  EntityVersions,
  ExecutionEnd,
  ExecutionInfo,
  ExecutionPage,
  ExecutionPhase,
  ExecutionSummary,
  InputInfo,
  InterfaceInfo,
  NodeExecutionInfo,
  NodeList,
  OutputInfo,
  RegisteredKind,
  ValidatedExecution,
} from "../server/schemas.js";

export type {
  ApiErrorBody,
  AttemptInfo,
  NodeLogs,
  DynamicWorkflowInfo,
  CreateExecutionBody,
  EntityInfo,
  EntityKey,
  EntityVersions,
  ExecutionEnd,
  ExecutionInfo,
  ExecutionPage,
  ExecutionPhase,
  ExecutionSummary,
  InputInfo,
  InterfaceInfo,
  NodeExecutionInfo,
  OutputInfo,
  RegisteredKind,
  ValidatedExecution,
};

/** Settings of a client. */
export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** The server's bearer token, if it has one. */
  readonly token?: string | undefined;
  /** How long a request may take before it fails, in milliseconds (default 30 s; event streams have no limit). */
  readonly timeoutMs?: number;
  /** The `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Headers sent with every request (the web console sends `x-aloft-console: 1` with its session cookie). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A request the API refused, or a server that could not be reached (`status`
 * 0, `code` `"unreachable"`). `code` and `field` are the API's: `field`
 * names the request field at fault (`inputs.x`, `workflow.name`).
 *
 * @example
 * ```ts
 * try {
 *   await client.createExecution({ workflow: { name: "wf" }, inputs: { x: "three" } });
 * } catch (e) {
 *   if (e instanceof ClientError && e.code === "invalid_input") console.log(e.field); // "inputs.x"
 * }
 * ```
 */
export class ClientError extends AloftError {
  override name = "ClientError";
  constructor(
    message: string,
    /** The HTTP status (0 when no response came). */
    readonly status: number,
    /** The API's error code: `invalid_request`, `invalid_input`, `unauthorized`, `not_found`, `conflict`, `payload_too_large`, ..., or `unreachable`, `bad_response`, `stream_ended`. */
    readonly code: string,
    /** The request field at fault, when the server names one. */
    readonly field?: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An event of an execution's stream. */
export type ExecutionEvent =
  | { readonly type: "execution"; readonly data: ExecutionInfo }
  | { readonly type: "node"; readonly data: NodeExecutionInfo }
  | { readonly type: "end"; readonly data: ExecutionEnd };

/** Filters of `listExecutions`; times may be `Date`s. */
export interface ExecutionQuery {
  readonly project?: string;
  readonly domain?: string;
  /** Executions of this workflow name. */
  readonly workflow?: string;
  /** Executions started from this launch plan name. */
  readonly launchPlan?: string;
  readonly phase?: ExecutionPhase;
  /** Created at or after this time. */
  readonly createdAfter?: Date | string;
  /** Created before this time. */
  readonly createdBefore?: Date | string;
  /** Child executions of this execution. */
  readonly parent?: string;
  /** Page size, 1 to 1000 (default 50). */
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly cursor?: string;
}

/** An entity name, for `getEntityVersions`. */
export interface EntityName {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
}

const KIND_PATHS: Readonly<Record<RegisteredKind, string>> = { task: "tasks", workflow: "workflows", launchPlan: "launch-plans" };

function seg(s: string): string {
  return encodeURIComponent(s);
}

function isApiErrorBody(v: unknown): v is ApiErrorBody {
  const e = (v as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof e === "object" && e !== null && typeof e.code === "string" && typeof e.message === "string";
}

function causeText(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

/** Where an upload was stored (`AloftClient.upload`). */
export interface UploadInfo {
  /** The `file://` URI in the server's blob store, to give as an input's `uri`. */
  readonly uri: string;
  readonly kind: "file" | "directory";
  readonly sizeBytes: number;
  /** A directory's files, relative to it. */
  readonly files?: readonly string[];
}

/**
 * A client of an Aloft server.
 *
 * @example
 * ```ts
 * const client = new AloftClient({ baseUrl: "http://127.0.0.1:8080", token: process.env.ALOFT_TOKEN });
 * const exec = await client.createExecution({ workflow: { name: "regression" }, inputs: { x: [-3, 0, 3], y: [7, 4, -2] } });
 * for await (const event of client.events(exec.id)) {
 *   if (event.type === "node") console.log(event.data.path, event.data.phase);
 * }
 * (await client.getExecution(exec.id)).outputs; // { wf_output: 3 }
 * ```
 */
export class AloftClient {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(options: ClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new ClientError(`the server URL ${JSON.stringify(options.baseUrl)} is not a URL; give one like http://127.0.0.1:8080`, 0, "invalid_url");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new ClientError(`the server URL ${options.baseUrl} must start with http:// or https://`, 0, "invalid_url");
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token === "" ? undefined : options.token;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.headers = { ...options.headers };
  }

  // ---- transport --------------------------------------------------------------

  private async send(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    init: { readonly stream?: boolean; readonly signal?: AbortSignal; readonly raw?: { readonly contentType: string; readonly bytes: Uint8Array | AsyncIterable<Uint8Array> } } = {},
  ): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { ...this.headers, accept: init.stream ? "text/event-stream" : "application/json" };
    if (this.token !== undefined) headers["authorization"] = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    if (init.raw) headers["content-type"] = init.raw.contentType;
    // A stream's bytes take as long as they take: no time limit then.
    const timed = !init.stream && !(init.raw && !(init.raw.bytes instanceof Uint8Array));
    const signals = [init.signal, timed ? AbortSignal.timeout(this.timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(init.raw ? { body: init.raw.bytes as unknown as NonNullable<RequestInit["body"]>, duplex: "half" } : {}),
        ...(signals.length > 0 ? { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) } : {}),
      });
    } catch (e) {
      if (e instanceof Error && e.name === "TimeoutError") throw new ClientError(`the Aloft server at ${this.baseUrl} did not answer ${method} ${path} within ${this.timeoutMs} ms`, 0, "timeout", undefined, { cause: e });
      if (e instanceof Error && e.name === "AbortError") throw e;
      throw new ClientError(`cannot reach the Aloft server at ${this.baseUrl} (${causeText(e)}); is it running? (start one with: aloft serve)`, 0, "unreachable", undefined, { cause: e });
    }
    if (!res.ok) throw await this.errorOf(res, method, path);
    return res;
  }

  private async errorOf(res: Response, method: string, path: string): Promise<ClientError> {
    const text = await res.text().catch(() => "");
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isApiErrorBody(parsed)) return new ClientError(parsed.error.message, res.status, parsed.error.code, parsed.error.field);
    const snippet = text.length > 200 ? `${text.slice(0, 197)}...` : text;
    return new ClientError(`${method} ${this.baseUrl}${path} answered ${res.status} ${res.statusText}${snippet ? `: ${snippet}` : ""}`, res.status, "http_error");
  }

  private async json<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    try {
      return (await res.json()) as T;
    } catch (e) {
      throw new ClientError(`${method} ${this.baseUrl}${path} answered with a body that is not JSON`, res.status, "bad_response", undefined, { cause: e });
    }
  }

  // ---- the registry --------------------------------------------------------------

  /**
   * The registered entities of a kind, each name with its versions.
   *
   * @example
   * ```ts
   * (await client.listEntities("workflow")).map((w) => `${w.name}@${w.latestVersion}`);
   * ```
   */
  async listEntities(kind: RegisteredKind, filter: { readonly project?: string; readonly domain?: string } = {}): Promise<EntityVersions[]> {
    const page = await this.json<EntityList>("GET", `/api/v1/${KIND_PATHS[kind]}${query(filter)}`);
    return page.items;
  }

  /**
   * The registered versions of one entity, newest first.
   *
   * @example
   * ```ts
   * const { latestVersion } = await client.getEntityVersions("workflow", { project: "aloft", domain: "development", name: "regression" });
   * ```
   */
  getEntityVersions(kind: RegisteredKind, name: EntityName): Promise<EntityVersions> {
    return this.json("GET", `/api/v1/${KIND_PATHS[kind]}/${seg(name.project)}/${seg(name.domain)}/${seg(name.name)}`);
  }

  /**
   * One version of an entity: its interface (inputs with types and defaults, outputs) and its flyteidl spec.
   *
   * @example
   * ```ts
   * const lp = await client.getEntity("launchPlan", { project: "aloft", domain: "development", name: "nightly", version: "v1" });
   * lp.interface.inputs.map((i) => `${i.name}: ${i.type}`);
   * ```
   */
  getEntity(kind: RegisteredKind, key: EntityKey): Promise<EntityInfo> {
    return this.json("GET", `/api/v1/${KIND_PATHS[kind]}/${seg(key.project)}/${seg(key.domain)}/${seg(key.name)}/${seg(key.version)}`);
  }

  // ---- executions ---------------------------------------------------------------------

  /**
   * Starts an execution of a registered workflow or launch plan, with JSON inputs.
   *
   * @example
   * ```ts
   * await client.createExecution({ launchPlan: { name: "nightly" }, inputs: { since: "2024-01-31T00:00:00Z" }, options: { maxParallelism: 4 } });
   * ```
   */
  createExecution(request: CreateExecutionBody): Promise<ExecutionInfo> {
    return this.json("POST", "/api/v1/executions", request);
  }

  /**
   * Checks a request to start an execution without starting it: resolves to the entity it would start, or
   * throws the very `ClientError` that `createExecution` would (same code, message and field).
   *
   * @example
   * ```ts
   * await client.validateExecution({ workflow: { name: "wf" }, inputs: { x: "three" } }); // throws: input "x" of workflow "wf": ...
   * ```
   */
  validateExecution(request: CreateExecutionBody): Promise<ValidatedExecution> {
    return this.json("POST", "/api/v1/executions/validate", request);
  }

  /**
   * One page of executions, newest first.
   *
   * @example
   * ```ts
   * const page = await client.listExecutions({ workflow: "regression", phase: "failed", limit: 20 });
   * const more = page.next ? await client.listExecutions({ cursor: page.next }) : undefined;
   * ```
   */
  listExecutions(filter: ExecutionQuery = {}): Promise<ExecutionPage> {
    return this.json("GET", `/api/v1/executions${query(filter)}`);
  }

  /**
   * Every execution matching the filter, newest first, page by page.
   *
   * @example
   * ```ts
   * for await (const e of client.allExecutions({ phase: "running" })) console.log(e.id);
   * ```
   */
  async *allExecutions(filter: Omit<ExecutionQuery, "cursor"> = {}): AsyncGenerator<ExecutionSummary, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.listExecutions({ ...filter, ...(cursor !== undefined ? { cursor } : {}) });
      yield* page.items;
      cursor = page.next;
    } while (cursor !== undefined);
  }

  /**
   * An execution: phase, inputs, outputs once succeeded, error, times, parent.
   *
   * @example
   * ```ts
   * const e = await client.getExecution(id);
   * if (e.phase === "failed") console.error(e.error?.message);
   * ```
   */
  getExecution(id: string): Promise<ExecutionInfo> {
    return this.json("GET", `/api/v1/executions/${seg(id)}`);
  }

  /**
   * The node executions of an execution.
   *
   * @example
   * ```ts
   * for (const n of await client.listNodes(id)) console.log(n.path, n.phase, n.attempts, n.cacheStatus);
   * ```
   */
  async listNodes(id: string): Promise<NodeExecutionInfo[]> {
    return (await this.json<NodeList>("GET", `/api/v1/executions/${seg(id)}/nodes`)).items;
  }

  /**
   * Aborts an execution; resolves to its state as the abort is accepted (it is applied shortly after).
   *
   * @example
   * ```ts
   * await client.abort(id, "wrong inputs");
   * ```
   */
  abort(id: string, reason?: string): Promise<ExecutionInfo> {
    return this.json("POST", `/api/v1/executions/${seg(id)}/abort`, reason === undefined ? {} : { reason });
  }

  /**
   * Starts a new execution of the same entity with the same inputs.
   *
   * @example
   * ```ts
   * const again = await client.relaunch(id);
   * ```
   */
  relaunch(id: string): Promise<ExecutionInfo> {
    return this.json("POST", `/api/v1/executions/${seg(id)}/relaunch`, {});
  }

  /**
   * Starts a new execution that reuses the outputs of the task nodes that succeeded in a failed or aborted one.
   *
   * @example
   * ```ts
   * const recovered = await client.recover(failedId);
   * ```
   */
  recover(id: string): Promise<ExecutionInfo> {
    return this.json("POST", `/api/v1/executions/${seg(id)}/recover`, {});
  }

  /**
   * Gives the value a `waitForInput` gate waits for (JSON, converted by the signal's type).
   *
   * @example
   * ```ts
   * await client.signal(id, "factor", 3);
   * ```
   */
  signal(id: string, name: string, value: unknown): Promise<ExecutionInfo> {
    return this.json("POST", `/api/v1/executions/${seg(id)}/signal`, { name, value: value === undefined ? null : value });
  }

  /**
   * Puts a file (its bytes) or a directory (a tar archive of its contents,
   * gzipped or not) into the server's blob store, and resolves where: give
   * `uri` as the input (`{ uri }`). The server takes file inputs only from
   * its store and the roots its operator allows.
   *
   * @example
   * ```ts
   * const { uri } = await client.upload("points.csv", "file", await readFile("points.csv"));
   * await client.createExecution({ workflow: { name: "fit" }, inputs: { data: { uri, format: "csv" } } });
   * ```
   */
  async upload(name: string, kind: "file" | "directory", bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<UploadInfo> {
    const contentType = kind === "file" ? "application/octet-stream" : "application/gzip";
    const res = await this.send("POST", `/api/v1/uploads?name=${encodeURIComponent(name)}`, undefined, { raw: { contentType, bytes } });
    return (await res.json()) as UploadInfo;
  }

  /**
   * Approves an `approve` gate.
   *
   * @example
   * ```ts
   * await client.approve(id, "publish");
   * ```
   */
  approve(id: string, name: string): Promise<ExecutionInfo> {
    return this.json("POST", `/api/v1/executions/${seg(id)}/approve`, { name });
  }

  /**
   * Rejects an `approve` gate: the execution fails.
   *
   * @example
   * ```ts
   * await client.reject(id, "publish", "numbers look off");
   * ```
   */
  reject(id: string, name: string, reason?: string): Promise<ExecutionInfo> {
    return this.json("POST", `/api/v1/executions/${seg(id)}/reject`, reason === undefined ? { name } : { name, reason });
  }

  /**
   * The execution's events, from its current state to its end: `execution`
   * and `node` events as they change, then `end`, after which the iterator
   * finishes. Breaking out of the loop (or `options.signal`) closes the stream.
   * Rejects with a `ClientError` (`stream_ended`) if the stream closes before
   * the execution ends.
   *
   * @example
   * ```ts
   * for await (const event of client.events(id)) {
   *   if (event.type === "node") render(event.data);
   *   if (event.type === "end") console.log("ended", event.data.phase);
   * }
   * ```
   */
  async *events(id: string, options: { readonly signal?: AbortSignal } = {}): AsyncGenerator<ExecutionEvent, void, undefined> {
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const path = `/api/v1/executions/${seg(id)}/events`;
    const res = await this.send("GET", path, undefined, { stream: true, signal });
    if (!res.body) throw new ClientError(`GET ${this.baseUrl}${path} answered without a body`, res.status, "bad_response");
    const queue: ExecutionEvent[] = [];
    let bad: ClientError | undefined;
    const parser = createParser({
      onEvent: (e) => {
        if (e.event !== "execution" && e.event !== "node" && e.event !== "end") return;
        try {
          queue.push({ type: e.event, data: JSON.parse(e.data) } as ExecutionEvent);
        } catch (cause) {
          bad ??= new ClientError(`the event stream of execution ${id} sent an event that is not JSON`, res.status, "bad_response", undefined, { cause });
        }
      },
    });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (e) {
          if (options.signal?.aborted) throw e;
          throw new ClientError(`the event stream of execution ${id} from ${this.baseUrl} broke off (${causeText(e)})`, 0, "stream_ended", undefined, { cause: e });
        }
        if (chunk.done) break;
        parser.feed(decoder.decode(chunk.value, { stream: true }));
        if (bad) throw bad;
        while (queue.length > 0) {
          const event = queue.shift()!;
          yield event;
          if (event.type === "end") return;
        }
      }
      throw new ClientError(`the event stream of execution ${id} from ${this.baseUrl} closed before the execution ended`, 0, "stream_ended");
    } finally {
      controller.abort();
      reader.releaseLock();
    }
  }

  /**
   * Waits for an execution to end (following its event stream) and resolves to its final state.
   *
   * @example
   * ```ts
   * const done = await client.waitForEnd(id);
   * if (done.phase === "succeeded") console.log(done.outputs);
   * ```
   */
  async waitForEnd(id: string, options: { readonly signal?: AbortSignal } = {}): Promise<ExecutionInfo> {
    for await (const event of this.events(id, options)) {
      if (event.type === "end") break;
    }
    return this.getExecution(id);
  }

  /**
   * The task attempts of an execution, or of one node: times, outcome, error and how much each wrote
   * (without the lines; `nodeLogs` has them).
   *
   * @example
   * ```ts
   * (await client.listAttempts(id)).filter((a) => a.outcome === "failed").map((a) => `${a.path}#${a.attempt}: ${a.error}`);
   * ```
   */
  async listAttempts(id: string, node?: string): Promise<AttemptInfo[]> {
    const page = await this.json<AttemptList>("GET", `/api/v1/executions/${seg(id)}/attempts${query({ node })}`);
    return page.items;
  }

  /**
   * What a node's task wrote to stdout and stderr, attempt by attempt.
   *
   * @example
   * ```ts
   * for (const a of await client.nodeLogs(id, "n1")) console.log(a.attempt, a.lines.map((l) => l.text).join(""));
   * ```
   */
  async nodeLogs(id: string, node: string): Promise<NodeLogs["items"]> {
    const page = await this.json<NodeLogs>("GET", `/api/v1/executions/${seg(id)}/logs${query({ node })}`);
    return page.items;
  }

  /**
   * The workflow a dynamic node built, once its task has run (a 404 `ClientError` before).
   *
   * @example
   * ```ts
   * const { workflow } = await client.getDynamicWorkflow(id, "n0");
   * (workflow["template"] as { nodes?: unknown[] }).nodes?.length; // the nodes the dynamic task added
   * ```
   */
  async getDynamicWorkflow(id: string, node: string): Promise<DynamicWorkflowInfo> {
    return this.json<DynamicWorkflowInfo>("GET", `/api/v1/executions/${seg(id)}/dynamic${query({ node })}`);
  }

  /**
   * Ends the browser session of a server with a token (clears its cookie): what the web console's "Sign out" does.
   *
   * @example
   * ```ts
   * await client.endSession();
   * ```
   */
  async endSession(): Promise<void> {
    await this.send("DELETE", "/api/v1/session");
  }

  /**
   * The server's OpenAPI document.
   *
   * @example
   * ```ts
   * const doc = await client.openApi(); // { openapi: "3.0.3", paths: { ... } }
   * ```
   */
  openApi(): Promise<Record<string, unknown>> {
    return this.json("GET", "/api/openapi.json");
  }
}

function query(params: object): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params) as [string, unknown][]) {
    if (v === undefined) continue;
    q.set(k, v instanceof Date ? v.toISOString() : String(v));
  }
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}
