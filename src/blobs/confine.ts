/**
 * Where references a caller gives may point: `FileRoots`, the directories a
 * server lets requests name files, directories and dataframes in (its blob
 * store, where tasks write and uploads land, and any roots its operator
 * allows). A reference anywhere else is refused, so that a caller of the API
 * cannot make the server's tasks read `/etc/passwd` or another user's data.
 *
 * A reference is allowed when it is a `file:` URI (no host, or `localhost`)
 * without dot segments or NUL bytes (`checkUri`), whose path lies inside a
 * root both as written and through the real paths of the file system (a
 * symbolic link inside a root that leads out is refused), and which exists
 * and is of the kind the input declares. For a directory, every symbolic link
 * below it must stay inside the root as well.
 *
 * Flyte's equivalent is the bucket and prefix a FlyteAdmin's data proxy hands
 * out upload locations in (`CreateUploadLocation`): Flyte does not check input
 * URIs itself but relies on its pods' cloud credentials; Aloft's tasks run with
 * the server's own file-system rights, so it checks every reference.
 *
 * @module
 */
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { listFiles } from "./directory.js";
import { checkUri, isInside, localPathOf } from "./paths.js";

/** What kind of data an input declares: one file (a file or a dataframe), or a directory. */
export type ReferenceKind = "file" | "directory";

/**
 * The directories references may point into.
 *
 * @example
 * ```ts
 * const roots = new FileRoots(["/srv/aloft/.aloft/blobs"]);
 * await roots.problem("file:///etc/passwd", "file");
 * // "file:///etc/passwd is outside the directories this server reads inputs from (/srv/aloft/.aloft/blobs); ..."
 * await roots.problem("file:///srv/aloft/.aloft/blobs/3f2a…/data.csv", "file"); // undefined: allowed
 * ```
 */
export class FileRoots {
  /** The roots, absolute and normalised. */
  readonly roots: readonly string[];

  constructor(roots: readonly string[]) {
    for (const r of roots) {
      if (typeof r !== "string" || r === "" || r.includes("\0")) throw new RangeError(`a file root must be a directory path, got ${JSON.stringify(r)}`);
    }
    this.roots = [...new Set(roots.map((r) => path.resolve(r)))];
  }

  /** The roots for messages: `/a, /b`, or `none`. */
  describe(): string {
    return this.roots.length === 0 ? "none" : this.roots.join(", ");
  }

  /**
   * What is wrong with a reference of `kind` at `uri`, or `undefined` when a
   * task may read it. Never throws for a bad reference: the problem is a sentence.
   *
   * @example
   * ```ts
   * await roots.problem("s3://bucket/a.csv", "file"); // "s3://bucket/a.csv is not a file:// URI ..."
   * ```
   */
  async problem(uri: string, kind: ReferenceKind): Promise<string | undefined> {
    const how = "upload the data first (POST /api/v1/uploads; aloft run --remote uploads local paths itself)";
    if (this.roots.length === 0) return `this server reads no file, directory or dataframe inputs (it has no blob store or allowed roots); got ${uri}`;
    const where = `the directories this server reads inputs from (${this.describe()})`;
    let local: string;
    try {
      local = localPathOf(checkUri(uri));
    } catch {
      return `${uri} is not a file:// URI inside ${where}; ${how}`;
    }
    const root = this.roots.find((r) => isInside(r, local));
    if (root === undefined) return `${uri} is outside ${where}; ${how}`;
    let real: string;
    let realRoot: string;
    try {
      realRoot = await realpath(root);
      real = await realpath(local);
    } catch {
      return `${uri} does not exist in ${root}`;
    }
    if (!isInside(realRoot, real)) return `${uri} leads through a symbolic link to ${real}, outside ${where}`;
    const st = await stat(real);
    if (kind === "file" && !st.isFile()) return `${uri} is ${st.isDirectory() ? "a directory" : "not a regular file"}, but the input is a file`;
    if (kind === "directory") {
      if (!st.isDirectory()) return `${uri} is not a directory, but the input is one`;
      try {
        await listFiles(real, realRoot);
      } catch (e) {
        return `${uri}: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    return undefined;
  }
}
