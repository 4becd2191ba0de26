/**
 * What the handlers of each kind of node (`gate.ts`, `map.ts`, ...) need
 * from the state machine: the step being made, and how to start, dispatch
 * and end nodes. The machine (`../machine.ts`) is the only host.
 *
 * @module
 */
import type { LiteralMap } from "../../idl/core.js";
import type { Node } from "../../idl/specs.js";
import type { DynamicNodeData, TaskNodeData } from "../../store/node-data.js";
import type { Step } from "../step.js";

/**
 * The machine, as the node kinds see it.
 *
 * @example
 * ```ts
 * function startSleep(host: NodeHost, path: string, node: Node): void {
 *   host.step.newNode(path, labelOf(node), {}, { kind: "gate", gate: "sleep" }, "waiting");
 * }
 * ```
 */
export interface NodeHost {
  /** The step being made (its `state` is the execution). */
  readonly step: Step;
  /** Starts node `node` of the scope `prefix` (or a branch's inner node, under the branch's path). */
  startNode(prefix: string, node: Node): void;
  /** The row data of a task node: kind, task, digest, retries, timeout, cache. */
  taskData(node: Node): TaskNodeData | DynamicNodeData;
  /** Queues attempt `attempt` of the task node at `path`, handed out from `readyAt`. */
  dispatchAttempt(path: string, attempt: number, readyAt: number): void;
  /** Ends the node at `path` with its outputs, and moves its scope on. */
  nodeSucceeded(path: string, outputs: LiteralMap): void;
  /** Ends the node at `path` with an error, and fails its scope as the scope's policy says. */
  nodeFailed(path: string, why: string, phase: "failed" | "timedOut"): void;
}

/**
 * What a node runs, for people: `task "slope"`, `approval "publish"`.
 *
 * @example
 * ```ts
 * labelOf({ id: "n0", taskNode: { referenceId: { name: "slope" } } }); // 'task "slope"'
 * ```
 */
export function labelOf(node: Node): string {
  if (node.taskNode) return `task ${JSON.stringify(node.taskNode.referenceId?.name ?? "")}`;
  if (node.workflowNode?.subWorkflowRef) return `workflow ${JSON.stringify(node.workflowNode.subWorkflowRef.name ?? "")}`;
  if (node.workflowNode?.launchplanRef) return `launch plan ${JSON.stringify(node.workflowNode.launchplanRef.name ?? "")}`;
  if (node.branchNode) return `branch ${JSON.stringify(node.metadata?.name ?? node.id ?? "")}`;
  if (node.gateNode?.sleep) return "sleep";
  if (node.gateNode?.signal) return `gate ${JSON.stringify(node.gateNode.signal.signalId ?? "")}`;
  if (node.gateNode?.approve) return `approval ${JSON.stringify(node.gateNode.approve.signalId ?? "")}`;
  if (node.arrayNode) return `map task ${JSON.stringify(node.metadata?.name ?? node.arrayNode.node?.taskNode?.referenceId?.name ?? "")}`;
  return `node ${node.id ?? ""}`;
}
