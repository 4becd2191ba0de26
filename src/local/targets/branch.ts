/**
 * Branch nodes in the local runner: the conditions are evaluated on the
 * node's inputs, in order, and only the then-node of the first that holds
 * runs (or the else node, or the run fails with the else's message). The
 * then-node is planned like any node and reported under the branch's path
 * (`n3/n3-n0`); its outputs are the branch node's.
 *
 * @module
 */
import type { BooleanExpression, ComparisonExpression, Node, Operand } from "../../idl/specs.js";
import { CompileError, ConditionalError, ExecutionError } from "../../errors.js";
import { describeValue } from "../../types/describe.js";
import { fromLiteral } from "../../types/literal.js";
import { isThenable, type InnerBinding, type NodeCall, type NodeTarget, type Outputs } from "../target.js";

type Operator = NonNullable<ComparisonExpression["operator"]>;

const SYMBOLS: Record<Operator, string> = { EQ: "==", NEQ: "!=", GT: ">", GTE: ">=", LT: "<", LTE: "<=" };

/** A then-node, planned: its target, and where each of its inputs is found among the branch's inputs. */
interface InnerNode {
  readonly id: string;
  readonly node: Node;
  readonly target: NodeTarget;
  /** `[input name, name in the branch's inputs]`. */
  readonly inputs: readonly (readonly [string, string])[];
}

/** Where the branch is, and what it is called, for messages. */
interface BranchSite {
  readonly nodeId: string;
  readonly name: string;
  readonly vars: ReadonlySet<string>;
}

type Read = (inputs: Outputs) => unknown;
type Test = (inputs: Outputs) => boolean;

function planInner(node: Node, plan: (inner: Node) => NodeTarget, scope: InnerBinding[]): InnerNode {
  const target = plan(node);
  const id = node.id ?? "";
  const inputs: (readonly [string, string])[] = [];
  for (const b of node.inputs ?? []) {
    const name = b.var ?? "";
    const scoped = `${id}/${name}`;
    scope.push({ name: scoped, binding: b.binding ?? {}, type: target.inputTypes[name] });
    inputs.push([name, scoped]);
  }
  // A then-node that itself reads bindings of the workflow (a nested branch) gets them under their own names.
  for (const b of target.innerBindings ?? []) {
    scope.push(b);
    inputs.push([b.name, b.name]);
  }
  return { id, node, target, inputs };
}

function describeOperand(o: Operand | undefined): string {
  if (o?.var !== undefined) return o.var;
  if (!o?.scalar) return "?";
  if (o.scalar.noneType) return "none";
  const value = fromLiteral({}, { scalar: o.scalar });
  return typeof value === "string" ? JSON.stringify(value) : value instanceof Date ? value.toISOString() : String(value);
}

function reader(o: Operand | undefined, site: BranchSite): Read {
  if (o?.var !== undefined) {
    const name = o.var;
    if (!site.vars.has(name)) throw new CompileError(`branch node ${site.nodeId}: a condition reads ${JSON.stringify(name)}, which is not one of the node's inputs (${[...site.vars].join(", ") || "none"})`);
    return (inputs) => inputs[name];
  }
  if (o?.scalar) {
    const value = fromLiteral({}, { scalar: o.scalar });
    return () => value;
  }
  throw new CompileError(`branch node ${site.nodeId}: a comparison has an operand with no variable and no value`);
}

function comparable(v: unknown): unknown {
  return v instanceof Date ? v.getTime() : v;
}

/**
 * Compares two values with a comparison operator: dates by time, numbers and
 * strings by value. None equals only none, and cannot be ordered.
 *
 * @example
 * ```ts
 * compareValues("GT", 3, 1, fail);  // true
 * compareValues("EQ", null, 1, fail); // false
 * ```
 */
export function compareValues(op: Operator, a: unknown, b: unknown, fail: (why: string) => never): boolean {
  const x = comparable(a ?? null);
  const y = comparable(b ?? null);
  if (op === "EQ") return x === y;
  if (op === "NEQ") return x !== y;
  if (x === null || y === null) return fail("none cannot be ordered");
  if (typeof x === "number" && typeof y === "number") return op === "GT" ? x > y : op === "GTE" ? x >= y : op === "LT" ? x < y : x <= y;
  if (typeof x === "string" && typeof y === "string") return op === "GT" ? x > y : op === "GTE" ? x >= y : op === "LT" ? x < y : x <= y;
  return fail(`${describeValue(a)} and ${describeValue(b)} cannot be ordered`);
}

function test(e: BooleanExpression | undefined, site: BranchSite): Test {
  if (e?.conjunction) {
    const left = test(e.conjunction.leftExpression, site);
    const right = test(e.conjunction.rightExpression, site);
    return e.conjunction.operator === "OR" ? (inputs) => left(inputs) || right(inputs) : (inputs) => left(inputs) && right(inputs);
  }
  const c = e?.comparison;
  if (!c) throw new CompileError(`branch node ${site.nodeId}: a condition has neither a comparison nor a conjunction`);
  const op = c.operator ?? "EQ";
  const left = reader(c.leftValue, site);
  const right = reader(c.rightValue, site);
  const text = `${describeOperand(c.leftValue)} ${SYMBOLS[op]} ${describeOperand(c.rightValue)}`;
  const fail = (why: string): never => {
    throw new ConditionalError(`conditional ${JSON.stringify(site.name)}: cannot evaluate ${text}: ${why}`, site.name, site.nodeId);
  };
  return (inputs) => compareValues(op, left(inputs), right(inputs), fail);
}

function runInner(inner: InnerNode, scope: Outputs, call: NodeCall): Outputs | Promise<Outputs> {
  const inputs: Outputs = {};
  for (const [name, scoped] of inner.inputs) inputs[name] = scope[scoped];
  const path = `${call.path}/${inner.id}`;
  const label = inner.target.label;
  const record = call.env.recorder.start(path, label);
  const failed = (e: unknown): never => {
    record.end(record.phase === "timedOut" ? "timedOut" : call.env.signal.aborted ? "aborted" : "failed", e);
    throw new ExecutionError(`node ${inner.id} (${label}) failed: ${e instanceof Error ? e.message : String(e)}`, inner.id, label, { cause: e });
  };
  let out: Outputs | Promise<Outputs>;
  try {
    out = inner.target.run(inputs, { env: call.env, path, metadata: inner.node.metadata, record });
  } catch (e) {
    return failed(e);
  }
  if (!isThenable(out)) {
    record.end("succeeded");
    return out;
  }
  return out.then((o) => {
    record.end("succeeded");
    return o;
  }, failed);
}

/**
 * The target of a branch node; `plan` plans each then-node (the planner's
 * own `target`).
 *
 * @example
 * ```ts
 * const target = branchTarget(node, (inner) => planner.target(inner));
 * ```
 */
export function branchTarget(node: Node, plan: (inner: Node) => NodeTarget): NodeTarget {
  const nodeId = node.id ?? "";
  const ifElse = node.branchNode?.ifElse;
  const first = ifElse?.case;
  if (!ifElse || !first) throw new CompileError(`branch node ${nodeId} has no first case (branchNode.ifElse.case)`);
  const site: BranchSite = { nodeId, name: node.metadata?.name ?? nodeId, vars: new Set((node.inputs ?? []).map((b) => b.var ?? "")) };
  const scope: InnerBinding[] = [];
  const cases = [first, ...(ifElse.other ?? [])].map((block, i) => {
    if (!block.thenNode) throw new CompileError(`branch node ${nodeId}: case ${i + 1} has no then node`);
    return { test: test(block.condition, site), inner: planInner(block.thenNode, plan, scope) };
  });
  const otherwise = ifElse.elseNode ? planInner(ifElse.elseNode, plan, scope) : undefined;
  if (!otherwise && !ifElse.error) throw new CompileError(`branch node ${nodeId} has neither an else node nor an error`);
  const message = ifElse.error?.message ?? "";
  return {
    label: `conditional ${JSON.stringify(site.name)}`,
    inputTypes: {},
    innerBindings: scope,
    run: (inputs, call) => {
      const inner = cases.find((c) => c.test(inputs))?.inner ?? otherwise;
      if (!inner) throw new ConditionalError(message, site.name, ifElse.error?.failedNodeId ?? nodeId);
      return runInner(inner, inputs, call);
    },
  };
}
