/**
 * Flyte `LiteralType`s read from text, as Aloft types, and the rule that says
 * whether a TypeScript task's interface fits the one the text declares.
 *
 * @module
 */
import type { LiteralType } from "../idl/core.js";
import { t } from "../types/t.js";
import { makeType, type AnyType } from "../types/type.js";
import { describeType } from "../types/describe.js";
import { isCastable } from "../types/castable.js";

/**
 * The Aloft type of a `LiteralType` read from a spec: the `t.*` type where
 * there is one, else a type carrying the literal type as it is.
 *
 * @example
 * ```ts
 * typeOfLiteral({ collectionType: { simple: "INTEGER" } }); // t.list(t.int)
 * ```
 */
export function typeOfLiteral(lt: LiteralType): AnyType {
  if (lt.collectionType) return t.list(typeOfLiteral(lt.collectionType));
  if (lt.mapValueType) return t.map(typeOfLiteral(lt.mapValueType));
  if (lt.enumType && (lt.enumType.values ?? []).length > 0) {
    const values = lt.enumType.values ?? [];
    if (new Set(values).size === values.length) return t.enum(...(values as [string, ...string[]]));
  }
  if (lt.blob) {
    const format = lt.blob.format || undefined;
    const dir = lt.blob.dimensionality === "MULTIPART";
    return format === undefined ? (dir ? t.dir : t.file) : dir ? t.dir({ format }) : t.file({ format });
  }
  if (lt.simple !== undefined && lt.simple !== "STRUCT" && !lt.structure && !lt.metadata) {
    switch (lt.simple) {
      case "INTEGER":
        return t.int;
      case "FLOAT":
        return t.float;
      case "STRING":
        return t.str;
      case "BOOLEAN":
        return t.bool;
      case "DATETIME":
        return t.datetime;
      case "DURATION":
        return t.duration;
      case "NONE":
        return t.none;
      case "ERROR":
        return t.error;
      default:
        break;
    }
  }
  return makeType(lt, describeType(lt));
}

/** A STRUCT with no schema and no field types: flytekit's untyped `dict`. */
export function isSchemalessStruct(lt: LiteralType): boolean {
  return lt.simple === "STRUCT" && Object.keys(lt.structure?.dataclassType ?? {}).length === 0 && Object.keys(lt.metadata?.fields ?? {}).length === 0;
}

/** A dataframe with no columns (flytekit's `pd.DataFrame`, written as Parquet). */
function isColumnlessFrame(lt: LiteralType): boolean {
  return lt.structuredDatasetType !== undefined && (lt.structuredDatasetType.columns ?? []).length === 0;
}

/**
 * True when a value the text types as `spec` can be given to (or taken from)
 * a TypeScript variable of type `ts`: Flyte's castability either way, plus
 * the two forms flytekit writes without detail: an untyped dict (a STRUCT
 * without a schema) fits a map or a struct, and a dataframe without columns
 * fits any dataframe (an Arrow frame stands in for Parquet).
 *
 * @example
 * ```ts
 * interfaceFits({ simple: "STRUCT" }, t.map(t.int).literalType); // true
 * interfaceFits({ simple: "INTEGER" }, t.float.literalType);       // false
 * ```
 */
export function interfaceFits(spec: LiteralType, ts: LiteralType, direction: "input" | "output"): boolean {
  if (direction === "input" ? isCastable(spec, ts) : isCastable(ts, spec)) return true;
  if (isSchemalessStruct(spec)) return ts.mapValueType !== undefined || ts.simple === "STRUCT";
  if (isColumnlessFrame(spec) && ts.structuredDatasetType) return true;
  if (spec.collectionType && ts.collectionType) return interfaceFits(spec.collectionType, ts.collectionType, direction);
  if (spec.mapValueType && ts.mapValueType) return interfaceFits(spec.mapValueType, ts.mapValueType, direction);
  if (spec.unionType && ts.unionType) {
    const a = spec.unionType.variants ?? [];
    const b = ts.unionType.variants ?? [];
    return a.length === b.length && a.every((v) => b.some((w) => interfaceFits(v, w, direction)));
  }
  return false;
}
