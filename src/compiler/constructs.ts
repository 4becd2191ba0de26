/**
 * Compiling nodes that run no entity (gates, branches) and node overrides.
 *
 * @module
 */
import type { GateNode, Node } from "../idl/specs.js";
import { CompileError } from "../errors.js";
import type { GraphNode, NodeConstruct } from "../sdk/graph.js";
import type { NodeOverrides } from "../sdk/overrides.js";
import { isGateConstruct } from "../sdk/gates.js";
import { isBranchConstruct } from "../sdk/branch-construct.js";
import { compileBranch } from "./branch.js";
import { protoDuration } from "../types/literal.js";
import { resourcesOf } from "./task.js";

/** The `NodeMetadata.config` key listing the inputs a node's cache override ignores. */
export const CACHE_IGNORE_CONFIG = "aloft.cacheIgnoreInputVars";

/** Fills in the target of a gate or branch node. */
export function compileConstruct(node: Node, construct: NodeConstruct, compileNode: (inner: GraphNode) => Node): void {
  if (isGateConstruct(construct)) {
    node.gateNode = construct.gate;
    (node.metadata ??= {}).name = gateNodeName(construct.gate);
    return;
  }
  if (isBranchConstruct(construct)) return compileBranch(node, construct, compileNode);
  throw new CompileError(`node ${node.id ?? ""}: this kind of node (${construct.kind}) cannot be compiled yet`);
}

/**
 * A gate node's name as flytekit writes it (`core/gate.py`, `Gate.construct_node_metadata`):
 * the signal's name for `waitForInput` and `approve`, `"sleep-gate"` for `sleep`.
 *
 * @example
 * ```ts
 * gateNodeName({ approve: { signalId: "publish" } }); // "publish"
 * ```
 */
export function gateNodeName(gate: GateNode): string {
  return gate.signal?.signalId ?? gate.approve?.signalId ?? "sleep-gate";
}

/** Writes node overrides into the node's metadata (and task overrides). */
export function applyOverrides(node: Node, o: NodeOverrides): void {
  const meta = (node.metadata ??= {});
  if (o.name !== undefined) meta.name = o.name;
  // A map task's settings apply to each element: they belong to the task node its array node runs.
  const sub = node.arrayNode?.node;
  if (sub) return applyOverrides(sub, { ...o, name: undefined });
  if (o.retries !== undefined) meta.retries = { retries: o.retries };
  if (o.timeoutMs !== undefined) meta.timeout = protoDuration(o.timeoutMs);
  if (o.interruptible !== undefined) meta.interruptible = o.interruptible;
  if (o.cache === false) meta.cacheable = false;
  else if (o.cache) {
    meta.cacheable = true;
    meta.cacheVersion = o.cache.version;
    if (o.cache.serialize) meta.cacheSerializable = true;
    if (o.cache.ignoredInputs.length > 0) meta.config = { [CACHE_IGNORE_CONFIG]: o.cache.ignoredInputs.join(",") };
  }
  if (o.resources && node.taskNode) node.taskNode.overrides = { resources: resourcesOf(o.resources) };
}
