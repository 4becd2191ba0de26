/**
 * `GET /executions/{id}/events`: a server-sent-events stream of an
 * execution's changes, for live views. It sends the current state first (an
 * `execution` event, then a `node` event per node), then each change as it
 * happens, and `end` once the execution has ended, after which the server
 * closes the stream. A comment line keeps idle connections open.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { API_PREFIX, type Api, type RouteContext } from "./context.js";
import { ApiErrorBody, ref } from "./schemas.js";
import type { WatchEvent } from "./watch.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) }, { additionalProperties: false });

/** How often an idle stream sends a comment line, so proxies keep it open. */
const KEEPALIVE_MS = 15_000;

/**
 * Adds the event stream endpoint.
 *
 * @example
 * ```ts
 * eventRoutes(app, ctx);
 * ```
 */
export function eventRoutes(app: Api, ctx: RouteContext): void {
  app.get(
    `${API_PREFIX}/executions/:id/events`,
    {
      schema: {
        operationId: "streamExecutionEvents",
        tags: ["Executions"],
        summary: "A server-sent-events stream of the execution's changes",
        description:
          "Events: `execution` (data: ExecutionInfo) and `node` (data: NodeExecutionInfo), first for the current state and then for each change; `end` (data: ExecutionEnd) once the execution has ended, after which the stream closes.",
        params: IdParams,
        response: {
          200: { description: "The event stream.", content: { "text/event-stream": { schema: { type: "string" } } } },
          "4xx": ref(ApiErrorBody),
          "5xx": ref(ApiErrorBody),
        },
      },
    },
    async (request, reply) => {
      const row = await ctx.engine.executionRow(request.params.id);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      raw.write(`: events of execution ${row.id}\n\n`);
      let seq = 0;
      let done = false;
      const keepalive = setInterval(() => raw.write(": keepalive\n\n"), KEEPALIVE_MS);
      // Set once subscribed; the subscription may deliver `end` (and so finish) before it returns.
      const subscription: { unsubscribe?: () => void } = {};
      const finish = () => {
        if (done) return;
        done = true;
        clearInterval(keepalive);
        subscription.unsubscribe?.();
        ctx.streams.delete(finish);
        raw.end();
      };
      const send = (event: WatchEvent) => {
        if (done) return;
        raw.write(`id: ${++seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
        if (event.type === "end") finish();
      };
      ctx.streams.add(finish);
      raw.on("close", finish);
      const unsubscribe = ctx.watches.subscribe(row.id, send);
      if (done) unsubscribe();
      else subscription.unsubscribe = unsubscribe;
    },
  );
}
