/**
 * Compiling checked bindings, interfaces and durations to flyteidl.
 *
 * @module
 */
import type { BindingData, Literal, TypedInterface, Variable } from "../idl/core.js";
import type { TypeRecord } from "../types/type.js";
import { toLiteral } from "../types/literal.js";
import type { BindingValue } from "../sdk/bindings.js";

/**
 * Turns a literal into the equivalent binding data. An empty list or map has
 * no `bindings` field at all: protobuf cannot tell an empty repeated or map
 * field from an absent one, so `toObject` would drop an empty one.
 *
 * @example
 * ```ts
 * literalToBindingData({ collection: { literals: [{ scalar: { primitive: { integer: "1" } } }] } });
 * // { collection: { bindings: [{ scalar: { primitive: { integer: "1" } } }] } }
 * literalToBindingData({ collection: {} }); // { collection: {} }
 * ```
 */
export function literalToBindingData(literal: Literal): BindingData {
  if (literal.collection) {
    const items = literal.collection.literals ?? [];
    return items.length === 0 ? { collection: {} } : { collection: { bindings: items.map(literalToBindingData) } };
  }
  if (literal.map) {
    const entries = Object.entries(literal.map.literals ?? {});
    if (entries.length === 0) return { map: {} };
    const bindings: Record<string, BindingData> = {};
    for (const [k, v] of entries) bindings[k] = literalToBindingData(v);
    return { map: { bindings } };
  }
  return { scalar: literal.scalar ?? {} };
}

/**
 * Compiles one checked binding: a promise (`nodeId` "" for a workflow
 * input), a constant as a scalar (or collection or map), or a list or map of
 * bindings.
 *
 * @example
 * ```ts
 * compileBinding({ kind: "promise", nodeId: "", var: "x", type: { simple: "INTEGER" } }); // { promise: { nodeId: "", var: "x" } }
 * compileBinding({ kind: "list", items: [] }); // { collection: {} }
 * ```
 */
export function compileBinding(b: BindingValue): BindingData {
  switch (b.kind) {
    case "promise":
      return { promise: b.var === "" ? { nodeId: b.nodeId } : { nodeId: b.nodeId, var: b.var } };
    case "constant":
      return literalToBindingData(toLiteral(b.type, b.value));
    case "list":
      return b.items.length === 0 ? { collection: {} } : { collection: { bindings: b.items.map(compileBinding) } };
    case "map": {
      const bindings: Record<string, BindingData> = {};
      for (const [k, v] of Object.entries(b.entries)) bindings[k] = compileBinding(v);
      return Object.keys(bindings).length === 0 ? { map: {} } : { map: { bindings } };
    }
  }
}

function variables(record: TypeRecord): { variables?: Record<string, Variable> } {
  const names = Object.keys(record);
  if (names.length === 0) return {};
  const variables: Record<string, Variable> = {};
  for (const name of names) variables[name] = { type: record[name]!.literalType, description: name };
  return { variables };
}

/**
 * Compiles an entity interface to `TypedInterface`; a side with no variables is `{}`.
 *
 * @example
 * ```ts
 * compileInterface({ x: t.int }, {}); // { inputs: { variables: { x: { type: { simple: "INTEGER" }, description: "x" } } }, outputs: {} }
 * ```
 */
export function compileInterface(inputs: TypeRecord, outputs: TypeRecord): TypedInterface {
  return { inputs: variables(inputs), outputs: variables(outputs) };
}
