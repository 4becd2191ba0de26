/**
 * Attaching a failure handler (Flyte's failure node, id `efn`) to a graph.
 *
 * @module
 */
import { DefinitionError, DuplicateNameError } from "../errors.js";
import { definitionOf, describeEntity, type AnyEntity } from "./entity.js";
import type { Graph } from "./graph.js";

/** The input a failure handler may declare to receive the error. */
export const ERROR_INPUT = "err";

/**
 * Adds `handler` as the graph's failure node. The handler receives the
 * workflow inputs it declares (by name) and, if it declares an optional
 * `err: t.optional(t.error)` input, the failed node's id and message.
 */
export function attachFailureHandler(graph: Graph, handler: AnyEntity): void {
  const def = definitionOf(handler);
  if (!def) throw new DefinitionError(`workflow ${JSON.stringify(graph.name)}: the failure handler must be a task or workflow, got ${String(handler)}`, { entity: graph.name });
  if (graph.failureNode) throw new DuplicateNameError(`workflow ${JSON.stringify(graph.name)} already has a failure handler`, { entity: graph.name, node: "efn" });
  const bindings: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(def.interface.inputs)) {
    if (name === ERROR_INPUT) {
      if (type.literalType.unionType?.variants?.some((v) => v.simple === "ERROR") !== true) {
        throw new DefinitionError(`workflow ${JSON.stringify(graph.name)}: the failure handler ${describeEntity(def)} declares input "err", which must be t.optional(t.error) to receive the error`, { entity: graph.name, node: "efn" });
      }
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(graph.inputTypes, name)) bindings[name] = graph.inputs[name];
  }
  graph.addNode(def, bindings, "efn");
}
