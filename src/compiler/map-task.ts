/**
 * Compiling a map task to a flyteidl `ArrayNode`.
 *
 * @module
 */
import type { Binding, Identifier } from "../idl/core.js";
import type { ArrayNode, Node } from "../idl/specs.js";
import type { MapTaskDefinition } from "../sdk/entity.js";
import { protoDuration } from "../types/literal.js";

/**
 * The `ArrayNode` of a map task node, as flytekit writes it: the sub-node is
 * a task node running `taskId` with the task's own (scalar) interface
 * (`isOriginalSubNodeInterface`), bound like the array node itself; the
 * task's retries, timeout and interruptible are the sub-node's, so that
 * they apply to each element. `parallelism` is the concurrency,
 * `minSuccessRatio` is written as the 32-bit float the proto holds, and
 * `boundInputs` lists the fixed inputs.
 *
 * @example
 * ```ts
 * arrayNodeOf(definitionOf(mapTask(square)) as MapTaskDefinition, squareId, node.inputs);
 * // { node: { id: "mapper_square", metadata: { name: "square" }, inputs, taskNode: { referenceId: squareId } },
 * //   isOriginalSubNodeInterface: { value: true } }
 * ```
 */
export function arrayNodeOf(def: MapTaskDefinition, taskId: Identifier, inputs: readonly Binding[] | undefined): ArrayNode {
  const o = def.task.options;
  const sub: Node = { id: def.name, metadata: { name: def.task.name } };
  const meta = sub.metadata!;
  if (o.retries > 0) meta.retries = { retries: o.retries };
  if (o.timeoutMs !== undefined) meta.timeout = protoDuration(o.timeoutMs);
  if (o.interruptible !== undefined) meta.interruptible = o.interruptible;
  if (inputs && inputs.length > 0) sub.inputs = [...inputs];
  sub.taskNode = { referenceId: taskId };
  const array: ArrayNode = { node: sub };
  if (def.concurrency !== undefined) array.parallelism = def.concurrency;
  if (def.minSuccessRatio !== undefined) array.minSuccessRatio = Math.fround(def.minSuccessRatio);
  array.isOriginalSubNodeInterface = { value: true };
  if (def.fixed.length > 0) array.boundInputs = [...def.fixed];
  return array;
}
