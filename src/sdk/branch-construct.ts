/**
 * A branch node as the compiler reads it: the checked conditions of a
 * `conditional(...)`, with the node each case runs. The SDK builds it
 * (`conditional.ts`); the compiler turns it into Flyte's `branchNode`.
 *
 * @module
 */
import type { LiteralType } from "../idl/core.js";
import type { ComparisonOperator } from "./condition.js";
import type { GraphNode, NodeConstruct } from "./graph.js";

/**
 * An operand of a checked comparison: one of the branch node's inputs, a
 * constant of the compared type, or none.
 *
 * @example
 * ```ts
 * const left: BranchOperand = { kind: "var", var: "n0.o0" };
 * const right: BranchOperand = { kind: "constant", value: 3, type: { simple: "INTEGER" } };
 * ```
 */
export type BranchOperand =
  | { readonly kind: "var"; readonly var: string }
  | { readonly kind: "constant"; readonly value: unknown; readonly type: LiteralType }
  | { readonly kind: "none" };

/**
 * A checked condition, as the compiler reads it (Flyte's `BooleanExpression`).
 *
 * @example
 * ```ts
 * const c: BranchCondition = { kind: "comparison", operator: "GT", left: { kind: "var", var: ".x" }, right: { kind: "constant", value: 0, type: t.int.literalType } };
 * ```
 */
export type BranchCondition =
  | { readonly kind: "comparison"; readonly operator: ComparisonOperator; readonly left: BranchOperand; readonly right: BranchOperand }
  | { readonly kind: "conjunction"; readonly operator: "AND" | "OR"; readonly left: BranchCondition; readonly right: BranchCondition };

/**
 * A branch node as the compiler reads it: the cases in order (the first is
 * the `if`), then the else node or the error of `else().fail(message)`.
 *
 * @example
 * ```ts
 * if (isBranchConstruct(node.construct)) node.construct.cases.length; // 1 + the number of elifs
 * ```
 */
export interface BranchConstruct extends NodeConstruct {
  readonly kind: "branch";
  /** The conditional's name. */
  readonly name: string;
  /** `if` then each `elif`: a condition and the node run when it holds. */
  readonly cases: readonly { readonly condition: BranchCondition; readonly node: GraphNode }[];
  /** The node run when no condition holds, unless the else fails. */
  readonly elseNode: GraphNode | undefined;
  /** The message of `else().fail(message)`. */
  readonly error: string | undefined;
}

/**
 * True for a branch construct.
 *
 * @example
 * ```ts
 * if (node.construct && isBranchConstruct(node.construct)) compileBranch(specNode, node.construct, compileNode);
 * ```
 */
export function isBranchConstruct(c: NodeConstruct): c is BranchConstruct {
  return c.kind === "branch";
}
