/**
 * Listing and getting registered tasks, workflows and launch plans. The API
 * registers nothing itself: the server's own modules do, through the engine.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import type { RegisteredKind } from "../store/store.js";
import { API_PREFIX, type Api, type RouteContext } from "./context.js";
import { engineApiError } from "./errors.js";
import { EntityNotRegisteredError } from "../engine/errors.js";
import { ApiErrorBody, EntityInfo, EntityList, EntityVersions, ListEntitiesQuery, ref } from "./schemas.js";
import { entityInfo, entityVersions, groupByName } from "./views.js";

/** The entity kinds, by the segment of their paths. */
export const ENTITY_PATHS: readonly { readonly path: string; readonly kind: RegisteredKind; readonly label: string; readonly tag: string }[] = [
  { path: "tasks", kind: "task", label: "task", tag: "Tasks" },
  { path: "workflows", kind: "workflow", label: "workflow", tag: "Workflows" },
  { path: "launch-plans", kind: "launchPlan", label: "launch plan", tag: "Launch plans" },
];

const errors = { "4xx": ref(ApiErrorBody), "5xx": ref(ApiErrorBody) };
const NameParams = Type.Object({ project: Type.String(), domain: Type.String(), name: Type.String() }, { additionalProperties: false });
const VersionParams = Type.Object({ project: Type.String(), domain: Type.String(), name: Type.String(), version: Type.String() }, { additionalProperties: false });

/**
 * Adds `GET /tasks`, `/tasks/{project}/{domain}/{name}`, `/tasks/{project}/{domain}/{name}/{version}`
 * and the same for workflows and launch plans.
 *
 * @example
 * ```ts
 * entityRoutes(app, ctx);
 * ```
 */
export function entityRoutes(app: Api, ctx: RouteContext): void {
  const store = ctx.engine.store;
  for (const { path, kind, label, tag } of ENTITY_PATHS) {
    const plural = `${label}s`;
    const camel = path.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    const Camel = camel[0]!.toUpperCase() + camel.slice(1);

    app.get(
      `${API_PREFIX}/${path}`,
      {
        schema: {
          operationId: `list${Camel}`,
          tags: [tag],
          summary: `Lists the registered ${plural}, each with its versions`,
          querystring: ListEntitiesQuery,
          response: { 200: ref(EntityList), ...errors },
        },
      },
      async (request) => {
        const rows = await store.listEntities(kind, request.query);
        return { items: groupByName(rows).map(entityVersions) };
      },
    );

    app.get(
      `${API_PREFIX}/${path}/:project/:domain/:name`,
      {
        schema: {
          operationId: `get${Camel.slice(0, -1)}Versions`,
          tags: [tag],
          summary: `The registered versions of a ${label}, newest first`,
          params: NameParams,
          response: { 200: ref(EntityVersions), ...errors },
        },
      },
      async (request) => {
        const { project, domain, name } = request.params;
        const rows = await store.listEntities(kind, { project, domain, name });
        if (rows.length === 0) throw engineApiError(EntityNotRegisteredError.of(kind, { project, domain, name }), "name");
        return entityVersions(rows);
      },
    );

    app.get(
      `${API_PREFIX}/${path}/:project/:domain/:name/:version`,
      {
        schema: {
          operationId: `get${Camel.slice(0, -1)}`,
          tags: [tag],
          summary: `One version of a ${label}: its interface and spec`,
          params: VersionParams,
          response: { 200: ref(EntityInfo), ...errors },
        },
      },
      async (request) => {
        const { project, domain, name, version } = request.params;
        const e = await store.getEntity(kind, { project, domain, name, version });
        if (!e) throw engineApiError(EntityNotRegisteredError.of(kind, { project, domain, name, version }), "version");
        return entityInfo(store, e);
      },
    );
  }
}
