/**
 * `aloft register --flyte` against a gRPC server built in the test from the
 * official `flyteidl.service.AdminService` definition (flyteidl's
 * admin.proto, read by an independent protobufjs loader), which records
 * every request and answers as flyteadmin does: ALREADY_EXISTS for an entity
 * it has, INVALID_ARGUMENT for what it refuses. The calls are those of
 * `flytectl register files` (flytectl cmd/register/register_util.go).
 */
import path from "node:path";
import grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { compileBundle, DEFAULT_IMAGE, FlyteRegistrationError, LaunchPlan, registerOnFlyte, registrationFiles, t, task, workflow } from "aloft";
import { aloft, assertBuilt, fixtureDir } from "../cli/helpers.js";
import { asJson, asWritten } from "../helpers/flyteidl.js";
import { PROTOS_DIR, TO_OBJECT } from "../helpers/flyteidl.js";

interface Call {
  readonly method: string;
  readonly request: Record<string, unknown>;
}

const calls: Call[] = [];
const known = new Set<string>();
const refuse = new Set<string>();
let server: grpc.Server;
let endpoint: string;

function serviceDefinition(): grpc.ServiceDefinition {
  const r = new protobuf.Root();
  r.resolvePath = (_o, target) => (target.startsWith("google/protobuf/") ? target : path.join(PROTOS_DIR, target));
  for (const stub of ["google/api/annotations.proto", "google/api/http.proto", "protoc-gen-openapiv2/options/annotations.proto", "protoc-gen-openapiv2/options/openapiv2.proto"]) r.files.push(path.join(PROTOS_DIR, stub));
  r.loadSync(["flyteidl/service/admin.proto"]);
  r.resolveAll();
  const service = r.lookupService("flyteidl.service.AdminService");
  const def: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const m of Object.values(service.methods)) {
    const req = r.lookupType(m.requestType);
    const res = r.lookupType(m.responseType);
    def[m.name] = {
      path: `/flyteidl.service.AdminService/${m.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: object) => Buffer.from(req.encode(req.fromObject(v)).finish()),
      requestDeserialize: (b: Buffer) => req.toObject(req.decode(b), TO_OBJECT),
      responseSerialize: (v: object) => Buffer.from(res.encode(res.fromObject(v)).finish()),
      responseDeserialize: (b: Buffer) => res.toObject(res.decode(b), TO_OBJECT),
    };
  }
  return def as grpc.ServiceDefinition;
}

function idText(id: unknown): string {
  const i = id as { resourceType?: string; project?: string; domain?: string; name?: string; version?: string };
  return `${i.resourceType ?? ""}:${i.project ?? ""}/${i.domain ?? ""}/${i.name ?? ""}@${i.version ?? ""}`;
}

beforeAll(async () => {
  server = new grpc.Server();
  const handler = (method: string) => (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    calls.push({ method, request: call.request });
    const key = `${method}|${idText(call.request["id"])}`;
    if (refuse.has(idText(call.request["id"]))) return callback({ code: grpc.status.INVALID_ARGUMENT, details: "task with different structure already exists" });
    if (method !== "UpdateLaunchPlan" && known.has(key)) return callback({ code: grpc.status.ALREADY_EXISTS, details: "entity already exists" });
    known.add(key);
    callback(null, {});
  };
  server.addService(serviceDefinition(), {
    CreateTask: handler("CreateTask"),
    CreateWorkflow: handler("CreateWorkflow"),
    CreateLaunchPlan: handler("CreateLaunchPlan"),
    UpdateLaunchPlan: handler("UpdateLaunchPlan"),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  endpoint = `127.0.0.1:${port}`;
});
afterAll(() => server.forceShutdown());
beforeEach(() => {
  calls.length = 0;
});

const add = task({ name: "rf_add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const wf = workflow({ name: "rf_wf", inputs: { a: t.int, at: t.datetime } }, ({ a }) => add({ a, b: 1 }));
const nightly = LaunchPlan.create("rf_nightly", wf, { defaultInputs: { a: 2 }, schedule: { cron: "0 3 * * *", kickoffTimeInput: "at" } });
const TARGET = { project: "flytesnacks", domain: "development", version: "v7" };

describe("registerOnFlyte", () => {
  it("creates tasks, workflows and launch plans as flytectl register files does, and activates a scheduled launch plan", async () => {
    const result = await registerOnFlyte(registrationFiles(nightly, TARGET), { endpoint, insecure: true });
    const bundle = compileBundle(nightly, { ...TARGET, image: DEFAULT_IMAGE, defaultLaunchPlans: true });
    expect(calls.map((c) => [c.method, idText(c.request["id"])])).toEqual([
      ["CreateTask", "TASK:flytesnacks/development/rf_add@v7"],
      ["CreateWorkflow", "WORKFLOW:flytesnacks/development/rf_wf@v7"],
      ["CreateLaunchPlan", "LAUNCH_PLAN:flytesnacks/development/rf_nightly@v7"],
      ["UpdateLaunchPlan", "LAUNCH_PLAN:flytesnacks/development/rf_nightly@v7"],
      ["CreateLaunchPlan", "LAUNCH_PLAN:flytesnacks/development/rf_wf@v7"],
    ]);
    // Every request carries exactly the compiled spec (less the zero values protobuf does not write).
    expect(calls[0]?.request["spec"]).toEqual(asWritten("flyteidl.admin.TaskSpec", asJson([...bundle.tasks.values()][0]!)));
    expect(calls[1]?.request["spec"]).toEqual(asWritten("flyteidl.admin.WorkflowSpec", asJson([...bundle.workflows.values()][0]!)));
    expect(calls[2]?.request["spec"]).toEqual(asWritten("flyteidl.admin.LaunchPlanSpec", asJson(bundle.launchPlans.get("LAUNCH_PLAN:flytesnacks/development/rf_nightly@v7")!)));
    expect(calls[3]?.request).toEqual({ id: { resourceType: "LAUNCH_PLAN", ...TARGET, name: "rf_nightly" }, state: "ACTIVE" });
    expect(result.map((r) => [r.kind, r.id.name, r.status, r.activated])).toEqual([
      ["task", "rf_add", "created", false],
      ["workflow", "rf_wf", "created", false],
      ["launchPlan", "rf_nightly", "created", true],
      ["launchPlan", "rf_wf", "created", false],
    ]);
  });

  it("counts entities flyteadmin already has (ALREADY_EXISTS) as registered, and still activates the schedule", async () => {
    await registerOnFlyte(registrationFiles(nightly, { ...TARGET, version: "v8" }), { endpoint, insecure: true });
    calls.length = 0;
    const again = await registerOnFlyte(registrationFiles(nightly, { ...TARGET, version: "v8" }), { endpoint, insecure: true });
    expect(again.map((r) => r.status)).toEqual(["existing", "existing", "existing", "existing"]);
    expect(calls.map((c) => c.method)).toEqual(["CreateTask", "CreateWorkflow", "CreateLaunchPlan", "UpdateLaunchPlan", "CreateLaunchPlan"]);
  });

  it("stops at the first entity flyteadmin refuses, naming it and the gRPC status", async () => {
    refuse.add("TASK:flytesnacks/development/rf_add@v9");
    const error = await registerOnFlyte(registrationFiles(nightly, { ...TARGET, version: "v9" }), { endpoint, insecure: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlyteRegistrationError);
    expect(error).toMatchObject({ entity: "task flytesnacks/development/rf_add@v9", grpcCode: grpc.status.INVALID_ARGUMENT });
    expect((error as Error).message).toMatch(/refused task flytesnacks\/development\/rf_add@v9: INVALID_ARGUMENT: task with different structure already exists/);
    expect(calls).toHaveLength(1);
  });

  it("says when flyteadmin cannot be reached", async () => {
    const error = await registerOnFlyte(registrationFiles(add, TARGET), { endpoint: "127.0.0.1:1", insecure: true, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlyteRegistrationError);
    expect((error as FlyteRegistrationError).grpcCode).toBe(grpc.status.UNAVAILABLE);
    expect((error as FlyteRegistrationError).code).toBe("FLYTE_REGISTRATION_FAILED");
    expect((error as Error).message).toMatch(/^could not register task flytesnacks\/development\/\w+@v7 on flyteadmin at 127\.0\.0\.1:1: UNAVAILABLE: No connection established\. Last error: (Error: )?connect ECONNREFUSED 127\.0\.0\.1:1\.$/);
  });
});

describe("aloft register --flyte", () => {
  const fixture = fixtureDir({
    "package.json": '{ "type": "module" }\n',
    "flows.ts": `import { task, workflow, t } from "aloft";
export const double = task({ name: "rfc_double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => 2 * x);
export const wf = workflow({ name: "rfc_wf", inputs: { x: t.int } }, ({ x }) => double({ x }));
`,
  });
  beforeAll(() => assertBuilt());
  afterAll(() => fixture.cleanup());

  it("registers every entity a module exports through AdminService and prints each", async () => {
    const r = await aloft(fixture.dir, ["register", "flows.ts", "--flyte", endpoint, "--insecure", "--project", "flytesnacks", "--domain", "development", "--version", "c1", "--image", "ghcr.io/acme/flows:1"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(calls.map((c) => [c.method, idText(c.request["id"])])).toEqual([
      ["CreateTask", "TASK:flytesnacks/development/rfc_double@c1"],
      ["CreateWorkflow", "WORKFLOW:flytesnacks/development/rfc_wf@c1"],
      ["CreateLaunchPlan", "LAUNCH_PLAN:flytesnacks/development/rfc_wf@c1"],
    ]);
    const spec = calls[0]?.request["spec"] as { template: { container: { image: string; args: string[] } } };
    expect(spec.template.container.image).toBe("ghcr.io/acme/flows:1");
    expect(spec.template.container.args.slice(-3)).toEqual(["--", "flows.ts", "rfc_double"]);
    expect(r.stdout).toMatch(/task\s+rfc_double\s+c1\s+flytesnacks\/development\s+created/);
    expect(r.stdout).toMatch(/3 created, 0 existing, on 127\.0\.0\.1:\d+/);
  });

  it("asks for --project and --domain", async () => {
    const r = await aloft(fixture.dir, ["register", "flows.ts", "--flyte", endpoint, "--insecure"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--flyte needs --project and --domain/);
  });
});
