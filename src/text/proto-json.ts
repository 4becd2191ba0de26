/**
 * Reading flyteidl messages written in protobuf's JSON mapping (what
 * `MessageToJson`, `flytectl -o json` and hand-written YAML hold): field names
 * in lowerCamelCase or as in the `.proto` (snake_case), enums by name or
 * number, 64-bit integers as strings or numbers, `google.protobuf.Struct` as a
 * plain JSON object, `Duration` as `"3.5s"`, `Timestamp` as RFC 3339, wrapper
 * types as bare values. Aloft's own object form (what `compile` returns and
 * `writeSpecs(..., { format: "json" })` writes) is read as well.
 *
 * The walk follows the message's schema from the official `.proto` files, so
 * map keys (variable names) are never renamed, and an unknown field is an
 * error naming its path, as protobuf's JSON parser does.
 *
 * @module
 */
import protobuf from "protobufjs";
import { OBJECT_FORM, messageType } from "../compiler/proto.js";

/** A path inside a document: keys and indexes from the root. */
export type DocPath = readonly (string | number)[];

/** A problem at a path of the document being read. */
export class JsonMappingProblem extends Error {
  constructor(
    message: string,
    readonly path: DocPath,
  ) {
    super(message);
  }
}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function showPath(path: DocPath): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? p : `.${p}`;
  return s === "" ? "(the document)" : s;
}

const VALUE_KINDS = new Set(["nullValue", "numberValue", "stringValue", "boolValue", "structValue", "listValue"]);

/** A `google.protobuf.Value` from JSON (or already in object form). */
function protoValue(v: unknown, path: DocPath): Record<string, unknown> {
  if (v === null) return { nullValue: "NULL_VALUE" };
  if (typeof v === "number") return { numberValue: v };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map((e, i) => protoValue(e, [...path, i])) } };
  if (isPlainObject(v)) return { structValue: protoStruct(v, path) };
  throw new JsonMappingProblem(`${showPath(path)} is not a JSON value`, path);
}

/** True when an object is a `Struct` in object form: `{ fields: { k: { numberValue: 1 } } }`. */
function isObjectFormStruct(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v);
  if (keys.length !== 1 || keys[0] !== "fields" || !isPlainObject(v["fields"])) return false;
  return Object.values(v["fields"]).every((f) => isPlainObject(f) && Object.keys(f).length === 1 && VALUE_KINDS.has(Object.keys(f)[0]!));
}

function protoStruct(v: unknown, path: DocPath): Record<string, unknown> {
  if (!isPlainObject(v)) throw new JsonMappingProblem(`${showPath(path)} must be an object (a google.protobuf.Struct)`, path);
  if (isObjectFormStruct(v)) return v;
  const fields: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(v)) fields[k] = protoValue(e, [...path, k]);
  return { fields };
}

/** `"3.5s"` or `{ seconds, nanos }` to `{ seconds, nanos }`. */
function protoDuration(v: unknown, path: DocPath): Record<string, unknown> {
  if (isPlainObject(v)) return v;
  if (typeof v !== "string") throw new JsonMappingProblem(`${showPath(path)} must be a duration like "30s"`, path);
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v);
  if (!m) throw new JsonMappingProblem(`${showPath(path)} is not a duration: ${JSON.stringify(v)} (protobuf's JSON writes durations like "30s" or "1.5s")`, path);
  const sign = m[1] ? -1 : 1;
  const nanos = m[3] ? Number(m[3].padEnd(9, "0")) : 0;
  return { seconds: `${m[1] ?? ""}${m[2]}`, nanos: sign * nanos };
}

/** RFC 3339 or `{ seconds, nanos }` to `{ seconds, nanos }`. */
function protoTimestamp(v: unknown, path: DocPath): Record<string, unknown> {
  if (isPlainObject(v)) return v;
  const ms = typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) throw new JsonMappingProblem(`${showPath(path)} must be an RFC 3339 time like "2024-01-01T00:00:00Z", got ${JSON.stringify(v)}`, path);
  const frac = /\.(\d{1,9})/.exec(v as string);
  return { seconds: String(Math.floor(ms / 1000)), nanos: frac ? Number(frac[1]!.padEnd(9, "0")) : 0 };
}

const WRAPPERS = new Set(["BoolValue", "StringValue", "Int32Value", "Int64Value", "UInt32Value", "UInt64Value", "FloatValue", "DoubleValue", "BytesValue"].map((n) => `.google.protobuf.${n}`));

function scalar(field: protobuf.Field, v: unknown, path: DocPath): unknown {
  const type = field.type;
  const bad = (what: string): never => {
    throw new JsonMappingProblem(`${showPath(path)} must be ${what}, got ${JSON.stringify(v) ?? String(v)}`, path);
  };
  switch (type) {
    case "string":
      return typeof v === "string" ? v : bad("a string");
    case "bool":
      return typeof v === "boolean" ? v : bad("true or false");
    case "bytes":
      return typeof v === "string" ? v : bad("base64 text");
    case "double":
    case "float":
      if (typeof v === "number") return v;
      if (v === "NaN" || v === "Infinity" || v === "-Infinity") return Number(v);
      if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
      return bad("a number");
    default: {
      // the integer types
      const n = typeof v === "string" && /^-?\d+$/.test(v) ? v : typeof v === "number" && Number.isInteger(v) ? v : undefined;
      if (n === undefined) return bad("an integer");
      if ((type === "int32" || type === "uint32" || type === "sint32" || type === "fixed32" || type === "sfixed32") && Math.abs(Number(n)) > 4294967295) return bad("a 32-bit integer");
      if (type.startsWith("u") || type === "fixed32" || type === "fixed64") {
        if (Number(n) < 0) return bad("a non-negative integer");
      }
      return n;
    }
  }
}

function enumValue(e: protobuf.Enum, v: unknown, path: DocPath): string | number {
  if (typeof v === "string" && Object.prototype.hasOwnProperty.call(e.values, v)) return v;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw new JsonMappingProblem(`${showPath(path)} must be one of ${Object.keys(e.values).join(", ")}, got ${JSON.stringify(v) ?? String(v)}`, path);
}

function element(field: protobuf.Field, v: unknown, path: DocPath): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) return enumValue(rt, v, path);
  if (rt instanceof protobuf.Type) {
    switch (rt.fullName) {
      case ".google.protobuf.Struct":
        return protoStruct(v, path);
      case ".google.protobuf.Value":
        return isPlainObject(v) && Object.keys(v).length === 1 && VALUE_KINDS.has(Object.keys(v)[0]!) ? v : protoValue(v, path);
      case ".google.protobuf.ListValue":
        return Array.isArray(v) ? { values: v.map((e, i) => protoValue(e, [...path, i])) } : message(rt, v, path);
      case ".google.protobuf.Duration":
        return protoDuration(v, path);
      case ".google.protobuf.Timestamp":
        return protoTimestamp(v, path);
      default:
        if (WRAPPERS.has(rt.fullName) && !isPlainObject(v)) return { value: scalar(rt.fields["value"]!, v, path) };
        return message(rt, v, path);
    }
  }
  return scalar(field, v, path);
}

function message(type: protobuf.Type, v: unknown, path: DocPath): Record<string, unknown> {
  if (!isPlainObject(v)) throw new JsonMappingProblem(`${showPath(path)} must be an object (a ${type.fullName.slice(1)})`, path);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v)) {
    const field = type.fields[key] ?? type.fields[camel(key)];
    const at = [...path, key];
    if (!field) throw new JsonMappingProblem(`${showPath(at)} is not a field of ${type.fullName.slice(1)} (its fields: ${Object.keys(type.fields).join(", ")})`, at);
    if (value === null && !(field.resolvedType instanceof protobuf.Type && field.resolvedType.fullName === ".google.protobuf.Value")) continue;
    if (out[field.name] !== undefined) throw new JsonMappingProblem(`${showPath(at)} is given twice (as ${field.name} and ${key})`, at);
    if (field.map) {
      if (!isPlainObject(value)) throw new JsonMappingProblem(`${showPath(at)} must be an object (a map)`, at);
      const m: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(value)) m[k] = element(field, e, [...at, k]);
      out[field.name] = m;
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new JsonMappingProblem(`${showPath(at)} must be a list`, at);
      out[field.name] = value.map((e, i) => element(field, e, [...at, i]));
    } else {
      out[field.name] = element(field, value, at);
    }
  }
  return out;
}

/**
 * Reads a flyteidl message from its JSON mapping (or object form) into
 * Aloft's object form (camelCase fields, enum names, 64-bit integers as strings).
 *
 * @throws JsonMappingProblem naming the path of the first field that does not fit the schema.
 *
 * @example
 * ```ts
 * fromJsonMapping("flyteidl.admin.TaskSpec", { template: { id: { name: "t" }, type: "python-task" } });
 * ```
 */
export function fromJsonMapping(messageName: string, value: unknown): Record<string, unknown> {
  const type = messageType(messageName);
  const obj = message(type, value, []);
  let msg: protobuf.Message;
  try {
    msg = type.fromObject(obj);
  } catch (e) {
    throw new JsonMappingProblem(`not a valid ${messageName}: ${(e as Error).message}`, []);
  }
  return type.toObject(msg, OBJECT_FORM);
}
