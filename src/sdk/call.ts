/**
 * Calling an entity inside a declarative body: add a node to the body's graph
 * and return its outputs shaped as the entity declares them.
 *
 * @module
 */
import { CallOutsideWorkflowError } from "../errors.js";
import { currentGraph } from "./context.js";
import { describeEntity, type EntityDefinition } from "./entity.js";
import type { Graph, GraphNode } from "./graph.js";
import { nodeRef } from "./node-ref.js";

/** The outputs of a node shaped for a call: nothing, a handle, an array or a record. */
export function callResultOf(graph: Graph, node: GraphNode): unknown {
  const shape = node.shape;
  const names = Object.keys(node.outputTypes);
  switch (shape) {
    case "none":
      return nodeRef(graph, node);
    case "single":
      return node.outputs["o0"];
    case "tuple":
      return names.map((n) => node.outputs[n]);
    case "record":
      return Object.fromEntries(names.map((n) => [n, node.outputs[n]]));
  }
}

/** Adds a node for `def` to the body being defined, or explains why it cannot. */
export function callEntity(def: EntityDefinition, args: unknown[]): unknown {
  const graph = currentGraph();
  if (!graph) {
    throw new CallOutsideWorkflowError(
      `${describeEntity(def)} was called outside a workflow body. Calling an entity adds a node to the workflow being defined; to execute it now, use await ${def.name}.run({ ...inputs }).`,
      { entity: def.name },
    );
  }
  if (args.length > 1) {
    throw new CallOutsideWorkflowError(`${describeEntity(def)} takes one record of bindings, like ${def.name}({ x, y }); got ${args.length} arguments`, { entity: graph.name });
  }
  return callResultOf(graph, graph.addNode(def, args[0]));
}
