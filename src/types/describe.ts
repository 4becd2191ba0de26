/**
 * Readable names for Flyte literal types and for JavaScript values, used in
 * every error message that reports a type.
 *
 * @module
 */
import type { LiteralType, SimpleType } from "../idl/core.js";

const SIMPLE_NAMES: Record<SimpleType, string> = {
  NONE: "none",
  INTEGER: "int",
  FLOAT: "float",
  STRING: "str",
  BOOLEAN: "bool",
  DATETIME: "datetime",
  DURATION: "duration",
  BINARY: "binary",
  ERROR: "error",
  STRUCT: "struct",
};

/**
 * Names a literal type the way Aloft's `t` spells it.
 *
 * @example
 * ```ts
 * describeType({ collectionType: { simple: "INTEGER" } }); // "list<int>"
 * ```
 */
export function describeType(type: LiteralType): string {
  if (type.simple !== undefined) {
    if (type.simple === "STRUCT" && type.structure?.dataclassType) {
      const fields = Object.entries(type.structure.dataclassType).map(([k, v]) => `${k}: ${describeType(v)}`);
      return `struct{${fields.join(", ")}}`;
    }
    return SIMPLE_NAMES[type.simple];
  }
  if (type.collectionType) return `list<${describeType(type.collectionType)}>`;
  if (type.mapValueType) return `map<${describeType(type.mapValueType)}>`;
  if (type.enumType) return `enum<${(type.enumType.values ?? []).map((v) => JSON.stringify(v)).join(", ")}>`;
  if (type.unionType) {
    const variants = type.unionType.variants ?? [];
    const nonNone = variants.filter((v) => v.simple !== "NONE");
    if (variants.length === 2 && nonNone.length === 1 && nonNone[0]) return `optional<${describeType(nonNone[0])}>`;
    return `union<${variants.map(describeType).join(", ")}>`;
  }
  if (type.blob) {
    const kind = type.blob.dimensionality === "MULTIPART" ? "dir" : "file";
    return type.blob.format ? `${kind}<${type.blob.format}>` : kind;
  }
  if (type.structuredDatasetType) {
    const cols = (type.structuredDatasetType.columns ?? []).map((c) => `${c.name ?? "?"}: ${c.literalType ? describeType(c.literalType) : "?"}`);
    const format = type.structuredDatasetType.format ? `<${type.structuredDatasetType.format}>` : "";
    return `dataframe${format}${cols.length > 0 ? `{${cols.join(", ")}}` : ""}`;
  }
  return "unknown";
}

/**
 * Describes a JavaScript value briefly, for "got ..." in error messages.
 *
 * @example
 * ```ts
 * describeValue("3"); // 'string "3"'
 * describeValue(1.5); // "number 1.5"
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  switch (typeof value) {
    case "string": {
      const s = value.length > 40 ? `${value.slice(0, 37)}...` : value;
      return `string ${JSON.stringify(s)}`;
    }
    case "number":
      return `number ${String(value)}`;
    case "boolean":
      return `boolean ${String(value)}`;
    case "bigint":
      return `bigint ${String(value)}n`;
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default:
      if (Array.isArray(value)) return `an array of ${value.length}`;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : "a Date";
      return `an object (${(value as object).constructor?.name ?? "null prototype"})`;
  }
}
