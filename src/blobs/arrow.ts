/**
 * Dataframes as Apache Arrow tables, stored in the Arrow IPC file format
 * (`format: "arrow"`, the `.arrow` files of Arrow's own readers). Aloft's
 * column types map to Arrow types:
 *
 * | column type | Arrow type | row value |
 * | --- | --- | --- |
 * | `t.int` | `Int64` | `number` (safe integers) |
 * | `t.float` | `Float64` | `number` |
 * | `t.str` | `Utf8` | `string` |
 * | `t.bool` | `Bool` | `boolean` |
 * | `t.datetime` | `Timestamp<MILLISECOND, UTC>` | `Date` |
 * | `t.duration` | `Duration<NANOSECOND>` | `number` of milliseconds |
 *
 * `t.optional(T)` gives a nullable column; other columns are not nullable.
 * Reading accepts any integer, float, string (also dictionary-encoded),
 * boolean, date, timestamp or duration column. `apache-arrow` is loaded on
 * first use, so workflows without dataframes do not pay for it.
 *
 * @module
 */
import { open } from "node:fs/promises";
import type * as ArrowNamespace from "apache-arrow";
import type { DataType, Field, Schema, Table, Vector } from "apache-arrow";
import type { LiteralType, SimpleType } from "../idl/core.js";
import { AloftError } from "../errors.js";

/**
 * A dataframe column: its name and Flyte literal type.
 *
 * @example
 * ```ts
 * const column: DataFrameColumn = { name: "amount", literalType: t.float.literalType };
 * ```
 */
export interface DataFrameColumn {
  /** The column's name. */
  readonly name: string;
  /** The column's type: a simple type, or an optional one (a union with `none`). */
  readonly literalType: LiteralType;
}

/**
 * A table whose columns are Arrow types (the value of `AloftDataFrame.table()`).
 *
 * @example
 * ```ts
 * const table: ArrowTable = await df.table();
 * table.getChild("amount")?.toArray();
 * ```
 */
export type ArrowTable = Table<Record<string, DataType>>;

/**
 * A dataframe's rows or columns do not fit its declared columns, or a stored
 * table cannot be read as rows. Names the column (and row) when known.
 *
 * @example
 * ```ts
 * await ctx.blobs.writeDataFrame(Sales, [{ region: "north", amount: "12" }]);
 * // DataFrameError: row 0, column "amount": expected float, got string "12"
 * ```
 */
export class DataFrameError extends AloftError {
  override name = "DataFrameError";
  constructor(
    message: string,
    readonly column: string | undefined,
  ) {
    super(message);
  }
}

/**
 * The simple types a column may have.
 *
 * @example
 * ```ts
 * COLUMN_TYPES.has("FLOAT"); // true
 * ```
 */
export const COLUMN_TYPES: ReadonlySet<SimpleType> = new Set<SimpleType>(["INTEGER", "FLOAT", "STRING", "BOOLEAN", "DATETIME", "DURATION"]);

const SIMPLE_NAMES: Partial<Record<SimpleType, string>> = { INTEGER: "int", FLOAT: "float", STRING: "str", BOOLEAN: "bool", DATETIME: "datetime", DURATION: "duration" };

/**
 * A column type taken apart: its simple type and whether it is nullable.
 *
 * @example
 * ```ts
 * const kind: ColumnKind = { simple: "INTEGER", optional: true }; // t.optional(t.int)
 * ```
 */
export interface ColumnKind {
  readonly simple: SimpleType;
  readonly optional: boolean;
}

/**
 * The kind of a column type, or `undefined` when the type cannot be a column
 * (only simple types and optional simple types can).
 *
 * @example
 * ```ts
 * columnKind(t.optional(t.int).literalType); // { simple: "INTEGER", optional: true }
 * ```
 */
export function columnKind(type: LiteralType): ColumnKind | undefined {
  if (type.simple !== undefined) return COLUMN_TYPES.has(type.simple) ? { simple: type.simple, optional: false } : undefined;
  const variants = type.unionType?.variants ?? [];
  const some = variants.filter((v) => v.simple !== "NONE");
  const inner = some[0];
  if (variants.length === 2 && some.length === 1 && inner?.simple !== undefined && COLUMN_TYPES.has(inner.simple)) return { simple: inner.simple, optional: true };
  return undefined;
}

/** The literal type of a column of `simple` type, optional when nullable (as `t.optional` writes it). */
function columnLiteralType(simple: SimpleType, nullable: boolean): LiteralType {
  if (!nullable) return { simple };
  return { unionType: { variants: [{ simple, structure: { tag: SIMPLE_NAMES[simple] ?? "" } }, { simple: "NONE", structure: { tag: "none" } }] } };
}

type ArrowModule = typeof ArrowNamespace;
let loading: Promise<ArrowModule> | undefined;

/**
 * Loads `apache-arrow` once.
 *
 * @example
 * ```ts
 * const { tableFromArrays } = await arrow();
 * ```
 */
export function arrow(): Promise<ArrowModule> {
  return (loading ??= import("apache-arrow"));
}

function simpleOfArrow(A: ArrowModule, type: DataType): SimpleType | undefined {
  const T = A.DataType;
  if (T.isInt(type)) return "INTEGER";
  if (T.isFloat(type)) return "FLOAT";
  if (T.isUtf8(type) || T.isLargeUtf8(type) || (T.isDictionary(type) && (T.isUtf8(type.dictionary) || T.isLargeUtf8(type.dictionary)))) return "STRING";
  if (T.isBool(type)) return "BOOLEAN";
  if (T.isTimestamp(type) || T.isDate(type)) return "DATETIME";
  if (T.isDuration(type)) return "DURATION";
  return undefined;
}

/**
 * The columns of an Arrow schema, as Aloft column types (a nullable field
 * gives an optional column). Columns of other Arrow types (lists, structs,
 * ...) are left out: `table()` still has them.
 *
 * @example
 * ```ts
 * await columnsOfSchema(table.schema); // [{ name: "amount", literalType: { simple: "FLOAT" } }]
 * ```
 */
export async function columnsOfSchema(schema: Schema): Promise<DataFrameColumn[]> {
  const A = await arrow();
  const out: DataFrameColumn[] = [];
  for (const f of schema.fields) {
    const simple = simpleOfArrow(A, f.type as DataType);
    if (simple) out.push({ name: f.name, literalType: columnLiteralType(simple, f.nullable) });
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (value instanceof Date) return "a Date";
  if (typeof value === "string") return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

/** Checks one cell for writing and turns it into what Arrow's builders take. */
function cellIn(kind: ColumnKind, value: unknown, where: () => string, column: string): unknown {
  if (value === null || value === undefined) {
    if (kind.optional) return null;
    throw new DataFrameError(`${where()}: expected ${SIMPLE_NAMES[kind.simple] ?? ""}, got ${describe(value)} (declare the column t.optional(...) to allow nulls)`, column);
  }
  const bad = () => new DataFrameError(`${where()}: expected ${SIMPLE_NAMES[kind.simple] ?? ""}, got ${describe(value)}`, column);
  switch (kind.simple) {
    case "INTEGER":
      if (!Number.isSafeInteger(value)) throw bad();
      return BigInt(value as number);
    case "FLOAT":
      if (typeof value !== "number" || !Number.isFinite(value)) throw bad();
      return value;
    case "STRING":
      if (typeof value !== "string") throw bad();
      return value;
    case "BOOLEAN":
      if (typeof value !== "boolean") throw bad();
      return value;
    case "DATETIME":
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw bad();
      return value;
    case "DURATION":
      if (typeof value !== "number" || !Number.isFinite(value)) throw bad();
      return BigInt(Math.round(value * 1e6));
    default:
      throw bad();
  }
}

function arrowTypeOf(A: ArrowModule, simple: SimpleType): DataType {
  switch (simple) {
    case "INTEGER":
      return new A.Int64();
    case "FLOAT":
      return new A.Float64();
    case "STRING":
      return new A.Utf8();
    case "BOOLEAN":
      return new A.Bool();
    case "DATETIME":
      return new A.TimestampMillisecond("UTC");
    case "DURATION":
      return new A.DurationNanosecond();
    default:
      throw new DataFrameError(`a column cannot be of type ${simple}`, undefined);
  }
}

function kindsOf(columns: readonly DataFrameColumn[]): ColumnKind[] {
  return columns.map((c) => {
    const k = columnKind(c.literalType);
    if (!k) throw new DataFrameError(`column ${JSON.stringify(c.name)} has a type Aloft cannot store in a dataframe`, c.name);
    return k;
  });
}

function build(A: ArrowModule, columns: readonly DataFrameColumn[], kinds: readonly ColumnKind[], values: readonly unknown[][]): ArrowTable {
  const fields: Field[] = [];
  const vectors: Record<string, Vector<DataType>> = {};
  columns.forEach((c, i) => {
    const kind = kinds[i]!;
    const type = arrowTypeOf(A, kind.simple);
    fields.push(new A.Field(c.name, type, kind.optional));
    vectors[c.name] = A.vectorFromArray(values[i]!, type);
  });
  return new A.Table(new A.Schema(fields), vectors) as ArrowTable;
}

/**
 * Builds a table of the declared columns from rows (plain objects). Every
 * value is checked against its column; a missing or `undefined` value of an
 * optional column is `null`; a field that is not a column is an error.
 *
 * @example
 * ```ts
 * await tableFromRows(columns, [{ region: "north", amount: 12.5 }]);
 * ```
 */
export async function tableFromRows(columns: readonly DataFrameColumn[], rows: readonly unknown[]): Promise<ArrowTable> {
  const A = await arrow();
  const kinds = kindsOf(columns);
  const names = new Set(columns.map((c) => c.name));
  const values: unknown[][] = columns.map(() => new Array<unknown>(rows.length));
  rows.forEach((row, r) => {
    if (typeof row !== "object" || row === null || Array.isArray(row)) throw new DataFrameError(`row ${r} is not a record of column values: ${describe(row)}`, undefined);
    const record = row as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      if (!names.has(k)) throw new DataFrameError(`row ${r} has a field ${JSON.stringify(k)} that is not a column (columns: ${[...names].join(", ")})`, k);
    }
    columns.forEach((c, i) => {
      values[i]![r] = cellIn(kinds[i]!, record[c.name], () => `row ${r}, column ${JSON.stringify(c.name)}`, c.name);
    });
  });
  return build(A, columns, kinds, values);
}

/**
 * Turns a stored cell into the value a row holds: integers become numbers
 * (refusing unsafe ones), timestamps `Date`s, durations milliseconds.
 */
function cellOut(A: ArrowModule, type: DataType, value: unknown, column: string, row: number): unknown {
  if (value === null || value === undefined) return null;
  const T = A.DataType;
  if (T.isInt(type)) {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || (typeof value === "bigint" && BigInt(n) !== value)) {
      throw new DataFrameError(`row ${row}, column ${JSON.stringify(column)}: ${String(value)} is not a safe integer; read it with table()`, column);
    }
    return n;
  }
  if (T.isTimestamp(type) || T.isDate(type)) return value instanceof Date ? value : new Date(Number(value));
  if (T.isDuration(type)) {
    const perMs = [1e-3, 1, 1e3, 1e6][type.unit] ?? 1;
    return typeof value === "bigint" ? Number(value) / perMs : Number(value) / perMs;
  }
  return value;
}

/**
 * The rows of a table, as plain objects of JavaScript values (see the table
 * of types above). Every column must be of a type Aloft can read as values.
 *
 * @example
 * ```ts
 * rowsOfTable(table); // [{ region: "north", amount: 12.5 }]
 * ```
 */
export async function rowsOfTable(table: ArrowTable): Promise<Record<string, unknown>[]> {
  const A = await arrow();
  const n = table.numRows;
  const rows: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  for (const f of table.schema.fields) {
    const type = f.type as DataType;
    if (!simpleOfArrow(A, type)) throw new DataFrameError(`column ${JSON.stringify(f.name)} is of Arrow type ${String(type)}, which rows() cannot give as values; use table()`, f.name);
    const vector = table.getChild(f.name);
    if (!vector) continue;
    let r = 0;
    for (const v of vector) {
      rows[r]![f.name] = cellOut(A, type, v, f.name, r);
      r++;
    }
  }
  return rows;
}

/**
 * Re-types a table to the declared columns, in their order: each declared
 * column must be in the table, of a compatible type, without nulls unless it
 * is optional; a column the table has but the type does not declare is an
 * error (use `table.select([...])`). Columns already of the stored Arrow type
 * are reused, not copied.
 *
 * @example
 * ```ts
 * await conformTable(columns, tableFromArrays({ region: ["north"], amount: Float64Array.of(12.5) }));
 * ```
 */
export async function conformTable(columns: readonly DataFrameColumn[], table: ArrowTable): Promise<ArrowTable> {
  const A = await arrow();
  const kinds = kindsOf(columns);
  const declared = new Set(columns.map((c) => c.name));
  const extra = table.schema.fields.map((f) => f.name).filter((n) => !declared.has(n));
  if (extra.length > 0) throw new DataFrameError(`the table has columns the type does not declare: ${extra.join(", ")} (declared: ${[...declared].join(", ")}); select the declared ones with table.select([...])`, extra[0]);
  const fields: Field[] = [];
  const vectors: Record<string, Vector<DataType>> = {};
  columns.forEach((c, i) => {
    const kind = kinds[i]!;
    const child = table.getChild(c.name);
    const field = table.schema.fields.find((f) => f.name === c.name);
    if (!child || !field) throw new DataFrameError(`the table has no column ${JSON.stringify(c.name)} (columns: ${table.schema.fields.map((f) => f.name).join(", ") || "none"})`, c.name);
    const simple = simpleOfArrow(A, field.type as DataType);
    if (simple !== kind.simple) throw new DataFrameError(`column ${JSON.stringify(c.name)} is of Arrow type ${String(field.type)}, but ${SIMPLE_NAMES[kind.simple] ?? ""} is declared`, c.name);
    if (!kind.optional && child.nullCount > 0) throw new DataFrameError(`column ${JSON.stringify(c.name)} has ${child.nullCount} null values, but it is not declared t.optional(...)`, c.name);
    const type = arrowTypeOf(A, kind.simple);
    fields.push(new A.Field(c.name, type, kind.optional));
    if (A.util.compareTypes(field.type as DataType, type)) {
      vectors[c.name] = child as Vector<DataType>;
      return;
    }
    const values: unknown[] = [];
    let r = 0;
    for (const v of child) {
      values.push(cellIn(kind, cellOut(A, field.type as DataType, v, c.name, r), () => `row ${r}, column ${JSON.stringify(c.name)}`, c.name));
      r++;
    }
    vectors[c.name] = A.vectorFromArray(values, type);
  });
  return new A.Table(new A.Schema(fields), vectors) as ArrowTable;
}

/**
 * The Arrow IPC file bytes of a table.
 *
 * @example
 * ```ts
 * await writeFile("sales.arrow", await encodeTable(table));
 * ```
 */
export async function encodeTable(table: ArrowTable): Promise<Uint8Array> {
  const A = await arrow();
  return A.tableToIPC(table, "file");
}

/**
 * Reads a table from Arrow IPC bytes (file or stream format).
 *
 * @example
 * ```ts
 * const table = await decodeTable(await readFile("sales.arrow"));
 * ```
 */
export async function decodeTable(bytes: Uint8Array): Promise<ArrowTable> {
  const A = await arrow();
  return A.tableFromIPC(bytes) as ArrowTable;
}

/**
 * True for an Arrow table (from any copy of the library).
 *
 * @example
 * ```ts
 * await isArrowTable(tableFromArrays({ a: [1] })); // true
 * ```
 */
export async function isArrowTable(value: unknown): Promise<boolean> {
  const A = await arrow();
  return A.Table.isTable(value);
}

/**
 * Reads only the schema of an Arrow IPC file (its footer), not its batches.
 *
 * @example
 * ```ts
 * (await readSchema("/data/sales.arrow")).fields.map((f) => f.name); // ["region", "amount"]
 * ```
 */
export async function readSchema(localPath: string): Promise<Schema> {
  const A = await arrow();
  const handle = await open(localPath);
  try {
    const reader = await A.RecordBatchReader.from(handle);
    await reader.open();
    return reader.schema;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
