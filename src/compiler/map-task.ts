/**
 * Compiling a map task as flytekit's `ArrayNodeMapTask` does
 * (`core/array_node_map_task.py`, `tools/translator.py`,
 * `get_serializable_array_node_map_task`): an `ArrayNode` whose sub-node runs
 * a task template of its own, `<module>.map_<function>_<hash>-arraynode`,
 * with the list interface of the map (the mapped inputs and the outputs as
 * lists, the bound inputs as they are). flytepropeller checks the array
 * node's bindings against that interface (`pkg/compiler/validators/interface.go`:
 * the array node's interface is its sub-node's).
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Binding, Identifier } from "../idl/core.js";
import type { ArrayNode, Node } from "../idl/specs.js";
import type { MapTaskDefinition } from "../sdk/entity.js";
import { protoDuration } from "../types/literal.js";

/**
 * A float as Python's `str()` writes it (`1.0`, `0.8`, `1e-05`), which
 * flytekit hashes into the name of a map task's template.
 */
function pythonFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exponent] = x.toExponential().split("e") as [string, string];
    const sign = exponent.startsWith("-") ? "-" : "+";
    const digits = exponent.replace(/^[+-]/, "");
    return `${mantissa}e${sign}${digits.padStart(2, "0")}`;
  }
  return String(x);
}

/**
 * The name of a map task's task template, as flytekit names it
 * (`ArrayNodeMapTask.__init__`): `<module>.map_<function>_<md5>-arraynode`,
 * where the md5 is of the sorted bound inputs, the concurrency, the minimum
 * successes and the minimum success ratio as Python writes them. An Aloft task
 * name `a.b.f` is module `a.b` and function `f`; a name without dots has no module.
 *
 * @example
 * ```ts
 * arrayNodeTaskName(definitionOf(mapTask(square)) as MapTaskDefinition);
 * // "map_square_6b3bd0353da5de6e84d7982921ead2b3-arraynode" (md5 of "NoneNone1.0")
 * ```
 */
export function arrayNodeTaskName(def: MapTaskDefinition): string {
  const name = def.task.name;
  const dot = name.lastIndexOf(".");
  const mod = dot >= 0 ? `${name.slice(0, dot)}.` : "";
  const fn = name.slice(dot + 1);
  const hashed = `${[...def.fixed].sort().join(",")}${def.concurrency ?? "None"}None${pythonFloat(def.minSuccessRatio ?? 1)}`;
  return `${mod}map_${fn}_${createHash("md5").update(hashed).digest("hex")}-arraynode`;
}

/**
 * The `ArrayNode` of a map task node, as flytekit writes it: the sub-node,
 * named after the map's task template, runs `taskId` (that template, with
 * the list interface: `isOriginalSubNodeInterface` false) and is bound like
 * the array node itself; the task's retries, timeout and interruptible are
 * the sub-node's, so that they apply to each element. `parallelism` is the
 * concurrency, `minSuccessRatio` (1 unless given, as `map_task` defaults it)
 * is the 32-bit float the proto holds, and `boundInputs` lists the fixed inputs.
 *
 * @example
 * ```ts
 * arrayNodeOf(def, arrayNodeTaskId, node.inputs);
 * // { node: { id: "map_square_…-arraynode", metadata: { name: "map_square_…-arraynode" }, inputs, taskNode: { referenceId: arrayNodeTaskId } },
 * //   minSuccessRatio: 1, isOriginalSubNodeInterface: {} }
 * ```
 */
export function arrayNodeOf(def: MapTaskDefinition, taskId: Identifier, inputs: readonly Binding[] | undefined): ArrayNode {
  const o = def.task.options;
  const name = taskId.name ?? arrayNodeTaskName(def);
  const sub: Node = { id: name, metadata: { name } };
  const meta = sub.metadata!;
  if (o.retries > 0) meta.retries = { retries: o.retries };
  if (o.timeoutMs !== undefined) meta.timeout = protoDuration(o.timeoutMs);
  if (o.interruptible !== undefined) meta.interruptible = o.interruptible;
  if (inputs && inputs.length > 0) sub.inputs = [...inputs];
  sub.taskNode = { referenceId: taskId };
  const array: ArrayNode = { node: sub };
  if (def.concurrency !== undefined) array.parallelism = def.concurrency;
  array.minSuccessRatio = Math.fround(def.minSuccessRatio ?? 1);
  // BoolValue(false), as flytekit writes it: present, its zero value left out.
  array.isOriginalSubNodeInterface = {};
  if (def.fixed.length > 0) array.boundInputs = [...def.fixed];
  return array;
}
