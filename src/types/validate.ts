/**
 * Run-time validation of JavaScript values against Flyte literal types.
 *
 * Validators are compiled once per literal type object into small closures
 * (cached in a `WeakMap`), so checking a value on the hot path costs a few
 * comparisons.
 *
 * @module
 */
import type { LiteralType } from "../idl/core.js";
import { describeType, describeValue } from "./describe.js";
import { referenceValidator } from "../blobs/validate.js";

/** Returns `undefined` when the value fits, otherwise what is wrong with it. */
export type Validator = (value: unknown) => string | undefined;

const cache = new WeakMap<LiteralType, Validator>();

/**
 * The validator of a literal type: `undefined` for a value that fits,
 * otherwise a short description of the first problem found.
 *
 * @example
 * ```ts
 * validatorFor({ simple: "INTEGER" })(1.5); // "expected int, got number 1.5"
 * ```
 */
export function validatorFor(type: LiteralType): Validator {
  let v = cache.get(type);
  if (!v) {
    v = build(type);
    cache.set(type, v);
  }
  return v;
}

/** True when the value fits the type. */
export function fits(type: LiteralType, value: unknown): boolean {
  return validatorFor(type)(value) === undefined;
}

function mismatch(type: LiteralType, value: unknown): string {
  return `expected ${describeType(type)}, got ${describeValue(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function build(type: LiteralType): Validator {
  if (type.simple !== undefined) {
    switch (type.simple) {
      case "INTEGER":
        return (x) => (Number.isSafeInteger(x) ? undefined : mismatch(type, x));
      case "FLOAT":
        return (x) => (typeof x === "number" && Number.isFinite(x) ? undefined : mismatch(type, x));
      case "STRING":
        return (x) => (typeof x === "string" ? undefined : mismatch(type, x));
      case "BOOLEAN":
        return (x) => (typeof x === "boolean" ? undefined : mismatch(type, x));
      case "DATETIME":
        return (x) => (x instanceof Date && !Number.isNaN(x.getTime()) ? undefined : mismatch(type, x));
      case "DURATION":
        return (x) => (typeof x === "number" && Number.isFinite(x) ? undefined : mismatch(type, x));
      case "NONE":
        return (x) => (x === null || x === undefined ? undefined : mismatch(type, x));
      case "STRUCT":
        return buildStruct(type);
      case "ERROR":
        return (x) =>
          isPlainObject(x) && typeof x["failedNodeId"] === "string" && typeof x["message"] === "string" ? undefined : mismatch(type, x);
      default:
        return (x) => mismatch(type, x);
    }
  }
  if (type.collectionType) {
    const elem = validatorFor(type.collectionType);
    return (x) => {
      if (!Array.isArray(x)) return mismatch(type, x);
      for (let i = 0; i < x.length; i++) {
        const p = elem(x[i]);
        if (p !== undefined) return `element [${i}]: ${p}`;
      }
      return undefined;
    };
  }
  if (type.mapValueType) {
    const val = validatorFor(type.mapValueType);
    return (x) => {
      if (!isPlainObject(x)) return mismatch(type, x);
      for (const k of Object.keys(x)) {
        const p = val(x[k]);
        if (p !== undefined) return `key ${JSON.stringify(k)}: ${p}`;
      }
      return undefined;
    };
  }
  if (type.enumType) {
    const values = new Set(type.enumType.values ?? []);
    return (x) => (typeof x === "string" && values.has(x) ? undefined : mismatch(type, x));
  }
  if (type.unionType) {
    const variants = (type.unionType.variants ?? []).map(validatorFor);
    return (x) => {
      for (const v of variants) if (v(x) === undefined) return undefined;
      return mismatch(type, x);
    };
  }
  if (type.blob || type.structuredDatasetType) {
    // File, directory and dataframe values are references (AloftFile, ...); their own module checks them.
    return referenceValidator(type);
  }
  return (x) => mismatch(type, x);
}

function buildStruct(type: LiteralType): Validator {
  const fields = type.structure?.dataclassType;
  if (!fields) return (x) => (isPlainObject(x) ? undefined : mismatch(type, x));
  const checks = Object.entries(fields).map(([name, ft]) => [name, validatorFor(ft)] as const);
  const known = new Set(Object.keys(fields));
  return (x) => {
    if (!isPlainObject(x)) return mismatch(type, x);
    for (const [name, check] of checks) {
      const p = check(x[name]);
      if (p !== undefined) return x[name] === undefined ? `field ${JSON.stringify(name)} is missing` : `field ${JSON.stringify(name)}: ${p}`;
    }
    for (const k of Object.keys(x)) {
      if (!known.has(k)) return `unknown field ${JSON.stringify(k)} (fields are ${[...known].join(", ")})`;
    }
    return undefined;
  };
}
