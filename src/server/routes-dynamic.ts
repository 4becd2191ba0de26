/**
 * The workflow a dynamic node built: what flyteadmin gives as
 * `NodeExecutionGetDataResponse.dynamic_workflow` (flyteadmin
 * `pkg/manager/impl/node_execution_manager.go`, GetNodeExecutionData), so the
 * console can draw a dynamic node's sub-nodes with their edges.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import { API_PREFIX, type Api, type RouteContext } from "./context.js";
import { ApiError } from "./errors.js";
import { ApiErrorBody, DynamicWorkflowInfo, ref } from "./schemas.js";

const errors = { "4xx": ref(ApiErrorBody), "5xx": ref(ApiErrorBody) };
const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) }, { additionalProperties: false });
const NodeQuery = Type.Object({ node: Type.String({ minLength: 1, description: "The dynamic node's path: `n1`, `n2/n0`." }) }, { additionalProperties: false });

/**
 * Adds `GET /executions/{id}/dynamic?node=`.
 *
 * @example
 * ```ts
 * dynamicRoutes(app, ctx);
 * // GET /api/v1/executions/e1/dynamic?node=n0 → { node: "n0", workflow: { template: { nodes: [...] } }, tasks: [...] }
 * ```
 */
export function dynamicRoutes(app: Api, ctx: RouteContext): void {
  app.get(
    `${API_PREFIX}/executions/:id/dynamic`,
    {
      schema: {
        operationId: "getDynamicWorkflow",
        tags: ["Executions"],
        summary: "The workflow a dynamic node built (its nodes, edges and sub-workflows), once its task has run",
        params: IdParams,
        querystring: NodeQuery,
        response: { 200: ref(DynamicWorkflowInfo), ...errors },
      },
    },
    async (request) => {
      const row = await ctx.engine.executionRow(request.params.id);
      const path = request.query.node;
      const node = (await ctx.engine.store.listNodes(row.id)).find((n) => n.path === path);
      if (!node) throw new ApiError(404, "not_found", `execution ${row.id} has no node ${path}`, "node");
      if (node.data.kind !== "dynamic") throw new ApiError(404, "not_found", `node ${path} of execution ${row.id} is a ${node.data.kind} node, not a dynamic one`, "node");
      const spec = node.data.dynamicSpec;
      if (!spec) throw new ApiError(404, "not_found", `dynamic node ${path} of execution ${row.id} has not built its workflow yet (it is ${node.phase})`, "node");
      return { node: path, workflow: spec.workflow as unknown as Record<string, unknown>, tasks: spec.tasks as unknown as Record<string, unknown>[] };
    },
  );
}
