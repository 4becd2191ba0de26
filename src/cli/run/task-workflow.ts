/**
 * Running a task alone on the engine, which runs workflows and launch plans:
 * the task is wrapped in a workflow of one node, named as Flyte names the
 * workflow it makes for a single-task execution (`.flytegen.<task>`), with
 * the task's inputs and outputs.
 *
 * @module
 */
import type { TaskDefinition } from "../../sdk/entity.js";
import type { EntityLike } from "../../sdk/entity.js";
import { Workflow } from "../../sdk/workflow-builder.js";
import type { AnyType } from "../../types/type.js";

/**
 * A workflow that runs `task` once: every input passed through, every output returned.
 *
 * @example
 * ```ts
 * const wf = workflowForTask(add, definitionOf(add)); // workflow ".flytegen.add"
 * await engine.start(wf, { a: 1, b: 2 });
 * ```
 */
export function workflowForTask(task: EntityLike, def: TaskDefinition): Workflow {
  const wf = new Workflow(`.flytegen.${def.name}`);
  const bindings: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(def.interface.inputs)) bindings[name] = wf.addWorkflowInput(name, type as AnyType);
  const node = wf.addEntity(task as unknown as Workflow, bindings);
  const outputs = node.outputs as Readonly<Record<string, unknown>>;
  for (const name of Object.keys(def.interface.outputs)) wf.addWorkflowOutput(name, outputs[name], def.interface.outputs[name] as AnyType);
  return wf;
}
