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
import type { ErrorInfo } from "../../rules/failure.js";

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
  /** Ends the node at `path` with an error (as plain data, `rules/failure.ts`), and fails its scope as the scope's policy says. */
  nodeFailed(path: string, error: ErrorInfo, phase: "failed" | "timedOut"): void;
}

export { nodeLabel as labelOf } from "../../rules/labels.js";
