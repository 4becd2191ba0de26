/**
 * The blob API a task gets as `ctx.blobs`: creating files, directories and
 * dataframes in the run's blob store. The local runner implements it over a
 * directory under the run's working area (`LocalBlobStore`).
 *
 * @module
 */
import type { AloftType } from "../types/type.js";
import type { AloftDirectory } from "./directory.js";
import type { AloftDataFrame } from "./dataframe.js";
import type { AloftFile, FileOptions } from "./file.js";
import type { Table, TypeMap } from "apache-arrow";

/**
 * What can be written to a file: text (UTF-8), bytes, or an iterable or stream of chunks.
 *
 * @example
 * ```ts
 * await ctx.blobs.writeFile("copy.bin", createReadStream("/data/big.bin"));
 * ```
 */
export type BlobData = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/**
 * A file being made by a task at `path` (for tools that write to a path);
 * `done()` seals it and returns its reference.
 *
 * @example
 * ```ts
 * const out = await ctx.blobs.newFile("model.onnx");
 * await exportModel(out.path);
 * return out.done();
 * ```
 */
export interface NewFile {
  /** The local path to write the file at. */
  readonly path: string;
  /** Seals the file (it must be a regular file, not a link) and returns its reference. */
  done(): Promise<AloftFile>;
}

/**
 * A directory being made by a task: write into it with `writeFile` or by its
 * `path`, then `done()` checks it (no symbolic link may lead outside), seals
 * its files and returns its reference.
 *
 * @example
 * ```ts
 * const dir = await ctx.blobs.newDirectory("report");
 * await dir.writeFile("index.html", html);
 * await dir.writeFile("data/points.csv", csv);
 * return dir.done();
 * ```
 */
export interface NewDirectory {
  /** The local path of the directory. */
  readonly path: string;
  /** Writes a file at a relative path inside the directory (subdirectories are made). */
  writeFile(name: string, data: BlobData): Promise<void>;
  /** Seals the directory and returns its reference. */
  done(): Promise<AloftDirectory>;
}

/**
 * Options of `writeDataFrame`.
 *
 * @example
 * ```ts
 * await ctx.blobs.writeDataFrame(Sales, rows, { name: "sales.arrow" });
 * ```
 */
export interface WriteDataFrameOptions {
  /** The stored file's name (default `data.arrow`). */
  readonly name?: string;
}

/**
 * Creates blobs in the run's store. Every blob gets a new unique location,
 * so its URI names its contents for good: a reference never changes, and the
 * files are made read-only once written. Names are relative paths that must
 * stay inside the store (`BlobPathError` otherwise).
 *
 * @example
 * ```ts
 * const clean = task({ name: "clean", inputs: { raw: t.file }, outputs: t.file({ format: "csv" }) }, async ({ raw }, ctx) => {
 *   const text = (await raw.text()).trim();
 *   return ctx.blobs.writeFile("clean.csv", text, { format: "csv" });
 * });
 * ```
 */
export interface BlobWriter {
  /**
   * Writes a new file and returns its reference.
   *
   * @example
   * ```ts
   * const f = await ctx.blobs.writeFile("out.csv", "a,b\n1,2\n", { format: "csv" });
   * ```
   */
  writeFile(name: string, data: BlobData, options?: FileOptions): Promise<AloftFile>;
  /**
   * Reserves a path for a new file that a tool writes; call `done()` after.
   *
   * @example
   * ```ts
   * const out = await ctx.blobs.newFile("plot.png");
   * await renderPlot(out.path);
   * return out.done();
   * ```
   */
  newFile(name: string, options?: FileOptions): Promise<NewFile>;
  /**
   * Makes a new, empty directory to fill; call `done()` after.
   *
   * @example
   * ```ts
   * const dir = await ctx.blobs.newDirectory("shards");
   * for (let i = 0; i < 3; i++) await dir.writeFile(`part-${i}.txt`, String(i));
   * return dir.done();
   * ```
   */
  newDirectory(name: string, options?: FileOptions): Promise<NewDirectory>;
  /**
   * Writes a dataframe of the given `t.dataframe(...)` type from rows or from
   * an Apache Arrow table, as an Arrow IPC file. Rows and columns are checked
   * against the declared columns (`DataFrameError`); a type without columns
   * takes a table as it is.
   *
   * @example
   * ```ts
   * const Sales = t.dataframe({ region: t.str, amount: t.float });
   * const df = await ctx.blobs.writeDataFrame(Sales, [{ region: "north", amount: 12.5 }]);
   * ```
   */
  writeDataFrame<R extends object, M extends TypeMap = TypeMap>(type: AloftType<AloftDataFrame<R>>, data: readonly NoInfer<R>[] | Table<M>, options?: WriteDataFrameOptions): Promise<AloftDataFrame<R>>;
}
