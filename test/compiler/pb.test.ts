/**
 * The binary form (`.pb`): `encodeSpec` writes what Flyte's tools exchange,
 * `decodeSpec` reads it back, and an independent loader of the official
 * `.proto` files reads the same bytes to the same object.
 */
import { describe, expect, it } from "vitest";
import { CompileError, compile, compileBundle, decodeSpec, encodeSpec, LaunchPlan, t, task, workflow, type SpecMessage } from "aloft";
import imperative from "../../examples/imperative.js";
import declarative from "../../examples/declarative.js";
import { asJson, asWritten, decodeIndependently, specType } from "../helpers/flyteidl.js";
import { TARGET } from "./expect-spec.js";

const add = task({ name: "pb_add", inputs: { a: t.int, b: t.int }, outputs: t.int, retries: 1, timeout: "1m", cache: { version: "1" } }, ({ a, b }) => a + b);
const inner = workflow({ name: "pb_inner", inputs: { a: t.int } }, ({ a }) => add({ a, b: 0 }));
const lp = LaunchPlan.create("pb_lp", inner, { defaultInputs: { a: 3 } });
const outer = workflow({ name: "pb_outer", inputs: { xs: t.list(t.int), m: t.map(t.int) } }, ({ xs, m }) => {
  const a = inner({ a: add({ a: 1, b: 2 }) });
  return { r: lp({ a }), xs, m };
});

const specs: [string, SpecMessage, object][] = [
  ["the imperative example", "flyteidl.admin.WorkflowSpec", compile(imperative, TARGET)],
  ["the declarative example", "flyteidl.admin.WorkflowSpec", compile(declarative, TARGET)],
  ["a workflow with a subworkflow and a launch plan node", "flyteidl.admin.WorkflowSpec", compile(outer, TARGET)],
  ["a task", "flyteidl.admin.TaskSpec", compile(add, TARGET)],
  ["a launch plan", "flyteidl.admin.LaunchPlanSpec", compile(lp, TARGET)],
];

describe("encodeSpec and decodeSpec", () => {
  it.each(specs)("round-trip %s", (_name, message, spec) => {
    const bytes = encodeSpec(message, spec);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBeGreaterThan(0);
    expect(decodeSpec(message, bytes)).toStrictEqual(asWritten(message, asJson(spec)));
  });

  it.each(specs)("write bytes that an independent loader of the .proto files decodes to the same object: %s", (_name, message, spec) => {
    expect(decodeIndependently(message, encodeSpec(message, spec))).toStrictEqual(asWritten(message, asJson(spec)));
  });

  it.each(specs)("write the same bytes as protobufjs does from the .proto files: %s", (_name, message, spec) => {
    const type = specType(message);
    const independent = type.encode(type.fromObject(spec)).finish();
    expect(Buffer.from(encodeSpec(message, spec)).equals(Buffer.from(independent))).toBe(true);
  });

  it("decodes bytes written by the independent loader", () => {
    const spec = compile(outer, TARGET);
    const type = specType("flyteidl.admin.WorkflowSpec");
    const bytes = type.encode(type.fromObject(spec)).finish();
    expect(decodeSpec("flyteidl.admin.WorkflowSpec", bytes)).toStrictEqual(asWritten("flyteidl.admin.WorkflowSpec", asJson(spec)));
  });

  it("encodes every spec of a bundle", () => {
    const bundle = compileBundle(outer, TARGET);
    const all: [SpecMessage, object][] = [
      ...[...bundle.tasks.values()].map((s): [SpecMessage, object] => ["flyteidl.admin.TaskSpec", s]),
      ...[...bundle.workflows.values()].map((s): [SpecMessage, object] => ["flyteidl.admin.WorkflowSpec", s]),
      ...[...bundle.launchPlans.values()].map((s): [SpecMessage, object] => ["flyteidl.admin.LaunchPlanSpec", s]),
    ];
    expect(all).toHaveLength(4);
    for (const [message, spec] of all) expect(decodeIndependently(message, encodeSpec(message, spec))).toStrictEqual(asWritten(message, asJson(spec)));
  });
});

describe("a launch plan's .pb file", () => {
  it("holds flyteidl.admin.LaunchPlan, its id and spec, which encodeSpec and decodeSpec handle", () => {
    const plan = { id: { resourceType: "LAUNCH_PLAN", ...TARGET, name: "pb_lp" }, spec: compile(lp, TARGET) };
    const bytes = encodeSpec("flyteidl.admin.LaunchPlan", plan);
    expect(decodeSpec("flyteidl.admin.LaunchPlan", bytes)).toStrictEqual(asWritten("flyteidl.admin.LaunchPlan", asJson(plan)));
    expect(decodeIndependently("flyteidl.admin.LaunchPlan", bytes)).toStrictEqual(asWritten("flyteidl.admin.LaunchPlan", asJson(plan)));
  });
});

describe("encodeSpec refuses what would not survive", () => {
  it("an unknown field, naming it", () => {
    expect(() => encodeSpec("flyteidl.admin.TaskSpec", { template: { type: "x", bogus: 1 } })).toThrow(CompileError);
    expect(() => encodeSpec("flyteidl.admin.TaskSpec", { template: { type: "x", bogus: 1 } })).toThrow(/template\.bogus/);
  });

  it("an enum value that is not one of the .proto's names, naming the field", () => {
    expect(() => encodeSpec("flyteidl.admin.TaskSpec", { template: { id: { resourceType: "TASKS", name: "x" } } })).toThrow(/template\.id\.resourceType/);
  });

  it("an empty list, which protobuf cannot tell from an absent one", () => {
    expect(() => encodeSpec("flyteidl.admin.WorkflowSpec", { template: { nodes: [] } })).toThrow(/template\.nodes/);
  });

  it("a value of the wrong kind", () => {
    expect(() => encodeSpec("flyteidl.admin.LaunchPlanSpec", { maxParallelism: "lots" })).toThrow(CompileError);
  });

  it("a field written in snake_case instead of protobufjs's camelCase", () => {
    expect(() => encodeSpec("flyteidl.admin.WorkflowSpec", { sub_workflows: [] })).toThrow(/sub_workflows/);
  });
});
