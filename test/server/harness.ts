/**
 * A real API server on a loopback port, over a real engine and store, with
 * tasks run by the in-process test worker.
 */
import type { AnyEntity } from "aloft";
import { Engine, type EngineOptions } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import type { Store } from "../../src/store/store.js";
import { createServer, type AloftServer, type ServerOptions } from "../../src/server/server.js";
import { AloftClient } from "../../src/client/client.js";
import { attemptWorker } from "../helpers/attempt-worker.js";

export interface Api {
  readonly store: Store;
  readonly engine: Engine;
  readonly server: AloftServer;
  readonly url: string;
  readonly client: AloftClient;
  /** Errors the server reported (500s, failed polls): a test that expects none checks it is empty. */
  readonly serverErrors: unknown[];
  /** A raw request, for what the typed client cannot send. */
  request(method: string, path: string, init?: { body?: string | object; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: unknown; text: string }>;
  close(): Promise<void>;
}

/** Starts an engine, an inline worker for `roots` (each registered), and a server on port 0. */
export async function startApi(
  roots: readonly AnyEntity[],
  options: { store?: Store; token?: string; server?: Partial<Omit<ServerOptions, "engine">>; engine?: Pick<EngineOptions, "values" | "offloadBytes"> } = {},
): Promise<Api> {
  const store = options.store ?? new MemoryStore();
  const engine = await Engine.open({ store, backoff: { initial: 1, max: 5 }, pollMs: 2, schedules: false, ...options.engine });
  engine.run();
  for (const r of roots) await engine.register(r);
  const stopWorker = attemptWorker(store, roots, options.engine?.values ? { values: options.engine.values } : {});
  const serverErrors: unknown[] = [];
  const server = createServer({ engine, eventPollMs: 10, onError: (e) => serverErrors.push(e), ...(options.token !== undefined ? { token: options.token } : {}), ...options.server });
  const url = await server.listen({ port: 0 });
  const client = new AloftClient({ baseUrl: url, ...(options.token !== undefined ? { token: options.token } : {}) });
  return {
    store,
    engine,
    server,
    url,
    client,
    serverErrors,
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
        headers["content-type"] ??= "application/json";
      }
      const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      await server.close();
      await stopWorker();
      await engine.stop();
    },
  };
}

/** Waits until `cond` holds (polling), or fails. */
export async function until(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("condition never became true");
}
