/**
 * Choosing a conditional's branch, for both runners. The cases are tried in
 * order and the then-node of the first whose condition holds runs, else the
 * else node; with neither, the conditional fails with its `fail()` message
 * (flytepropeller `pkg/controller/nodes/branch/evaluator.go`: `DecideBranch`,
 * `ErrorCodeUserProvidedError`).
 *
 * An operand is read in every encoding flyteidl has: `var` (an input of the
 * branch node), `scalar`, and the older `primitive` that flytekit writes
 * (`core/condition.py`) and propeller reads (`EvaluateComparison`).
 *
 * @module
 */
import type { Literal } from "../idl/core.js";
import type { BooleanExpression, ComparisonExpression, Node, Operand } from "../idl/specs.js";
import { CompileError, ConditionalError } from "../errors.js";
import { describeValue } from "../types/describe.js";
import { fromLiteral } from "../types/literal.js";
import { thenNodeId } from "./node-ids.js";

type Operator = NonNullable<ComparisonExpression["operator"]>;

const SYMBOLS: Record<Operator, string> = { EQ: "==", NEQ: "!=", GT: ">", GTE: ">=", LT: "<", LTE: "<=" };

/** An operand in any of flyteidl's encodings (`primitive` is flytekit's). */
export type AnyOperand = Operand;

/** Reads the value of an input of the branch node, as the runner holds it. */
export type ReadInput = (name: string) => unknown;

/** A compiled condition. */
export type Condition = (read: ReadInput) => boolean;

/**
 * A conditional, planned once: its cases' conditions and then-nodes, its else.
 *
 * @example
 * ```ts
 * const plan = planBranch(node);
 * plan.cases.length; // the if and the elifs
 * ```
 */
export interface BranchPlan {
  readonly nodeId: string;
  /** The conditional's name (`metadata.name`, else the node id). */
  readonly name: string;
  readonly cases: readonly { readonly test: Condition; readonly then: Node }[];
  readonly otherwise: Node | undefined;
  /** The message of `fail()`, when the conditional has no else node. */
  readonly failMessage: string | undefined;
  readonly failedNodeId: string;
}

function constant(o: AnyOperand): { value: unknown } | undefined {
  const scalar = o.primitive ? { primitive: o.primitive } : o.scalar;
  if (!scalar) return undefined;
  return { value: fromLiteral({}, { scalar }) };
}

function describeOperand(o: AnyOperand | undefined): string {
  if (o?.var !== undefined) return o.var;
  const c = o && constant(o);
  if (!c) return "?";
  const v = c.value;
  if (v === null) return "none";
  return typeof v === "string" ? JSON.stringify(v) : v instanceof Date ? v.toISOString() : String(v);
}

function comparable(v: unknown): unknown {
  return v instanceof Date ? v.getTime() : (v ?? null);
}

/**
 * Compares two values with a comparison operator: dates by time, numbers and
 * strings by value. None equals only none, and cannot be ordered
 * (flytepropeller `comparator.go` compares primitives of one kind only).
 *
 * @example
 * ```ts
 * compareValues("GT", 3, 1, fail);  // true
 * compareValues("EQ", null, 1, fail); // false
 * ```
 */
export function compareValues(op: Operator, a: unknown, b: unknown, fail: (why: string) => never): boolean {
  const x = comparable(a);
  const y = comparable(b);
  if (op === "EQ") return x === y;
  if (op === "NEQ") return x !== y;
  if (x === null || y === null) return fail("none cannot be ordered");
  if ((typeof x === "number" && typeof y === "number") || (typeof x === "string" && typeof y === "string")) {
    return op === "GT" ? x > y : op === "GTE" ? x >= y : op === "LT" ? x < y : x <= y;
  }
  return fail(`${describeValue(a)} and ${describeValue(b)} cannot be ordered`);
}

function operandReader(o: AnyOperand | undefined, nodeId: string, vars: ReadonlySet<string>): (read: ReadInput) => unknown {
  if (o?.var !== undefined) {
    const name = o.var;
    if (!vars.has(name)) throw new CompileError(`branch node ${nodeId}: a condition reads ${JSON.stringify(name)}, which is not one of the node's inputs (${[...vars].join(", ") || "none"})`);
    return (read) => read(name);
  }
  const c = o && constant(o);
  if (!c) throw new CompileError(`branch node ${nodeId}: a comparison has an operand with no variable and no value`);
  const value = c.value;
  return () => value;
}

function condition(e: BooleanExpression | undefined, plan: { nodeId: string; name: string }, vars: ReadonlySet<string>): Condition {
  if (e?.conjunction) {
    const left = condition(e.conjunction.leftExpression, plan, vars);
    const right = condition(e.conjunction.rightExpression, plan, vars);
    return e.conjunction.operator === "OR" ? (read) => left(read) || right(read) : (read) => left(read) && right(read);
  }
  const c = e?.comparison;
  if (!c) throw new CompileError(`branch node ${plan.nodeId}: a condition has neither a comparison nor a conjunction`);
  const op = c.operator ?? "EQ";
  const left = operandReader(c.leftValue, plan.nodeId, vars);
  const right = operandReader(c.rightValue, plan.nodeId, vars);
  const text = `${describeOperand(c.leftValue)} ${SYMBOLS[op]} ${describeOperand(c.rightValue)}`;
  const fail = (why: string): never => {
    throw new ConditionalError(`conditional ${JSON.stringify(plan.name)}: cannot evaluate ${text}: ${why}`, plan.name, plan.nodeId);
  };
  return (read) => compareValues(op, left(read), right(read), fail);
}

/** A then-node under the id it runs as (`rules/node-ids.ts`). */
function asRun(branchId: string, node: Node): Node {
  const id = thenNodeId(branchId, node.id ?? "");
  return id === node.id ? node : { ...node, id };
}

/**
 * Plans a branch node: checks its cases and compiles their conditions. The
 * then-nodes carry the ids they run as: `<branch id>-<then-node id>`, as
 * flytepropeller gives them (`rules/node-ids.ts`).
 *
 * @throws CompileError when the node is malformed (no first case, a case without a then-node, neither else nor error, an operand that reads no input).
 *
 * @example
 * ```ts
 * const plan = planBranch(node);
 * const chosen = chooseCase(plan, (name) => inputs[name]); // 0 for the if, plan.cases.length for the else
 * ```
 */
export function planBranch(node: Node): BranchPlan {
  const nodeId = node.id ?? "";
  const ifElse = node.branchNode?.ifElse;
  const first = ifElse?.case;
  if (!ifElse || !first) throw new CompileError(`branch node ${nodeId} has no first case (branchNode.ifElse.case)`);
  const site = { nodeId, name: node.metadata?.name || nodeId };
  const vars = new Set((node.inputs ?? []).map((b) => b.var ?? ""));
  const cases = [first, ...(ifElse.other ?? [])].map((block, i) => {
    if (!block.thenNode) throw new CompileError(`branch node ${nodeId}: case ${i + 1} has no then node`);
    return { test: condition(block.condition, site, vars), then: asRun(nodeId, block.thenNode) };
  });
  if (!ifElse.elseNode && !ifElse.error) throw new CompileError(`branch node ${nodeId} has neither an else node nor an error`);
  const otherwise = ifElse.elseNode && asRun(nodeId, ifElse.elseNode);
  // flytekit writes the conditional's name as `error.failedNodeId` (core/condition.py, to_ifelse_block): the failing node is the branch node itself.
  return { ...site, cases, otherwise, failMessage: ifElse.error?.message, failedNodeId: nodeId };
}

/**
 * The case a conditional takes: the index of the first case whose condition
 * holds, or `plan.cases.length` for the else node.
 *
 * @throws ConditionalError when no case holds and the else is `fail(message)`, or a condition cannot be evaluated.
 *
 * @example
 * ```ts
 * chooseCase(plan, (name) => ({ x: 5 })[name]); // 0
 * ```
 */
export function chooseCase(plan: BranchPlan, read: ReadInput): number {
  for (let i = 0; i < plan.cases.length; i++) if (plan.cases[i]!.test(read)) return i;
  if (plan.otherwise) return plan.cases.length;
  throw new ConditionalError(plan.failMessage ?? "no branch satisfied", plan.name, plan.failedNodeId);
}

/**
 * The then-node (or else node) of a case index from `chooseCase`.
 *
 * @example
 * ```ts
 * const node = caseNode(plan, chooseCase(plan, read));
 * ```
 */
export function caseNode(plan: BranchPlan, index: number): Node {
  return index < plan.cases.length ? plan.cases[index]!.then : plan.otherwise!;
}

/**
 * The value of a branch node's input literal, as the local runner holds it
 * (a primitive or none; a datetime as a `Date`), for the engine to compare.
 *
 * @example
 * ```ts
 * literalInput({ scalar: { primitive: { integer: "3" } } }); // 3
 * ```
 */
export function literalInput(literal: Literal | undefined): unknown {
  if (literal === undefined) return undefined;
  return fromLiteral({}, literal);
}
