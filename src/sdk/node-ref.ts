/**
 * What `addEntity` returns: a reference to the node just added.
 *
 * @module
 */
import type { OutputsSpec, NodeOutputs } from "./interface.js";
import type { GraphNode } from "./graph.js";

/**
 * A node of an imperative workflow: its id and one handle per output.
 *
 * @example
 * ```ts
 * const n1 = wf.addEntity(slope, { x: wf.inputs.x, y: wf.inputs.y });
 * n1.id;         // "n1"
 * n1.outputs.o0; // Handle<number>
 * ```
 */
export interface NodeRef<O extends OutputsSpec> {
  /** The node id: `n0`, `n1`, ... in insertion order. */
  readonly id: string;
  /** The name of the entity the node runs. */
  readonly entityName: string;
  /** One handle per output; reading an output that does not exist throws. */
  readonly outputs: NodeOutputs<O>;
}

/** Wraps a graph node as a `NodeRef`. */
export function nodeRef<O extends OutputsSpec>(node: GraphNode): NodeRef<O> {
  return { id: node.id, entityName: node.entity.name, outputs: node.outputs as NodeOutputs<O> };
}
