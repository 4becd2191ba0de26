/**
 * What `addEntity` returns: a reference to the node just added, with its
 * outputs, overrides and ordering.
 *
 * @module
 */
import { DefinitionError } from "../errors.js";
import type { OutputsSpec, NodeOutputs } from "./interface.js";
import type { Graph, GraphNode } from "./graph.js";
import { Handle } from "./handle.js";
import type { OverridesOption } from "./overrides.js";

/** Something that names a node: a node reference or one of its output handles. */
export type NodeLike = NodeRef<OutputsSpec> | Handle<unknown>;

/**
 * A node of a workflow: its id, one handle per output, and the calls that
 * change how it runs.
 *
 * @example
 * ```ts
 * const n1 = wf.addEntity(slope, { x: wf.inputs.x, y: wf.inputs.y }).withOverrides({ retries: 3 });
 * n1.id;         // "n0"
 * n1.outputs.o0; // Handle<number>
 * n0.runsBefore(n1);
 * ```
 */
export interface NodeRef<O extends OutputsSpec> {
  /** The node id: `n0`, `n1`, ... in insertion order. */
  readonly id: string;
  /** What the node runs: the entity's name, or the gate. */
  readonly entityName: string;
  /** One handle per output; reading an output that does not exist throws. */
  readonly outputs: NodeOutputs<O>;
  /** Overrides this node's settings (name, retries, timeout, cache, interruptible, resources); returns the node. */
  withOverrides(overrides: OverridesOption): NodeRef<O>;
  /** Makes the given nodes run after this one, without using its outputs (Flyte's `>>`); returns this node. */
  runsBefore(...others: NodeLike[]): NodeRef<O>;
}

/** The node id a node-like names. */
export function nodeIdOf(graph: Graph, x: unknown): string {
  if (x instanceof Handle) {
    if (x.owner !== graph) throw new DefinitionError(`workflow ${JSON.stringify(graph.name)}: ${x.describe()} belongs to workflow ${JSON.stringify(x.owner.name)}`, { entity: graph.name });
    if (x.nodeId === "") throw new DefinitionError(`workflow ${JSON.stringify(graph.name)}: ${x.describe()} is a workflow input, not a node; only nodes can be ordered`, { entity: graph.name });
    return x.nodeId;
  }
  if (typeof x === "object" && x !== null && typeof (x as { id?: unknown }).id === "string" && NODE_GRAPH.get(x) === graph) return (x as { id: string }).id;
  throw new DefinitionError(`workflow ${JSON.stringify(graph.name)}: runsBefore takes nodes or handles of this workflow, got ${String(x)}`, { entity: graph.name });
}

const NODE_GRAPH = new WeakMap<object, Graph>();

/** Wraps a graph node as a `NodeRef`. */
export function nodeRef<O extends OutputsSpec>(graph: Graph, node: GraphNode): NodeRef<O> {
  const ref: NodeRef<O> = {
    id: node.id,
    entityName: node.entity?.name ?? node.label,
    outputs: node.outputs as NodeOutputs<O>,
    withOverrides(overrides) {
      graph.override(node.id, overrides);
      return ref;
    },
    runsBefore(...others) {
      for (const o of others) graph.addDependency(node.id, nodeIdOf(graph, o));
      return ref;
    },
  };
  NODE_GRAPH.set(ref, graph);
  return ref;
}
