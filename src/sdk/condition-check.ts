/**
 * Checking the condition of a conditional's case when it is added: operands
 * must be handles of this workflow or constants of the compared type, of a
 * comparable type (ordered ones for `gt`/`lt`), `isNone` only on optionals.
 * Every rule has a message naming the workflow, node, branch and condition.
 *
 * @module
 */
import type { LiteralType } from "../idl/core.js";
import { ForeignHandleError, TypeMismatchError, type DefinitionSite } from "../errors.js";
import { isCastable } from "../types/castable.js";
import { describeType } from "../types/describe.js";
import { validatorFor } from "../types/validate.js";
import { containsHandle } from "./bindings.js";
import type { BranchCondition, BranchOperand } from "./branch-construct.js";
import { describeCondition, type ComparisonOperator, type ConditionExpr } from "./condition.js";
import { Handle, type HandleOwner } from "./handle.js";

/**
 * Where a condition is checked: the workflow, the words that place it in
 * messages, the site of errors, and the handles used so far (by operand
 * name), which checking adds to.
 *
 * @example
 * ```ts
 * const at: ConditionSite = { graph, where: 'workflow "wf": node n2 (conditional "sign"), branch 1 (if)', site: { entity: "wf", node: "n2" }, vars: new Map() };
 * ```
 */
export interface ConditionSite {
  readonly graph: HandleOwner;
  readonly where: string;
  readonly site: DefinitionSite;
  readonly vars: Map<string, Handle<unknown>>;
}

/** The type values of `type` are compared as: itself, or the value type of an optional; undefined when it cannot be compared. */
function comparedType(type: LiteralType): LiteralType | undefined {
  if (type.enumType) return type;
  switch (type.simple) {
    case "INTEGER":
    case "FLOAT":
    case "STRING":
    case "BOOLEAN":
    case "DATETIME":
    case "DURATION":
      return type;
    default:
      break;
  }
  const variants = type.unionType?.variants ?? [];
  const values = variants.filter((v) => v.simple !== "NONE");
  if (values.length === 1 && values.length < variants.length) return comparedType(values[0]!);
  return undefined;
}

function canBeNone(type: LiteralType): boolean {
  return type.simple === "NONE" || (type.unionType?.variants ?? []).some((v) => v.simple === "NONE");
}

const ORDERING = new Set<ComparisonOperator>(["GT", "GTE", "LT", "LTE"]);

/** Checks conditions against the graph, collecting the handles they use as the branch node's inputs. */
class ConditionChecker {
  constructor(private readonly at: ConditionSite) {}

  private get where(): string {
    return this.at.where;
  }

  check(expr: ConditionExpr): BranchCondition {
    if (expr.kind === "conjunction") return { kind: "conjunction", operator: expr.operator, left: this.check(expr.left), right: this.check(expr.right) };
    const at = `${this.where}: condition ${describeCondition(expr)}`;
    const site = this.at.site;
    const left = expr.left;
    const leftType = left.type.literalType;
    const leftOperand = this.handle(left, at);
    const mismatch = (why: string, expected: string) => new TypeMismatchError(`${at}: ${why}`, site, left.describe(), expected, describeType(leftType));
    if (expr.method === "isNone") {
      if (!canBeNone(leftType)) throw mismatch(`${left.describe()} is ${describeType(leftType)}, which is never none; isNone() needs a handle of an optional type`, "an optional type");
      return { kind: "comparison", operator: "EQ", left: leftOperand, right: { kind: "none" } };
    }
    const type = comparedType(leftType);
    if (!type) throw mismatch(`${left.describe()} is ${describeType(leftType)}; only int, float, str, bool, datetime, duration and enum values (or optional ones) can be compared`, "a comparable type");
    const bool = type.simple === "BOOLEAN";
    if ((expr.method === "isTrue" || expr.method === "isFalse") && !bool) throw mismatch(`${expr.method}() needs a bool handle, but ${left.describe()} is ${describeType(leftType)}`, "bool");
    if (bool && ORDERING.has(expr.operator)) throw mismatch(`bool values cannot be ordered; compare them with eq, ne, isTrue or isFalse`, "an ordered type");
    return { kind: "comparison", operator: expr.operator, left: leftOperand, right: this.right(expr.right, type, left, at) };
  }

  private right(value: unknown, type: LiteralType, left: Handle<unknown>, at: string): BranchOperand {
    const site = this.at.site;
    const leftName = describeType(left.type.literalType);
    if (value instanceof Handle) {
      const operand = this.handle(value, at);
      const other = value.type.literalType;
      const otherType = comparedType(other);
      if (!otherType || !(isCastable(otherType, type) || isCastable(type, otherType))) {
        throw new TypeMismatchError(`${at}: ${left.describe()} is ${leftName} but ${value.describe()} is ${describeType(other)}; a comparison needs two values of the same type`, site, value.describe(), leftName, describeType(other));
      }
      return operand;
    }
    if (value === null || value === undefined) {
      const fix = value === null ? `to test for none, use ${left.describe()}.isNone()` : "give the value or handle to compare with";
      throw new TypeMismatchError(`${at}: the comparison has nothing on its right; ${fix}`, site, left.describe(), leftName, String(value));
    }
    if (containsHandle(value)) {
      throw new TypeMismatchError(`${at}: a comparison takes one handle or one constant, not a list or record`, site, left.describe(), leftName, "a list or record");
    }
    const problem = validatorFor(type)(value);
    if (problem !== undefined) {
      throw new TypeMismatchError(`${at}: ${left.describe()} is ${leftName}, but the constant does not fit: ${problem}`, site, left.describe(), describeType(type), problem);
    }
    return { kind: "constant", value, type };
  }

  /** A handle of this workflow, as one of the branch node's inputs (`n0.o0`, or `.x` for workflow input `x`, as flytekit names them). */
  private handle(h: Handle<unknown>, at: string): BranchOperand {
    if (h.owner !== this.at.graph) {
      throw new ForeignHandleError(
        `${at}: ${h.describe()} belongs to workflow ${JSON.stringify(h.owner.name)}; a handle can only be used in the workflow it comes from`,
        this.at.site,
      );
    }
    const name = `${h.nodeId}.${h.var}`;
    if (!this.at.vars.has(name)) this.at.vars.set(name, h);
    return { kind: "var", var: name };
  }
}

/**
 * Checks a condition made in a workflow body and returns it as the compiler
 * reads it; the handles it uses are added to `at.vars` (they become the
 * branch node's inputs).
 *
 * @example
 * ```ts
 * const vars = new Map();
 * checkConditionExpr(x.gt(0).expr, { graph, where, site, vars }); // { kind: "comparison", operator: "GT", ... }; vars has ".x"
 * ```
 */
export function checkConditionExpr(expr: ConditionExpr, at: ConditionSite): BranchCondition {
  return new ConditionChecker(at).check(expr);
}
