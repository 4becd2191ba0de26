/**
 * Reading a JSON value a database hands back into a typed row, field by
 * field: each read checks the field's type and throws a `StoredRowError`
 * naming the row and the field when it is not what Aloft writes. This is the
 * one place where stored JSON becomes typed values.
 *
 * @module
 */
import { StoredRowError } from "../errors.js";

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The fields of one stored JSON object, read with checks.
 *
 * @example
 * ```ts
 * const f = Fields.of(JSON.parse(cols.data), `node ${id}/${path}`, "data");
 * const kind = f.oneOf("kind", ["task", "gate"]); // StoredRowError when it is anything else
 * ```
 */
export class Fields {
  private constructor(
    private readonly value: Readonly<Record<string, unknown>>,
    /** The row, for messages: `node a1b2/n3`, `event 17`. */
    readonly row: string,
    /** Where this object is in the row: `data`, `body.dynamic`. */
    readonly at: string,
  ) {}

  /**
   * The fields of `value`, which must be a JSON object.
   *
   * @example
   * ```ts
   * Fields.of({ kind: "task" }, "node e1/n0", "data").string("kind"); // "task"
   * ```
   */
  static of(value: unknown, row: string, at: string): Fields {
    if (!isRecord(value)) throw new StoredRowError(`${row}: ${at} is ${describe(value)}, expected an object`, row, at);
    return new Fields(value, row, at);
  }

  private fail(key: string, expected: string): never {
    const at = `${this.at}.${key}`;
    throw new StoredRowError(`${this.row}: ${at} is ${describe(this.value[key])}, expected ${expected}`, this.row, at);
  }

  /** True when the field is present (and not null). */
  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  /** The field's raw value, unchecked. */
  raw(key: string): unknown {
    return this.value[key];
  }

  string(key: string): string {
    const v = this.value[key];
    return typeof v === "string" ? v : this.fail(key, "a string");
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  number(key: string): number {
    const v = this.value[key];
    return typeof v === "number" && Number.isFinite(v) ? v : this.fail(key, "a number");
  }

  optionalNumber(key: string): number | undefined {
    return this.has(key) ? this.number(key) : undefined;
  }

  boolean(key: string): boolean {
    const v = this.value[key];
    return typeof v === "boolean" ? v : this.fail(key, "true or false");
  }

  optionalBoolean(key: string): boolean | undefined {
    return this.has(key) ? this.boolean(key) : undefined;
  }

  /** A string field that must be one of `values`. */
  oneOf<const V extends string>(key: string, values: readonly V[]): V {
    const v = this.value[key];
    const found = values.find((x) => x === v);
    return found ?? this.fail(key, `one of ${values.join(", ")}`);
  }

  /** A list of strings. */
  strings(key: string): string[] {
    const v = this.value[key];
    if (!Array.isArray(v) || !v.every((x): x is string => typeof x === "string")) return this.fail(key, "a list of strings");
    return [...v];
  }

  object(key: string): Fields {
    return isRecord(this.value[key]) ? new Fields(this.value[key], this.row, `${this.at}.${key}`) : this.fail(key, "an object");
  }

  optionalObject(key: string): Fields | undefined {
    return this.has(key) ? this.object(key) : undefined;
  }

  /** The names of the object's fields. */
  keys(): string[] {
    return Object.keys(this.value);
  }

  /**
   * A flyteidl value (a `Literal`, `LiteralMap`, `WorkflowSpec`, ...) in
   * protobufjs object form: checked to be an object, its insides are the
   * IDL's and are read by the code that uses them.
   */
  idl<T extends object>(key: string): T {
    const v = this.value[key];
    // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the one place stored flyteidl JSON is taken as its IDL type (checked to be an object).
    return isRecord(v) ? (v as T) : this.fail(key, "a flyteidl object");
  }

  /** A list of flyteidl values, each checked to be an object. */
  idlList<T extends object>(key: string): T[] {
    const v = this.value[key];
    // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the one place stored flyteidl JSON is taken as its IDL type (checked to be an object).
    return Array.isArray(v) && v.every(isRecord) ? (v as T[]) : this.fail(key, "a list of flyteidl objects");
  }

  /** This whole object as a flyteidl value (see `idl`). */
  asIdl<T extends object>(): T {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-type-assertion -- the one place stored flyteidl JSON is taken as its IDL type (checked to be an object).
    return this.value as T;
  }

  optionalIdl<T extends object>(key: string): T | undefined {
    return this.has(key) ? this.idl<T>(key) : undefined;
  }
}
