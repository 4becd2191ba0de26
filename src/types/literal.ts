/**
 * Conversion between JavaScript values and Flyte `Literal`s, guided by the
 * literal type. Used for constants in bindings, launch-plan inputs and for
 * values stored by the engine.
 *
 * Files, directories and dataframes are converted by reference: their literal
 * holds the URI and type metadata, never the data (see `src/blobs/literal.ts`).
 *
 * @module
 */
import type { Literal, LiteralType, ProtoDuration, ProtoStruct, ProtoTimestamp, ProtoValue, Scalar } from "../idl/core.js";
import { describeType } from "./describe.js";
import { fits } from "./validate.js";
import { toProtoStruct } from "./t.js";
import { referenceFromScalar, referenceScalar } from "../blobs/literal.js";
import { binaryValue } from "./binary-literal.js";

/** Thrown when a value or literal does not fit the literal type it is converted with. */
export class LiteralConversionError extends Error {
  override name = "LiteralConversionError";
}

/**
 * Milliseconds as `google.protobuf.Duration`, zero fields left out (as protobuf does).
 *
 * @example
 * ```ts
 * protoDuration(1500); // { seconds: "1", nanos: 500000000 }
 * ```
 */
export function protoDuration(ms: number): ProtoDuration {
  const seconds = Math.trunc(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  const d: ProtoDuration = {};
  if (seconds !== 0) d.seconds = String(seconds);
  if (nanos !== 0) d.nanos = nanos;
  return d;
}

/** A `Date` as `google.protobuf.Timestamp`, zero fields left out. */
export function protoTimestamp(date: Date): ProtoTimestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1e6;
  const ts: ProtoTimestamp = {};
  if (seconds !== 0) ts.seconds = String(seconds);
  if (nanos !== 0) ts.nanos = nanos;
  return ts;
}

/**
 * Converts a value that fits `type` to a Flyte literal.
 *
 * @example
 * ```ts
 * toLiteral({ simple: "INTEGER" }, 3); // { scalar: { primitive: { integer: "3" } } }
 * ```
 */
export function toLiteral(type: LiteralType, value: unknown): Literal {
  return convert(type, value);
}

function convert(type: LiteralType, value: unknown): Literal {
  if (type.unionType) {
    for (const variant of type.unionType.variants ?? []) {
      if (fits(variant, value)) return { scalar: { union: { value: convert(variant, value), type: variant } } };
    }
    throw new LiteralConversionError(`value does not fit ${describeType(type)}`);
  }
  // An empty list or map leaves `literals` out: protobuf drops empty repeated and map fields.
  if (type.collectionType) {
    const elem = type.collectionType;
    const items = value as unknown[];
    return items.length === 0 ? { collection: {} } : { collection: { literals: items.map((v) => convert(elem, v)) } };
  }
  if (type.mapValueType) {
    const vt = type.mapValueType;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return { map: {} };
    const literals: Record<string, Literal> = {};
    for (const [k, v] of entries) literals[k] = convert(vt, v);
    return { map: { literals } };
  }
  if (type.enumType) return { scalar: { primitive: { stringValue: value as string } } };
  if (type.blob || type.structuredDatasetType) {
    const scalar = referenceScalar(type, value);
    if (!scalar) throw new LiteralConversionError(`a ${describeType(type)} literal needs a reference (AloftFile, AloftDirectory or AloftDataFrame) of that kind`);
    return { scalar };
  }
  return { scalar: scalarOf(type, value) };
}

function scalarOf(type: LiteralType, value: unknown): Scalar {
  switch (type.simple) {
    case "INTEGER":
      return { primitive: { integer: String(value) } };
    case "FLOAT":
      return { primitive: { floatValue: value as number } };
    case "STRING":
      return { primitive: { stringValue: value as string } };
    case "BOOLEAN":
      return { primitive: { boolean: value as boolean } };
    case "DATETIME":
      return { primitive: { datetime: protoTimestamp(value as Date) } };
    case "DURATION":
      return { primitive: { duration: protoDuration(value as number) } };
    case "NONE":
      return { noneType: {} };
    case "STRUCT":
      return { generic: toProtoStruct(value as Record<string, unknown>) };
    case "ERROR": {
      const e = value as { failedNodeId: string; message: string };
      return { error: { failedNodeId: e.failedNodeId, message: e.message } };
    }
    default:
      throw new LiteralConversionError(`cannot write a ${describeType(type)} value as a literal`);
  }
}

function fromProtoValue(v: ProtoValue): unknown {
  if ("nullValue" in v) return null;
  if ("numberValue" in v) return v.numberValue;
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("listValue" in v) return (v.listValue.values ?? []).map(fromProtoValue);
  return fromProtoStruct(v.structValue);
}

function fromProtoStruct(s: ProtoStruct): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.fields ?? {})) out[k] = fromProtoValue(v);
  return out;
}

/** Re-types a JSON value read from a `Struct` using the field types (dates come back as ISO strings). */
function reviveJson(type: LiteralType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type.simple === "DATETIME" && typeof value === "string") return new Date(value);
  if (type.simple === "STRUCT" && type.structure?.dataclassType) {
    const fields = type.structure.dataclassType;
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = fields[k] ? reviveJson(fields[k], v) : v;
    return out;
  }
  if (type.collectionType && Array.isArray(value)) return value.map((v) => reviveJson(type.collectionType as LiteralType, v));
  if (type.mapValueType && typeof value === "object") {
    const vt = type.mapValueType;
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, reviveJson(vt, v)]));
  }
  if (type.unionType) {
    for (const variant of type.unionType.variants ?? []) {
      const revived = reviveJson(variant, value);
      if (fits(variant, revived)) return revived;
    }
  }
  return value;
}

/**
 * An int64 as a number, refused when a number cannot hold it exactly
 * (flytekit writes any Python int that fits 64 bits).
 */
function conversionFailure(message: string): never {
  throw new LiteralConversionError(message);
}

function exactInteger(text: string | number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new LiteralConversionError(`the integer ${String(text)} is beyond what a JavaScript number holds exactly (±2^53−1); Aloft does not round it`);
  return n;
}

/**
 * Converts a Flyte literal back to a JavaScript value of `type`.
 *
 * @example
 * ```ts
 * fromLiteral({ simple: "INTEGER" }, { scalar: { primitive: { integer: "3" } } }); // 3
 * ```
 */
export function fromLiteral(type: LiteralType, literal: Literal): unknown {
  if (literal.collection) {
    const elem = type.collectionType;
    if (!elem) throw new LiteralConversionError(`a list literal does not fit ${describeType(type)}`);
    return (literal.collection.literals ?? []).map((l) => fromLiteral(elem, l));
  }
  if (literal.map) {
    const vt = type.mapValueType;
    if (!vt) throw new LiteralConversionError(`a map literal does not fit ${describeType(type)}`);
    const out: Record<string, unknown> = {};
    for (const [k, l] of Object.entries(literal.map.literals ?? {})) out[k] = fromLiteral(vt, l);
    return out;
  }
  const s = literal.scalar;
  if (!s) throw new LiteralConversionError("the literal holds no value");
  if (s.union) {
    const variant = s.union.type ?? type;
    return fromLiteral(variant, s.union.value ?? {});
  }
  if (s.noneType) return null;
  if (s.error) return { failedNodeId: s.error.failedNodeId ?? "", message: s.error.message ?? "" };
  if (s.generic) return reviveJson(type, fromProtoStruct(s.generic));
  if (s.binary) return reviveJson(type, binaryValue(s.binary, conversionFailure));
  if (s.blob || s.structuredDataset) return referenceFromScalar(type, s);
  const p = s.primitive;
  if (!p) throw new LiteralConversionError(`this kind of literal is not supported for ${describeType(type)}`);
  if (p.integer !== undefined) return exactInteger(p.integer);
  if (p.floatValue !== undefined) return p.floatValue;
  if (p.stringValue !== undefined) return p.stringValue;
  if (p.boolean !== undefined) return p.boolean;
  // A Date holds milliseconds: the microseconds and nanoseconds flytekit may write are dropped, towards the past.
  if (p.datetime) return new Date(Number(p.datetime.seconds ?? "0") * 1000 + Math.floor((p.datetime.nanos ?? 0) / 1e6));
  if (p.duration) return Number(p.duration.seconds ?? "0") * 1000 + (p.duration.nanos ?? 0) / 1e6;
  throw new LiteralConversionError("the primitive literal holds no value");
}
