/**
 * Operations on flyteidl literals that the engine needs without SDK objects:
 * resolving bindings, reading values for comparisons, splitting and joining
 * lists for map tasks.
 *
 * @module
 */
import type { BindingData, Literal, LiteralMap, Primitive, Scalar } from "../idl/core.js";
import type { BooleanExpression, ComparisonExpression, Operand } from "../idl/specs.js";
import { AloftError } from "../errors.js";

/** Reads the literal a promise points to: a workflow input (`nodeId` "") or a node output. */
export type PromiseReader = (nodeId: string, name: string) => Literal | undefined;

/** Resolves a binding to a literal. */
export function resolveBinding(b: BindingData, read: PromiseReader): Literal {
  if (b.promise) {
    const nodeId = b.promise.nodeId ?? "";
    const name = b.promise.var ?? "";
    const v = read(nodeId, name);
    if (v === undefined) throw new AloftError(`binding to ${nodeId === "" ? "workflow input" : `${nodeId}.`}${name} has no value`);
    return v;
  }
  if (b.scalar) return { scalar: b.scalar };
  if (b.collection) return { collection: { literals: (b.collection.bindings ?? []).map((x) => resolveBinding(x, read)) } };
  if (b.map) {
    const literals: Record<string, Literal> = {};
    for (const [k, v] of Object.entries(b.map.bindings ?? {})) literals[k] = resolveBinding(v, read);
    return { map: { literals } };
  }
  throw new AloftError("an empty binding");
}

/** Resolves a node's input bindings to a literal map. */
export function resolveInputs(bindings: readonly { var?: string; binding?: BindingData }[] | undefined, read: PromiseReader): LiteralMap {
  const literals: Record<string, Literal> = {};
  for (const b of bindings ?? []) literals[b.var ?? ""] = resolveBinding(b.binding ?? {}, read);
  return { literals };
}

type Comparable = number | string | boolean | null;

function primitiveValue(p: Primitive): Comparable {
  if (p.integer !== undefined) return Number(p.integer);
  if (p.floatValue !== undefined) return p.floatValue;
  if (p.stringValue !== undefined) return p.stringValue;
  if (p.boolean !== undefined) return p.boolean;
  if (p.datetime) return Number(p.datetime.seconds ?? "0") * 1000 + (p.datetime.nanos ?? 0) / 1e6;
  if (p.duration) return Number(p.duration.seconds ?? "0") * 1000 + (p.duration.nanos ?? 0) / 1e6;
  return null;
}

function scalarValue(s: Scalar | undefined): Comparable {
  if (!s || s.noneType) return null;
  if (s.union) return scalarValue(s.union.value?.scalar);
  if (s.primitive) return primitiveValue(s.primitive);
  throw new AloftError("only primitive values and none can be compared in a condition");
}

function operandValue(o: Operand | undefined, inputs: LiteralMap): Comparable {
  if (!o) throw new AloftError("a comparison is missing an operand");
  if (o.var !== undefined) {
    const l = inputs.literals?.[o.var];
    if (!l) throw new AloftError(`a condition reads ${o.var}, which the branch node does not bind`);
    return scalarValue(l.scalar);
  }
  const withPrimitive = o as Operand & { primitive?: Primitive };
  if (withPrimitive.primitive) return primitiveValue(withPrimitive.primitive);
  return scalarValue(o.scalar);
}

/** Compares as the local runner does (`compareValues`): none equals only none and cannot be ordered. */
function compare(c: ComparisonExpression, inputs: LiteralMap): boolean {
  const a = operandValue(c.leftValue, inputs);
  const b = operandValue(c.rightValue, inputs);
  const op = c.operator ?? "EQ";
  if (op === "EQ") return a === b;
  if (op === "NEQ") return a !== b;
  if (a === null || b === null) throw new AloftError(`none cannot be ordered (a ${op} comparison)`);
  if (typeof a !== typeof b || typeof a === "boolean") throw new AloftError(`${String(a)} and ${String(b)} cannot be ordered (a ${op} comparison)`);
  switch (op) {
    case "GT":
      return a > b;
    case "GTE":
      return a >= b;
    case "LT":
      return a < b;
    case "LTE":
      return a <= b;
  }
}

/** Evaluates a branch condition over the branch node's resolved inputs. */
export function evaluate(expr: BooleanExpression | undefined, inputs: LiteralMap): boolean {
  if (!expr) throw new AloftError("a branch has no condition");
  if (expr.comparison) return compare(expr.comparison, inputs);
  const c = expr.conjunction;
  if (!c) throw new AloftError("an empty condition");
  const left = evaluate(c.leftExpression, inputs);
  if ((c.operator ?? "AND") === "AND") return left && evaluate(c.rightExpression, inputs);
  return left || evaluate(c.rightExpression, inputs);
}

/** The items of a list literal (unwrapping a union). */
export function listItems(l: Literal | undefined): Literal[] {
  if (!l) return [];
  if (l.collection) return l.collection.literals ?? [];
  if (l.scalar?.union?.value) return listItems(l.scalar.union.value);
  throw new AloftError("a map task input is not a list");
}

/** A none literal. */
export const NONE_LITERAL: Literal = { scalar: { noneType: {} } };
