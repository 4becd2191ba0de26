import { beforeAll, describe, expect, it } from "vitest";
import { TaskTimeoutError, InputValueError } from "aloft";
import { TaskResolver, TaskResolutionError, TaskVersionError, collectEntities, type LoadedModule } from "../../src/worker/resolver.js";
import { compileBundle } from "../../src/compiler/compile.js";
import { definitionOf } from "../../src/sdk/entity.js";
import { specDigest } from "../../src/engine/digest.js";
import { attemptCacheKey, executeAttempt, failureResult, runAttempt } from "../../src/worker/attempt.js";
import { LocalBlobStore } from "../../src/local/blob-store.js";
import { cacheKey } from "../../src/cache/key.js";
import { KEY, registeredSpec, taskItem, writeFixtures } from "./fixtures.js";

let modules: LoadedModule[];
let flows: Record<string, unknown>;
let blobs: LocalBlobStore;

beforeAll(async () => {
  const f = writeFixtures();
  flows = (await import(f.flows)) as Record<string, unknown>;
  modules = [
    { file: "flows.ts", exports: flows },
    { file: "more.mjs", exports: (await import(f.more)) as Record<string, unknown> },
    // The same entity exported again is listed once.
    { file: "again.ts", exports: { alias: flows["add"] } },
  ];
  blobs = new LocalBlobStore(`${f.dir}/blobs`);
});

const context = () => ({ signal: new AbortController().signal, blobs });

describe("task resolution", () => {
  it("runs a task only at the computed version its module's code gives the execution's workflow (regression: relaunch and recover ran today's code)", () => {
    const resolver = new TaskResolver(modules);
    const def = definitionOf(flows["usesHidden"])!;
    const today = compileBundle(def, { project: "p", domain: "d" });
    const version = today.root.version!;
    const spec = [...today.tasks.values()].find((t) => t.template?.id?.name === "hidden")!;
    const key = { project: "p", domain: "d", name: "hidden", version };
    // The execution runs the workflow at the version today's code gives: the task runs.
    expect(resolver.resolve(key, specDigest(spec), undefined, { kind: "workflow", name: "uses_hidden", version }).spec).toEqual(spec);
    // At a computed version other code gave (the same spec, since the spec does not hold the code): refused, naming both.
    const older = "0123456789abcdef";
    const olderSpec = [...compileBundle(def, { project: "p", domain: "d", version: older }).tasks.values()].find((t) => t.template?.id?.name === "hidden")!;
    const refused = (() => {
      try {
        resolver.resolve({ ...key, version: older }, specDigest(olderSpec), undefined, { kind: "workflow", name: "uses_hidden", version: older });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(TaskVersionError);
    expect(refused).toMatchObject({ code: "TASK_VERSION_UNAVAILABLE", task: "hidden", version: older });
    expect((refused as TaskVersionError).loaded).toContain(version);
    expect((refused as Error).message).toContain(`the execution runs workflow "uses_hidden" version ${older}, and the worker's modules (flows.ts, more.mjs, again.ts) give it version ${version}`);
    // A version the user chose, or an entity the modules do not export, is not checked against the code.
    expect(resolver.resolve({ ...key, version: "v1" }, specDigest(registeredSpec(flows["usesHidden"], "hidden")), undefined, { kind: "workflow", name: "uses_hidden", version: "v1" }).key.version).toBe("v1");
    expect(resolver.resolve({ ...key, version: older }, specDigest(olderSpec), undefined, { kind: "workflow", name: "from_text", version: older }).key.version).toBe(older);
  });

  it("collects every entity the modules export, once each, and nothing else", () => {
    const names = collectEntities([...modules, { file: "x.ts", exports: { n: 1, s: "add", o: {}, f: () => 1 } }]).map((e) => `${e.definition.kind}:${e.definition.name}`);
    expect(names).toContain("task:add");
    expect(names).toContain("task:shout");
    expect(names).toContain("workflow:uses_hidden");
    expect(names).toContain("launchPlan:uses_hidden_lp");
    expect(names.filter((n) => n === "task:add")).toHaveLength(1);
    expect(names.some((n) => n.includes("hidden") && n.startsWith("task"))).toBe(false);
  });

  it("finds a task with the registered digest, including one only an exported workflow uses", () => {
    const resolver = new TaskResolver(modules);
    const item = taskItem(flows["add"], "add", { a: 1, b: 2 });
    const resolved = resolver.resolve(item.task, String(item.options["taskDigest"]));
    expect(resolved.template.id).toMatchObject({ name: "add", version: "v1", project: "p", domain: "d" });
    expect(resolved.impl.fn({ a: 1, b: 2 }, context() as never)).toBe(3);
    const hidden = registeredSpec(flows["usesHidden"], "hidden");
    const spec = resolver.resolve({ ...KEY, name: "hidden" }, taskItem(flows["usesHidden"], "hidden", { s: "a" }).options["taskDigest"] as string).spec;
    expect(spec).toEqual(hidden);
  });

  it("refuses a task whose registered spec differs from the worker's code", () => {
    const resolver = new TaskResolver(modules);
    const err = (() => {
      try {
        resolver.resolve({ ...KEY, name: "add" }, "0".repeat(64));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TaskResolutionError);
    expect((err as Error).message).toBe(`the worker's code for task "add" differs from the registered version v1; restart the worker with the same code`);
    expect(failureResult(taskItem(flows["add"], "add", { a: 1, b: 1 }), err)).toMatchObject({ type: "taskFailed", retryable: false });
  });

  it("names the modules when no exported entity has the task", async () => {
    const item = { ...taskItem(flows["add"], "add", { a: 1, b: 1 }), task: { ...KEY, name: "nowhere" } };
    const result = await executeAttempt(new TaskResolver(modules), item, context());
    expect(result).toMatchObject({ type: "taskFailed", retryable: false });
    expect(result.type === "taskFailed" && result.message).toMatch(/the worker has no task "nowhere": none of the entities exported by its modules \(flows.ts, more.mjs, again.ts\) is or uses it/);
  });
});

describe("one attempt, in process", () => {
  const resolve = (item: ReturnType<typeof taskItem>) => new TaskResolver(modules).resolve(item.task, String(item.options["taskDigest"]));

  it("turns literal inputs into values and outputs back into literals", async () => {
    const item = taskItem(flows["add"], "add", { a: 2, b: 40 });
    await expect(runAttempt(resolve(item), item, context())).resolves.toEqual({
      type: "taskSucceeded",
      path: item.path,
      attempt: 1,
      outputs: { literals: { o0: { scalar: { primitive: { integer: "42" } } } } },
    });
  });

  it("fails without retry on a NonRetryableError or inputs that do not fit, and with retry on a RecoverableError", async () => {
    const doomed = taskItem(flows["doomed"], "doomed", { n: 1 });
    await expect(runAttempt(resolve(doomed), doomed, context())).resolves.toMatchObject({ type: "taskFailed", retryable: false, message: "doomed refuses 1" });
    const flaky = taskItem(flows["flaky"], "flaky", { n: 2 });
    await expect(runAttempt(resolve(flaky), flaky, context())).resolves.toMatchObject({ type: "taskFailed", retryable: true, message: "flaky failed on 2" });
    const bad = { ...taskItem(flows["add"], "add", { a: 1, b: 2 }), inputs: { literals: { a: { scalar: { primitive: { stringValue: "x" } } } } } };
    const result = await runAttempt(resolve(bad), bad, context());
    expect(result).toMatchObject({ type: "taskFailed", retryable: false });
    expect(failureResult(bad, new InputValueError("m", "t", "a")).retryable).toBe(false);
  });

  it("reports a timeout given through the signal as timed out", async () => {
    const item = taskItem(flows["polite"], "polite", { ms: 5000, log: `${blobs.root}-log` }, { timeoutMs: 50 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new TaskTimeoutError('task "polite" timed out after 50 ms (attempt 1)', 50)), 50);
    await expect(runAttempt(resolve(item), item, { signal: controller.signal, blobs })).resolves.toEqual({
      type: "taskFailed",
      path: item.path,
      attempt: 1,
      message: 'task "polite" timed out after 50 ms (attempt 1)',
      error: { name: "TaskTimeoutError", message: 'task "polite" timed out after 50 ms (attempt 1)', fields: { timeoutMs: 50 } },
      retryable: true,
      timedOut: true,
    });
  });

  it("builds and compiles a dynamic workflow's sub-graph instead of running a function", async () => {
    const item = taskItem(flows["squares"], "squares", { n: 3 }, { dynamic: true });
    const result = await runAttempt(resolve(item), item, context());
    expect(result.type).toBe("taskSucceeded");
    if (result.type !== "taskSucceeded") return;
    expect(result.outputs).toEqual({ literals: {} });
    expect(result.dynamic?.workflow.template?.id).toMatchObject({ resourceType: "WORKFLOW", project: "p", domain: "d", version: "v1" });
    expect(result.dynamic?.workflow.template?.nodes).toHaveLength(3);
    expect(result.dynamic?.tasks.map((t) => t.template?.id?.name)).toEqual(["add"]);
  });

  it("computes the local runner's cache key, without the ignored inputs", () => {
    const spec = registeredSpec(flows["counted"], "counted");
    const item = taskItem(flows["counted"], "counted", { x: 3, log: "/a", ms: 1 }, { cache: { version: "1", serialize: true, ignoredInputs: ["log", "ms"] } });
    const other = taskItem(flows["counted"], "counted", { x: 3, log: "/b", ms: 2 }, { cache: { version: "1", serialize: true, ignoredInputs: ["log", "ms"] } });
    const key = attemptCacheKey(resolve(item), item);
    expect(key).toBe(cacheKey({ task: "counted", version: "1", interface: spec.template?.interface, inputs: { x: 3, log: "/a", ms: 1 }, ignoredInputs: ["log", "ms"] }));
    expect(attemptCacheKey(resolve(other), other)).toBe(key);
    expect(attemptCacheKey(resolve(item), { ...item, options: { taskDigest: "x" } })).toBeUndefined();
  });
});
