/**
 * The `futures.pb` of a dynamic workflow: a `flyteidl.core.DynamicJobSpec`
 * holding the sub-workflow the task built at run time, as flytekit writes it
 * (`core/python_function_task.py`, `compile_into_workflow`): its nodes, the
 * bindings of its outputs, every task template its nodes run, its
 * subworkflows, and `minSuccesses` equal to the number of nodes.
 *
 * @module
 */
import type { BindingData, Literal } from "../idl/core.js";
import type { TaskSpec, TaskTemplate, WorkflowSpec, WorkflowTemplate } from "../idl/specs.js";
import { AloftError } from "../errors.js";

/**
 * `flyteidl.core.DynamicJobSpec`, in protobufjs object form.
 *
 * @example
 * ```ts
 * const spec: DynamicJobSpec = dynamicJobSpec(workflowSpec, tasks);
 * ```
 */
export interface DynamicJobSpec {
  nodes: NonNullable<WorkflowTemplate["nodes"]>;
  minSuccesses: string;
  outputs?: WorkflowTemplate["outputs"];
  tasks?: TaskTemplate[];
  subworkflows?: WorkflowTemplate[];
}

/**
 * The `DynamicJobSpec` of a compiled dynamic body.
 *
 * @example
 * ```ts
 * dynamicJobSpec(bundle.workflows.get(idKey(bundle.root))!, [...bundle.tasks.values()]).minSuccesses; // "2"
 * ```
 */
export function dynamicJobSpec(workflow: WorkflowSpec, tasks: readonly TaskSpec[]): DynamicJobSpec {
  const template = workflow.template ?? {};
  const nodes = template.nodes ?? [];
  const spec: DynamicJobSpec = { nodes, minSuccesses: String(nodes.length) };
  if (template.outputs && template.outputs.length > 0) spec.outputs = template.outputs;
  const templates = tasks.map((t) => t.template).filter((t): t is TaskTemplate => t !== undefined);
  if (templates.length > 0) spec.tasks = templates;
  if (workflow.subWorkflows && workflow.subWorkflows.length > 0) spec.subworkflows = workflow.subWorkflows;
  return spec;
}

/**
 * The literal a constant binding stands for (flytekit `BindingData.to_literal_model`).
 *
 * @throws AloftError for a promise, which has no value without the node it reads.
 *
 * @example
 * ```ts
 * literalOfBinding({ collection: { bindings: [{ scalar: { primitive: { integer: "1" } } }] } });
 * // { collection: { literals: [{ scalar: { primitive: { integer: "1" } } }] } }
 * ```
 */
export function literalOfBinding(b: BindingData): Literal {
  if (b.scalar) return { scalar: b.scalar };
  if (b.collection) {
    const items = b.collection.bindings ?? [];
    return items.length === 0 ? { collection: {} } : { collection: { literals: items.map(literalOfBinding) } };
  }
  if (b.map) {
    const entries = Object.entries(b.map.bindings ?? {});
    if (entries.length === 0) return { map: {} };
    return { map: { literals: Object.fromEntries(entries.map(([k, v]) => [k, literalOfBinding(v)])) } };
  }
  throw new AloftError("a dynamic workflow with no nodes returned an output that reads another node's output");
}
