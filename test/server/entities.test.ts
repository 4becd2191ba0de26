import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LaunchPlan, task, t, workflow } from "aloft";
import { ClientError } from "../../src/client/client.js";
import { startApi, type Api } from "./harness.js";

const Point = t.struct({ x: t.float, y: t.float });
const scale = task({ name: "scale_ent", inputs: { p: Point, k: t.float }, outputs: Point }, ({ p, k }) => ({ x: p.x * k, y: p.y * k }));
const scaled = workflow({ name: "scaled_ent", inputs: { p: Point, k: t.float, note: t.optional(t.str) } }, ({ p, k }) => ({ out: scale({ p, k }) }));
const plan = LaunchPlan.create("scaled_plan_ent", scaled, { defaultInputs: { k: 2 }, fixedInputs: { note: "fixed" } });

let api: Api;
beforeAll(async () => {
  api = await startApi([plan]);
  await api.engine.register(scaled, { version: "v1" });
  await new Promise((r) => setTimeout(r, 2));
  await api.engine.register(scaled, { version: "v2" });
});
afterAll(async () => {
  await api.close();
  expect(api.serverErrors).toEqual([]);
});

describe("the registry endpoints", () => {
  it("GET /tasks, /workflows and /launch-plans list each name with its versions", async () => {
    const tasks = await api.client.listEntities("task");
    expect(tasks.map((x) => x.name)).toEqual(["scale_ent"]);
    expect(tasks[0]!.versions.length).toBe(3);
    const workflows = await api.client.listEntities("workflow");
    expect(workflows).toHaveLength(1);
    expect(workflows[0]).toMatchObject({ kind: "workflow", project: "aloft", domain: "development", name: "scaled_ent", latestVersion: "v2" });
    expect(workflows[0]!.versions.map((v) => v.version).slice(0, 2)).toEqual(["v2", "v1"]);
    expect(workflows[0]!.versions[0]!.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const plans = await api.client.listEntities("launchPlan");
    expect(plans.map((p) => p.name)).toEqual(["scaled_plan_ent"]);
    expect(await api.client.listEntities("workflow", { project: "elsewhere" })).toEqual([]);
  });

  it("GET /{kind}/{project}/{domain}/{name} lists the versions, newest first", async () => {
    const v = await api.client.getEntityVersions("workflow", { project: "aloft", domain: "development", name: "scaled_ent" });
    expect(v.latestVersion).toBe("v2");
    expect(v.versions).toHaveLength(3);
  });

  it("GET /{kind}/{project}/{domain}/{name}/{version} gives the interface and the spec", async () => {
    const wf = await api.client.getEntity("workflow", { project: "aloft", domain: "development", name: "scaled_ent", version: "v1" });
    expect(wf.kind).toBe("workflow");
    expect(wf.key).toEqual({ project: "aloft", domain: "development", name: "scaled_ent", version: "v1" });
    expect(wf.interface.inputs.map((i) => [i.name, i.type, i.required, i.fixed])).toEqual([
      ["p", "struct{x: float, y: float}", true, false],
      ["k", "float", true, false],
      ["note", "optional<str>", false, false],
    ]);
    expect(wf.interface.inputs[1]!.schema).toEqual({ type: "number" });
    expect(wf.interface.outputs.map((o) => [o.name, o.type])).toEqual([["out", "struct{x: float, y: float}"]]);
    expect((wf.spec as { template: { id: { name: string } } }).template.id.name).toBe("scaled_ent");

    const task1 = await api.client.getEntity("task", { ...wf.key, name: "scale_ent" });
    expect(task1.interface.inputs.map((i) => i.name)).toEqual(["p", "k"]);
  });

  it("shows a launch plan's defaults and fixed inputs as JSON, and its workflow", async () => {
    const [lp] = await api.client.listEntities("launchPlan");
    const info = await api.client.getEntity("launchPlan", { project: lp!.project, domain: lp!.domain, name: lp!.name, version: lp!.latestVersion });
    expect(info.workflow?.name).toBe("scaled_ent");
    const byName = Object.fromEntries(info.interface.inputs.map((i) => [i.name, i]));
    expect(byName["p"]).toMatchObject({ required: true, fixed: false });
    expect(byName["p"]).not.toHaveProperty("default");
    expect(byName["k"]).toMatchObject({ required: false, default: 2, fixed: false });
    expect(byName["note"]).toMatchObject({ fixed: true, default: "fixed" });
    expect(info.interface.outputs.map((o) => o.name)).toEqual(["out"]);
  });

  it("answers 404 naming the field for names and versions that are not registered", async () => {
    const e1 = (await api.client.getEntityVersions("task", { project: "aloft", domain: "development", name: "nope" }).catch((e: unknown) => e)) as ClientError;
    expect(e1).toBeInstanceOf(ClientError);
    expect(e1).toMatchObject({ status: 404, code: "ENTITY_NOT_REGISTERED", field: "name" });
    expect(e1.message).toMatch(/no task "nope" is registered in aloft\/development/);
    const e2 = (await api.client.getEntity("workflow", { project: "aloft", domain: "development", name: "scaled_ent", version: "v9" }).catch((e: unknown) => e)) as ClientError;
    expect(e2).toMatchObject({ status: 404, code: "ENTITY_NOT_REGISTERED", field: "version" });
  });

  it("refuses unknown query parameters with 400", async () => {
    const r = await api.request("GET", "/api/v1/tasks?colour=red");
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: "invalid_request", message: "colour is not a known field", field: "colour" } });
  });

  it("offers no way to register: the API never takes code", async () => {
    const r = await api.request("POST", "/api/v1/tasks", { body: { name: "evil", fn: "process.exit(1)" } });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ error: { code: "not_found" } });
  });
});
