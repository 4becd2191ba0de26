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
import { keepShape } from "../shapes.js";

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
  if (x instanceof GraphNodeRef && GraphNodeRef.graphOf(x) === graph) return x.id;
  throw new DefinitionError(`workflow ${JSON.stringify(graph.name)}: runsBefore takes nodes or handles of this workflow, got ${String(x)}`, { entity: graph.name });
}

/**
 * A `NodeRef`: its methods are on the prototype and its graph in a private
 * field, so a node added costs one small object (no closures, no entry in a
 * map of every node ever added), most of them garbage at once.
 */
class GraphNodeRef<O extends OutputsSpec> implements NodeRef<O> {
  readonly id: string;
  readonly entityName: string;
  readonly outputs: NodeOutputs<O>;
  readonly #graph: Graph;

  constructor(graph: Graph, node: GraphNode) {
    this.id = node.id;
    this.entityName = node.entity?.name ?? node.label;
    this.outputs = node.outputs as NodeOutputs<O>;
    this.#graph = graph;
  }

  /** The graph `ref` is a node of. */
  static graphOf(ref: GraphNodeRef<OutputsSpec>): Graph {
    return ref.#graph;
  }

  withOverrides(overrides: OverridesOption): NodeRef<O> {
    this.#graph.override(this.id, overrides);
    return this;
  }

  runsBefore(...others: NodeLike[]): NodeRef<O> {
    for (const o of others) this.#graph.addDependency(this.id, nodeIdOf(this.#graph, o));
    return this;
  }
}

// Most references are garbage as soon as the next node is added: one sample keeps their shape across major GCs (shapes.ts).
keepShape(new GraphNodeRef(undefined as never, { id: "", entity: undefined, label: "", outputs: {} } as unknown as GraphNode));

/** Wraps a graph node as a `NodeRef`. */
export function nodeRef<O extends OutputsSpec>(graph: Graph, node: GraphNode): NodeRef<O> {
  return new GraphNodeRef<O>(graph, node);
}
