/**
 * Operations on flyteidl literals that the engine needs without SDK objects:
 * resolving bindings, splitting and joining lists for map tasks. (Branch
 * conditions are `rules/branch.ts`, shared with the local runner.)
 *
 * @module
 */
import type { BindingData, Literal, LiteralMap } from "../idl/core.js";
import { EngineInvariantError } from "./errors.js";

/** Reads the literal a promise points to: a workflow input (`nodeId` "") or a node output. */
export type PromiseReader = (nodeId: string, name: string) => Literal | undefined;

/** Resolves a binding to a literal. */
export function resolveBinding(b: BindingData, read: PromiseReader): Literal {
  if (b.promise) {
    const nodeId = b.promise.nodeId ?? "";
    const name = b.promise.var ?? "";
    const v = read(nodeId, name);
    if (v === undefined) throw new EngineInvariantError(`binding to ${nodeId === "" ? "workflow input" : `${nodeId}.`}${name} has no value`);
    return v;
  }
  if (b.scalar) return { scalar: b.scalar };
  if (b.collection) return { collection: { literals: (b.collection.bindings ?? []).map((x) => resolveBinding(x, read)) } };
  if (b.map) {
    const literals: Record<string, Literal> = {};
    for (const [k, v] of Object.entries(b.map.bindings ?? {})) literals[k] = resolveBinding(v, read);
    return { map: { literals } };
  }
  throw new EngineInvariantError("an empty binding");
}

/** Resolves a node's input bindings to a literal map. */
export function resolveInputs(bindings: readonly { var?: string; binding?: BindingData }[] | undefined, read: PromiseReader): LiteralMap {
  const literals: Record<string, Literal> = {};
  for (const b of bindings ?? []) literals[b.var ?? ""] = resolveBinding(b.binding ?? {}, read);
  return { literals };
}

/** The items of a list literal (unwrapping a union). */
export function listItems(l: Literal | undefined): Literal[] {
  if (!l) return [];
  if (l.collection) return l.collection.literals ?? [];
  if (l.scalar?.union?.value) return listItems(l.scalar.union.value);
  throw new EngineInvariantError("a map task input is not a list");
}

/** A none literal. */
export const NONE_LITERAL: Literal = { scalar: { noneType: {} } };
