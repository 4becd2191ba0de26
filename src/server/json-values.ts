/**
 * Values as JSON, for the HTTP API: what a client sends is turned into the
 * typed values an entity's interface declares (dates from ISO strings, files
 * from `{ uri }` references), and stored literals are turned back into JSON.
 *
 * The JSON form of each type:
 *
 * | type                 | JSON                                                   |
 * | -------------------- | ------------------------------------------------------ |
 * | int, float           | a number (`"NaN"`, `"Infinity"`, `"-Infinity"` for floats) |
 * | str, enum            | a string                                               |
 * | bool                 | `true` or `false`                                      |
 * | datetime             | an ISO 8601 string with a zone, or a date (`2024-01-31`, midnight UTC) |
 * | duration             | milliseconds, as a number                              |
 * | none                 | `null`                                                 |
 * | list, map            | an array, an object                                    |
 * | struct               | an object                                              |
 * | error                | `{ failedNodeId, message }`                            |
 * | file, dir            | `{ uri, format? }`                                     |
 * | dataframe            | `{ uri, format?, columns? }` (columns: `[{ name, type }]`, read-only) |
 * | union, optional      | the JSON of the first variant the value converts to    |
 *
 * A stored value too large for the database (kept in the blob store) that
 * the server cannot read back is shown as `{ "$offloaded": { uri, sizeBytes } }`.
 *
 * Converting never runs code: it only builds plain values and references.
 *
 * @module
 */
import type { Literal, LiteralMap, LiteralType, ProtoStruct, ProtoValue } from "../idl/core.js";
import { describeType, describeValue } from "../types/describe.js";
import { fits } from "../types/validate.js";
import { DATETIME_HINT, zonelessDatetimeProblem, intRangeProblem, parseIsoDatetime } from "../types/text-values.js";
import { AloftFile } from "../blobs/file.js";
import { AloftDirectory } from "../blobs/directory.js";
import { AloftDataFrame, declaredColumns } from "../blobs/dataframe.js";

/** A converted value, or what is wrong with the JSON. */
export type Converted = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

const ok = (value: unknown): Converted => ({ ok: true, value });
const bad = (problem: string): Converted => ({ ok: false, problem });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function expected(what: string, json: unknown): Converted {
  return bad(`expected ${what}, got ${describeValue(json)}`);
}

const FLOAT_WORDS: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

function fromJsonReference(type: LiteralType, json: unknown): Converted {
  const name = describeType(type);
  if (!isPlainObject(json) || typeof json["uri"] !== "string") return expected(`${name} as { "uri": "...", "format"?: "..." }`, json);
  const format = json["format"];
  if (format !== undefined && typeof format !== "string") return bad(`the "format" of a ${name} reference must be a string, got ${describeValue(format)}`);
  for (const k of Object.keys(json)) {
    if (k !== "uri" && k !== "format" && !(k === "columns" && type.structuredDatasetType)) return bad(`a ${name} reference has no field ${JSON.stringify(k)} (fields: uri, format)`);
  }
  const options = format === undefined ? {} : { format };
  try {
    if (type.blob) return ok(type.blob.dimensionality === "MULTIPART" ? AloftDirectory.fromUri(json["uri"], options) : AloftFile.fromUri(json["uri"], options));
    // The columns of a dataframe given by reference are the declared ones: a client cannot vouch for a file's schema.
    return ok(AloftDataFrame.fromUri(json["uri"], { ...options, columns: declaredColumns(type) }));
  } catch (e) {
    return bad(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Converts a JSON value to a value of `type` (see the module's table). The
 * result still goes through the type's validator when it is used as an input;
 * this only reports what JSON cannot be converted, with the path to it.
 *
 * @example
 * ```ts
 * jsonToValue({ simple: "DATETIME" }, "2024-01-31T12:00:00Z"); // { ok: true, value: new Date("2024-01-31T12:00:00Z") }
 * jsonToValue({ collectionType: { simple: "INTEGER" } }, [1, "2"]); // { ok: false, problem: 'element [1]: expected a whole number, got string "2"' }
 * ```
 */
export function jsonToValue(type: LiteralType, json: unknown): Converted {
  if (type.unionType) return unionFromJson(type, json);
  if (type.collectionType) {
    if (!Array.isArray(json)) return expected(`${describeType(type)} as an array`, json);
    const elem = type.collectionType;
    const out: unknown[] = [];
    for (let i = 0; i < json.length; i++) {
      const r = jsonToValue(elem, json[i]);
      if (!r.ok) return bad(`element [${i}]: ${r.problem}`);
      out.push(r.value);
    }
    return ok(out);
  }
  if (type.mapValueType) {
    if (!isPlainObject(json)) return expected(`${describeType(type)} as an object`, json);
    const vt = type.mapValueType;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json)) {
      const r = jsonToValue(vt, v);
      if (!r.ok) return bad(`key ${JSON.stringify(k)}: ${r.problem}`);
      out[k] = r.value;
    }
    return ok(out);
  }
  if (type.enumType) {
    const values = type.enumType.values ?? [];
    return typeof json === "string" && values.includes(json) ? ok(json) : expected(`one of ${values.map((v) => JSON.stringify(v)).join(", ")}`, json);
  }
  if (type.blob || type.structuredDatasetType) return fromJsonReference(type, json);
  switch (type.simple) {
    case "INTEGER": {
      if (Number.isSafeInteger(json)) return ok(json);
      const outside = typeof json === "number" ? intRangeProblem(json) : undefined;
      return outside === undefined ? expected("a whole number", json) : bad(outside);
    }
    case "FLOAT":
      if (typeof json === "number") return ok(json);
      return typeof json === "string" && json in FLOAT_WORDS ? ok(FLOAT_WORDS[json]) : expected("a number", json);
    case "STRING":
      return typeof json === "string" ? ok(json) : expected("a string", json);
    case "BOOLEAN":
      return typeof json === "boolean" ? ok(json) : expected("true or false", json);
    case "DATETIME": {
      const d = typeof json === "string" ? parseIsoDatetime(json) : undefined;
      if (d) return ok(d);
      const zoneless = typeof json === "string" ? zonelessDatetimeProblem(json) : undefined;
      return zoneless === undefined ? expected(DATETIME_HINT, json) : bad(zoneless);
    }
    case "DURATION":
      return typeof json === "number" && Number.isFinite(json) ? ok(json) : expected("a duration in milliseconds", json);
    case "NONE":
      return json === null ? ok(null) : expected("null", json);
    case "ERROR":
      return isPlainObject(json) && typeof json["failedNodeId"] === "string" && typeof json["message"] === "string"
        ? ok({ failedNodeId: json["failedNodeId"], message: json["message"] })
        : expected('an error as { "failedNodeId": "...", "message": "..." }', json);
    case "STRUCT":
      return structFromJson(type, json);
    default:
      return bad(`values of type ${describeType(type)} cannot be given as JSON`);
  }
}

function structFromJson(type: LiteralType, json: unknown): Converted {
  if (!isPlainObject(json)) return expected(`${describeType(type)} as an object`, json);
  const fields = type.structure?.dataclassType;
  if (!fields) return ok(json);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    const ft = Object.prototype.hasOwnProperty.call(fields, k) ? fields[k] : undefined;
    if (!ft) return bad(`unknown field ${JSON.stringify(k)} (fields are ${Object.keys(fields).join(", ")})`);
    const r = jsonToValue(ft, v);
    if (!r.ok) return bad(`field ${JSON.stringify(k)}: ${r.problem}`);
    out[k] = r.value;
  }
  return ok(out);
}

function unionFromJson(type: LiteralType, json: unknown): Converted {
  const variants = type.unionType?.variants ?? [];
  const problems: string[] = [];
  for (const variant of variants) {
    const r = jsonToValue(variant, json);
    if (r.ok && fits(variant, r.value)) return r;
    if (!r.ok) problems.push(`as ${describeType(variant)}: ${r.problem}`);
  }
  return bad(`expected ${describeType(type)}, got ${describeValue(json)}${problems.length > 0 ? ` (${problems.join("; ")})` : ""}`);
}

/**
 * Converts JSON inputs to values by the declared input types. Names without a
 * declared type are passed on as they are (the engine then names them as
 * unknown inputs).
 *
 * @example
 * ```ts
 * jsonToInputs({ at: { simple: "DATETIME" } }, { at: "2024-01-31" });
 * // { ok: true, values: { at: new Date("2024-01-31T00:00:00Z") } }
 * ```
 */
export function jsonToInputs(
  types: Readonly<Record<string, LiteralType>>,
  json: Readonly<Record<string, unknown>>,
): { readonly ok: true; readonly values: Record<string, unknown> } | { readonly ok: false; readonly input: string; readonly problem: string } {
  const values: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(json)) {
    const type = Object.prototype.hasOwnProperty.call(types, name) ? types[name] : undefined;
    if (!type) {
      values[name] = v;
      continue;
    }
    const r = jsonToValue(type, v);
    if (!r.ok) return { ok: false, input: name, problem: r.problem };
    values[name] = r.value;
  }
  return { ok: true, values };
}

// ---- literals to JSON -------------------------------------------------------

function floatJson(n: number): number | string {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
}

function protoValueJson(v: ProtoValue): unknown {
  if ("nullValue" in v) return null;
  if ("numberValue" in v) return floatJson(v.numberValue);
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("listValue" in v) return (v.listValue.values ?? []).map(protoValueJson);
  return protoStructJson(v.structValue);
}

function protoStructJson(s: ProtoStruct): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.fields ?? {})) out[k] = protoValueJson(v);
  return out;
}

function timestampIso(ts: { seconds?: string; nanos?: number }): string {
  return new Date(Number(ts.seconds ?? "0") * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

/**
 * The JSON form of a stored literal. Literals carry their own shape, so no
 * type is needed: integers and floats become numbers, timestamps ISO strings,
 * durations milliseconds, files and directories `{ uri, format }`.
 *
 * @example
 * ```ts
 * literalToJson({ scalar: { primitive: { datetime: { seconds: "1706702400" } } } }); // "2024-01-31T12:00:00.000Z"
 * ```
 */
export function literalToJson(literal: Literal): unknown {
  const off = literal.offloadedMetadata;
  if (off) return { $offloaded: { uri: off.uri ?? "", sizeBytes: Number(off.sizeBytes ?? 0) } };
  if (literal.collection) return (literal.collection.literals ?? []).map(literalToJson);
  if (literal.map) return Object.fromEntries(Object.entries(literal.map.literals ?? {}).map(([k, l]) => [k, literalToJson(l)]));
  const s = literal.scalar;
  if (!s) return null;
  if (s.union) return s.union.value ? literalToJson(s.union.value) : null;
  if (s.noneType) return null;
  if (s.error) return { failedNodeId: s.error.failedNodeId ?? "", message: s.error.message ?? "" };
  if (s.generic) return protoStructJson(s.generic);
  if (s.blob) {
    const format = s.blob.metadata?.type?.format;
    return { uri: s.blob.uri ?? "", ...(format ? { format } : {}) };
  }
  if (s.structuredDataset) {
    const meta = s.structuredDataset.metadata?.structuredDatasetType;
    const columns = (meta?.columns ?? []).map((c) => ({ name: c.name ?? "", type: c.literalType ? describeType(c.literalType) : "unknown" }));
    return { uri: s.structuredDataset.uri ?? "", ...(meta?.format ? { format: meta.format } : {}), ...(columns.length > 0 ? { columns } : {}) };
  }
  const p = s.primitive;
  if (!p) return null;
  if (p.integer !== undefined) return Number(p.integer);
  if (p.floatValue !== undefined) return floatJson(p.floatValue);
  if (p.stringValue !== undefined) return p.stringValue;
  if (p.boolean !== undefined) return p.boolean;
  if (p.datetime) return timestampIso(p.datetime);
  if (p.duration) return Number(p.duration.seconds ?? "0") * 1000 + (p.duration.nanos ?? 0) / 1e6;
  return null;
}

/**
 * The JSON form of a stored literal map (`undefined` stays `undefined`).
 *
 * @example
 * ```ts
 * literalMapToJson({ literals: { n: { scalar: { primitive: { integer: "3" } } } } }); // { n: 3 }
 * ```
 */
export function literalMapToJson(map: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(map)) return undefined;
  const literals = (map as LiteralMap).literals ?? {};
  return Object.fromEntries(Object.entries(literals).map(([k, l]) => [k, literalToJson(l)]));
}

// ---- JSON schemas of types ------------------------------------------------------

/**
 * The JSON schema (OpenAPI 3.0 flavour) of the JSON form of a type, so a
 * client can build a form for an entity's inputs.
 *
 * @example
 * ```ts
 * jsonSchemaOfType({ simple: "DATETIME" }); // { type: "string", format: "date-time" }
 * ```
 */
export function jsonSchemaOfType(type: LiteralType): Record<string, unknown> {
  if (type.unionType) {
    const variants = type.unionType.variants ?? [];
    const rest = variants.filter((v) => v.simple !== "NONE");
    const nullable = rest.length < variants.length;
    if (rest.length === 1 && rest[0]) return { ...jsonSchemaOfType(rest[0]), ...(nullable ? { nullable: true } : {}) };
    return { anyOf: rest.map(jsonSchemaOfType), ...(nullable ? { nullable: true } : {}) };
  }
  if (type.collectionType) return { type: "array", items: jsonSchemaOfType(type.collectionType) };
  if (type.mapValueType) return { type: "object", additionalProperties: jsonSchemaOfType(type.mapValueType) };
  if (type.enumType) return { type: "string", enum: [...(type.enumType.values ?? [])] };
  if (type.blob || type.structuredDatasetType) {
    return { type: "object", properties: { uri: { type: "string" }, format: { type: "string" } }, required: ["uri"], additionalProperties: false };
  }
  switch (type.simple) {
    case "INTEGER":
      return { type: "integer" };
    case "FLOAT":
      return { type: "number" };
    case "DURATION":
      return { type: "number", description: "milliseconds" };
    case "STRING":
      return { type: "string" };
    case "BOOLEAN":
      return { type: "boolean" };
    case "DATETIME":
      return { type: "string", format: "date-time" };
    case "NONE":
      return { nullable: true, enum: [null] };
    case "ERROR":
      return { type: "object", properties: { failedNodeId: { type: "string" }, message: { type: "string" } }, required: ["failedNodeId", "message"] };
    case "STRUCT": {
      const fields = type.structure?.dataclassType;
      if (!fields) return { type: "object" };
      const properties = Object.fromEntries(Object.entries(fields).map(([k, ft]) => [k, jsonSchemaOfType(ft)]));
      const required = Object.entries(fields)
        .filter(([, ft]) => !(ft.unionType?.variants ?? []).some((v) => v.simple === "NONE"))
        .map(([k]) => k);
      return { type: "object", properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
    }
    default:
      return {};
  }
}
