/**
 * Branch nodes (conditionals) in the engine: the first case whose condition
 * holds (else the else node) runs under the branch's path, `n3/n3-n1`, and
 * the branch ends with it; no case and no else fails the branch.
 *
 * @module
 */
import type { LiteralMap } from "../../idl/core.js";
import type { Node } from "../../idl/specs.js";
import { evaluate } from "../literal-ops.js";
import { labelOf, type NodeHost } from "./host.js";

/**
 * Starts branch node `node` at `path` and the node of the case it takes.
 *
 * @example
 * ```ts
 * startBranch(host, "n1", node, inputs); // row n1 { kind: "branch", chosen: "n1-n0" }, and n1/n1-n0 started
 * ```
 */
export function startBranch(host: NodeHost, path: string, node: Node, inputs: LiteralMap): void {
  const { step } = host;
  const ie = node.branchNode?.ifElse;
  step.newNode(path, labelOf(node), inputs, { kind: "branch" });
  if (!ie) return host.nodeFailed(path, "the branch has no cases", "failed");
  let chosen: Node | undefined;
  for (const block of [ie.case, ...(ie.other ?? [])]) {
    if (block && evaluate(block.condition, inputs)) {
      chosen = block.thenNode;
      break;
    }
  }
  chosen ??= ie.elseNode;
  if (!chosen) {
    step.patchNode(path, { data: { chosen: null } });
    return host.nodeFailed(path, ie.error?.message ?? "no branch matched and there is no else", "failed");
  }
  step.patchNode(path, { data: { chosen: chosen.id ?? "" } });
  host.startNode(`${path}/`, chosen);
}
