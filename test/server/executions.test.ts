import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LaunchPlan, NonRetryableError, approve, mapTask, task, t, waitForInput, workflow } from "aloft";
import { ClientError, type ExecutionInfo } from "../../src/client/client.js";
import { startApi, until, type Api } from "./harness.js";

const Point = t.struct({ x: t.float, y: t.float });
const add = task({ name: "add_x", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const later = task(
  { name: "later_x", inputs: { at: t.datetime, wait: t.duration, p: Point, tags: t.list(t.str) }, outputs: { when: t.datetime, label: t.str, wait: t.duration } },
  ({ at, wait, p, tags }) => ({ when: new Date(at.getTime() + wait), label: `${p.x},${p.y}:${tags.join("+")}`, wait }),
);
const sum = workflow({ name: "sum_x", inputs: { a: t.int, b: t.int } }, ({ a, b }) => ({ total: add({ a, b }) }));
const timing = workflow(
  { name: "timing_x", inputs: { at: t.datetime, wait: t.duration, p: Point, tags: t.list(t.str), note: t.optional(t.str) } },
  ({ at, wait, p, tags }) => later({ at, wait, p, tags }),
);
const sumPlan = LaunchPlan.create("sum_plan_x", sum, { defaultInputs: { b: 10 } });
const fixedPlan = LaunchPlan.create("fixed_plan_x", sum, { fixedInputs: { b: 100 } });

let failSecond = true;
const counts = { first: 0, second: 0 };
const first = task({ name: "first_x", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
  counts.first++;
  return a + 1;
});
const second = task({ name: "second_x", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
  counts.second++;
  if (failSecond) throw new NonRetryableError("not yet");
  return a * 10;
});
const twoStep = workflow({ name: "two_step_x", inputs: { a: t.int } }, ({ a }) => second({ a: first({ a }) }));
const double = task({ name: "double_x", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);
const gated = workflow({ name: "gated_x" }, () => approve(double({ x: waitForInput("factor", t.int) }), "publish"));
const waiting = workflow({ name: "waiting_x" }, () => waitForInput("go", t.int));
const squares = workflow({ name: "squares_x", inputs: { xs: t.list(t.int) } }, ({ xs }) => ({ ys: mapTask(double, { concurrency: 2 })({ x: xs }) }));

let api: Api;
beforeAll(async () => {
  api = await startApi([sum, timing, sumPlan, fixedPlan, twoStep, gated, waiting, squares]);
});
afterAll(async () => {
  await api.close();
  expect(api.serverErrors).toEqual([]);
});

async function ended(id: string): Promise<ExecutionInfo> {
  return api.client.waitForEnd(id);
}

async function refusal(p: Promise<unknown>): Promise<ClientError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ClientError);
  return e as ClientError;
}

describe("POST /executions", () => {
  it("starts the latest version of a workflow with JSON inputs, and answers 201 with the execution", async () => {
    const r = await api.request("POST", "/api/v1/executions", { body: { workflow: { name: "sum_x" }, inputs: { a: 1, b: 2 } } });
    expect(r.status).toBe(201);
    const e = r.body as ExecutionInfo;
    expect(e).toMatchObject({ project: "aloft", domain: "development", workflow: { name: "sum_x" }, inputs: { a: 1, b: 2 }, options: { maxParallelism: 25, overwriteCache: false } });
    expect(["queued", "running", "succeeded"]).toContain(e.phase);
    const done = await ended(e.id);
    expect(done).toMatchObject({ phase: "succeeded", outputs: { total: 3 } });
    expect(Date.parse(done.endedAt!)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
  });

  it("converts inputs by their declared types: datetimes, durations, structs, lists, optionals", async () => {
    const e = await api.client.createExecution({
      workflow: { name: "timing_x" },
      inputs: { at: "2024-01-31T12:00:00+01:00", wait: 90_000, p: { x: 1, y: 2.5 }, tags: ["a", "b"] },
    });
    expect(e.inputs).toEqual({ at: "2024-01-31T11:00:00.000Z", wait: 90_000, p: { x: 1, y: 2.5 }, tags: ["a", "b"], note: null });
    const done = await ended(e.id);
    expect(done.outputs).toEqual({ when: "2024-01-31T11:01:30.000Z", label: "1,2.5:a+b", wait: 90_000 });
  });

  it("takes a named version and options", async () => {
    const versions = await api.client.getEntityVersions("workflow", { project: "aloft", domain: "development", name: "sum_x" });
    const e = await api.client.createExecution({ workflow: { project: "aloft", domain: "development", name: "sum_x", version: versions.latestVersion }, inputs: { a: 2, b: 2 }, options: { maxParallelism: 3, overwriteCache: true } });
    expect(e.options).toEqual({ maxParallelism: 3, overwriteCache: true });
    expect(e.workflow.version).toBe(versions.latestVersion);
  });

  it("starts launch plans with their defaults, and refuses to override fixed inputs", async () => {
    const e = await api.client.createExecution({ launchPlan: { name: "sum_plan_x" }, inputs: { a: 1 } });
    expect(e.launchPlan?.name).toBe("sum_plan_x");
    expect(e.inputs).toEqual({ a: 1, b: 10 });
    expect((await ended(e.id)).outputs).toEqual({ total: 11 });
    const f = await api.client.createExecution({ launchPlan: { name: "fixed_plan_x" }, inputs: { a: 1 } });
    expect((await ended(f.id)).outputs).toEqual({ total: 101 });
    const err = await refusal(api.client.createExecution({ launchPlan: { name: "fixed_plan_x" }, inputs: { a: 1, b: 2 } }));
    expect(err).toMatchObject({ status: 400, code: "invalid_input", field: "inputs.b" });
    expect(err.message).toMatch(/fixes input "b"/);
  });

  it("answers 400 naming the input that is missing, unknown or ill-typed, and stores nothing", async () => {
    const before = (await api.client.listExecutions({ limit: 1000 })).items.length;
    const missing = await refusal(api.client.createExecution({ workflow: { name: "sum_x" }, inputs: { a: 1 } }));
    expect(missing).toMatchObject({ status: 400, code: "invalid_input", field: "inputs.b" });
    expect(missing.message).toMatch(/missing input "b" \(int\)/);
    const unknown = await refusal(api.client.createExecution({ workflow: { name: "sum_x" }, inputs: { a: 1, b: 2, c: 3 } }));
    expect(unknown).toMatchObject({ field: "inputs.c" });
    expect(unknown.message).toMatch(/has no input "c" \(inputs: a, b\)/);
    const wrong = await refusal(api.client.createExecution({ workflow: { name: "sum_x" }, inputs: { a: 1, b: "2" } }));
    expect(wrong).toMatchObject({ status: 400, code: "invalid_input", field: "inputs.b" });
    expect(wrong.message).toBe('input "b" of workflow "sum_x": expected a whole number, got string "2"');
    const date = await refusal(api.client.createExecution({ workflow: { name: "timing_x" }, inputs: { at: "tomorrow", wait: 1, p: { x: 1, y: 1 }, tags: [] } }));
    expect(date).toMatchObject({ field: "inputs.at" });
    const deep = await refusal(api.client.createExecution({ workflow: { name: "timing_x" }, inputs: { at: "2024-01-01", wait: 1, p: { x: 1, y: 1 }, tags: ["a", 2] } }));
    expect(deep.message).toMatch(/element \[1\]: expected a string, got number 2/);
    expect((await api.client.listExecutions({ limit: 1000 })).items.length).toBe(before);
  });

  it("answers 400 for requests that do not fit the schema, naming the field", async () => {
    const cases: [object, string, RegExp][] = [
      [{ inputs: {} }, "workflow", /exactly one of workflow and launchPlan/],
      [{ workflow: { name: "sum_x" }, launchPlan: { name: "sum_plan_x" } }, "launchPlan", /exactly one/],
      [{ workflow: { name: "" } }, "workflow.name", /workflow\.name must NOT have fewer than 1 characters/],
      [{ workflow: {} }, "workflow.name", /workflow\.name is required/],
      [{ workflow: { name: "sum_x", colour: 1 } }, "workflow.colour", /not a known field/],
      [{ workflow: { name: "sum_x" }, inputs: [1] }, "inputs", /inputs must be object/],
      [{ workflow: { name: "sum_x" }, inputs: { a: 1, b: 1 }, options: { maxParallelism: 0 } }, "options.maxParallelism", />= 1/],
      [{ workflow: { name: "sum_x" }, inputs: { a: 1, b: 1 }, options: { maxParallelism: "3" } }, "options.maxParallelism", /must be integer/],
      [{ workflow: { name: "sum_x" }, input: { a: 1 } }, "input", /not a known field/],
    ];
    for (const [body, field, message] of cases) {
      const r = await api.request("POST", "/api/v1/executions", { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      const err = (r.body as { error: { code: string; field: string; message: string } }).error;
      expect(err.field, JSON.stringify(body)).toBe(field);
      expect(err.message).toMatch(message);
    }
  });

  it("answers 404 for a workflow or launch plan that is not registered", async () => {
    const e1 = await refusal(api.client.createExecution({ workflow: { name: "nope_x" } }));
    expect(e1).toMatchObject({ status: 404, code: "ENTITY_NOT_REGISTERED", field: "workflow.name" });
    const e2 = await refusal(api.client.createExecution({ launchPlan: { name: "sum_plan_x", version: "zzz" } }));
    expect(e2).toMatchObject({ status: 404, field: "launchPlan.version" });
    const e3 = await refusal(api.client.createExecution({ workflow: { name: "sum_x", project: "other" } }));
    expect(e3.message).toMatch(/in other\/development/);
  });

  it("answers 400 for a body that is not JSON, and 415 for one that is not declared JSON", async () => {
    const bad = await api.request("POST", "/api/v1/executions", { body: "{not json" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "invalid_request" } });
    const text = await api.request("POST", "/api/v1/executions", { body: "workflow=sum_x", headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ error: { code: "unsupported_media_type" } });
  });
});

describe("GET /executions and /executions/{id}", () => {
  it("lists newest first, filtered by workflow, launch plan, phase and creation time, in pages", async () => {
    const t0 = new Date();
    const ids: string[] = [];
    for (let a = 0; a < 3; a++) ids.push((await api.client.createExecution({ workflow: { name: "sum_x" }, inputs: { a, b: 0 } })).id);
    await Promise.all(ids.map(ended));
    const byWf = await api.client.listExecutions({ workflow: "sum_x", createdAfter: t0 });
    expect(byWf.items.map((e) => e.id)).toEqual([...ids].reverse());
    expect(byWf.items[0]).not.toHaveProperty("inputs");
    expect(byWf.next).toBeUndefined();

    const p1 = await api.client.listExecutions({ workflow: "sum_x", createdAfter: t0, limit: 2 });
    expect(p1.items).toHaveLength(2);
    expect(p1.next).toBeDefined();
    const p2 = await api.client.listExecutions({ workflow: "sum_x", createdAfter: t0, limit: 2, cursor: p1.next! });
    expect([...p1.items, ...p2.items].map((e) => e.id)).toEqual([...ids].reverse());
    expect(p2.next).toBeUndefined();
    const all: string[] = [];
    for await (const e of api.client.allExecutions({ workflow: "sum_x", createdAfter: t0, limit: 1 })) all.push(e.id);
    expect(all).toEqual([...ids].reverse());

    expect((await api.client.listExecutions({ workflow: "sum_x", createdBefore: t0 })).items.every((e) => Date.parse(e.createdAt) < t0.getTime())).toBe(true);
    expect((await api.client.listExecutions({ launchPlan: "sum_plan_x" })).items.every((e) => e.launchPlan?.name === "sum_plan_x")).toBe(true);
    expect((await api.client.listExecutions({ launchPlan: "sum_plan_x" })).items.length).toBeGreaterThan(0);
    const succeeded = await api.client.listExecutions({ phase: "succeeded", limit: 1000 });
    expect(succeeded.items.length).toBeGreaterThanOrEqual(3);
    expect(succeeded.items.every((e) => e.phase === "succeeded")).toBe(true);
  });

  it("answers 400 for bad filters and cursors", async () => {
    const cases: [string, string][] = [
      ["phase=done", "phase"],
      ["limit=0", "limit"],
      ["limit=many", "limit"],
      ["createdAfter=yesterday", "createdAfter"],
      ["cursor=garbage", "cursor"],
    ];
    for (const [q, field] of cases) {
      const r = await api.request("GET", `/api/v1/executions?${q}`);
      expect(r.status, q).toBe(400);
      expect((r.body as { error: { field: string } }).error.field, q).toBe(field);
    }
  });

  it("gets one execution, and answers 404 for an unknown id", async () => {
    const e = await api.client.createExecution({ workflow: { name: "sum_x" }, inputs: { a: 5, b: 5 } });
    const done = await ended(e.id);
    expect(await api.client.getExecution(e.id)).toEqual(done);
    expect(done).toMatchObject({ id: e.id, phase: "succeeded", inputs: { a: 5, b: 5 }, outputs: { total: 10 } });
    expect(done).not.toHaveProperty("error");
    expect(done).not.toHaveProperty("parent");
    const err = await refusal(api.client.getExecution("a_missing"));
    expect(err).toMatchObject({ status: 404, code: "EXECUTION_NOT_FOUND", field: "id" });
    expect(err.message).toBe('no execution "a_missing"');
  });
});

describe("GET /executions/{id}/nodes", () => {
  it("gives each node's inputs, outputs, attempts, cache status and times", async () => {
    const e = await api.client.createExecution({ workflow: { name: "sum_x" }, inputs: { a: 3, b: 4 } });
    await ended(e.id);
    const nodes = await api.client.listNodes(e.id);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      executionId: e.id,
      path: "n0",
      entity: 'task "add_x"',
      kind: "task",
      phase: "succeeded",
      attempts: 1,
      systemAttempts: 0,
      cacheStatus: "disabled",
      inputs: { a: 3, b: 4 },
      outputs: { o0: 7 },
      task: { name: "add_x" },
      retries: 0,
    });
    expect(nodes[0]!.startedAt).toBeDefined();
    expect(nodes[0]!.endedAt).toBeDefined();
    expect((await refusal(api.client.listNodes("a_missing"))).status).toBe(404);
  });

  it("gives a map task's progress, and each element as a node", async () => {
    const e = await api.client.createExecution({ workflow: { name: "squares_x" }, inputs: { xs: [1, 2, 3] } });
    expect((await ended(e.id)).outputs).toEqual({ ys: [2, 4, 6] });
    const nodes = await api.client.listNodes(e.id);
    expect(nodes.find((n) => n.path === "n0")).toMatchObject({ kind: "array", phase: "succeeded", map: { total: 3, succeeded: 3, failed: 0, running: 0, minSuccesses: 3 } });
    const elements = nodes.filter((n) => n.kind === "element").sort((x, y) => x.path.localeCompare(y.path));
    expect(elements.map((n) => [n.path, n.inputs, n.outputs])).toEqual([
      ["n0[0]", { x: 1 }, { o0: 2 }],
      ["n0[1]", { x: 2 }, { o0: 4 }],
      ["n0[2]", { x: 3 }, { o0: 6 }],
    ]);
  });

  it("lists nodes in the one node order (compareNodePaths): n0[2] before n0[10], a node before its elements (it was by start time)", async () => {
    const xs = Array.from({ length: 12 }, (_, i) => i);
    const e = await api.client.createExecution({ workflow: { name: "squares_x" }, inputs: { xs } });
    await ended(e.id);
    const paths = (await api.client.listNodes(e.id)).map((n) => n.path);
    expect(paths).toEqual(["n0", ...xs.map((i) => `n0[${i}]`)]);
  });

  it("gives a failed node's error", async () => {
    failSecond = true;
    const e = await api.client.createExecution({ workflow: { name: "two_step_x" }, inputs: { a: 1 } });
    const done = await ended(e.id);
    expect(done.phase).toBe("failed");
    expect(done.error?.message).toMatch(/not yet/);
    expect(done).not.toHaveProperty("outputs");
    const nodes = await api.client.listNodes(e.id);
    expect(nodes.map((n) => [n.path, n.phase])).toEqual([
      ["n0", "succeeded"],
      ["n1", "failed"],
    ]);
    expect(nodes[1]!.error).toBe("not yet");
  });
});

describe("abort, relaunch, recover", () => {
  it("aborts a running execution (202), and answers 409 once it has ended", async () => {
    const e = await api.client.createExecution({ workflow: { name: "waiting_x" } });
    await until(async () => (await api.client.listNodes(e.id)).length === 1);
    const accepted = await api.request("POST", `/api/v1/executions/${e.id}/abort`, { body: { reason: "changed my mind" } });
    expect(accepted.status).toBe(202);
    const done = await ended(e.id);
    expect(done.phase).toBe("aborted");
    expect(done.error?.message).toMatch(/changed my mind/);
    const again = await refusal(api.client.abort(e.id));
    expect(again).toMatchObject({ status: 409, code: "EXECUTION_ENDED" });
    expect(again.message).toMatch(/already aborted/);
    expect(await refusal(api.client.abort("a_missing"))).toMatchObject({ status: 404, code: "EXECUTION_NOT_FOUND", field: "id" });
  });

  it("aborts without a body", async () => {
    const e = await api.client.createExecution({ workflow: { name: "waiting_x" } });
    const r = await api.request("POST", `/api/v1/executions/${e.id}/abort`);
    expect(r.status).toBe(202);
    expect((await ended(e.id)).error?.message).toMatch(/aborted through the API/);
  });

  it("relaunches with the same inputs, and recovers reusing the nodes that succeeded", async () => {
    failSecond = true;
    const before = { ...counts };
    const e = await api.client.createExecution({ workflow: { name: "two_step_x" }, inputs: { a: 1 } });
    expect((await ended(e.id)).phase).toBe("failed");
    failSecond = false;
    const recovered = await api.client.recover(e.id);
    expect(recovered).toMatchObject({ recoverOf: e.id, inputs: { a: 1 } });
    expect((await ended(recovered.id)).outputs).toEqual({ o0: 20 });
    expect(counts.first - before.first).toBe(1);
    const recoveredNodes = await api.client.listNodes(recovered.id);
    expect(recoveredNodes.find((n) => n.path === "n0")).toMatchObject({ recovered: true });

    const relaunched = await api.client.relaunch(recovered.id);
    expect(relaunched).toMatchObject({ relaunchOf: recovered.id, inputs: { a: 1 } });
    expect((await ended(relaunched.id)).outputs).toEqual({ o0: 20 });
    expect(counts.first - before.first).toBe(2);

    const notFailed = await refusal(api.client.recover(relaunched.id));
    expect(notFailed).toMatchObject({ status: 409, code: "EXECUTION_NOT_RECOVERABLE" });
    expect((await refusal(api.client.relaunch("a_missing"))).status).toBe(404);
  });
});

describe("gates: signal, approve, reject", () => {
  it("signals a value converted by the signal's type, then approves", async () => {
    const e = await api.client.createExecution({ workflow: { name: "gated_x" } });
    const wrongName = await refusal(api.client.signal(e.id, "factr", 3));
    expect(wrongName).toMatchObject({ status: 400, code: "UNKNOWN_GATE", field: "name" });
    expect(wrongName.message).toBe(`execution ${e.id} has no gate "factr" (gates: "factor", "publish")`);
    const wrongType = await refusal(api.client.signal(e.id, "factor", "3"));
    expect(wrongType).toMatchObject({ status: 400, code: "INVALID_SIGNAL_VALUE", field: "value" });
    const missingValue = await api.request("POST", `/api/v1/executions/${e.id}/signal`, { body: { name: "factor" } });
    expect(missingValue.body).toMatchObject({ error: { code: "invalid_request", field: "value" } });
    const accepted = await api.client.signal(e.id, "factor", 3);
    expect(accepted.id).toBe(e.id);
    await until(async () => (await api.client.listNodes(e.id)).some((n) => n.gate?.kind === "approve" && n.phase === "waiting"));
    const gate = (await api.client.listNodes(e.id)).find((n) => n.gate?.kind === "approve");
    expect(gate).toMatchObject({ kind: "gate", gate: { kind: "approve", name: "publish" } });
    expect(await refusal(api.client.approve(e.id, "publsh"))).toMatchObject({ status: 400, code: "UNKNOWN_GATE", field: "name" });
    await api.client.approve(e.id, "publish");
    expect((await ended(e.id)).outputs).toEqual({ o0: 6 });
    expect(await refusal(api.client.approve(e.id, "publish"))).toMatchObject({ status: 409, code: "EXECUTION_ENDED" });
    expect(await refusal(api.client.signal(e.id, "factor", 1))).toMatchObject({ status: 409, code: "EXECUTION_ENDED" });
  });

  it("rejects: the execution fails with the reason", async () => {
    const e = await api.client.createExecution({ workflow: { name: "gated_x" } });
    await api.client.signal(e.id, "factor", 1);
    await api.client.reject(e.id, "publish", "not today");
    const done = await ended(e.id);
    expect(done.phase).toBe("failed");
    expect(done.error?.message).toMatch(/approval "publish" was rejected: not today/);
    expect((await refusal(api.client.reject("a_missing", "publish"))).status).toBe(404);
  });
});
