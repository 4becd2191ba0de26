/**
 * Following an execution of the durable engine from the command line, on the
 * database or on a server: its nodes turned into what the live view shows,
 * its result (the failed node named when it fails), and answers to its gates.
 *
 * @module
 */
import { ClientError, type AloftClient } from "../../client/client.js";
import type { Engine } from "../../engine/engine.js";
import { AloftError, ExecutionError } from "../../errors.js";
import type { LiteralType } from "../../idl/core.js";
import type { NodeExecution, PendingSignal } from "../../sdk/runner-port.js";
import type { ExecutionInfo, NodeExecutionInfo } from "../../server/schemas.js";
import type { RunHandle } from "../run/modes.js";
import { failedLeaf, nodeOfInfo, nodeOfRow, nodesView, type NodeLike } from "./node-view.js";
import { remoteError } from "./source.js";

/** A run on the engine, as `aloft run`, `relaunch` and `recover` follow it. */
export interface FollowedExecution extends RunHandle {
  /** The phase it ended in, once `result` settled. */
  endPhase(): string | undefined;
  /** How long the execution took (its start, or its creation if it never started, to its end), once `result` settled. */
  tookMs(): number | undefined;
  /** Answers a gate: a signal's value, or `true`/`false` for an approval. */
  answer(name: string, kind: PendingSignal["kind"], value: unknown): Promise<void>;
  /** Stops following. */
  close(): void;
}

/**
 * The error a failed, aborted or timed-out execution is reported with: an
 * `ExecutionError` naming the node the failure started at (its error is the
 * cause), or, with no failed node, the execution's own error.
 *
 * @example
 * ```ts
 * failureOf("a1b2", "failed", { message: "node n0 failed: ...", nodeId: "n0" }, nodes); // ExecutionError at n0/n0
 * ```
 */
export function failureOf(id: string, phase: string, error: { readonly message: string; readonly nodeId?: string | undefined } | undefined, nodes: readonly NodeLike[]): Error {
  const why = error?.message ?? phase;
  if (phase === "aborted") return new AloftError(`the run was aborted: ${why}`);
  const leaf = failedLeaf(nodes, error?.nodeId);
  if (!leaf) return new AloftError(phase === "timedOut" ? `the run timed out: ${why}` : why);
  const cause = leaf.error ?? (leaf.phase === "timedOut" ? "timed out" : "failed");
  return new ExecutionError(`execution ${id} ${phase}: node ${leaf.path} failed: ${cause}`, leaf.path, leaf.entity, { cause: new AloftError(cause) });
}

/**
 * How long an execution took, as `aloft get execution` says it: from its
 * start (its creation, if it never started) to its end; undefined before it ended.
 *
 * @example
 * ```ts
 * executionTook({ createdAt: 1000, startedAt: 1200, endedAt: 4200 }); // 3000
 * executionTook({ createdAt: "2026-12-02T08:00:00.000Z", endedAt: "2026-12-02T08:00:01.500Z" }); // 1500
 * ```
 */
export function executionTook(times: { readonly createdAt: number | string; readonly startedAt?: number | string | undefined; readonly endedAt?: number | string | undefined }): number | undefined {
  const ms = (t: number | string): number => (typeof t === "number" ? t : Date.parse(t));
  if (times.endedAt === undefined) return undefined;
  const took = ms(times.endedAt) - ms(times.startedAt ?? times.createdAt);
  return Number.isFinite(took) ? Math.max(0, took) : undefined;
}

/**
 * Follows execution `id` in the database `engine` reads: polls its nodes
 * every `pollMs` (default 100) for `nodes()` and `waitingFor()`, and resolves
 * `result` with its outputs.
 *
 * @example
 * ```ts
 * const run = followExecution(engine, id, new Map());
 * try { console.log(await run.result); } finally { run.close(); }
 * ```
 */
export function followExecution(engine: Engine, id: string, gateTypes: ReadonlyMap<string, LiteralType>, options: { readonly pollMs?: number } = {}): FollowedExecution {
  let nodes: NodeExecution[] = [];
  let waiting: PendingSignal[] = [];
  let ended: string | undefined;
  let took: number | undefined;
  let polling = false;
  const poll = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    try {
      const view = nodesView((await engine.nodes(id)).map(nodeOfRow), gateTypes);
      nodes = view.nodes;
      waiting = view.waiting;
    } catch {
      // the store is closing; the last view stays
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), options.pollMs ?? 100);
  timer.unref();
  void poll();
  const result = engine.result(id).then(
    async (outputs) => {
      ended = "succeeded";
      const row = await engine.store.getExecution(id).catch(() => undefined);
      if (row) took = executionTook(row);
      await poll();
      return outputs;
    },
    async (e: unknown) => {
      const row = await engine.store.getExecution(id).catch(() => undefined);
      if (!row) throw e;
      ended = row.phase;
      took = executionTook(row);
      await poll();
      throw failureOf(id, row.phase, row.error, (await engine.nodes(id)).map(nodeOfRow));
    },
  );
  // Marked handled: a run closed before its end (an error on the way) must not crash the process.
  result.catch(() => undefined);
  return {
    id,
    result,
    nodes: () => nodes,
    waitingFor: () => (ended === undefined ? waiting : []),
    abort(reason) {
      engine.abort(id, reason).catch(() => {
        // it ended meanwhile: the result says how
      });
    },
    endPhase: () => ended,
    tookMs: () => took,
    async answer(name, kind, value) {
      if (kind === "signal") await engine.signal(id, name, value);
      else if (value === true) await engine.approve(id, name);
      else await engine.reject(id, name, "rejected from the command line");
      await poll();
    },
    close: () => clearInterval(timer),
  };
}

/** How long `followRemote` tries to reach a server that went away before it says the execution's state is unknown. */
export const RECONNECT_FOR_MS = 60_000;

/** True for an error that says the server went away, not that it refused something. */
function serverGone(e: unknown): boolean {
  return e instanceof ClientError && (e.code === "unreachable" || e.code === "stream_ended" || e.code === "timeout" || e.status >= 500);
}

/**
 * A followed execution on a server that went away and did not come back in
 * time: the execution may still be running there (it is stored with the
 * server's engine), so its state is unknown, not failed.
 *
 * @example
 * ```ts
 * try { await run.result; } catch (e) { if (e instanceof ExecutionStateUnknownError) console.error(e.follow); }
 * ```
 */
export class ExecutionStateUnknownError extends AloftError {
  override name = "ExecutionStateUnknownError";
  constructor(
    /** The execution. */
    readonly id: string,
    /** The server's URL. */
    readonly url: string,
    why: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the state of execution ${id} is unknown: the server at ${url} went away (${why}) and did not come back within ${RECONNECT_FOR_MS / 1000} s; ` +
        `it may still be running there: once the server is back, follow it with aloft follow ${id} --remote ${url} (or see it with aloft get execution ${id} --remote ${url})`,
      options,
    );
  }
}

/**
 * Follows execution `id` on a server, through its event stream. When the
 * server goes away (the stream breaks off, it cannot be reached, it answers
 * 5xx), it reconnects, for up to `RECONNECT_FOR_MS`, telling `onLost` and
 * `onBack`; then `result` rejects with an `ExecutionStateUnknownError`.
 *
 * @example
 * ```ts
 * const run = followRemote(client, exec.id, new Map());
 * try { console.log(await run.result); } finally { run.close(); }
 * ```
 */
export function followRemote(
  client: AloftClient,
  id: string,
  gateTypes: ReadonlyMap<string, LiteralType>,
  notices: { readonly onLost?: (why: string) => void; readonly onBack?: () => void; readonly reconnectForMs?: number } = {},
): FollowedExecution {
  const infos = new Map<string, NodeExecutionInfo>();
  let view: { nodes: NodeExecution[]; waiting: PendingSignal[] } = { nodes: [], waiting: [] };
  let ended: string | undefined;
  let took: number | undefined;
  const controller = new AbortController();
  const refresh = (): void => {
    view = nodesView([...infos.values()].map(nodeOfInfo), gateTypes);
  };
  const once = async (): Promise<ExecutionInfo> => {
    for await (const event of client.events(id, { signal: controller.signal })) {
      if (lostSince !== undefined) {
        lostSince = undefined;
        notices.onBack?.();
      }
      if (event.type === "node") {
        infos.set(event.data.path, event.data);
        refresh();
      }
      if (event.type === "end") break;
    }
    return client.getExecution(id);
  };
  let lostSince: number | undefined;
  const follow = async (): Promise<ExecutionInfo> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once();
      } catch (e) {
        if (controller.signal.aborted || !serverGone(e)) throw e;
        const why = e instanceof Error ? e.message : String(e);
        if (lostSince === undefined) {
          lostSince = Date.now();
          attempt = 0;
          notices.onLost?.(why);
        }
        if (Date.now() - lostSince >= (notices.reconnectForMs ?? RECONNECT_FOR_MS)) throw new ExecutionStateUnknownError(id, client.baseUrl, why, { cause: e });
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
  };
  const result = follow().then(
    async (info) => {
      ended = info.phase;
      took = executionTook(info);
      const nodes = await client.listNodes(id).catch(() => [...infos.values()]);
      for (const n of nodes) infos.set(n.path, n);
      refresh();
      if (info.phase === "succeeded") return info.outputs ?? {};
      throw failureOf(id, info.phase, info.error, nodes.map(nodeOfInfo));
    },
    (e: unknown) => {
      throw e instanceof ExecutionStateUnknownError ? e : remoteError(e);
    },
  );
  result.catch(() => undefined);
  return {
    id,
    result,
    nodes: () => view.nodes,
    waitingFor: () => (ended === undefined ? view.waiting : []),
    abort(reason) {
      client.abort(id, reason).catch(() => {
        // it ended meanwhile: the result says how
      });
    },
    endPhase: () => ended,
    tookMs: () => took,
    async answer(name, kind, value) {
      try {
        if (kind === "signal") await client.signal(id, name, JSON.parse(JSON.stringify(value)) as unknown);
        else if (value === true) await client.approve(id, name);
        else await client.reject(id, name, "rejected from the command line");
      } catch (e) {
        throw remoteError(e);
      }
    },
    close: () => controller.abort(),
  };
}
