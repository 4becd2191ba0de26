import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { LaunchPlan, approve, task, t, waitForInput, workflow } from "aloft";
import { MemoryStore } from "../../src/store/memory-store.js";
import { startApi, type Api } from "./harness.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const add = task({ name: "add_oa", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const sum = workflow({ name: "sum_oa", inputs: { a: t.int, b: t.int } }, ({ a, b }) => add({ a, b }));
const plan = LaunchPlan.create("sum_plan_oa", sum, { defaultInputs: { b: 1 } });
const gated = workflow({ name: "gated_oa" }, () => approve(add({ a: waitForInput("a", t.int), b: 1 }), "ok"));

type Doc = { openapi: string; paths: Record<string, Record<string, { operationId?: string; responses: Record<string, unknown>; parameters?: { name: string; in: string }[] }>>; components: { schemas: Record<string, unknown> } };

let api: Api;
let doc: Doc;
beforeAll(async () => {
  api = await startApi([plan, gated]);
  doc = (await api.client.openApi()) as Doc;
});
afterAll(async () => {
  await api.close();
  expect(api.serverErrors).toEqual([]);
});

describe("GET /api/openapi.json", () => {
  it("is a valid OpenAPI 3.0 document", async () => {
    const validator = new Validator();
    const res = await validator.validate(structuredClone(doc));
    expect(res.errors, JSON.stringify(res.errors, null, 2)).toBeUndefined();
    expect(res.valid).toBe(true);
    expect(validator.version).toBe("3.0");
    // Every reference resolves.
    expect(() => validator.resolveRefs()).not.toThrow();
    // And the validator does refuse a broken document.
    const broken = structuredClone(doc) as unknown as Record<string, unknown>;
    delete broken["info"];
    expect((await new Validator().validate(broken as Parameters<Validator["validate"]>[0])).valid).toBe(false);
  });

  it("describes every endpoint, each with an operation id and its error responses", () => {
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const));
    expect(ops.map(([k]) => k).sort()).toEqual(
      [
        "GET /api/v1/tasks",
        "GET /api/v1/tasks/{project}/{domain}/{name}",
        "GET /api/v1/tasks/{project}/{domain}/{name}/{version}",
        "GET /api/v1/workflows",
        "GET /api/v1/workflows/{project}/{domain}/{name}",
        "GET /api/v1/workflows/{project}/{domain}/{name}/{version}",
        "GET /api/v1/launch-plans",
        "GET /api/v1/launch-plans/{project}/{domain}/{name}",
        "GET /api/v1/launch-plans/{project}/{domain}/{name}/{version}",
        "POST /api/v1/executions",
        "GET /api/v1/executions",
        "GET /api/v1/executions/{id}",
        "GET /api/v1/executions/{id}/nodes",
        "GET /api/v1/executions/{id}/events",
        "POST /api/v1/executions/{id}/abort",
        "POST /api/v1/executions/{id}/relaunch",
        "POST /api/v1/executions/{id}/recover",
        "POST /api/v1/executions/{id}/signal",
        "POST /api/v1/executions/{id}/approve",
        "POST /api/v1/executions/{id}/reject",
        "POST /api/v1/executions/validate",
        "GET /api/v1/executions/{id}/attempts",
        "GET /api/v1/executions/{id}/dynamic",
        "GET /api/v1/executions/{id}/logs",
        "POST /api/v1/session",
        "POST /api/v1/uploads",
        "DELETE /api/v1/session",
        "POST /api/v1/workers/claim",
        "POST /api/v1/workers/heartbeat",
        "POST /api/v1/workers/release",
        "POST /api/v1/workers/report",
        "GET /api/v1/workers/events",
        "GET /api/v1/workers/cache/{key}",
        "POST /api/v1/workers/cache-locks",
        "POST /api/v1/workers/cache-locks/release",
        "PUT /api/v1/workers/values",
        "GET /api/v1/workers/values",
        "PUT /api/v1/workers/files",
        "GET /api/v1/workers/files",
        "POST /api/v1/workers/directories",
        "GET /api/v1/workers/directories",
        "POST /api/v1/workers/attempt-logs",
      ].sort(),
    );
    const ids = ops.map(([, op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [k, op] of ops) {
      expect(op.operationId, k).toMatch(/^[a-z][A-Za-z]+$/);
      expect(Object.keys(op.responses), k).toEqual(expect.arrayContaining(["4XX", "5XX"]));
    }
    expect(doc.paths["/api/v1/executions"]!["get"]!.parameters!.map((p) => p.name).sort()).toEqual(
      ["createdAfter", "createdBefore", "cursor", "domain", "launchPlan", "limit", "parent", "phase", "project", "workflow"].sort(),
    );
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["ApiError", "ExecutionInfo", "NodeExecutionInfo", "EntityInfo", "CreateExecution", "ExecutionEnd"]));
  });

  it("describes the responses the server sends: real responses validate against the document's own schemas", async () => {
    const ajv = new Ajv({ strict: false });
    addFormats(ajv);
    ajv.addSchema(doc, "openapi.json");
    const check = (schema: string, value: unknown) => {
      const validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${schema}` });
      expect(validate(value), `${schema}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    };
    const e = await api.client.createExecution({ launchPlan: { name: "sum_plan_oa" }, inputs: { a: 2 } });
    check("ExecutionInfo", e);
    check("ExecutionInfo", await api.client.waitForEnd(e.id));
    check("ExecutionPage", await api.client.listExecutions());
    check("NodeList", { items: await api.client.listNodes(e.id) });
    const g = await api.client.createExecution({ workflow: { name: "gated_oa" } });
    await api.client.signal(g.id, "a", 1);
    check("NodeList", { items: await api.client.listNodes(g.id) });
    check("ExecutionInfo", await api.client.abort(g.id));
    for (const kind of ["task", "workflow", "launchPlan"] as const) {
      const list = await api.client.listEntities(kind);
      check("EntityList", { items: list });
      const first = list[0]!;
      check("EntityInfo", await api.client.getEntity(kind, { project: first.project, domain: first.domain, name: first.name, version: first.latestVersion }));
    }
    const bad = await api.request("GET", "/api/v1/executions/nope");
    check("ApiError", bad.body);
  });
});

describe("response validation", () => {
  it("answers 500 rather than send a body its schema does not allow", async () => {
    const store = new MemoryStore();
    const other = await startApi([], { store });
    try {
      const key = { project: "aloft", domain: "development", name: "ghost", version: "1" };
      const now = Date.now();
      const row = { id: "weird", project: "aloft", domain: "development", workflow: key, launchPlan: undefined, phase: "haunted" as never, inputs: { literals: {} }, outputs: undefined, error: undefined, settings: { overwriteCache: false }, lineage: {}, live: { pendingAnswers: {} }, createdAt: now, startedAt: undefined, endedAt: undefined, updatedAt: now };
      await store.createExecution(row, { executionId: "weird", dueAt: now + 3_600_000, body: { type: "start" } });
      const r = await other.request("GET", "/api/v1/executions/weird");
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ error: { code: "internal", message: "the server failed to handle the request; its log says why" } });
      expect(String(other.serverErrors[0])).toMatch(/phase must be equal to one of the allowed values/);
    } finally {
      await other.close();
    }
  });
});
