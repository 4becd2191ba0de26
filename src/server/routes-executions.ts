/**
 * Executions: create, list, get, their node executions, abort, relaunch,
 * recover, and answers to their gates.
 *
 * @module
 */
import { Type } from "@sinclair/typebox";
import type { preValidationHookHandler } from "fastify";
import type { LiteralType } from "../idl/core.js";
import type { LaunchPlanSpec, WorkflowSpec } from "../idl/specs.js";
import type { EntityKey as StoreKey, ExecutionFilter, RegisteredEntity } from "../store/store.js";
import { decodeCursor } from "../store/rules.js";
import { loadWorkflowSpecs } from "../engine/loader.js";
import { inputsToLiterals } from "../engine/values.js";
import { API_PREFIX, type Api, type RouteContext } from "./context.js";
import { ApiError, engineApiError } from "./errors.js";
import { EntityNotRegisteredError, InvalidSignalValueError } from "../engine/errors.js";
import { jsonToInputs, jsonToValue } from "./json-values.js";
import { confineReferences } from "./input-files.js";
import {
  AbortBody,
  ApiErrorBody,
  ApproveBody,
  CreateExecutionBody,
  ExecutionInfo,
  ExecutionPage,
  ListExecutionsQuery,
  NodeList,
  RejectBody,
  SignalBody,
  ValidatedExecution,
  ref,
  type EntityRef,
} from "./schemas.js";
import { executionInfo, executionSummary, nodeInfo } from "./views.js";
import { compareNodePaths } from "../rules/node-order.js";

const errors = { "4xx": ref(ApiErrorBody), "5xx": ref(ApiErrorBody) };
const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) }, { additionalProperties: false });
const EmptyBody = Type.Object({}, { additionalProperties: false });
const TAGS = ["Executions"];

/** Lets a client leave out the body of a POST whose fields are all optional. */
const optionalBody: preValidationHookHandler = (request, _reply, done) => {
  if (request.body === undefined || request.body === null) request.body = {};
  done();
};

async function resolveEntity(ctx: RouteContext, kind: "workflow" | "launchPlan", r: EntityRef, field: string): Promise<RegisteredEntity> {
  const store = ctx.engine.store;
  const project = r.project ?? ctx.engine.project;
  const domain = r.domain ?? ctx.engine.domain;
  if (r.version !== undefined) {
    const e = await store.getEntity(kind, { project, domain, name: r.name, version: r.version });
    if (!e) throw engineApiError(EntityNotRegisteredError.of(kind, { project, domain, name: r.name, version: r.version }), `${field}.version`);
    return e;
  }
  const all = await store.listEntities(kind, { project, domain, name: r.name });
  const latest = all[all.length - 1];
  if (!latest) throw engineApiError(EntityNotRegisteredError.of(kind, { project, domain, name: r.name }), `${field}.name`);
  return latest;
}

/** The input types of a registered workflow or launch plan, by name. */
async function inputTypes(ctx: RouteContext, e: RegisteredEntity): Promise<Record<string, LiteralType>> {
  const types: Record<string, LiteralType> = {};
  if (e.kind === "workflow") {
    for (const [name, v] of Object.entries((e.spec as WorkflowSpec).template?.interface?.inputs?.variables ?? {})) types[name] = v.type ?? {};
    return types;
  }
  const lp = e.spec as LaunchPlanSpec;
  for (const [name, p] of Object.entries(lp.defaultInputs?.parameters ?? {})) if (p.var?.type) types[name] = p.var.type;
  const w = lp.workflowId ?? {};
  const wf = await ctx.engine.store.getEntity("workflow", { project: w.project ?? "", domain: w.domain ?? "", name: w.name ?? "", version: w.version ?? "" });
  for (const [name, v] of Object.entries((wf?.spec as WorkflowSpec | undefined)?.template?.interface?.inputs?.variables ?? {})) types[name] ??= v.type ?? {};
  return types;
}

/** The entity a create request names and its inputs converted by the entity's types, or the API's 400/404. */
async function prepareExecution(ctx: RouteContext, body: CreateExecutionBody): Promise<{ kind: "workflow" | "launchPlan"; entity: RegisteredEntity; values: Record<string, unknown> }> {
  if ((body.workflow === undefined) === (body.launchPlan === undefined)) {
    throw new ApiError(400, "invalid_request", "name exactly one of workflow and launchPlan", body.workflow === undefined ? "workflow" : "launchPlan");
  }
  const kind = body.launchPlan !== undefined ? "launchPlan" : "workflow";
  const entity = await resolveEntity(ctx, kind, (body.launchPlan ?? body.workflow)!, kind);
  const converted = jsonToInputs(await inputTypes(ctx, entity), body.inputs ?? {});
  if (!converted.ok) {
    const label = `${kind === "launchPlan" ? "launch plan" : "workflow"} ${JSON.stringify(entity.key.name)}`;
    throw new ApiError(400, "invalid_input", `input ${JSON.stringify(converted.input)} of ${label}: ${converted.problem}`, `inputs.${converted.input}`);
  }
  // Files, directories and dataframes only from where the server allows (its blob store, the operator's roots).
  await confineReferences(ctx.fileRoots, converted.values, `${kind === "launchPlan" ? "launch plan" : "workflow"} ${JSON.stringify(entity.key.name)}: input`, (name) => `inputs.${name}`);
  // The engine's own check of what it would store (required, unknown and fixed inputs), without storing.
  const lp = kind === "launchPlan" ? (entity.spec as LaunchPlanSpec) : undefined;
  const w = lp?.workflowId;
  const workflowKey = w ? { project: w.project ?? "", domain: w.domain ?? "", name: w.name ?? "", version: w.version ?? "" } : entity.key;
  const { spec } = await loadWorkflowSpecs(ctx.engine.store, workflowKey);
  const label = `${kind === "launchPlan" ? "launch plan" : "workflow"} ${JSON.stringify(entity.key.name)}`;
  inputsToLiterals(spec.template?.interface?.inputs, converted.values, label, lp?.defaultInputs?.parameters ?? {}, lp?.fixedInputs?.literals ?? {});
  return { kind, entity, values: converted.values };
}

async function infoOf(ctx: RouteContext, id: string): Promise<ExecutionInfo> {
  return executionInfo(await ctx.values.execution(await ctx.engine.executionRow(id)));
}

/**
 * Adds the execution endpoints.
 *
 * @example
 * ```ts
 * executionRoutes(app, ctx);
 * ```
 */
export function executionRoutes(app: Api, ctx: RouteContext): void {
  const { engine } = ctx;
  const store = engine.store;

  app.post(
    `${API_PREFIX}/executions`,
    {
      schema: {
        operationId: "createExecution",
        tags: TAGS,
        summary: "Starts an execution of a registered workflow or launch plan",
        description:
          "Name exactly one of `workflow` and `launchPlan`; its project and domain default to the server's, its version to the latest registered. Inputs are JSON, converted by the entity's declared types: datetimes as ISO 8601 strings, durations in milliseconds, files and directories as `{ uri, format? }`. Every input is checked before anything is stored.",
        body: ref(CreateExecutionBody),
        response: { 201: ref(ExecutionInfo), ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { kind, entity, values } = await prepareExecution(ctx, body);
      const o = body.options ?? {};
      const key: StoreKey = entity.key;
      const id = await engine.startRegistered(kind, key, values, {
        ...(o.maxParallelism !== undefined ? { maxParallelism: o.maxParallelism } : {}),
        ...(o.overwriteCache !== undefined ? { overwriteCache: o.overwriteCache } : {}),
      });
      reply.code(201);
      return infoOf(ctx, id);
    },
  );

  app.post(
    `${API_PREFIX}/executions/validate`,
    {
      schema: {
        operationId: "validateExecution",
        tags: TAGS,
        summary: "Checks a request to start an execution without starting it",
        description:
          "Takes the body of `createExecution` and answers 200 if that request would be accepted, or the very error `createExecution` would answer (same code, message and field), so that a form can show the API's own message before it submits.",
        body: ref(CreateExecutionBody),
        response: { 200: ref(ValidatedExecution), ...errors },
      },
    },
    async (request) => {
      const { kind, entity } = await prepareExecution(ctx, request.body);
      return { kind, key: entity.key };
    },
  );

  app.get(
    `${API_PREFIX}/executions`,
    {
      schema: {
        operationId: "listExecutions",
        tags: TAGS,
        summary: "Lists executions, newest first, one page at a time",
        querystring: ListExecutionsQuery,
        response: { 200: ref(ExecutionPage), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.cursor !== undefined) {
        try {
          decodeCursor(q.cursor);
        } catch {
          throw new ApiError(400, "invalid_request", "cursor is not one this server made; pass back the `next` of the previous page", "cursor");
        }
      }
      const filter: ExecutionFilter = {
        ...(q.project !== undefined ? { project: q.project } : {}),
        ...(q.domain !== undefined ? { domain: q.domain } : {}),
        ...(q.workflow !== undefined ? { workflowName: q.workflow } : {}),
        ...(q.launchPlan !== undefined ? { launchPlanName: q.launchPlan } : {}),
        ...(q.phase !== undefined ? { phase: q.phase } : {}),
        ...(q.createdAfter !== undefined ? { createdAfter: Date.parse(q.createdAfter) } : {}),
        ...(q.createdBefore !== undefined ? { createdBefore: Date.parse(q.createdBefore) } : {}),
        ...(q.parent !== undefined ? { parentId: q.parent } : {}),
      };
      const page = await engine.list(filter, { limit: q.limit ?? 50, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) });
      return { items: page.items.map(executionSummary), ...(page.next !== undefined ? { next: page.next } : {}) };
    },
  );

  app.get(
    `${API_PREFIX}/executions/:id`,
    {
      schema: {
        operationId: "getExecution",
        tags: TAGS,
        summary: "An execution, with its inputs, outputs and error",
        params: IdParams,
        response: { 200: ref(ExecutionInfo), ...errors },
      },
    },
    async (request) => infoOf(ctx, request.params.id),
  );

  app.get(
    `${API_PREFIX}/executions/:id/nodes`,
    {
      schema: {
        operationId: "listNodeExecutions",
        tags: TAGS,
        summary: "The node executions of an execution: inputs, outputs, errors, attempts, cache status",
        params: IdParams,
        response: { 200: ref(NodeList), ...errors },
      },
    },
    async (request) => {
      await ctx.engine.executionRow(request.params.id);
      // In the one order every listing of nodes uses (n1[2] before n1[10]).
      const rows = (await store.listNodes(request.params.id)).sort((a, b) => compareNodePaths(a.path, b.path));
      return { items: await Promise.all(rows.map(async (r) => nodeInfo(await ctx.values.node(r)))) };
    },
  );

  app.post(
    `${API_PREFIX}/executions/:id/abort`,
    {
      preValidation: optionalBody,
      schema: {
        operationId: "abortExecution",
        tags: TAGS,
        summary: "Aborts a running execution (the abort is applied shortly after)",
        params: IdParams,
        body: ref(AbortBody),
        response: { 202: ref(ExecutionInfo), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await engine.abort(id, request.body.reason ?? "aborted through the API");
      reply.code(202);
      return infoOf(ctx, id);
    },
  );

  app.post(
    `${API_PREFIX}/executions/:id/relaunch`,
    {
      preValidation: optionalBody,
      schema: {
        operationId: "relaunchExecution",
        tags: TAGS,
        summary: "Starts a new execution of the same entity with the same inputs",
        params: IdParams,
        body: EmptyBody,
        response: { 201: ref(ExecutionInfo), ...errors },
      },
    },
    async (request, reply) => {
      const id = await engine.relaunch(request.params.id);
      reply.code(201);
      return infoOf(ctx, id);
    },
  );

  app.post(
    `${API_PREFIX}/executions/:id/recover`,
    {
      preValidation: optionalBody,
      schema: {
        operationId: "recoverExecution",
        tags: TAGS,
        summary: "Starts a new execution that reuses the outputs of the task nodes that succeeded, and runs the rest",
        params: IdParams,
        body: EmptyBody,
        response: { 201: ref(ExecutionInfo), ...errors },
      },
    },
    async (request, reply) => {
      const id = await engine.recover(request.params.id);
      reply.code(201);
      return infoOf(ctx, id);
    },
  );

  app.post(
    `${API_PREFIX}/executions/:id/signal`,
    {
      schema: {
        operationId: "signalExecution",
        tags: TAGS,
        summary: "Gives the value a gate of the execution waits for (`waitForInput`)",
        description: "The value is JSON, converted by the signal's declared type.",
        params: IdParams,
        body: ref(SignalBody),
        response: { 202: ref(ExecutionInfo), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { name, value } = request.body;
      // The gate's type converts the JSON value (an approval gate takes true or false); the engine refuses an unknown or answered gate.
      const gate = (await engine.gates(await engine.executionRow(id))).get(name);
      let given: unknown = value;
      if (gate?.kind === "signal") {
        const converted = jsonToValue(gate.type, value);
        if (!converted.ok) throw engineApiError(new InvalidSignalValueError(`signal ${JSON.stringify(name)} of execution ${id}: ${converted.problem}`, id, name));
        given = converted.value;
        await confineReferences(ctx.fileRoots, { [name]: given }, "signal", () => "value");
      }
      await engine.signal(id, name, given, "rejected through the API");
      reply.code(202);
      return infoOf(ctx, id);
    },
  );

  for (const verb of ["approve", "reject"] as const) {
    app.post(
      `${API_PREFIX}/executions/:id/${verb}`,
      {
        schema: {
          operationId: `${verb}Execution`,
          tags: TAGS,
          summary: verb === "approve" ? "Approves an approval gate (`approve`)" : "Rejects an approval gate: the execution fails",
          params: IdParams,
          body: verb === "approve" ? ref(ApproveBody) : ref(RejectBody),
          response: { 202: ref(ExecutionInfo), ...errors },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const body = request.body as { name: string; reason?: string };
        if (verb === "approve") await engine.approve(id, body.name);
        else await engine.reject(id, body.name, body.reason ?? "rejected through the API");
        reply.code(202);
        return infoOf(ctx, id);
      },
    );
  }
}
