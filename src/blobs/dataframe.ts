/**
 * `AloftDataFrame`: a reference to tabular data (Flyte's `StructuredDataset`),
 * stored as an Apache Arrow IPC file.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import type { LiteralType } from "../idl/core.js";
import type { AloftType } from "../types/type.js";
import { isCastable } from "../types/castable.js";
import { describeType } from "../types/describe.js";
import { BlobAccessError } from "../errors.js";
import { checkLocal } from "./file.js";
import { BlobReference } from "./reference.js";
import { absoluteUserPath, checkUri, fileUri } from "./paths.js";
import { checkFormat } from "./format.js";
import { columnsOfSchema, decodeTable, readSchema, rowsOfTable, type ArrowTable, type DataFrameColumn } from "./arrow.js";

declare const rowType: unique symbol;

/**
 * The format Aloft writes and reads dataframes in: the Arrow IPC file format.
 *
 * @example
 * ```ts
 * t.dataframe({ a: t.int }, { format: DATAFRAME_FORMAT }); // dataframe<arrow>{a: int}
 * ```
 */
export const DATAFRAME_FORMAT = "arrow";

/**
 * The columns declared by a dataframe literal type (`[]`: any columns).
 *
 * @example
 * ```ts
 * declaredColumns(t.dataframe({ a: t.int }).literalType); // [{ name: "a", literalType: { simple: "INTEGER" } }]
 * ```
 */
export function declaredColumns(type: LiteralType): DataFrameColumn[] {
  return (type.structuredDatasetType?.columns ?? []).map((c) => ({ name: c.name ?? "", literalType: c.literalType ?? {} }));
}

/**
 * What keeps columns `have` from being read as columns `want`, or
 * `undefined` when each wanted column is there with a castable type (Flyte's
 * rule: the wanted columns are a subset). Unknown columns (`have` empty) fit.
 *
 * @example
 * ```ts
 * columnsProblem([{ name: "a", literalType: { simple: "INTEGER" } }], [{ name: "b", literalType: { simple: "STRING" } }]);
 * // 'no column "b" (columns: a)'
 * ```
 */
export function columnsProblem(have: readonly DataFrameColumn[], want: readonly DataFrameColumn[]): string | undefined {
  if (have.length === 0 || want.length === 0) return undefined;
  const byName = new Map(have.map((c) => [c.name, c.literalType]));
  for (const c of want) {
    const h = byName.get(c.name);
    if (!h) return `no column ${JSON.stringify(c.name)} (columns: ${have.map((x) => x.name).join(", ")})`;
    if (!isCastable(h, c.literalType)) return `column ${JSON.stringify(c.name)} is ${describeType(h)}, not ${describeType(c.literalType)}`;
  }
  return undefined;
}

/**
 * Options of `AloftDataFrame.fromPath`.
 *
 * @example
 * ```ts
 * await AloftDataFrame.fromPath("sales.arrow", { type: t.dataframe({ amount: t.float }) });
 * ```
 */
export interface DataFrameFromPathOptions<R extends object> {
  /** A `t.dataframe(...)` type the file's columns must fit; gives the rows their TypeScript type. */
  readonly type?: AloftType<AloftDataFrame<R>>;
}

/**
 * A reference to a dataframe: its URI, storage format and columns (as stored;
 * empty when unknown). Immutable. Tasks create dataframes with
 * `ctx.blobs.writeDataFrame(type, rows or table)`; `rows()` and `table()` read
 * them. `R` is the TypeScript type of a row.
 *
 * A task that declares fewer columns than a dataframe has still reads every
 * stored column: the declared ones are checked to be there.
 *
 * @example
 * ```ts
 * const Sales = t.dataframe({ region: t.str, amount: t.float });
 * const total = task({ name: "total", inputs: { sales: Sales }, outputs: t.float }, async ({ sales }) =>
 *   (await sales.rows()).reduce((sum, r) => sum + r.amount, 0));
 * ```
 */
export class AloftDataFrame<R extends object = Record<string, unknown>> extends BlobReference {
  /** The stored columns and their types; empty when unknown. */
  readonly columns: readonly DataFrameColumn[];
  /** Phantom field carrying the row type; never set. */
  declare readonly [rowType]?: R;

  private constructor(uri: string, format: string, columns: readonly DataFrameColumn[]) {
    super(uri, format);
    this.columns = Object.freeze(columns.map((c) => Object.freeze({ name: c.name, literalType: c.literalType })));
    Object.freeze(this);
  }

  /**
   * A reference to a local Arrow IPC file, which must exist; its schema is read
   * for the columns (not its data). With `type`, the columns must fit it.
   *
   * @example
   * ```ts
   * const sales = await AloftDataFrame.fromPath("data/sales.arrow", { type: Sales });
   * await report.run({ sales });
   * ```
   */
  static async fromPath<R extends object = Record<string, unknown>>(localPath: string, options: DataFrameFromPathOptions<R> = {}): Promise<AloftDataFrame<R>> {
    const p = absoluteUserPath(localPath, "AloftDataFrame.fromPath");
    const uri = fileUri(p);
    await checkLocal(uri, "file");
    let columns: DataFrameColumn[];
    try {
      columns = await columnsOfSchema(await readSchema(p));
    } catch (e) {
      throw new BlobAccessError(`AloftDataFrame.fromPath: ${p} is not an Arrow IPC file: ${(e as Error).message}`, uri, { cause: e });
    }
    if (options.type) {
      const problem = columnsProblem(columns, declaredColumns(options.type.literalType));
      if (problem) throw new BlobAccessError(`AloftDataFrame.fromPath: ${p} does not fit ${options.type.name}: ${problem}`, uri);
    }
    return new AloftDataFrame<R>(uri, DATAFRAME_FORMAT, columns);
  }

  /**
   * A reference by URI, with the format and columns known for it (how values
   * are read back from Flyte literals). Not checked for existence.
   *
   * @example
   * ```ts
   * AloftDataFrame.fromUri("s3://bucket/sales.parquet", { format: "parquet" });
   * ```
   */
  static fromUri<R extends object = Record<string, unknown>>(uri: string, options: { readonly format?: string; readonly columns?: readonly DataFrameColumn[] } = {}): AloftDataFrame<R> {
    return new AloftDataFrame<R>(checkUri(uri), checkFormat(options.format, "AloftDataFrame.fromUri"), options.columns ?? []);
  }

  /**
   * The local path of the stored file. Treat it as read-only.
   *
   * @example
   * ```ts
   * await execFile("duckdb", ["-c", `select count(*) from '${await df.path()}'`]);
   * ```
   */
  async path(): Promise<string> {
    if (this.format !== "" && this.format.toLowerCase() !== DATAFRAME_FORMAT) {
      throw new BlobAccessError(`${this.uri} is stored as ${this.format}; Aloft reads dataframes stored as Arrow IPC files (format "arrow")`, this.uri);
    }
    return checkLocal(this.uri, "file");
  }

  /**
   * The data as an Apache Arrow `Table` (all columns, of their stored types).
   *
   * @example
   * ```ts
   * const table = await df.table();
   * table.numRows;
   * table.getChild("amount")?.toArray(); // Float64Array
   * ```
   */
  async table(): Promise<ArrowTable> {
    const p = await this.path();
    try {
      return await decodeTable(await readFile(p));
    } catch (e) {
      throw new BlobAccessError(`${this.uri} cannot be read as an Arrow IPC file: ${(e as Error).message}`, this.uri, { cause: e });
    }
  }

  /**
   * The rows as plain objects: integers and floats as numbers, strings,
   * booleans, datetimes as `Date`s, durations as milliseconds, and `null`
   * for missing values of optional columns.
   *
   * @example
   * ```ts
   * for (const { region, amount } of await df.rows()) console.log(region, amount);
   * ```
   */
  async rows(): Promise<R[]> {
    return (await rowsOfTable(await this.table())) as R[];
  }

  /**
   * A readable form: `dataframe{region: str, amount: float} file:///…`.
   *
   * @example
   * ```ts
   * String(df);
   * ```
   */
  override toString(): string {
    const cols = this.columns.map((c) => `${c.name}: ${describeType(c.literalType)}`).join(", ");
    return `dataframe${this.formatTag()}{${cols}} ${this.uri}`;
  }
}
