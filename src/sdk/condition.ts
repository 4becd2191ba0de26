/**
 * Conditions of a `conditional`: a handle compared with another handle or a
 * constant (`x.gt(0)`, `x.isNone()`), combined with `and` / `or`. They
 * compile to Flyte's `BooleanExpression`. A condition is plain data: it is
 * checked (types, workflow) when a branch uses it, where the message can
 * name the workflow, the node and the branch.
 *
 * @module
 */
import { DefinitionError } from "../errors.js";
import { describeValue } from "../types/describe.js";
import type { Handle } from "./handle.js";

/**
 * Flyte's comparison operators (`ComparisonExpression.Operator`).
 *
 * @example
 * ```ts
 * const op: ComparisonOperator = "GTE"; // what x.ge(3) compiles to
 * ```
 */
export type ComparisonOperator = "EQ" | "NEQ" | "GT" | "GTE" | "LT" | "LTE";

/**
 * The `Handle` method a comparison was written with.
 *
 * @example
 * ```ts
 * const m: ComparisonMethod = "isNone"; // x.isNone()
 * ```
 */
export type ComparisonMethod = "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "isTrue" | "isFalse" | "isNone";

/**
 * A condition as the conditional builder reads it: a comparison of a handle
 * (`left`) with a handle or a constant (`right`; `null` for `isNone`), or two
 * conditions joined by `AND` / `OR`.
 *
 * @example
 * ```ts
 * x.gt(3).expr; // { kind: "comparison", method: "gt", operator: "GT", left: x, right: 3 }
 * ```
 */
export type ConditionExpr =
  | { readonly kind: "comparison"; readonly method: ComparisonMethod; readonly operator: ComparisonOperator; readonly left: Handle<unknown>; readonly right: unknown }
  | { readonly kind: "conjunction"; readonly operator: "AND" | "OR"; readonly left: ConditionExpr; readonly right: ConditionExpr };

/**
 * Values a comparison can hold: those of `int`, `float`, `str`, `bool`,
 * `datetime`, `duration` and `enum` handles.
 *
 * @example
 * ```ts
 * const v: ComparableValue = new Date(); // a datetime constant
 * ```
 */
export type ComparableValue = number | string | boolean | Date;

/**
 * Values that can be ordered (`gt`, `ge`, `lt`, `le`): everything comparable but booleans.
 *
 * @example
 * ```ts
 * const v: OrderedValue = "m"; // s.gt("m") orders strings
 * ```
 */
export type OrderedValue = number | string | Date;

declare const notComparable: unique symbol;

/**
 * What a comparison of a handle that cannot be compared that way accepts:
 * nothing; TypeScript's message shows the reason.
 *
 * @example
 * ```ts
 * xs.eq([1]); // Argument of type 'number[]' is not assignable to parameter of type 'NotComparable<"only handles of int, ...">'
 * ```
 */
export interface NotComparable<Reason extends string> {
  readonly [notComparable]: Reason;
}

/**
 * What a handle whose values are `T` can be compared with, when the
 * comparison needs values of `C`: a constant of `T` (without `null`; use
 * `isNone()` for that) or a handle of the same type, optional or not. A
 * handle whose type TypeScript does not know (`Handle<never>`, `wf.inputs.x`)
 * accepts any value of `C` and any handle; it is checked when the branch is
 * added. Other handles accept nothing, and the parameter's type says why.
 *
 * @example
 * ```ts
 * const x: Handle<number> = wf.addWorkflowInput("x", t.int);
 * x.gt(3);             // OperandOf<number, OrderedValue, ...>: number | Handle<number | null>
 * x.eq(n0.outputs.o0); // a handle of the same type
 * ```
 */
export type OperandOf<T, C, Reason extends string> = [T] extends [never]
  ? C | Handle<unknown>
  : [NonNullable<T>] extends [C]
    ? NonNullable<T> | Handle<NonNullable<T> | null>
    : NotComparable<Reason>;

/**
 * What `eq` and `ne` of a `Handle<T>` accept.
 *
 * @example
 * ```ts
 * type A = EqualityOperand<boolean>; // boolean | Handle<boolean | null>
 * ```
 */
export type EqualityOperand<T> = OperandOf<T, ComparableValue, "only handles of int, float, str, bool, datetime, duration or enum values can be compared">;

/**
 * What `gt`, `ge`, `lt` and `le` of a `Handle<T>` accept.
 *
 * @example
 * ```ts
 * type A = OrderedOperand<number | null>; // number | Handle<number | null>
 * ```
 */
export type OrderedOperand<T> = OperandOf<T, OrderedValue, "only handles of int, float, str, datetime, duration or enum values can be ordered (for bool, use eq, ne, isTrue or isFalse)">;

/**
 * What `isNone()` requires of its handle: an optional type (or one TypeScript does not know).
 *
 * @example
 * ```ts
 * type Ok = NoneCheck<number | null>; // unknown: o.isNone() compiles
 * type No = NoneCheck<number>;        // NotComparable<"isNone() needs ...">
 * ```
 */
export type NoneCheck<T> = [T] extends [never] ? unknown : null extends T ? unknown : NotComparable<"isNone() needs a handle of an optional type, like t.optional(t.int)">;

const SYMBOLS: Record<ComparisonMethod, string> = { eq: "==", ne: "!=", gt: ">", ge: ">=", lt: "<", le: "<=", isTrue: "is true", isFalse: "is false", isNone: "is none" };

function describeOperand(value: unknown): string {
  if (typeof value === "object" && value !== null && typeof (value as { describe?: unknown }).describe === "function") return (value as Handle<unknown>).describe();
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  return describeValue(value);
}

/**
 * Describes a condition for messages.
 *
 * @example
 * ```ts
 * describeCondition(n0.outputs.o0.gt(3).and(x.isNone()).expr); // 'n0.o0 > 3 and workflow input "x" is none'
 * ```
 */
export function describeCondition(expr: ConditionExpr): string {
  if (expr.kind === "comparison") {
    const left = expr.left.describe();
    return expr.method === "isTrue" || expr.method === "isFalse" || expr.method === "isNone" ? `${left} ${SYMBOLS[expr.method]}` : `${left} ${SYMBOLS[expr.method]} ${describeOperand(expr.right)}`;
  }
  const side = (e: ConditionExpr) => (e.kind === "conjunction" && e.operator !== expr.operator ? `(${describeCondition(e)})` : describeCondition(e));
  return `${side(expr.left)} ${expr.operator.toLowerCase()} ${side(expr.right)}`;
}

/**
 * A condition of a branch: made by the comparison methods of a handle
 * (`eq`, `ne`, `gt`, `ge`, `lt`, `le`, `isTrue`, `isFalse`, `isNone`) and
 * combined with `and` / `or` (Flyte's `BooleanExpression`).
 *
 * @example
 * ```ts
 * const inRange = x.ge(0).and(x.lt(10));
 * const skip = flag.isTrue().or(limit.isNone());
 * conditional("pick").if(inRange).then(small, { x }).else().then(large, { x });
 * ```
 */
export class Condition {
  /** @internal The condition's tree. */
  readonly expr: ConditionExpr;

  /** @internal Use the comparison methods of `Handle` to make a condition. */
  constructor(expr: ConditionExpr) {
    this.expr = expr;
  }

  /** True when both this condition and `other` are (Flyte's `AND`). */
  and(other: Condition): Condition {
    return new Condition({ kind: "conjunction", operator: "AND", left: this.expr, right: operandCondition(other, "and") });
  }

  /** True when this condition or `other` is (Flyte's `OR`). */
  or(other: Condition): Condition {
    return new Condition({ kind: "conjunction", operator: "OR", left: this.expr, right: operandCondition(other, "or") });
  }

  /** @internal */
  toString(): string {
    return `Condition(${describeCondition(this.expr)})`;
  }
}

function operandCondition(other: unknown, fn: "and" | "or"): ConditionExpr {
  if (!(other instanceof Condition)) {
    throw new DefinitionError(`${fn}() takes another condition, like x.gt(0).${fn}(x.lt(10)); got ${describeOperand(other)}`);
  }
  return other.expr;
}

const OPERATORS: Record<Exclude<ComparisonMethod, "isTrue" | "isFalse" | "isNone">, ComparisonOperator> = { eq: "EQ", ne: "NEQ", gt: "GT", ge: "GTE", lt: "LT", le: "LTE" };

/**
 * @internal Makes the condition `left <method> right`; `Handle`'s comparison
 * methods call it.
 *
 * @example
 * ```ts
 * comparison(x, "gt", 3); // x > 3
 * ```
 */
export function comparison(left: Handle<unknown>, method: ComparisonMethod, right?: unknown): Condition {
  switch (method) {
    case "isTrue":
      return new Condition({ kind: "comparison", method, operator: "EQ", left, right: true });
    case "isFalse":
      return new Condition({ kind: "comparison", method, operator: "EQ", left, right: false });
    case "isNone":
      return new Condition({ kind: "comparison", method, operator: "EQ", left, right: null });
    default:
      return new Condition({ kind: "comparison", method, operator: OPERATORS[method], left, right });
  }
}
