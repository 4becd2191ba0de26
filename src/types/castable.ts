/**
 * Flyte's rule for binding an upstream value to a downstream input: is a value
 * of type `from` accepted where `to` is expected?
 *
 * - simple types must be equal (so `int` into `float` is a mismatch, as in Flyte);
 * - lists and maps are checked element-wise;
 * - an enum fits a string, and an enum with the same values in the same
 *   order (flytepropeller `validators/typing.go`, `trivialChecker`, compares
 *   the types whole; unlike Flyte, a string does not fit an enum);
 * - a non-union fits a union only when it fits exactly one variant;
 *   a union fits a union when each of its variants does;
 * - `none` fits only `none` or a union with a `none` variant;
 * - structs with known fields must have the same fields, each castable;
 * - files and directories: the same dimensionality (a file never binds to a
 *   directory; Flyte's `blobTypeChecker` does not compare it, Aloft does), and
 *   equal formats unless one of them is empty ("any format");
 * - dataframes: formats equal ignoring case unless one is empty; when both
 *   sides declare columns, each expected column must be among the given ones
 *   with a castable type (a subset, as in Flyte). Unlike Flyte, `none` does not
 *   bind to a dataframe: use `t.optional(t.dataframe(...))`.
 *
 * @module
 */
import type { LiteralType } from "../idl/core.js";

/**
 * True when a value of type `from` may be bound where `to` is expected.
 *
 * @example
 * ```ts
 * isCastable(t.int.literalType, t.optional(t.int).literalType); // true
 * isCastable(t.int.literalType, t.float.literalType);           // false
 * ```
 */
export function isCastable(from: LiteralType, to: LiteralType): boolean {
  if (from === to) return true;
  if (to.unionType) {
    const variants = to.unionType.variants ?? [];
    if (from.unionType) return (from.unionType.variants ?? []).every((fv) => variants.some((tv) => isCastable(fv, tv)));
    let matches = 0;
    for (const v of variants) if (isCastable(from, v)) matches++;
    return matches === 1;
  }
  if (from.unionType) return false;
  if (to.simple !== undefined) {
    if (to.simple === "STRING" && from.enumType) return true;
    if (from.simple !== to.simple) return false;
    if (to.simple === "STRUCT") return structCastable(from, to);
    return true;
  }
  if (to.collectionType) return from.collectionType !== undefined && isCastable(from.collectionType, to.collectionType);
  if (to.mapValueType) return from.mapValueType !== undefined && isCastable(from.mapValueType, to.mapValueType);
  if (to.enumType) {
    if (!from.enumType) return false;
    const a = from.enumType.values ?? [];
    const b = to.enumType.values ?? [];
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }
  if (to.blob) {
    if (!from.blob) return false;
    if ((from.blob.dimensionality ?? "SINGLE") !== (to.blob.dimensionality ?? "SINGLE")) return false;
    return !to.blob.format || !from.blob.format || to.blob.format === from.blob.format;
  }
  if (to.structuredDatasetType) {
    if (!from.structuredDatasetType) return false;
    const [fromFormat, toFormat] = [from.structuredDatasetType.format, to.structuredDatasetType.format];
    if (fromFormat && toFormat && fromFormat.toLowerCase() !== toFormat.toLowerCase()) return false;
    const want = to.structuredDatasetType.columns ?? [];
    const given = from.structuredDatasetType.columns ?? [];
    if (given.length === 0) return true;
    const have = new Map(given.map((c) => [c.name, c.literalType]));
    return want.every((c) => {
      const h = have.get(c.name);
      return h !== undefined && c.literalType !== undefined && isCastable(h, c.literalType);
    });
  }
  return false;
}

function structCastable(from: LiteralType, to: LiteralType): boolean {
  const tf = to.structure?.dataclassType;
  const ff = from.structure?.dataclassType;
  if (!tf || !ff) return true;
  const keys = Object.keys(tf);
  if (keys.length !== Object.keys(ff).length) return false;
  return keys.every((k) => {
    const a = ff[k];
    const b = tf[k];
    return a !== undefined && b !== undefined && isCastable(a, b);
  });
}
