/**
 * Resolving what a user binds to an input (a handle, a constant, or a list or
 * record mixing both) into a checked binding.
 *
 * @module
 */
import type { LiteralType } from "../idl/core.js";
import { ForeignHandleError, TypeMismatchError } from "../errors.js";
import { isCastable } from "../types/castable.js";
import { describeType, describeValue } from "../types/describe.js";
import { validatorFor } from "../types/validate.js";
import { Handle, type HandleOwner } from "./handle.js";

/** A checked binding, as the compiler reads it. */
export type BindingValue =
  | { readonly kind: "promise"; readonly nodeId: string; readonly var: string; readonly type: LiteralType }
  | { readonly kind: "constant"; readonly value: unknown; readonly type: LiteralType }
  | { readonly kind: "list"; readonly items: readonly BindingValue[] }
  | { readonly kind: "map"; readonly entries: Readonly<Record<string, BindingValue>> };

/** Where a binding is being resolved, for messages and for recording upstream nodes. */
export interface BindingSite {
  /** The graph being built; handles must belong to it. */
  readonly owner: HandleOwner;
  /** The node being added (or `undefined` for a workflow output). */
  readonly node: string | undefined;
  /** What is bound: `input "x" of task "slope"` or `workflow output "o"`. */
  readonly target: string;
  /** The input or output name. */
  readonly variable: string;
  /** Receives the id of every node a handle comes from. */
  readonly upstream: (nodeId: string) => void;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Handle) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when a value contains a handle anywhere in its lists and records. */
export function containsHandle(value: unknown): boolean {
  if (value instanceof Handle) return true;
  if (Array.isArray(value)) return value.some(containsHandle);
  if (isPlainRecord(value)) return Object.values(value).some(containsHandle);
  return false;
}

function mismatch(site: BindingSite, expected: LiteralType, actual: string, detail: string): TypeMismatchError {
  const where = site.node ? `node ${site.node} of workflow ${JSON.stringify(site.owner.name)}` : `workflow ${JSON.stringify(site.owner.name)}`;
  return new TypeMismatchError(`${where}: ${site.target} expects ${describeType(expected)}, ${detail}`, { entity: site.owner.name, node: site.node }, site.variable, describeType(expected), actual);
}

/**
 * Resolves and checks one binding against the expected type.
 *
 * @example
 * ```ts
 * resolveBinding([n0.outputs.o0, 1], t.list(t.int).literalType, site); // a list binding
 * ```
 */
export function resolveBinding(value: unknown, expected: LiteralType, site: BindingSite): BindingValue {
  if (value instanceof Handle) {
    if (value.owner !== site.owner) {
      throw new ForeignHandleError(
        value.owner.name === site.owner.name
          ? `${site.target} is bound to ${value.describe()} of another workflow also named ${JSON.stringify(site.owner.name)}; a handle can only be used in the workflow it comes from`
          : `${site.target} is bound to ${value.describe()} of workflow ${JSON.stringify(value.owner.name)}, but the node is being added to workflow ${JSON.stringify(site.owner.name)}; a handle can only be used in the workflow it comes from`,
        { entity: site.owner.name, node: site.node },
      );
    }
    const from = value.type.literalType;
    if (!isCastable(from, expected)) throw mismatch(site, expected, describeType(from), `but ${value.describe()} is ${describeType(from)}`);
    if (value.nodeId !== "") site.upstream(value.nodeId);
    return { kind: "promise", nodeId: value.nodeId, var: value.var, type: from };
  }
  if (!containsHandle(value)) {
    const problem = validatorFor(expected)(value);
    if (problem !== undefined) throw mismatch(site, expected, describeValue(value), `but the constant does not fit: ${problem}`);
    return { kind: "constant", value, type: expected };
  }
  if (Array.isArray(value)) {
    const elem = expected.collectionType;
    if (!elem) throw mismatch(site, expected, "list", "but it is bound to a list");
    return { kind: "list", items: value.map((item) => resolveBinding(item, elem, site)) };
  }
  if (isPlainRecord(value)) {
    const vt = expected.mapValueType;
    if (!vt) throw mismatch(site, expected, "map", "but it is bound to a record of handles");
    const entries: Record<string, BindingValue> = {};
    for (const [k, v] of Object.entries(value)) entries[k] = resolveBinding(v, vt, site);
    return { kind: "map", entries };
  }
  throw mismatch(site, expected, describeValue(value), `but it is bound to ${describeValue(value)}`);
}

/**
 * Infers the type of a binding made only of handles and constants of known
 * type (a single handle); lists and records need an explicit type.
 */
export function inferredType(value: unknown): LiteralType | undefined {
  return value instanceof Handle ? value.type.literalType : undefined;
}
