/**
 * Assertions shared by the compiler tests: a compiled spec must be exactly the
 * object protobufjs gives back for it, through `fromObject`/`toObject` and
 * through the binary wire format, using an independent loader of the
 * official `.proto` files.
 *
 * @module
 */
import { expect } from "vitest";
import type { LaunchPlanSpec, Node, TaskSpec, WorkflowSpec, WorkflowTemplate } from "aloft";
import { asJson, asWritten, roundTrip, throughWire, zeroValuedFields, type AdminSpec } from "../helpers/flyteidl.js";

/** The project, domain and version most tests compile to. */
export const TARGET = { project: "flytesnacks", domain: "development", version: "v1" } as const;

/** An identifier under `TARGET`. */
export function idOf(resourceType: "TASK" | "WORKFLOW" | "LAUNCH_PLAN", name: string) {
  return { resourceType, ...TARGET, name };
}

/**
 * Asserts that `spec` is plain JSON and that protobufjs, from the official
 * `.proto` files, gives back exactly the same object (less the zero values
 * protobuf does not write, `asWritten`): through
 * `toObject(fromObject(spec), { enums: String, longs: String })`, and through
 * `encode` then `decode`. Also asserts the spec holds no field that Go or
 * Python protobuf would drop (empty lists and maps, zero values without
 * presence), except the `nodeId: ""` of promises of workflow inputs, which
 * Flyte's object form keeps.
 *
 * @example
 * ```ts
 * expectProtoForm("flyteidl.admin.WorkflowSpec", compile(wf, TARGET));
 * ```
 */
export function expectProtoForm(message: AdminSpec, spec: object): void {
  const json = asJson(spec);
  expect(spec, "the spec is plain JSON: no undefined fields, no class instances").toStrictEqual(json);
  expect(roundTrip(message, spec), `toObject(fromObject(spec)) for ${message}`).toStrictEqual(asWritten(message, json));
  expect(throughWire(message, spec), `decode(encode(spec)) for ${message}`).toStrictEqual(asWritten(message, json));
  const dropped = zeroValuedFields(message, spec).filter((path) => !/\.promise\.nodeId$/.test(path));
  expect(dropped, "fields Flyte's Go and Python runtimes would not write").toEqual([]);
}

/** Narrows a compiled spec to a `WorkflowSpec` with a template. */
export function asWorkflowSpec(spec: WorkflowSpec | TaskSpec | LaunchPlanSpec): WorkflowSpec & { template: WorkflowTemplate } {
  expect(spec).toHaveProperty("template.nodes");
  return spec as WorkflowSpec & { template: WorkflowTemplate };
}

/** The nodes of a workflow spec's template. */
export function nodesOf(spec: WorkflowSpec | TaskSpec | LaunchPlanSpec): Node[] {
  return asWorkflowSpec(spec).template.nodes ?? [];
}

/** The node with `id` in a template. */
export function nodeById(template: WorkflowTemplate, id: string): Node {
  const node = (template.nodes ?? []).find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id} in ${template.id?.name ?? "?"} (nodes: ${(template.nodes ?? []).map((n) => n.id).join(", ")})`);
  return node;
}
