/**
 * The local runner's blob store: a directory under the run's working area
 * (`<workDir>/blobs`) where tasks create files, directories and dataframes
 * through `ctx.blobs`.
 *
 * Every blob gets a fresh directory named by a random UUID, so its URI
 * (`file:///…/blobs/<uuid>/<name>`) is unique and names the same bytes for
 * good: written files are made read-only, and cache keys can rely on the URI.
 * Names are checked (`checkBlobName`) and resolved through real paths, so
 * `..`, absolute names, NUL bytes and symbolic links cannot lead outside.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { chmod, constants, copyFile, link, lstat, mkdir, readdir, realpath, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Table, TypeMap } from "apache-arrow";
import type { AloftType } from "../types/type.js";
import { BlobAccessError } from "../errors.js";
import { AloftFile, type FileOptions } from "../blobs/file.js";
import { AloftDirectory, listFiles } from "../blobs/directory.js";
import { AloftDataFrame, DATAFRAME_FORMAT, declaredColumns } from "../blobs/dataframe.js";
import { columnsOfSchema, conformTable, DataFrameError, encodeTable, isArrowTable, tableFromRows, type ArrowTable } from "../blobs/arrow.js";
import { checkBlobName, fileUri, isInside, localPathOf, resolveInside } from "../blobs/paths.js";
import { checkFormat } from "../blobs/format.js";
import type { BlobData, BlobWriter, NewDirectory, NewFile, WriteDataFrameOptions } from "../blobs/writer.js";

/**
 * A blob store in a local directory, created on first write.
 *
 * @example
 * ```ts
 * const store = new LocalBlobStore("/tmp/aloft-run-x/blobs");
 * const f = await store.writeFile("out.csv", "a,b\n1,2\n", { format: "csv" });
 * store.owns(f.uri); // true
 * ```
 */
export class LocalBlobStore implements BlobWriter {
  private made: Promise<void> | undefined;
  private rootPath: string | undefined;

  /**
   * @param root the store's directory (absolute), or what makes it on first
   *   need: a local run's store lives in a temporary directory that a run
   *   whose tasks write no blob never creates.
   */
  constructor(private readonly rootOf: string | (() => string)) {
    if (typeof rootOf === "string") this.rootPath = rootOf;
  }

  /** The store's directory. */
  get root(): string {
    return (this.rootPath ??= (this.rootOf as () => string)());
  }

  /**
   * True when `uri` is a `file:` URI inside this store.
   *
   * @example
   * ```ts
   * store.owns("file:///etc/passwd"); // false
   * ```
   */
  owns(uri: string): boolean {
    // A store whose directory is still to be made (a new temporary one) holds nothing.
    if (!uri.startsWith("file:") || this.rootPath === undefined) return false;
    try {
      return isInside(this.root, localPathOf(uri));
    } catch {
      return false;
    }
  }

  /** A new, unique place for a blob named `name`; its parent directories exist. */
  private async allocate(name: string, what: string): Promise<string> {
    checkBlobName(name, what);
    await (this.made ??= mkdir(this.root, { recursive: true }).then(() => undefined));
    const dir = path.join(this.root, randomUUID());
    await mkdir(dir);
    const target = await resolveInside(dir, name, what);
    await mkdir(path.dirname(target), { recursive: true });
    return target;
  }

  /** {@inheritDoc BlobWriter.writeFile} */
  async writeFile(name: string, data: BlobData, options: FileOptions = {}): Promise<AloftFile> {
    const format = checkFormat(options.format, "ctx.blobs.writeFile");
    const target = await this.allocate(name, "file name");
    await writeFile(target, data, { flag: "wx" });
    await chmod(target, 0o444);
    return AloftFile.fromUri(fileUri(target), { format });
  }

  /** {@inheritDoc BlobWriter.newFile} */
  async newFile(name: string, options: FileOptions = {}): Promise<NewFile> {
    const format = checkFormat(options.format, "ctx.blobs.newFile");
    const target = await this.allocate(name, "file name");
    let sealed: Promise<AloftFile> | undefined;
    const seal = async (): Promise<AloftFile> => {
      let isFile = false;
      try {
        isFile = (await lstat(target)).isFile();
      } catch {
        throw new BlobAccessError(`nothing was written at ${target} before done()`, fileUri(target));
      }
      if (!isFile) throw new BlobAccessError(`${target} must be a regular file (not a link or a directory) when done() is called`, fileUri(target));
      await chmod(target, 0o444);
      return AloftFile.fromUri(fileUri(target), { format });
    };
    return { path: target, done: () => (sealed ??= seal()) };
  }

  /** {@inheritDoc BlobWriter.newDirectory} */
  async newDirectory(name: string, options: FileOptions = {}): Promise<NewDirectory> {
    const format = checkFormat(options.format, "ctx.blobs.newDirectory");
    const target = await this.allocate(name, "directory name");
    await mkdir(target);
    let sealed: Promise<AloftDirectory> | undefined;
    const seal = async (): Promise<AloftDirectory> => {
      for (const rel of await listFiles(target, await realpath(target))) {
        const p = path.join(target, ...rel.split("/"));
        if ((await lstat(p)).isFile()) await chmod(p, 0o444);
      }
      return AloftDirectory.fromUri(fileUri(target), { format });
    };
    return {
      path: target,
      writeFile: async (rel: string, data: BlobData) => {
        if (sealed) throw new BlobAccessError(`the directory ${target} is done; write files before calling done()`, fileUri(target));
        const p = await resolveInside(target, rel, "file name");
        await mkdir(path.dirname(p), { recursive: true });
        await writeFile(p, data, { flag: "wx" });
      },
      done: () => (sealed ??= seal()),
    };
  }

  /** {@inheritDoc BlobWriter.writeDataFrame} */
  async writeDataFrame<R extends object, M extends TypeMap = TypeMap>(type: AloftType<AloftDataFrame<R>>, data: readonly R[] | Table<M>, options: WriteDataFrameOptions = {}): Promise<AloftDataFrame<R>> {
    const sd = type?.literalType?.structuredDatasetType;
    if (!sd) throw new DataFrameError("ctx.blobs.writeDataFrame(type, data) takes a t.dataframe(...) type first", undefined);
    if (sd.format && sd.format.toLowerCase() !== DATAFRAME_FORMAT) {
      throw new DataFrameError(`Aloft writes dataframes as Arrow IPC files (format "arrow"); ${type.name} asks for ${sd.format}`, undefined);
    }
    const columns = declaredColumns(type.literalType);
    let table: ArrowTable;
    if (await isArrowTable(data)) {
      table = columns.length > 0 ? await conformTable(columns, data as unknown as ArrowTable) : (data as unknown as ArrowTable);
    } else if (Array.isArray(data)) {
      if (columns.length === 0) throw new DataFrameError(`${type.name} declares no columns: pass an Apache Arrow table, or declare the columns to write rows`, undefined);
      table = await tableFromRows(columns, data as readonly unknown[]);
    } else {
      throw new DataFrameError("ctx.blobs.writeDataFrame takes rows (an array of records) or an Apache Arrow table", undefined);
    }
    const bytes = await encodeTable(table);
    const target = await this.allocate(options.name ?? "data.arrow", "dataframe file name");
    await writeFile(target, bytes, { flag: "wx" });
    await chmod(target, 0o444);
    const stored = columns.length > 0 ? columns : await columnsOfSchema(table.schema);
    return AloftDataFrame.fromUri<R>(fileUri(target), { format: DATAFRAME_FORMAT, columns: stored });
  }
}

/**
 * Places a copy of a file or directory tree at `dest` (which must not exist):
 * hard links where the file system allows (no bytes copied), else a copy
 * (a copy-on-write clone where supported). A symbolic link to a file is
 * copied as that file; links to directories are left out, as
 * `AloftDirectory.list()` leaves them.
 *
 * @example
 * ```ts
 * await linkOrCopy("/tmp/aloft-run-x/blobs/3f2a/out.csv", "/home/me/.aloft/cache/blobs/ab/…/out.csv");
 * ```
 */
export async function linkOrCopy(src: string, dest: string): Promise<void> {
  if ((await stat(src)).isDirectory()) {
    await mkdir(dest, { recursive: true });
    for (const entry of await readdir(src, { withFileTypes: true })) {
      const from = path.join(src, entry.name);
      if (entry.isSymbolicLink() && (await stat(from)).isDirectory()) continue;
      await linkOrCopy(from, path.join(dest, entry.name));
    }
    return;
  }
  const real = await realpath(src);
  await mkdir(path.dirname(dest), { recursive: true });
  try {
    await link(real, dest);
  } catch {
    await copyFile(real, dest, constants.COPYFILE_FICLONE);
    await chmod(dest, 0o444);
  }
}
