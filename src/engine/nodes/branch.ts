/**
 * Branch nodes (conditionals) in the engine: the case is chosen by the shared
 * rule (`rules/branch.ts`) on the node's input literals, its node runs under
 * the branch's path, `n3/n3-n1`, and the branch ends with it; no case and a
 * `fail()` else fails the branch with a `ConditionalError`.
 *
 * @module
 */
import type { LiteralMap } from "../../idl/core.js";
import type { Node } from "../../idl/specs.js";
import { caseNode, chooseCase, literalInput, planBranch } from "../../rules/branch.js";
import { errorInfo } from "../../rules/failure.js";
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
  step.newNode(path, labelOf(node), inputs, { kind: "branch" });
  let chosen: Node;
  try {
    const plan = planBranch(node);
    chosen = caseNode(plan, chooseCase(plan, (name) => literalInput(inputs.literals?.[name])));
  } catch (e) {
    step.patchNode(path, { data: { chosen: null } });
    return host.nodeFailed(path, errorInfo(e), "failed");
  }
  step.patchNode(path, { data: { chosen: chosen.id ?? "" } });
  host.startNode(`${path}/`, chosen);
}
