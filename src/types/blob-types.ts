/**
 * `t.file`, `t.dir` and `t.dataframe`: the types of values passed by
 * reference (Flyte's `BlobType` and `StructuredDatasetType`).
 *
 * @module
 */
import type { LiteralType } from "../idl/core.js";
import type { AloftFile } from "../blobs/file.js";
import type { AloftDirectory } from "../blobs/directory.js";
import type { AloftDataFrame } from "../blobs/dataframe.js";
import { columnKind } from "../blobs/arrow.js";
import { checkFormat } from "../blobs/format.js";
import { InvalidTypeError } from "../errors.js";
import { describeType } from "./describe.js";
import { makeType, type AloftType, type TypeRecord, type ValuesOf } from "./type.js";

/**
 * Options of `t.file(...)` and `t.dir(...)`.
 *
 * @example
 * ```ts
 * t.file({ format: "csv" });
 * ```
 */
export interface BlobTypeOptions {
  /** A format such as `"csv"`. Values of another format do not bind; an empty format matches any. */
  readonly format?: string;
}

/**
 * `t.file`: a file type, and a function giving one with a format.
 *
 * @example
 * ```ts
 * const any: FileType = t.file;
 * const csv = t.file({ format: "csv" });
 * ```
 */
export type FileType = AloftType<AloftFile> & ((options: BlobTypeOptions) => AloftType<AloftFile>);

/**
 * `t.dir`: a directory type, and a function giving one with a format.
 *
 * @example
 * ```ts
 * const any: DirType = t.dir;
 * const zarr = t.dir({ format: "zarr" });
 * ```
 */
export type DirType = AloftType<AloftDirectory> & ((options: BlobTypeOptions) => AloftType<AloftDirectory>);

/**
 * Options of `t.dataframe(...)`.
 *
 * @example
 * ```ts
 * t.dataframe({ a: t.int }, { format: "arrow" });
 * ```
 */
export interface DataFrameTypeOptions {
  /** The storage format, such as `"arrow"` (what Aloft writes) or `"parquet"`; empty or left out: any. */
  readonly format?: string;
}

/**
 * The row type of a dataframe whose columns are not declared.
 *
 * @example
 * ```ts
 * const rows: AnyRow[] = await (df as AloftDataFrame).rows();
 * ```
 */
export type AnyRow = Record<string, unknown>;

function options(value: unknown, where: string): BlobTypeOptions {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidTypeError(`${where} takes options like { format: "csv" }, got ${String(value)}`);
  const extra = Object.keys(value).filter((k) => k !== "format");
  if (extra.length > 0) throw new InvalidTypeError(`${where} has unknown option ${JSON.stringify(extra[0])} (options: format)`);
  return value as BlobTypeOptions;
}

function blobLiteralType(multipart: boolean, format: string): LiteralType {
  const blob: NonNullable<LiteralType["blob"]> = {};
  // SINGLE is the enum's zero value: protobuf writers leave it out, and so does Aloft.
  if (format) blob.format = format;
  if (multipart) blob.dimensionality = "MULTIPART";
  return { blob };
}

function blobType<T>(multipart: boolean): AloftType<T> & ((o: BlobTypeOptions) => AloftType<T>) {
  const where = multipart ? "t.dir(options)" : "t.file(options)";
  const make = (o: BlobTypeOptions): AloftType<T> => {
    const literalType = blobLiteralType(multipart, checkFormat(options(o, where).format, where));
    return makeType<T>(literalType, describeType(literalType));
  };
  const literalType = blobLiteralType(multipart, "");
  Object.defineProperty(make, "name", { value: describeType(literalType) });
  Object.defineProperty(make, "literalType", { value: literalType, enumerable: true });
  return Object.freeze(make) as unknown as AloftType<T> & ((o: BlobTypeOptions) => AloftType<T>);
}

/**
 * A file (Flyte `Blob`, dimensionality `SINGLE`); values are `AloftFile`
 * references. `t.file` takes any format; `t.file({ format: "csv" })` binds
 * only to files of that format or of none (as in Flyte).
 *
 * @example
 * ```ts
 * const inputs = { raw: t.file, table: t.file({ format: "csv" }) };
 * ```
 */
export const file: FileType = blobType<AloftFile>(false);

/**
 * A directory of files (Flyte `Blob`, dimensionality `MULTIPART`); values are
 * `AloftDirectory` references. A directory never binds to a file, nor a file
 * to a directory.
 *
 * @example
 * ```ts
 * const outputs = { images: t.dir, shards: t.dir({ format: "jsonl" }) };
 * ```
 */
export const dir: DirType = blobType<AloftDirectory>(true);

/**
 * A dataframe (Flyte `StructuredDataset`) with typed columns; values are
 * `AloftDataFrame` references whose rows have the columns' TypeScript types.
 * Columns are `t.int`, `t.float`, `t.str`, `t.bool`, `t.datetime`,
 * `t.duration`, or `t.optional` of one. Without columns, any dataframe fits.
 *
 * A dataframe binds where a subset of its columns is expected, each column
 * castable (Flyte's rule); formats must match when both are given (ignoring
 * case). Aloft stores dataframes as Arrow IPC files (`format: "arrow"`).
 *
 * @example
 * ```ts
 * const Sales = t.dataframe({ region: t.str, amount: t.float, closed: t.optional(t.datetime) });
 * const Any = t.dataframe();
 * ```
 */
export function dataframe<C extends TypeRecord>(columns: C, options?: DataFrameTypeOptions): AloftType<AloftDataFrame<ValuesOf<C>>>;
export function dataframe(columns?: undefined, options?: DataFrameTypeOptions): AloftType<AloftDataFrame<AnyRow>>;
export function dataframe(columns?: TypeRecord, opts: DataFrameTypeOptions = {}): AloftType<AloftDataFrame<AnyRow>> {
  const where = "t.dataframe(columns, options)";
  const format = checkFormat(options(opts, where).format, where);
  const sd: NonNullable<LiteralType["structuredDatasetType"]> = {};
  if (columns !== undefined) {
    if (typeof columns !== "object" || columns === null || Array.isArray(columns)) throw new InvalidTypeError(`${where} takes a record of column types, like { region: t.str, amount: t.float }`);
    const entries = Object.entries(columns);
    if (entries.length === 0) throw new InvalidTypeError(`${where} needs at least one column; call t.dataframe() for a dataframe of any columns`);
    sd.columns = entries.map(([name, type]) => {
      if (name.includes("\0")) throw new InvalidTypeError(`${where}: column name ${JSON.stringify(name)} contains a NUL byte`);
      const lt = (type as { literalType?: LiteralType } | undefined)?.literalType;
      if (!lt || !columnKind(lt)) {
        throw new InvalidTypeError(`${where}: column ${JSON.stringify(name)} must be t.int, t.float, t.str, t.bool, t.datetime, t.duration or t.optional of one, got ${lt ? describeType(lt) : String(type)}`);
      }
      return { name, literalType: lt };
    });
  }
  if (format) sd.format = format;
  const literalType: LiteralType = { structuredDatasetType: sd };
  return makeType(literalType, describeType(literalType));
}
