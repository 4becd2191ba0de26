/**
 * What every blob reference (`AloftFile`, `AloftDirectory`, `AloftDataFrame`)
 * has: a URI and a format, a name, and the JSON form cache keys hash. Each
 * kind adds how it is read.
 *
 * @module
 */
import { statSync } from "node:fs";
import { BlobAccessError } from "../errors.js";
import { checkFormat } from "./format.js";
import { absoluteUserPath, fileUri } from "./paths.js";

/**
 * The JSON form of a file or directory reference (what cache keys hash).
 *
 * @example
 * ```ts
 * const json: BlobJson = AloftFile.fromUri("file:///data/a.csv").toJSON(); // { uri: "file:///data/a.csv" }
 * ```
 */
export interface BlobJson {
  readonly uri: string;
  readonly format?: string;
}

/**
 * The last segment of a URI's path, decoded.
 *
 * @example
 * ```ts
 * baseName("file:///data/my%20file.csv"); // "my file.csv"
 * ```
 */
export function baseName(uri: string): string {
  const p = uri.split(/[?#]/)[0] ?? "";
  const last = p.replace(/\/+$/, "").split("/").pop() ?? "";
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/**
 * The `file://` URI and checked format of a local file or directory a user
 * refers to, which must exist and be of that kind (else `BlobAccessError`,
 * naming `caller` and pointing to `other`, the constructor for the other kind).
 *
 * @example
 * ```ts
 * existingLocal("data/points.csv", "csv", "file", "AloftFile.fromPath", "AloftDirectory.fromPath");
 * // { uri: "file:///home/me/project/data/points.csv", format: "csv" }
 * ```
 */
export function existingLocal(localPath: string, format: string | undefined, kind: "file" | "directory", caller: string, other: string): { uri: string; format: string } {
  const p = absoluteUserPath(localPath, caller);
  const checked = checkFormat(format, caller);
  let fits: boolean;
  try {
    const st = statSync(p);
    fits = kind === "file" ? st.isFile() : st.isDirectory();
  } catch (e) {
    throw new BlobAccessError(`${caller}: ${p} cannot be read: ${(e as Error).message}`, fileUri(p), { cause: e });
  }
  if (!fits) throw new BlobAccessError(`${caller}: ${p} is not a ${kind} (use ${other} for a ${kind === "file" ? "directory" : "file"})`, fileUri(p));
  return { uri: fileUri(p), format: checked };
}

/**
 * A reference to data kept elsewhere: its URI and format. Immutable once the
 * subclass's constructor freezes it.
 *
 * @example
 * ```ts
 * const ref: BlobReference = AloftFile.fromUri("file:///data/points.csv", { format: "csv" });
 * ref.name;     // "points.csv"
 * ref.toJSON(); // { uri: "file:///data/points.csv", format: "csv" }
 * ```
 */
export abstract class BlobReference {
  /** Where the data is: a `file://` URI for local data. */
  readonly uri: string;
  /** The format (`"csv"`, `"arrow"`, ...), or `""` for any or unknown. */
  readonly format: string;

  protected constructor(uri: string, format: string) {
    this.uri = uri;
    this.format = format;
  }

  /**
   * The last segment of the URI: the file's or directory's name.
   *
   * @example
   * ```ts
   * AloftFile.fromUri("file:///data/points.csv").name; // "points.csv"
   * ```
   */
  get name(): string {
    return baseName(this.uri);
  }

  /**
   * The reference as JSON: `{ uri, format }` (format left out when empty).
   * Cache keys hash this, never the contents.
   *
   * @example
   * ```ts
   * JSON.stringify(f); // '{"uri":"file:///data/points.csv","format":"csv"}'
   * ```
   */
  toJSON(): BlobJson {
    return this.format === "" ? { uri: this.uri } : { uri: this.uri, format: this.format };
  }

  /** `<csv>` for a format, nothing for none: how `toString` shows it. */
  protected formatTag(): string {
    return this.format ? `<${this.format}>` : "";
  }
}
