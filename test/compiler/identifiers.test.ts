/**
 * Identifiers in compiled specs: resource types, project, domain, and the
 * default version, a stable hash of what is compiled.
 */
import { describe, expect, it } from "vitest";
import { CompileError, compile, compileBundle, LaunchPlan, t, task, workflow, type Identifier, type LaunchPlanSpec, type TaskSpec } from "aloft";
import { asWorkflowSpec, TARGET } from "./expect-spec.js";
import { step as plusOne } from "./fixtures/version-a.js";
import { step as sameText } from "./fixtures/version-a-copy.js";
import { step as plusTwo } from "./fixtures/version-b.js";

/** Every identifier in a spec, with the path it was found at. */
function identifiers(value: unknown, at = ""): [string, Identifier][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => identifiers(v, `${at}[${i}]`));
  if (typeof value !== "object" || value === null) return [];
  if ("resourceType" in value) return [[at, value as Identifier]];
  return Object.entries(value).flatMap(([k, v]) => identifiers(v, at ? `${at}.${k}` : k));
}

/** Builds the same small application afresh (new task and workflow objects), with a given body for the task. */
function application(suffix: string, body: (a: number) => number = (a) => a + 1) {
  const step = task({ name: `id_step${suffix}`, inputs: { a: t.int }, outputs: t.int }, ({ a }) => body(a));
  const sub = workflow({ name: `id_sub${suffix}`, inputs: { a: t.int } }, ({ a }) => step({ a }));
  const wf = workflow({ name: `id_app${suffix}`, inputs: { a: t.int } }, ({ a }) => sub({ a: step({ a }) }));
  return { step, sub, wf };
}

describe("resource types", () => {
  it("are WORKFLOW for templates and subworkflow refs, TASK for task refs, LAUNCH_PLAN for launch plan refs", () => {
    const { wf } = application("_rt");
    const lp = LaunchPlan.create("id_rt_lp", wf);
    const caller = workflow({ name: "id_rt_caller", inputs: { a: t.int } }, ({ a }) => lp({ a }));
    const byPath = Object.fromEntries([...identifiers(compile(wf, TARGET)), ...identifiers(compile(caller, TARGET))].map(([p, id]) => [`${p}:${id.name ?? ""}`, id.resourceType]));
    expect(byPath).toEqual({
      "template.id:id_app_rt": "WORKFLOW",
      "template.nodes[0].taskNode.referenceId:id_step_rt": "TASK",
      "template.nodes[1].workflowNode.subWorkflowRef:id_sub_rt": "WORKFLOW",
      "subWorkflows[0].id:id_sub_rt": "WORKFLOW",
      "subWorkflows[0].nodes[0].taskNode.referenceId:id_step_rt": "TASK",
      "template.id:id_rt_caller": "WORKFLOW",
      "template.nodes[0].workflowNode.launchplanRef:id_rt_lp": "LAUNCH_PLAN",
    });
  });

  it("are TASK for a task spec and WORKFLOW for the workflow a launch plan launches", () => {
    const { step, wf } = application("_rt2");
    expect((compile(step, TARGET) as TaskSpec).template?.id?.resourceType).toBe("TASK");
    expect((compile(LaunchPlan.create("id_rt2_lp", wf), TARGET) as LaunchPlanSpec).workflowId?.resourceType).toBe("WORKFLOW");
    expect(compileBundle(LaunchPlan.create("id_rt2_lp", wf), TARGET).root.resourceType).toBe("LAUNCH_PLAN");
  });
});

describe("project, domain and version", () => {
  it("are the ones given, on every identifier of every spec in the bundle", () => {
    const { wf } = application("_target");
    const bundle = compileBundle(LaunchPlan.create("id_target_lp", wf), { project: "p1", domain: "staging", version: "abc" });
    const all = [...bundle.tasks.values(), ...bundle.workflows.values(), ...bundle.launchPlans.values()].flatMap((s) => identifiers(s));
    expect(all.length).toBeGreaterThan(5);
    for (const [, id] of all) expect(id).toMatchObject({ project: "p1", domain: "staging", version: "abc" });
  });

  it("default to project \"aloft\" and domain \"development\"", () => {
    const { wf } = application("_defaults");
    expect(asWorkflowSpec(compile(wf)).template.id).toMatchObject({ project: "aloft", domain: "development" });
  });

  it("must be non-empty strings without spaces or slashes", () => {
    const { wf } = application("_bad");
    expect(() => compile(wf, { version: "a/b" })).toThrow(CompileError);
    expect(() => compile(wf, { project: "" })).toThrow(CompileError);
    expect(() => compile(wf, { domain: "dev elopment" })).toThrow(CompileError);
  });

  it("compileBundle refuses a value that is not an entity with a CompileError (it was a TypeError from `\"kind\" in entity`)", () => {
    for (const bad of ["wf", 1, undefined, null]) expect(() => compileBundle(bad as never)).toThrow(/compile\(\) takes a task, workflow or launch plan/);
  });
});

describe("the default version", () => {
  const versionOf = (entity: Parameters<typeof compile>[0]) => asWorkflowSpec(compile(entity, { project: "p", domain: "d" })).template.id?.version;

  it("is a short hex hash, the same on every identifier", () => {
    const { wf } = application("_hash");
    const spec = compile(wf, { project: "p", domain: "d" });
    const versions = new Set(identifiers(spec).map(([, id]) => id.version));
    expect(versions.size).toBe(1);
    expect([...versions][0]).toMatch(/^[0-9a-f]{16}$/);
  });

  it("is stable: the same entity, or the same entity built again, gets the same version", () => {
    const first = application("_stable").wf;
    expect(versionOf(first)).toBe(versionOf(first));
    expect(versionOf(application("_stable").wf)).toBe(versionOf(first));
  });

  it("changes when the file defining a task changes, even if its interface does not; the same text in another file gives the same version", () => {
    const build = (step: ReturnType<typeof application>["step"]) => workflow({ name: "id_body", inputs: { a: t.int } }, ({ a }) => step({ a }));
    expect(versionOf(build(sameText))).toBe(versionOf(build(plusOne)));
    expect(versionOf(build(plusTwo))).not.toBe(versionOf(build(plusOne)));
  });

  it("changes when the graph changes", () => {
    const step = task({ name: "id_graph_step", inputs: { a: t.int }, outputs: t.int }, ({ a }) => a);
    const once = workflow({ name: "id_graph", inputs: { a: t.int } }, ({ a }) => step({ a }));
    const twice = workflow({ name: "id_graph", inputs: { a: t.int } }, ({ a }) => step({ a: step({ a }) }));
    expect(versionOf(twice)).not.toBe(versionOf(once));
  });

  it("changes with the project, so two projects never share a version by accident", () => {
    const { wf } = application("_project");
    const a = asWorkflowSpec(compile(wf, { project: "p" })).template.id?.version;
    const b = asWorkflowSpec(compile(wf, { project: "q" })).template.id?.version;
    expect(a).not.toBe(b);
  });
});
