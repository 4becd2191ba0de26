/**
 * Specs in the shape flytekit writes them (`pyflyte package`: flytekit
 * `tools/translator.py` and `models/`), built here with the official
 * flyteidl protobuf types and written as `NNN_<name>_1.pb` (TaskSpec),
 * `_2.pb` (WorkflowSpec) and `_3.pb` (LaunchPlan). Each workflow mirrors a
 * flytesnacks "core" example that flytepropeller's compiler tests hold
 * (`pkg/compiler/test/testdata/snacks-core`); none is copied from there.
 *
 * flytekit's habits kept on purpose: identifiers with a name and resource
 * type only, workflow inputs as promises with no node id, zero enums left
 * out, `metadata.name` the function's name, retries as an empty message.
 */
import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { messageType } from "../../src/compiler/proto.js";
import type { BindingData, LiteralType } from "../../src/idl/core.js";
import type { LaunchPlanSpec, Node, TaskTemplate, WorkflowTemplate } from "../../src/idl/specs.js";

export const INT: LiteralType = { simple: "INTEGER" };
export const FLOAT: LiteralType = { simple: "FLOAT" };
export const STR: LiteralType = { simple: "STRING" };
export const BOOL: LiteralType = { simple: "BOOLEAN" };
export const list = (t: LiteralType): LiteralType => ({ collectionType: t });

function variables(vars: Record<string, LiteralType>) {
  return { variables: Object.fromEntries(Object.entries(vars).map(([k, type]) => [k, { type, description: k }])) };
}

/** A `@task` as flytekit serialises it: type python-task, the default resolver's args. */
export function pyTask(name: string, inputs: Record<string, LiteralType>, outputs: Record<string, LiteralType>, type = "python-task"): TaskTemplate {
  const dot = name.lastIndexOf(".");
  return {
    id: { resourceType: "TASK", name },
    type,
    metadata: { runtime: { type: "FLYTE_SDK", version: "1.10.0", flavor: "python" }, retries: {} },
    interface: { inputs: variables(inputs), outputs: variables(outputs) },
    container: {
      image: "ghcr.io/flyteorg/flytekit:py3.11-1.10.0",
      args: ["pyflyte-execute", "--inputs", "{{.input}}", "--output-prefix", "{{.outputPrefix}}", "--raw-output-data-prefix", "{{.rawOutputDataPrefix}}", "--resolver", "flytekit.core.python_auto_container.default_task_resolver", "--", "task-module", name.slice(0, dot), "task-name", name.slice(dot + 1)],
    },
  };
}

/** flytekit's old-style `map_task`: type container_array, list-ified interface, the mapped task only in the args. */
export function containerArrayTask(name: string, mapped: string, inputs: Record<string, LiteralType>, outputs: Record<string, LiteralType>): TaskTemplate {
  const dot = mapped.lastIndexOf(".");
  const lists = (r: Record<string, LiteralType>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, list(v)]));
  return {
    id: { resourceType: "TASK", name },
    type: "container_array",
    metadata: { runtime: { type: "FLYTE_SDK", version: "1.10.0", flavor: "python" }, retries: {} },
    interface: { inputs: variables(lists(inputs)), outputs: variables(lists(outputs)) },
    custom: { fields: { minSuccessRatio: { numberValue: 1 } } },
    container: {
      image: "ghcr.io/flyteorg/flytekit:py3.11-1.10.0",
      args: ["pyflyte-map-execute", "--inputs", "{{.input}}", "--resolver", "flytekit.core.python_auto_container.default_task_resolver", "--", "task-module", mapped.slice(0, dot), "task-name", mapped.slice(dot + 1)],
    },
  };
}

/**
 * flytekit's ArrayNode `map_task` (since 1.12; `core/array_node_map_task.py`): a task template of its own named
 * `<module>.map_<function>_<md5>-arraynode` (`md5` of the sorted bound inputs, concurrency, min successes and
 * min success ratio as Python writes them), type python-task, the list interface with bound inputs kept as
 * they are, and pyflyte-map-execute with the ArrayNodeMapTaskResolver's `vars <bound>` in its args.
 */
export function arrayNodeMapTask(mapped: string, hashed: string, inputs: Record<string, LiteralType>, outputs: Record<string, LiteralType>, bound: string[] = []): TaskTemplate {
  const dot = mapped.lastIndexOf(".");
  const md5 = createHash("md5").update(hashed).digest("hex");
  const name = `${mapped.slice(0, dot)}.map_${mapped.slice(dot + 1)}_${md5}-arraynode`;
  const lists = (r: Record<string, LiteralType>, keep: string[]) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, keep.includes(k) ? v : list(v)]));
  return {
    id: { resourceType: "TASK", name },
    type: "python-task",
    metadata: { runtime: { type: "FLYTE_SDK", version: "1.14.0", flavor: "python" }, retries: {} },
    interface: { inputs: variables(lists(inputs, bound)), outputs: variables(lists(outputs, [])) },
    container: {
      image: "ghcr.io/flyteorg/flytekit:py3.11-1.14.0",
      args: [
        "pyflyte-map-execute", "--inputs", "{{.input}}", "--output-prefix", "{{.outputPrefix}}", "--raw-output-data-prefix", "{{.rawOutputDataPrefix}}",
        "--checkpoint-path", "{{.checkpointOutputPrefix}}", "--prev-checkpoint", "{{.prevCheckpointPrefix}}",
        "--resolver", "flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver", "--",
        "vars", [...bound].sort().join(","), "resolver", "flytekit.core.python_auto_container.default_task_resolver", "task-module", mapped.slice(0, dot), "task-name", mapped.slice(dot + 1),
      ],
    },
  };
}

/** A promise of a workflow input: flytekit leaves the node id empty. */
export const input = (v: string): BindingData => ({ promise: { var: v } });
/** A promise of a node's output. */
export const output = (nodeId: string, v: string): BindingData => ({ promise: { nodeId, var: v } });

/** A task node as flytekit writes it. */
export function taskNode(id: string, task: string, inputs: Record<string, BindingData> = {}, upstream: string[] = []): Node {
  return {
    id,
    metadata: { name: task.slice(task.lastIndexOf(".") + 1), retries: {} },
    inputs: Object.entries(inputs).map(([v, binding]) => ({ var: v, binding })),
    ...(upstream.length > 0 ? { upstreamNodeIds: upstream } : {}),
    taskNode: { referenceId: { resourceType: "TASK", name: task } },
  };
}

export function workflowTemplate(name: string, inputs: Record<string, LiteralType>, outputs: Record<string, LiteralType>, nodes: Node[], outputBindings: Record<string, BindingData>): WorkflowTemplate {
  return {
    id: { resourceType: "WORKFLOW", name },
    metadata: {},
    interface: { inputs: variables(inputs), outputs: variables(outputs) },
    nodes,
    outputs: Object.entries(outputBindings).map(([v, binding]) => ({ var: v, binding })),
    metadataDefaults: {},
  };
}

/** The launch plan flytekit writes for every workflow (named after it), with its defaults. */
export function defaultLaunchPlan(wf: WorkflowTemplate, defaults: Record<string, { type: LiteralType; literal: object }> = {}, name = wf.id!.name!, fixed: Record<string, object> = {}): { name: string; spec: LaunchPlanSpec } {
  const parameters: Record<string, object> = {};
  for (const [k, v] of Object.entries(wf.interface?.inputs?.variables ?? {})) {
    const d = defaults[k];
    if (k in fixed) continue;
    parameters[k] = d ? { var: v, default: d.literal } : { var: v, required: true };
  }
  return {
    name,
    spec: {
      workflowId: { resourceType: "WORKFLOW", name: wf.id!.name! },
      entityMetadata: {},
      defaultInputs: { parameters },
      fixedInputs: { literals: fixed },
    } as LaunchPlanSpec,
  };
}

export interface Package {
  readonly tasks?: TaskTemplate[];
  readonly workflows?: { template: WorkflowTemplate; subWorkflows?: WorkflowTemplate[] }[];
  readonly launchPlans?: { name: string; spec: LaunchPlanSpec }[];
}

function encode(message: string, obj: object): Uint8Array {
  const type = messageType(message);
  const err = type.verify(type.fromObject(obj));
  if (err) throw new Error(`fixture is not a valid ${message}: ${err}`);
  return type.encode(type.fromObject(obj)).finish();
}

/** The files `pyflyte package` would write for a package, by name. */
export function packageFiles(pkg: Package): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  const n = () => String(out.length).padStart(3, "0");
  for (const t of pkg.tasks ?? []) out.push({ name: `${n()}_${t.id!.name}_1.pb`, bytes: encode("flyteidl.admin.TaskSpec", { template: t }) });
  for (const w of pkg.workflows ?? []) out.push({ name: `${n()}_${w.template.id!.name}_2.pb`, bytes: encode("flyteidl.admin.WorkflowSpec", { template: w.template, subWorkflows: w.subWorkflows ?? [] }) });
  for (const l of pkg.launchPlans ?? []) out.push({ name: `${n()}_${l.name}_3.pb`, bytes: encode("flyteidl.admin.LaunchPlan", { id: { resourceType: "LAUNCH_PLAN", name: l.name }, spec: l.spec }) });
  return out;
}

/** Writes a package to a new folder and returns its path. */
export async function writePackage(pkg: Package): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "aloft-pkg-"));
  for (const f of packageFiles(pkg)) await writeFile(path.join(dir, f.name), f.bytes);
  return dir;
}
