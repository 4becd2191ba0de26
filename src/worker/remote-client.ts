/**
 * The HTTP client of a worker that joins through the server: JSON and byte
 * requests to `/api/v1/workers/...` with the server's bearer token, and the
 * server's error bodies turned into `RemoteServerError`s that keep its code.
 *
 * @module
 */
import { AloftError } from "../errors.js";

/**
 * The server refused a worker's request, or could not be reached. `code` is
 * the API's error code (`unauthorized`, `lease_lost`, `not_found`, ...), or
 * `unreachable` when no answer came; `status` the HTTP status (0 without one).
 *
 * @example
 * ```ts
 * try { await server.json("POST", "/claim", body); } catch (e) { if (e instanceof RemoteServerError && e.code === "unauthorized") process.exit(2); }
 * ```
 */
export class RemoteServerError extends AloftError {
  override name = "RemoteServerError";
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function message(e: unknown): string {
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  const base = e instanceof Error ? e.message : String(e);
  return cause instanceof Error ? `${base} (${cause.message})` : base;
}

/**
 * A server's worker endpoints, as a worker calls them.
 *
 * @example
 * ```ts
 * const server = new RemoteServer("http://10.0.0.5:8080", process.env.ALOFT_TOKEN);
 * const { items } = await server.json<{ items: unknown[] }>("POST", "/claim", { workerId: "w1", limit: 4, leaseMs: 30_000 });
 * ```
 */
export class RemoteServer {
  /** The base URL without a trailing slash, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(url: string, token: string | undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RemoteServerError(`${JSON.stringify(url)} is not a server URL such as http://127.0.0.1:8080`, "invalid_request", 0);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new RemoteServerError(`the server URL must start with http:// or https://, got ${JSON.stringify(url)}`, "invalid_request", 0);
    this.url = parsed.href.replace(/\/+$/, "");
    this.headers = token === undefined || token === "" ? {} : { authorization: `Bearer ${token}` };
  }

  /** The full URL of a worker endpoint (`/claim` → `<url>/api/v1/workers/claim`). */
  endpoint(path: string, query?: Readonly<Record<string, string | undefined>>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, v);
    const s = q.toString();
    return `${this.url}/api/v1/workers${path}${s === "" ? "" : `?${s}`}`;
  }

  /** Sends a request; rejects with `RemoteServerError` for an error answer or none. */
  async request(method: string, path: string, options: { readonly query?: Readonly<Record<string, string | undefined>>; readonly json?: unknown; readonly bytes?: Uint8Array; readonly signal?: AbortSignal } = {}): Promise<Response> {
    const url = this.endpoint(path, options.query);
    const headers: Record<string, string> = { ...this.headers };
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.bytes !== undefined) {
      headers["content-type"] = "application/octet-stream";
      body = options.bytes;
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    } catch (e) {
      throw new RemoteServerError(`cannot reach the server at ${this.url}: ${message(e)}`, "unreachable", 0, { cause: e });
    }
    if (response.ok) return response;
    let code = "internal";
    let text = `${response.status} ${response.statusText}`;
    try {
      const parsed = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.code === "string") code = parsed.error.code;
      if (typeof parsed.error?.message === "string") text = parsed.error.message;
    } catch {
      // not the API's error body (a proxy's page): the status says it
    }
    throw new RemoteServerError(`the server at ${this.url} refused ${method} ${path}: ${text}`, code, response.status);
  }

  /** A JSON request and its JSON answer. */
  async json<T>(method: string, path: string, json?: unknown, query?: Readonly<Record<string, string | undefined>>): Promise<T> {
    const response = await this.request(method, path, { ...(json !== undefined ? { json } : {}), ...(query ? { query } : {}) });
    return (await response.json()) as T;
  }

  /** A request answered with bytes. */
  async bytes(path: string, query: Readonly<Record<string, string | undefined>>): Promise<Uint8Array> {
    const response = await this.request("GET", path, { query });
    return new Uint8Array(await response.arrayBuffer());
  }
}
