/**
 * `AloftDirectory`: a reference to a directory of files (Flyte's `Blob` of
 * dimensionality `MULTIPART`).
 *
 * @module
 */
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { BlobAccessError, BlobPathError } from "../errors.js";
import { AloftFile, checkLocal, type FileOptions } from "./file.js";
import { checkUri, fileUri, isInside, resolveInside } from "./paths.js";
import { checkFormat } from "./format.js";
import { BlobReference, existingLocal } from "./reference.js";

/**
 * Lists the files under `root` (relative POSIX paths, sorted). A symbolic
 * link must resolve inside `realRoot` (else `BlobPathError`); links to files
 * are listed, links to directories are not followed.
 *
 * @example
 * ```ts
 * await listFiles("/data/report", await realpath("/data/report")); // ["index.html", "img/a.png"]
 * ```
 */
export async function listFiles(root: string, realRoot: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(path.join(root, ...prefix.split("/").filter((s) => s !== "")), { withFileTypes: true });
  for (const entry of entries) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      out.push(...(await listFiles(root, realRoot, rel)));
    } else if (entry.isSymbolicLink()) {
      const full = path.join(root, ...rel.split("/"));
      let real: string;
      try {
        real = await realpath(full);
      } catch {
        throw new BlobPathError(`${rel} in ${root} is a broken symbolic link`, rel);
      }
      if (!isInside(realRoot, real)) throw new BlobPathError(`${rel} in ${root} is a symbolic link to ${real}, outside the directory`, rel);
      if ((await stat(real)).isFile()) out.push(rel);
    } else if (entry.isFile()) {
      out.push(rel);
    }
  }
  return out.sort();
}

/**
 * A reference to a directory: its URI and format. Immutable. Tasks create
 * directories with `ctx.blobs.newDirectory(...)`; users refer to their own with
 * `AloftDirectory.fromPath(...)`. As for files, the reference (not the
 * contents) is what cache keys hash.
 *
 * @example
 * ```ts
 * const sizes = task({ name: "sizes", inputs: { d: t.dir }, outputs: t.map(t.int) }, async ({ d }) => {
 *   const out: Record<string, number> = {};
 *   for (const name of await d.list()) out[name] = (await (await d.file(name)).bytes()).length;
 *   return out;
 * });
 * await sizes.run({ d: AloftDirectory.fromPath("data/") });
 * ```
 */
export class AloftDirectory extends BlobReference {
  private constructor(uri: string, format: string) {
    super(uri, format);
    Object.freeze(this);
  }

  /**
   * A reference to a local directory, which must exist. Referenced where it
   * is, not copied (see `AloftFile.fromPath`).
   *
   * @example
   * ```ts
   * const d = AloftDirectory.fromPath("data/images");
   * ```
   */
  static fromPath(localPath: string, options: FileOptions = {}): AloftDirectory {
    const { uri, format } = existingLocal(localPath, options.format, "directory", "AloftDirectory.fromPath", "AloftFile.fromPath");
    return new AloftDirectory(uri, format);
  }

  /**
   * A reference to a directory by URI, not checked for existence.
   *
   * @example
   * ```ts
   * const d = AloftDirectory.fromUri("file:///data/images");
   * ```
   */
  static fromUri(uri: string, options: FileOptions = {}): AloftDirectory {
    return new AloftDirectory(checkUri(uri), checkFormat(options.format, "AloftDirectory.fromUri"));
  }

  /**
   * The directory's local path. Treat it as read-only.
   *
   * @example
   * ```ts
   * await execFile("tar", ["czf", "out.tgz", "-C", await d.path(), "."]);
   * ```
   */
  path(): Promise<string> {
    return checkLocal(this.uri, "directory");
  }

  /**
   * The files in the directory and its subdirectories, as sorted relative
   * paths (`"a.csv"`, `"sub/b.csv"`). A symbolic link that leads outside the
   * directory is a `BlobPathError`; links to directories are not followed.
   *
   * @example
   * ```ts
   * await d.list(); // ["a.csv", "sub/b.csv"]
   * ```
   */
  async list(): Promise<string[]> {
    const root = await this.path();
    return listFiles(root, await realpath(root));
  }

  /**
   * A file of the directory by relative path. The name must stay inside the
   * directory (no `..`, no absolute path, no symbolic link leading out) and
   * the file must exist.
   *
   * @example
   * ```ts
   * const b = await d.file("sub/b.csv", { format: "csv" });
   * await b.text();
   * ```
   */
  async file(name: string, options: FileOptions = {}): Promise<AloftFile> {
    const root = await this.path();
    const p = await resolveInside(root, name, `file name in ${this.uri}:`, true);
    if (!(await stat(p)).isFile()) throw new BlobAccessError(`${name} in ${this.uri} is not a file`, fileUri(p));
    return AloftFile.fromUri(fileUri(p), options);
  }

  /**
   * A readable form, `dir file:///…`.
   *
   * @example
   * ```ts
   * String(d); // "dir file:///data/images"
   * ```
   */
  override toString(): string {
    return `dir${this.formatTag()} ${this.uri}`;
  }
}
