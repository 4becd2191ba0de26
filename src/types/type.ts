/**
 * The `AloftType` interface: what every `t.*` type knows about its values.
 *
 * @module
 */
import type { LiteralType } from "../idl/core.js";

declare const valueBrand: unique symbol;

/**
 * A type of Aloft values. It carries three things: the TypeScript type of its
 * values (a phantom parameter used for inference), Flyte's `LiteralType` (used
 * by the compiler and by run-time validation) and a readable name.
 *
 * @example
 * ```ts
 * const xs: AloftType<number[]> = t.list(t.int);
 * xs.name;        // "list<int>"
 * xs.literalType; // { collectionType: { simple: "INTEGER" } }
 * ```
 */
export interface AloftType<T> {
  /** Flyte's `LiteralType` for this type, in protobufjs object form. */
  readonly literalType: LiteralType;
  /** A readable name such as `list<int>` or `optional<str>`. */
  readonly name: string;
  /** Phantom field carrying the TypeScript type of values; never set at run time. */
  readonly [valueBrand]?: T;
}

/** The TypeScript type of the values of an Aloft type. */
export type ValueOf<A> = A extends AloftType<infer T> ? T : never;

/** Any Aloft type, whatever its values. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the phantom parameter must accept every value type
export type AnyType = AloftType<any>;

/** A record of Aloft types, as used for inputs and named outputs. */
export type TypeRecord = Readonly<Record<string, AnyType>>;

/** The TypeScript type of a record of values, one per field of a `TypeRecord`. */
export type ValuesOf<R extends TypeRecord> = Simplify<
  { -readonly [K in keyof R as null extends ValueOf<R[K]> ? never : K]: ValueOf<R[K]> } & {
    -readonly [K in keyof R as null extends ValueOf<R[K]> ? K : never]?: ValueOf<R[K]>;
  }
>;

/** Flattens an intersection so hovers show a single object type. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Builds an `AloftType` around a literal type. */
export function makeType<T>(literalType: LiteralType, name: string): AloftType<T> {
  return Object.freeze({ literalType, name }) as AloftType<T>;
}

/**
 * True for an Aloft type: an object (or, for `t.file` and `t.dir`, a
 * function) with a `literalType` and a `name`.
 *
 * @example
 * ```ts
 * isAloftType(t.int);  // true
 * isAloftType(t.file); // true
 * isAloftType(3);      // false
 * ```
 */
export function isAloftType(value: unknown): value is AnyType {
  return (typeof value === "object" || typeof value === "function") && value !== null && "literalType" in value && "name" in value;
}
