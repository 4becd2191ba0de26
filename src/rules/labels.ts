/**
 * What a node runs, for people: the label both runners report as a node's
 * `entity` and name in error messages (`task "slope"`, `conditional "guard"`,
 * `sleep 50 ms`, `map task "mapper_square"`).
 *
 * @module
 */
import type { Node } from "../idl/specs.js";
import { durationMs } from "../compiler/task-policy.js";
import { nodeDisplayName } from "./node-ids.js";

/**
 * The label of a map task's array node: the array node's name, else its
 * sub-node's id, else `mapper_<task>`; a name flytekit gives a map's template
 * (`…map_<task>_<md5>-arraynode`) shows as `mapper_<task>`.
 *
 * @example
 * ```ts
 * mapLabel(node); // 'map task "mapper_square"'
 * ```
 */
export function mapLabel(node: Node): string {
  const sub = node.arrayNode?.node;
  const name = node.metadata?.name || sub?.id || `mapper_${sub?.taskNode?.referenceId?.name ?? ""}`;
  return `map task ${JSON.stringify(nodeDisplayName(name))}`;
}

/**
 * The label of a node of any kind.
 *
 * @example
 * ```ts
 * nodeLabel({ id: "n0", taskNode: { referenceId: { name: "slope" } } }); // 'task "slope"'
 * nodeLabel({ id: "n1", gateNode: { sleep: { duration: { seconds: "1" } } } }); // "sleep 1000 ms"
 * ```
 */
export function nodeLabel(node: Node): string {
  if (node.taskNode) return `task ${JSON.stringify(node.taskNode.referenceId?.name ?? "")}`;
  const wn = node.workflowNode;
  if (wn?.subWorkflowRef) return `workflow ${JSON.stringify(wn.subWorkflowRef.name ?? "")}`;
  if (wn?.launchplanRef) return `launch plan ${JSON.stringify(wn.launchplanRef.name ?? "")}`;
  if (node.branchNode) return `conditional ${JSON.stringify(node.metadata?.name || node.id || "")}`;
  const gate = node.gateNode;
  if (gate?.sleep) return `sleep ${durationMs(gate.sleep.duration) ?? 0} ms`;
  if (gate?.signal) return `gate ${JSON.stringify(gate.signal.signalId ?? "")}`;
  if (gate?.approve) return `approval ${JSON.stringify(gate.approve.signalId ?? "")}`;
  if (node.arrayNode) return mapLabel(node);
  return `node ${node.id ?? ""}`;
}
