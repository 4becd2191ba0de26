/**
 * Compiling a conditional to Flyte's `branchNode`: an `IfElseBlock` whose
 * conditions compare the branch node's own inputs (or constants), and whose
 * then-nodes are full nodes bound to the workflow's promises.
 *
 * @module
 */
import type { BooleanExpression, IfBlock, Node, Operand } from "../idl/specs.js";
import type { BranchCondition, BranchConstruct, BranchOperand } from "../sdk/branch-construct.js";
import type { GraphNode } from "../sdk/graph.js";
import { toLiteral } from "../types/literal.js";

/**
 * An operand as flytekit writes it (`core/condition.py`, `transform_to_operand`):
 * a constant as `primitive`, the only constant form flytepropeller's compiler
 * and branch evaluator read (`pkg/compiler/validators/condition.go`,
 * `pkg/controller/nodes/branch/evaluator.go`); none, as flytekit's `is_none()`,
 * as a `scalar` holding `noneType`.
 */
function operand(o: BranchOperand): Operand {
  switch (o.kind) {
    case "var":
      return { var: o.var };
    case "constant":
      return { primitive: toLiteral(o.type, o.value).scalar?.primitive ?? {} };
    case "none":
      return { scalar: { noneType: {} } };
  }
}

/**
 * Compiles a checked condition to a `BooleanExpression`. `EQ` and `AND` are
 * the enums' zero values, so they are left out, as Flyte's own runtimes
 * write them.
 *
 * @example
 * ```ts
 * booleanExpression({ kind: "comparison", operator: "GT", left: { kind: "var", var: ".x" }, right: { kind: "constant", value: 0, type: { simple: "INTEGER" } } });
 * // { comparison: { operator: "GT", leftValue: { var: ".x" }, rightValue: { primitive: { integer: "0" } } } }
 * ```
 */
export function booleanExpression(c: BranchCondition): BooleanExpression {
  if (c.kind === "conjunction") {
    const conjunction: NonNullable<BooleanExpression["conjunction"]> = {};
    if (c.operator !== "AND") conjunction.operator = c.operator;
    conjunction.leftExpression = booleanExpression(c.left);
    conjunction.rightExpression = booleanExpression(c.right);
    return { conjunction };
  }
  const comparison: NonNullable<BooleanExpression["comparison"]> = {};
  if (c.operator !== "EQ") comparison.operator = c.operator;
  comparison.leftValue = operand(c.left);
  comparison.rightValue = operand(c.right);
  return { comparison };
}

/**
 * A then-node under the id flytekit gives it: the SDK names it as it runs
 * (`n3-n0`, flytepropeller's `<branch id>-<then-node id>`), flytekit writes
 * the part after the branch's id (`n0`; `core/condition.py` numbers a
 * conditional's nodes from `n0`), and propeller prefixes it again
 * (`rules/node-ids.ts`).
 */
function withFlytekitId(branchId: string, node: Node): Node {
  const id = node.id ?? "";
  if (id.startsWith(`${branchId}-`)) node.id = id.slice(branchId.length + 1);
  return node;
}

/**
 * Fills in the `branchNode` of a conditional's node; `compileNode` compiles
 * each then-node (and the else node) as a full node. The node's name is the
 * conditional's, and the error of `else().fail(message)` names the
 * conditional as the failed node, as flytekit does (`core/condition.py`,
 * `to_ifelse_block`).
 *
 * @example
 * ```ts
 * compileBranch(node, construct, (inner) => compiler.node(inner));
 * node.branchNode.ifElse.case.thenNode.id; // "n0" (it runs as "n3-n0")
 * ```
 */
export function compileBranch(node: Node, construct: BranchConstruct, compileNode: (inner: GraphNode) => Node): void {
  (node.metadata ??= {}).name = construct.name;
  const then = (inner: GraphNode): Node => withFlytekitId(node.id ?? "", compileNode(inner));
  const blocks: IfBlock[] = construct.cases.map((c) => ({ condition: booleanExpression(c.condition), thenNode: then(c.node) }));
  const ifElse: NonNullable<NonNullable<Node["branchNode"]>["ifElse"]> = { case: blocks[0]! };
  if (blocks.length > 1) ifElse.other = blocks.slice(1);
  if (construct.elseNode) ifElse.elseNode = then(construct.elseNode);
  else ifElse.error = { failedNodeId: construct.name, message: construct.error ?? "" };
  node.branchNode = { ifElse };
}
