/**
 * Task attempts and their logs: every attempt a worker ran for a node, with
 * its times, outcome and error, and what the task wrote to stdout and stderr.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import type { AttemptRecord, AttemptSummary, LogLine } from "../store/attempt-logs.js";
import { API_PREFIX, type Api, type RouteContext } from "./context.js";
import { ApiErrorBody, AttemptList, NodeLogs, ref, type AttemptInfo } from "./schemas.js";

const errors = { "4xx": ref(ApiErrorBody), "5xx": ref(ApiErrorBody) };
const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) }, { additionalProperties: false });
const NodeQuery = Type.Object({ node: Type.Optional(Type.String({ minLength: 1, description: "Only this node's attempts (its path: `n1`, `n2/n0`, `n3[17]`)." })) }, { additionalProperties: false });
const LogsQuery = Type.Object({ node: Type.String({ minLength: 1, description: "The node's path: `n1`, `n2/n0`, `n3[17]`." }) }, { additionalProperties: false });

const iso = (ms: number): string => new Date(ms).toISOString();

function info(a: AttemptSummary): AttemptInfo {
  return {
    path: a.path,
    attempt: a.attempt,
    systemAttempt: a.systemAttempt,
    workerId: a.workerId,
    startedAt: iso(a.startedAt),
    endedAt: iso(a.endedAt),
    outcome: a.outcome,
    ...(a.error !== undefined ? { error: a.error } : {}),
    logBytes: a.logBytes,
    droppedBytes: a.droppedBytes,
  };
}

function line(l: LogLine): { stream: "stdout" | "stderr"; at: string; text: string } {
  return { stream: l.stream, at: iso(l.at), text: l.text };
}

/**
 * A node's attempt records as the API shows them (what `GET /executions/{id}/logs` answers; `aloft logs` prints it).
 *
 * @example
 * ```ts
 * nodeLogsOf(await logs.records(id, "n1")).items[0]?.lines; // [{ stream: "stdout", at: "2024-...", text: "hello\n" }]
 * ```
 */
export function nodeLogsOf(records: readonly AttemptRecord[]): NodeLogs {
  return { items: records.map((r) => ({ ...info({ ...r, logBytes: r.lines.reduce((n, l) => n + Buffer.byteLength(l.text), 0) }), lines: r.lines.map(line) })) };
}

/**
 * Adds `GET /executions/{id}/attempts` and `GET /executions/{id}/logs?node=`.
 *
 * @example
 * ```ts
 * logRoutes(app, ctx);
 * ```
 */
export function logRoutes(app: Api, ctx: RouteContext): void {
  app.get(
    `${API_PREFIX}/executions/:id/attempts`,
    {
      schema: {
        operationId: "listAttempts",
        tags: ["Executions"],
        summary: "The task attempts of an execution (or of one node): times, outcome, error, how much they wrote",
        description: "Empty when the server keeps no attempt logs (`createServer({ logs })`; `aloft serve` keeps them in `.aloft/logs`).",
        params: IdParams,
        querystring: NodeQuery,
        response: { 200: ref(AttemptList), ...errors },
      },
    },
    async (request) => {
      const row = await ctx.engine.executionRow(request.params.id);
      const all = (await ctx.logs?.list(row.id, request.query.node)) ?? [];
      return { items: all.map(info) };
    },
  );

  app.get(
    `${API_PREFIX}/executions/:id/logs`,
    {
      schema: {
        operationId: "getNodeLogs",
        tags: ["Executions"],
        summary: "What a node's task wrote to stdout and stderr, attempt by attempt",
        params: IdParams,
        querystring: LogsQuery,
        response: { 200: ref(NodeLogs), ...errors },
      },
    },
    async (request) => {
      const row = await ctx.engine.executionRow(request.params.id);
      return nodeLogsOf((await ctx.logs?.records(row.id, request.query.node)) ?? []);
    },
  );
}
