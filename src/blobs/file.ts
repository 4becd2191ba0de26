/**
 * `AloftFile`: a reference to one file (Flyte's `Blob` of dimensionality
 * `SINGLE`).
 *
 * Files, directories and dataframes travel through a workflow as references:
 * a node's output holds a URI, never the bytes, so large data is never copied
 * from node to node (or into the cache key, or into a compiled spec). Reading
 * happens only when a task asks for it.
 *
 * **URIs.** A reference's `uri` says where the data is, as Flyte's literals do
 * (`s3://bucket/…` there): values a task creates are stored in the run's blob
 * store, a directory under the run's working area, and get a `file://` URI of
 * their place there; files a user gives (`AloftFile.fromPath`) keep the
 * `file://` URI of the user's file (referenced, not copied). Because a URI is
 * complete, a reference stays readable after the run, from the output cache,
 * and as a constant in a later workflow, without a context to resolve it in.
 * Names inside a store or a directory are checked by `checkBlobName` (no `..`,
 * no absolute paths, no escaping symbolic links).
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { BlobAccessError } from "../errors.js";
import { checkUri, localPathOf } from "./paths.js";
import { checkFormat } from "./format.js";
import { BlobReference, existingLocal } from "./reference.js";

export { baseName, type BlobJson } from "./reference.js";

/**
 * Options of a file or directory reference.
 *
 * @example
 * ```ts
 * const options: FileOptions = { format: "csv" };
 * AloftFile.fromPath("data/points.csv", options);
 * ```
 */
export interface FileOptions {
  /** A format such as `"csv"`; empty or left out means any format. */
  readonly format?: string;
}

/**
 * The local path of a `file:` URI; throws `BlobAccessError` unless it exists
 * and is of the expected kind.
 *
 * @example
 * ```ts
 * await checkLocal("file:///data/a.csv", "file"); // "/data/a.csv"
 * ```
 */
export async function checkLocal(uri: string, kind: "file" | "directory"): Promise<string> {
  const p = localPathOf(uri);
  let isDir: boolean;
  try {
    isDir = (await stat(p)).isDirectory();
  } catch (e) {
    throw new BlobAccessError(`the ${kind} ${uri} cannot be read: ${(e as Error).message}`, uri, { cause: e });
  }
  if (isDir !== (kind === "directory")) throw new BlobAccessError(`${uri} is ${isDir ? "a directory" : "not a directory"}, but a ${kind} was expected`, uri);
  return p;
}

/**
 * A reference to one file: its URI and format. Immutable; reading it is
 * asynchronous. Tasks create files with `ctx.blobs.writeFile(...)`; users refer
 * to their own files with `AloftFile.fromPath(...)`.
 *
 * In cache keys a file counts by its reference (`uri` and `format`), as Flyte
 * hashes a blob literal's URI, not the bytes: files a task writes get a new,
 * unique URI each time, while a user's file keeps its URI, so change the path
 * (or the task's cache version) when the contents of such a file change.
 *
 * @example
 * ```ts
 * const count = task({ name: "count_lines", inputs: { f: t.file({ format: "csv" }) }, outputs: t.int },
 *   async ({ f }) => (await f.text()).split("\n").length);
 * await count.run({ f: AloftFile.fromPath("data/points.csv", { format: "csv" }) });
 * ```
 */
export class AloftFile extends BlobReference {
  private constructor(uri: string, format: string) {
    super(uri, format);
    Object.freeze(this);
  }

  /**
   * A reference to a local file (relative to the working directory, or
   * absolute), which must exist. The file is referenced where it is, not
   * copied: large inputs cost nothing to pass, but must not change while a run
   * or a cache entry depends on them.
   *
   * @example
   * ```ts
   * const f = AloftFile.fromPath("data/points.csv", { format: "csv" });
   * f.uri; // "file:///home/me/project/data/points.csv"
   * ```
   */
  static fromPath(localPath: string, options: FileOptions = {}): AloftFile {
    const { uri, format } = existingLocal(localPath, options.format, "file", "AloftFile.fromPath", "AloftDirectory.fromPath");
    return new AloftFile(uri, format);
  }

  /**
   * A reference to a file by URI, not checked for existence: how values are
   * read back from Flyte literals. Only `file://` URIs can be read by the local
   * runner; others can be passed along and compiled into specs.
   *
   * @example
   * ```ts
   * const f = AloftFile.fromUri("s3://my-bucket/data/points.csv", { format: "csv" });
   * ```
   */
  static fromUri(uri: string, options: FileOptions = {}): AloftFile {
    return new AloftFile(checkUri(uri), checkFormat(options.format, "AloftFile.fromUri"));
  }

  /**
   * The file's local path, for tools that take a path. Treat it as read-only:
   * references are immutable, and files in the blob store are made read-only.
   *
   * @example
   * ```ts
   * const rows = parseCsv(await readFile(await f.path(), "utf8"));
   * ```
   */
  path(): Promise<string> {
    return checkLocal(this.uri, "file");
  }

  /**
   * The file's contents.
   *
   * @example
   * ```ts
   * const data: Uint8Array = await f.bytes();
   * ```
   */
  async bytes(): Promise<Uint8Array> {
    return readFile(await this.path());
  }

  /**
   * The file's contents as text (UTF-8 unless told otherwise).
   *
   * @example
   * ```ts
   * const text = await f.text();
   * ```
   */
  async text(encoding: BufferEncoding = "utf8"): Promise<string> {
    return readFile(await this.path(), encoding);
  }

  /**
   * A stream of the file's contents, for files too large to hold in memory.
   *
   * @example
   * ```ts
   * for await (const chunk of await f.stream()) hash.update(chunk);
   * ```
   */
  async stream(): Promise<Readable> {
    return createReadStream(await this.path());
  }

  /**
   * A readable form, `file<csv> file:///…`.
   *
   * @example
   * ```ts
   * String(f); // "file<csv> file:///data/points.csv"
   * ```
   */
  override toString(): string {
    return `file${this.formatTag()} ${this.uri}`;
  }
}
