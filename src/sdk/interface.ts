/**
 * Typed interfaces of entities: how declared inputs and outputs map to the
 * TypeScript types of values, bindings, call results and node outputs.
 *
 * @module
 */
import { isAloftType, type AnyType, type Simplify, type TypeRecord, type ValueOf, type ValuesOf } from "../types/type.js";
import type { Handle } from "./handle.js";
import type { NodeRef } from "./node-ref.js";
import { InvalidNameError, InvalidOptionError } from "../errors.js";
import { isIdentifier } from "../types/names.js";

/**
 * How an entity declares its outputs: nothing, one type (output `o0`), an
 * array of types (`o0`..`oN`) or a record of named types.
 */
export type OutputsSpec = undefined | AnyType | readonly [] | readonly [AnyType, ...AnyType[]] | TypeRecord;

/** The shape of an entity's outputs, which decides how its function returns them and how a call returns handles. */
export type OutputShape = "none" | "single" | "tuple" | "record";

/** The output types of an `OutputsSpec`, keyed by output name (`o0`.. for single and tuple outputs). */
export type OutputTypes<O extends OutputsSpec> = O extends undefined
  ? {}
  : O extends AnyType
    ? { o0: O }
    : O extends readonly AnyType[]
      ? { [K in keyof O as K extends `${infer N extends number}` ? `o${N}` : never]: O[K] }
      : O extends TypeRecord
        ? O
        : never;

/** The record of output values a run resolves to: `{ o0: -1.5 }`, or named outputs. */
export type OutputValues<O extends OutputsSpec> = Simplify<{ -readonly [K in keyof OutputTypes<O>]: ValueOf<OutputTypes<O>[K]> }>;

/** What a task function returns for its outputs: nothing, the value, an array of values, or a record. */
export type ReturnValue<O extends OutputsSpec> = O extends undefined
  ? void
  : O extends AnyType
    ? ValueOf<O>
    : O extends readonly AnyType[]
      ? { -readonly [K in keyof O]: ValueOf<O[K]> }
      : O extends TypeRecord
        ? ValuesOf<O>
        : never;

/** What calling an entity in a declarative body returns: a handle, an array of handles, a record of handles, or (no outputs) the node. */
export type CallResult<O extends OutputsSpec> = O extends undefined
  ? NodeRef<undefined>
  : O extends AnyType
    ? Handle<ValueOf<O>>
    : O extends readonly AnyType[]
      ? { -readonly [K in keyof O]: Handle<ValueOf<O[K]>> }
      : O extends TypeRecord
        ? { -readonly [K in keyof O]: Handle<ValueOf<O[K]>> }
        : never;

/** `node.outputs`: one handle per output, keyed by output name. */
export type NodeOutputs<O extends OutputsSpec> = Simplify<{ readonly [K in keyof OutputTypes<O>]: Handle<ValueOf<OutputTypes<O>[K]>> }>;

/**
 * What may be bound to an input of type `T`: a value, a handle, or a list or
 * record mixing both. Elements may read as `undefined` for TypeScript (what
 * `wf.inputs.x` is under `noUncheckedIndexedAccess`); an element that really
 * is `undefined` is rejected when the node is added.
 */
export type Bindable<T> =
  | T
  | Handle<T>
  | (T extends readonly (infer E)[] ? readonly (Bindable<E> | UntypedLookup)[] : never)
  | (T extends Date ? never : T extends object ? (string extends keyof T ? { readonly [k: string]: Bindable<T[string]> | UntypedLookup } : never) : never);

/** True when input `K` of `I` may be left out: it has a default (`D`) or an optional type. */
type IsOptionalInput<I extends TypeRecord, K extends keyof I, D extends PropertyKey> = K extends D ? true : null extends ValueOf<I[K]> ? true : false;

/**
 * The bindings of an entity with inputs `I` (and inputs `D` that have
 * defaults): one entry per required input; inputs with a default or of an
 * optional type may be left out. `undefined` is accepted by the types (it is
 * what an unknown `wf.inputs[...]` reads as) and rejected when the node is
 * added.
 */
export type BindingsOf<I extends TypeRecord, D extends PropertyKey = never> = Simplify<
  { readonly [K in keyof I as IsOptionalInput<I, K, D> extends true ? never : K]: Bindable<ValueOf<I[K]>> | UntypedLookup } & {
    readonly [K in keyof I as IsOptionalInput<I, K, D> extends true ? K : never]?: Bindable<ValueOf<I[K]>> | UntypedLookup;
  }
>;

/** The inputs of a run of an entity with inputs `I` and defaults for `D`. */
export type InputValues<I extends TypeRecord, D extends PropertyKey = never> = Simplify<
  { -readonly [K in keyof I as IsOptionalInput<I, K, D> extends true ? never : K]: ValueOf<I[K]> } & {
    -readonly [K in keyof I as IsOptionalInput<I, K, D> extends true ? K : never]?: ValueOf<I[K]>;
  }
>;

/** What `wf.inputs.name` may read as under `noUncheckedIndexedAccess`. */
type UntypedLookup = undefined;

/** Handles for the inputs of a declarative body. */
export type HandlesOf<I extends TypeRecord> = Simplify<{ readonly [K in keyof I]: Handle<ValueOf<I[K]>> }>;

/** The run-time form of an entity's interface. */
export interface EntityInterface {
  /** Input types by name. */
  readonly inputs: TypeRecord;
  /** Output types by output name (`o0`.. for single and tuple outputs). */
  readonly outputs: TypeRecord;
  /** How outputs are declared, hence returned and called. */
  readonly shape: OutputShape;
  /** Inputs that must be bound: those not of an optional type and without a default. */
  readonly required: ReadonlySet<string>;
}

/** True when `null` is a value of the type (it is `none` or a union with `none`). */
export function acceptsNone(type: AnyType): boolean {
  const lt = type.literalType;
  return lt.simple === "NONE" || (lt.unionType?.variants ?? []).some((v) => v.simple === "NONE");
}

function isType(value: unknown): value is AnyType {
  return isAloftType(value);
}

/** Checks a record of input or output types and their names. */
export function checkTypeRecord(record: unknown, what: string, entity: string): TypeRecord {
  if (record === undefined) return {};
  if (typeof record !== "object" || record === null || Array.isArray(record) || isType(record)) {
    throw new InvalidOptionError(`${what} of ${JSON.stringify(entity)} must be a record of Aloft types, like { x: t.int }`, { entity });
  }
  for (const [name, type] of Object.entries(record)) {
    if (!isIdentifier(name)) throw new InvalidNameError(`${what} name ${JSON.stringify(name)} of ${JSON.stringify(entity)} is not an identifier`, { entity });
    if (!isType(type)) throw new InvalidOptionError(`${what} ${JSON.stringify(name)} of ${JSON.stringify(entity)} must be an Aloft type such as t.int, got ${String(type)}`, { entity });
  }
  return record as TypeRecord;
}

/**
 * Normalises declared outputs into output types keyed by name and a shape.
 *
 * @example
 * ```ts
 * normalizeOutputs([t.int, t.str], "f"); // { outputs: { o0: t.int, o1: t.str }, shape: "tuple" }
 * ```
 */
export function normalizeOutputs(spec: unknown, entity: string): { outputs: TypeRecord; shape: OutputShape } {
  if (spec === undefined) return { outputs: {}, shape: "none" };
  if (isType(spec)) return { outputs: { o0: spec }, shape: "single" };
  if (Array.isArray(spec)) {
    const outputs: Record<string, AnyType> = {};
    spec.forEach((type: unknown, i) => {
      if (!isType(type)) throw new InvalidOptionError(`output ${i} of ${JSON.stringify(entity)} must be an Aloft type such as t.int, got ${String(type)}`, { entity });
      outputs[`o${i}`] = type;
    });
    return { outputs, shape: spec.length === 0 ? "none" : "tuple" };
  }
  const outputs = checkTypeRecord(spec, "output", entity);
  return { outputs, shape: Object.keys(outputs).length === 0 ? "none" : "record" };
}

/** Builds an interface from input and output records. */
export function makeInterface(inputs: TypeRecord, outputs: TypeRecord, shape: OutputShape, defaults: ReadonlySet<string> = new Set()): EntityInterface {
  const required = new Set<string>();
  for (const [name, type] of Object.entries(inputs)) if (!acceptsNone(type) && !defaults.has(name)) required.add(name);
  return { inputs, outputs, shape, required };
}
