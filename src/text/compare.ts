/**
 * A comparison read from text as a condition of the builder: the operator
 * names of flyteidl (`EQ`, `GT`, ...), a constant on either side (flipped to
 * the right, as `Handle` methods take it), and equality with none as `isNone`.
 *
 * @module
 */
import { Handle } from "../sdk/handle.js";
import type { Condition } from "../sdk/condition.js";

/** flyteidl's comparison operators. */
export type Operator = "EQ" | "NEQ" | "GT" | "GTE" | "LT" | "LTE";

const FLIP: Readonly<Record<Operator, Operator>> = { EQ: "EQ", NEQ: "NEQ", GT: "LT", GTE: "LTE", LT: "GT", LTE: "GTE" };
const METHOD = { EQ: "eq", NEQ: "ne", GT: "gt", GTE: "ge", LT: "lt", LTE: "le" } as const;

/**
 * The condition `left op right`, or why there is none (two constants, or an
 * order against none).
 *
 * @example
 * ```ts
 * compare(0, "LTE", wf.inputs.x); // wf.inputs.x.ge(0)
 * ```
 */
export function compare(left: unknown, op: Operator, right: unknown): Condition | string {
  if (!(left instanceof Handle)) {
    if (!(right instanceof Handle)) return "a comparison of two constants; compare a value of the workflow with a constant or another value";
    [left, right] = [right, left];
    op = FLIP[op];
  }
  const h = left as unknown as Record<(typeof METHOD)[Operator] | "isNone", (x?: unknown) => Condition>;
  if (right === null) return op === "EQ" ? h.isNone() : "only == compares with none (is none)";
  return h[METHOD[op]](right);
}
