/**
 * Parsing a value typed on the command line by its declared type: strict
 * numbers, `true`/`false`, ISO dates, durations, enum values, and JSON for
 * lists, maps, structs and unions.
 *
 * @module
 */
import ms from "ms";
import type { LiteralType } from "../../idl/core.js";
import { describeType } from "../../types/describe.js";
import { DATETIME_HINT, zonelessDatetimeProblem, intRangeProblem, parseIsoDatetime } from "../../types/text-values.js";
import { fits, validatorFor } from "../../types/validate.js";

/** A parsed value, or what is wrong with the text. */
export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const MILLISECONDS = /^\d+(\.\d+)?$/;

const ok = (value: unknown): Parsed => ({ ok: true, value });
const bad = (problem: string): Parsed => ({ ok: false, problem });

/** The non-`none` variants of an optional type (`optional<T>` is a union of `T` and `none`), or undefined. */
export function optionalInner(type: LiteralType): LiteralType | undefined {
  const variants = type.unionType?.variants;
  if (!variants || !variants.some((v) => v.simple === "NONE")) return undefined;
  const rest = variants.filter((v) => v.simple !== "NONE");
  return rest.length === 1 ? rest[0] : { unionType: { variants: rest } };
}

/**
 * How a value of `type` is written on the command line, for help and errors.
 *
 * @example
 * ```ts
 * valueHint({ simple: "DURATION" });                  // "milliseconds, or a duration such as 10m or 1.5h"
 * valueHint({ collectionType: { simple: "INTEGER" } }); // "JSON, e.g. [1,2]"
 * ```
 */
export function valueHint(type: LiteralType): string {
  switch (type.simple) {
    case "INTEGER":
      return "a whole number";
    case "FLOAT":
      return "a number";
    case "BOOLEAN":
      return "true or false";
    case "STRING":
      return "text, as given";
    case "DATETIME":
      return DATETIME_HINT;
    case "DURATION":
      return "milliseconds, or a duration such as 10m or 1.5h";
    case "NONE":
      return "null";
    default:
      break;
  }
  if (type.enumType) return `one of ${(type.enumType.values ?? []).join(", ")}`;
  const inner = optionalInner(type);
  if (inner) return valueHint(inner);
  if (type.blob?.dimensionality === "MULTIPART") return "a local directory (uploaded for the run) or a URI";
  if (type.blob || type.structuredDatasetType) return "a local file (uploaded for the run) or a URI";
  if (type.unionType) return `JSON, or a value of one of its types`;
  return `JSON, e.g. ${JSON.stringify(exampleOf(type))}`;
}

/** A small example value of a type, in JSON form (`index` tells list elements apart). */
function exampleOf(type: LiteralType, depth = 0, index = 0): unknown {
  if (depth > 3) return null;
  switch (type.simple) {
    case "INTEGER":
      return 1 + index;
    case "FLOAT":
      return 1.5 + index;
    case "BOOLEAN":
      return index === 0;
    case "STRING":
      return index === 0 ? "a" : "b";
    case "DATETIME":
      return "2024-01-31T12:00:00Z";
    case "DURATION":
      return "10m";
    case "STRUCT":
      return Object.fromEntries(Object.entries(type.structure?.dataclassType ?? {}).map(([k, v]) => [k, exampleOf(v, depth + 1)]));
    case "ERROR":
      return { failedNodeId: "n0", message: "..." };
    default:
      break;
  }
  if (type.collectionType) return [exampleOf(type.collectionType, depth + 1, 0), exampleOf(type.collectionType, depth + 1, 1)];
  if (type.mapValueType) return { a: exampleOf(type.mapValueType, depth + 1) };
  // A file, directory or dataframe inside a list or map: a local path (or a URI).
  if (type.blob?.dimensionality === "MULTIPART") return index === 0 ? "images" : "s3://bucket/images";
  if (type.blob || type.structuredDatasetType) return index === 0 ? "data.csv" : "s3://bucket/data.csv";
  if (type.enumType) return type.enumType.values?.[0] ?? "";
  const first = type.unionType?.variants?.find((v) => v.simple !== "NONE");
  return first ? exampleOf(first, depth + 1) : null;
}

function parseDurationText(text: string): number | undefined {
  if (MILLISECONDS.test(text)) return Number(text);
  const out = ms(text as ms.StringValue) as number | undefined;
  return typeof out === "number" && Number.isFinite(out) && out >= 0 ? out : undefined;
}

function expectedText(type: LiteralType, text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `expected ${valueHint(type)}, got ${JSON.stringify(shown)}`;
}

function expected(type: LiteralType, text: string): Parsed {
  return bad(expectedText(type, text));
}

function parseScalar(text: string, type: LiteralType): Parsed | undefined {
  const s = text.trim();
  switch (type.simple) {
    case "INTEGER":
      if (INT.test(s) && Number.isSafeInteger(Number(s))) return ok(Number(s));
      return bad(intRangeProblem(s) ?? expectedText(type, text));
    case "FLOAT":
      return FLOAT.test(s) && Number.isFinite(Number(s)) ? ok(Number(s)) : expected(type, text);
    case "BOOLEAN":
      return /^true$/i.test(s) ? ok(true) : /^false$/i.test(s) ? ok(false) : expected(type, text);
    case "STRING":
      return ok(text);
    case "DATETIME": {
      const d = parseIsoDatetime(s);
      return d ? ok(d) : bad(zonelessDatetimeProblem(s) ?? expectedText(type, text));
    }
    case "DURATION": {
      const n = parseDurationText(s);
      return n === undefined ? expected(type, text) : ok(n);
    }
    case "NONE":
      return s === "null" ? ok(null) : expected(type, text);
    default:
      break;
  }
  if (type.enumType) return (type.enumType.values ?? []).includes(s) ? ok(s) : expected(type, text);
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Turns JSON strings into the values the type holds: ISO strings into dates, `"10m"` into milliseconds. */
function revive(value: unknown, type: LiteralType): unknown {
  if (typeof value === "string" && type.simple === "DATETIME") return parseIsoDatetime(value) ?? value;
  if (typeof value === "string" && type.simple === "DURATION") return parseDurationText(value) ?? value;
  if (type.collectionType && Array.isArray(value)) return value.map((v) => revive(v, type.collectionType ?? {}));
  if (type.mapValueType && isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v, type.mapValueType ?? {})]));
  const fields = type.simple === "STRUCT" ? type.structure?.dataclassType : undefined;
  if (fields && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Object.prototype.hasOwnProperty.call(fields, k) ? revive(v, fields[k] ?? {}) : v]));
  }
  if (type.unionType) {
    for (const variant of type.unionType.variants ?? []) {
      const r = revive(value, variant);
      if (fits(variant, r)) return r;
    }
  }
  return value;
}

function checked(value: unknown, type: LiteralType): Parsed {
  const problem = validatorFor(type)(value);
  return problem === undefined ? ok(value) : bad(problem);
}

/**
 * Parses `text` as a value of `type`.
 *
 * @example
 * ```ts
 * parseValue("3", { simple: "INTEGER" });                      // { ok: true, value: 3 }
 * parseValue("1.5", { simple: "INTEGER" });                    // { ok: false, problem: 'expected a whole number, got "1.5"' }
 * parseValue("[1, 2]", { collectionType: { simple: "INTEGER" } }); // { ok: true, value: [1, 2] }
 * ```
 */
export function parseValue(text: string, type: LiteralType): Parsed {
  const scalar = parseScalar(text, type);
  if (scalar) return scalar;
  if (type.blob || type.structuredDatasetType) return bad(`${describeType(type)} inputs cannot be given on the command line yet`);
  const inner = optionalInner(type);
  if (inner && (inner.simple !== undefined || inner.enumType)) {
    if (text.trim() === "null" && inner.simple !== "STRING") return ok(null);
    const r = parseValue(text, inner);
    return r.ok ? r : bad(r.problem);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return type.unionType ? parseVariant(text, type) : expected(type, text);
  }
  const r = checked(revive(json, type), type);
  return r.ok || !type.unionType ? r : parseVariant(text, type);
}

/** The text as the first scalar variant of a union it parses as (`abc` for `union<int, str>`). */
function parseVariant(text: string, type: LiteralType): Parsed {
  for (const variant of type.unionType?.variants ?? []) {
    const r = parseScalar(text, variant);
    if (r?.ok) return r;
  }
  return expected(type, text);
}
