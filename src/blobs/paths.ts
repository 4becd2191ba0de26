/**
 * Names and locations of blobs (files, directories, dataframes).
 *
 * Two kinds of strings reach this module. *Names* are what code gives when it
 * creates or looks up a blob inside a container (`ctx.blobs.writeFile("out.csv")`,
 * `dir.file("a/b.txt")`): they must be relative POSIX paths that stay inside
 * the container, so `..`, `.`, empty segments, absolute paths, backslashes,
 * drive letters and NUL bytes are refused, and a name is resolved through the
 * real paths of the file system so that a symbolic link cannot lead outside.
 * *URIs* are where a blob is (`file:///…`): this runner reads `file:` URIs
 * only, and refuses dot segments and NUL bytes in them.
 *
 * @module
 */
import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BlobAccessError, BlobPathError } from "../errors.js";

const DRIVE = /^[A-Za-z]:/;

/**
 * Checks a blob name: a non-empty relative POSIX path whose segments are not
 * empty, `.` or `..`, without backslashes, NUL bytes or a drive letter.
 * Returns the name; throws `BlobPathError` naming it otherwise.
 *
 * @example
 * ```ts
 * checkBlobName("reports/2024.csv", "file name"); // "reports/2024.csv"
 * checkBlobName("../x", "file name");             // throws BlobPathError
 * ```
 */
export function checkBlobName(name: unknown, what: string): string {
  const bad = (why: string): never => {
    throw new BlobPathError(`${what} ${JSON.stringify(name)} ${why}; give a relative path such as "out.csv" or "reports/a.csv"`, String(name));
  };
  if (typeof name !== "string" || name === "") return bad("is not a non-empty string");
  if (name.includes("\0")) return bad("contains a NUL byte");
  if (name.includes("\\")) return bad("contains a backslash");
  if (name.startsWith("/") || DRIVE.test(name)) return bad("is absolute");
  for (const segment of name.split("/")) {
    if (segment === "") return bad("has an empty segment");
    if (segment === "." || segment === "..") return bad(`has a ${JSON.stringify(segment)} segment`);
  }
  return name;
}

/**
 * True when `child` is `root` or below it (both absolute and normalised).
 *
 * @example
 * ```ts
 * isInside("/store", "/store/a/b.txt"); // true
 * isInside("/store", "/storehouse/x");  // false
 * ```
 */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a checked name inside a container directory, following symbolic
 * links: the deepest existing part of the path must resolve (by `realpath`)
 * inside the container's real path. Returns the lexical path
 * (`root/name`). With `mustExist`, the whole path must exist.
 *
 * @example
 * ```ts
 * await resolveInside("/runs/r1/blobs/3f2a", "out.csv"); // "/runs/r1/blobs/3f2a/out.csv"
 * ```
 */
export async function resolveInside(root: string, name: string, what: string, mustExist = false): Promise<string> {
  checkBlobName(name, what);
  const realRoot = await realpath(root);
  const target = path.join(root, ...name.split("/"));
  let probe = target;
  while (!(await exists(probe))) {
    if (mustExist) throw new BlobAccessError(`${what} ${JSON.stringify(name)} does not exist in ${root}`, pathToFileURL(target).href);
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  const real = await realpath(probe);
  if (!isInside(realRoot, real)) {
    throw new BlobPathError(`${what} ${JSON.stringify(name)} resolves to ${real}, outside ${realRoot} (through a symbolic link)`, name);
  }
  return target;
}

/**
 * The `file:` URI of an absolute local path.
 *
 * @example
 * ```ts
 * fileUri("/data/my file.csv"); // "file:///data/my%20file.csv"
 * ```
 */
export function fileUri(absolutePath: string): string {
  return pathToFileURL(absolutePath).href;
}

/**
 * Checks the syntax of a blob URI: a scheme, then no NUL byte and no `.` or
 * `..` segment (a URI names one place; dot segments only hide where).
 *
 * @example
 * ```ts
 * checkUri("file:///data/a.csv"); // "file:///data/a.csv"
 * checkUri("file:///data/../etc/passwd"); // throws BlobPathError
 * ```
 */
export function checkUri(uri: unknown): string {
  if (typeof uri !== "string" || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) {
    throw new BlobPathError(`${JSON.stringify(uri)} is not a URI such as "file:///data/a.csv"; use fromPath for a local path`, String(uri));
  }
  if (uri.includes("\0") || /%00/i.test(uri)) throw new BlobPathError(`the URI ${JSON.stringify(uri)} contains a NUL byte`, uri);
  const rest = uri.replace(/^[A-Za-z][A-Za-z0-9+.-]*:(\/\/[^/]*)?/, "").split(/[?#]/)[0] ?? "";
  for (const segment of rest.split("/")) {
    const s = segment.replace(/%2e/gi, ".");
    if (s === "." || s === "..") throw new BlobPathError(`the URI ${JSON.stringify(uri)} has a ${JSON.stringify(s)} segment`, uri);
  }
  return uri;
}

/**
 * The local path of a `file:` URI; any other scheme throws `BlobAccessError`
 * (the local runner reads local files only).
 *
 * @example
 * ```ts
 * localPathOf("file:///data/a.csv"); // "/data/a.csv"
 * ```
 */
export function localPathOf(uri: string): string {
  const url = new URL(uri);
  if (url.protocol !== "file:" || (url.host !== "" && url.host !== "localhost")) {
    throw new BlobAccessError(`${uri} is not a local file: Aloft's local runner reads file:// URIs (pass such data through a task that downloads it)`, uri);
  }
  return fileURLToPath(url);
}

/**
 * Turns a path a user gives (relative to the working directory, or absolute)
 * into an absolute one, refusing NUL bytes.
 *
 * @example
 * ```ts
 * absoluteUserPath("data/a.csv"); // "/home/me/project/data/a.csv"
 * ```
 */
export function absoluteUserPath(p: unknown, what: string): string {
  if (typeof p !== "string" || p === "") throw new BlobPathError(`${what} needs a path, got ${JSON.stringify(p)}`, String(p));
  if (p.includes("\0")) throw new BlobPathError(`${what}: the path ${JSON.stringify(p)} contains a NUL byte`, p);
  return path.resolve(p);
}
