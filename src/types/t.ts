/**
 * `t`: Aloft's type constructors. Each maps to Flyte's `LiteralType` and gives
 * the TypeScript type of its values.
 *
 * @module
 */
import type { LiteralType, ProtoStruct, ProtoValue } from "../idl/core.js";
import { describeType } from "./describe.js";
import { isAloftType, makeType, type AloftType, type AnyType, type Simplify, type ValueOf } from "./type.js";
import { dataframe, dir, file } from "./blob-types.js";
import { InvalidTypeError } from "../errors.js";
import { isIdentifier } from "./names.js";

type StructValue<S extends Record<string, AnyType>> = Simplify<
  { -readonly [K in keyof S as null extends ValueOf<S[K]> ? never : K]: ValueOf<S[K]> } & {
    -readonly [K in keyof S as null extends ValueOf<S[K]> ? K : never]?: ValueOf<S[K]>;
  }
>;

const int = makeType<number>({ simple: "INTEGER" }, "int");
const float = makeType<number>({ simple: "FLOAT" }, "float");
const str = makeType<string>({ simple: "STRING" }, "str");
const bool = makeType<boolean>({ simple: "BOOLEAN" }, "bool");
const datetime = makeType<Date>({ simple: "DATETIME" }, "datetime");
const duration = makeType<number>({ simple: "DURATION" }, "duration");
const none = makeType<null>({ simple: "NONE" }, "none");

/** The error a failure handler receives: which node failed, and why. */
export interface FlyteError {
  /** The id of the node that failed. */
  failedNodeId: string;
  /** What went wrong. */
  message: string;
}
const error = makeType<FlyteError>({ simple: "ERROR" }, "error");

function assertType(value: unknown, where: string): asserts value is AnyType {
  if (!isAloftType(value)) {
    throw new InvalidTypeError(`${where} must be an Aloft type such as t.int or t.list(t.str), got ${String(value)}`);
  }
}

function list<T>(elem: AloftType<T>): AloftType<T[]> {
  assertType(elem, "t.list(element)");
  return makeType({ collectionType: elem.literalType }, `list<${elem.name}>`);
}

function map<T>(value: AloftType<T>): AloftType<Record<string, T>> {
  assertType(value, "t.map(value)");
  return makeType({ mapValueType: value.literalType }, `map<${value.name}>`);
}

function jsonSchemaOf(type: LiteralType): Record<string, unknown> {
  if (type.simple !== undefined) {
    switch (type.simple) {
      case "INTEGER":
        return { type: "integer" };
      case "FLOAT":
      case "DURATION":
        return { type: "number" };
      case "STRING":
        return { type: "string" };
      case "BOOLEAN":
        return { type: "boolean" };
      case "DATETIME":
        return { type: "string", format: "date-time" };
      case "NONE":
        return { type: "null" };
      case "STRUCT": {
        const fields = type.structure?.dataclassType ?? {};
        const required = Object.entries(fields)
          .filter(([, ft]) => !(ft.unionType?.variants ?? []).some((v) => v.simple === "NONE"))
          .map(([k]) => k);
        const properties = Object.fromEntries(Object.entries(fields).map(([k, ft]) => [k, jsonSchemaOf(ft)]));
        return { type: "object", properties, required, additionalProperties: false };
      }
      default:
        return {};
    }
  }
  if (type.collectionType) return { type: "array", items: jsonSchemaOf(type.collectionType) };
  if (type.mapValueType) return { type: "object", additionalProperties: jsonSchemaOf(type.mapValueType) };
  if (type.enumType) return { type: "string", enum: [...(type.enumType.values ?? [])] };
  if (type.unionType) return { anyOf: (type.unionType.variants ?? []).map(jsonSchemaOf) };
  return {};
}

/** Converts a JSON value to `google.protobuf.Value` object form. */
export function toProtoValue(value: unknown): ProtoValue {
  if (value === null || value === undefined) return { nullValue: "NULL_VALUE" };
  if (typeof value === "number") return { numberValue: value };
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (value instanceof Date) return { stringValue: value.toISOString() };
  // Empty lists and structs leave their field out, as protobuf's own object form does.
  if (Array.isArray(value)) return { listValue: value.length === 0 ? {} : { values: value.map(toProtoValue) } };
  return { structValue: toProtoStruct(value as Record<string, unknown>) };
}

/** Converts a plain JSON object to `google.protobuf.Struct` object form. */
export function toProtoStruct(obj: Record<string, unknown>): ProtoStruct {
  const fields: Record<string, ProtoValue> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) fields[k] = toProtoValue(v);
  return Object.keys(fields).length === 0 ? {} : { fields };
}

function struct<S extends Record<string, AnyType>>(fields: S, options: { name?: string } = {}): AloftType<StructValue<S>> {
  if (typeof fields !== "object" || fields === null) throw new InvalidTypeError("t.struct(fields) takes a record of Aloft types");
  if (Object.keys(fields).length === 0) throw new InvalidTypeError("t.struct(fields) needs at least one field; for free-form records use t.map(T)");
  const dataclassType: Record<string, LiteralType> = {};
  for (const [k, ft] of Object.entries(fields)) {
    if (!isIdentifier(k)) throw new InvalidTypeError(`t.struct field name ${JSON.stringify(k)} is not an identifier`);
    assertType(ft, `t.struct field ${JSON.stringify(k)}`);
    dataclassType[k] = ft.literalType;
  }
  const base: LiteralType = { simple: "STRUCT", structure: { dataclassType } };
  const schema = { title: options.name ?? "Struct", ...jsonSchemaOf(base) };
  const literalType: LiteralType = { simple: "STRUCT", metadata: toProtoStruct(schema), structure: { dataclassType } };
  return makeType(literalType, options.name ?? describeType(base));
}

function enumOf<const V extends readonly [string, ...string[]]>(...values: V): AloftType<V[number]> {
  if (values.length === 0) throw new InvalidTypeError("t.enum(...) needs at least one value");
  for (const v of values) if (typeof v !== "string") throw new InvalidTypeError(`t.enum values must be strings, got ${String(v)}`);
  if (new Set(values).size !== values.length) throw new InvalidTypeError(`t.enum values must be distinct: ${values.join(", ")}`);
  return makeType({ enumType: { values: [...values] } }, `enum<${values.map((v) => JSON.stringify(v)).join(", ")}>`);
}

function union<const A extends readonly [AnyType, ...AnyType[]]>(...variants: A): AloftType<ValueOf<A[number]>> {
  if (variants.length < 2) throw new InvalidTypeError("t.union(...) needs at least two variants");
  const flat: AnyType[] = [];
  variants.forEach((v, i) => {
    assertType(v, `t.union variant ${i}`);
    if (v.literalType.unionType) {
      for (const inner of v.literalType.unionType.variants ?? []) flat.push(makeType(inner, describeType(inner)));
    } else flat.push(v);
  });
  const names = flat.map((v) => v.name);
  if (new Set(names).size !== names.length) throw new InvalidTypeError(`t.union variants must be distinct: ${names.join(", ")}`);
  const literalType: LiteralType = {
    unionType: { variants: flat.map((v) => ({ ...v.literalType, structure: { ...v.literalType.structure, tag: v.name } })) },
  };
  return makeType(literalType, describeType(literalType));
}

function optional<T>(type: AloftType<T>): AloftType<T | null> {
  assertType(type, "t.optional(type)");
  if (type.literalType.unionType?.variants?.some((v) => v.simple === "NONE")) return type as AloftType<T | null>;
  return union(type, none) as AloftType<T | null>;
}

/**
 * Aloft's types. Each gives the TypeScript type of its values, validates them
 * at run time and maps to Flyte's `LiteralType`.
 *
 * @example
 * ```ts
 * const Point = t.struct({ x: t.float, y: t.float, label: t.optional(t.str) });
 * const inputs = { points: t.list(Point), mode: t.enum("fast", "exact") };
 * ```
 */
export const t = {
  /** A safe integer (Flyte `INTEGER`). */
  int,
  /** A finite number (Flyte `FLOAT`). */
  float,
  /** A string (Flyte `STRING`). */
  str,
  /** A boolean (Flyte `BOOLEAN`). */
  bool,
  /** A `Date` (Flyte `DATETIME`). */
  datetime,
  /** A length of time in milliseconds (Flyte `DURATION`). */
  duration,
  /** The absence of a value: `null` (Flyte `NONE`). */
  none,
  /** A failed node's error (Flyte `ERROR`), as given to a failure handler's optional `err` input. */
  error,
  /** A list of values of one type. */
  list,
  /** A record with string keys and values of one type. */
  map,
  /** A plain object with typed fields; carries a JSON schema. Fields of optional types may be left out. */
  struct,
  /** One of the given strings. */
  enum: enumOf,
  /** A value of exactly one of the given types. */
  union,
  /** A value of the type, or `null`. */
  optional,
  /** A file, passed by reference (`AloftFile`); `t.file({ format: "csv" })` for one format. */
  file,
  /** A directory of files, passed by reference (`AloftDirectory`); `t.dir({ format })` for one format. */
  dir,
  /** Tabular data with typed columns, passed by reference (`AloftDataFrame`), stored as Arrow. */
  dataframe,
} as const;
