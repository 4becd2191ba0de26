/**
 * The `BlobStore` port: where the engine offloads values too large for a
 * database row (and keeps the bytes of files and dataframes), addressed by
 * URI; and `DirectoryBlobStore`, its implementation over a local directory.
 *
 * `DirectoryBlobStore` is content-addressed: a blob's name is the SHA-256 of
 * its bytes, so storing the same bytes twice keeps one file, a URI always
 * names the same bytes, and reads are checked against the name. Writes go to
 * a temporary file that is renamed into place, so a reader never sees half a
 * blob. Its URIs (`aloft-blob:sha256/ab/ab12…`) are resolved only inside its
 * root: another scheme, `..`, an absolute path, a NUL byte or a symbolic link
 * on the way is refused.
 *
 * @module
 */
import { createHash, randomUUID } from "node:crypto";
import { lstat, mkdir, open, readFile, realpath, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { BlobAccessError, BlobPathError } from "../errors.js";

/**
 * A store of immutable byte strings, addressed by URI.
 *
 * @example
 * ```ts
 * const blobs: BlobStore = new DirectoryBlobStore(".aloft/blobs");
 * const uri = await blobs.put(new TextEncoder().encode(JSON.stringify(bigLiteral)), "n1/o0.json");
 * const bytes = await blobs.get(uri);
 * ```
 */
export interface BlobStore {
  /**
   * Stores bytes and resolves their URI. `hint` says what they are (`"n1/o0.json"`), for
   * people and for stores that keep names; it never changes a content-addressed URI.
   */
  put(bytes: Uint8Array, hint?: string): Promise<string>;
  /** The bytes of a URI this store made; rejects with `BlobAccessError` when they are missing or damaged, `BlobPathError` for a URI that is not this store's. */
  get(uri: string): Promise<Uint8Array>;
  /** Whether the store holds the URI's bytes; rejects with `BlobPathError` for a URI that is not this store's. */
  has(uri: string): Promise<boolean>;
}

const SCHEME = "aloft-blob:";
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const CONTENT_PATH = /^sha256\/([0-9a-f]{2})\/(\1[0-9a-f]{62})$/;

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === "ENOENT";

/**
 * A content-addressed `BlobStore` in a directory: blob `h` (its SHA-256, in
 * hex) is the file `<root>/sha256/<h[0..2]>/<h>`, and its URI is
 * `aloft-blob:sha256/<h[0..2]>/<h>`. The root is created on first write.
 *
 * @example
 * ```ts
 * const blobs = new DirectoryBlobStore("/var/lib/aloft/blobs");
 * const uri = await blobs.put(Buffer.from("hello"));
 * // "aloft-blob:sha256/2c/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
 * await blobs.has(uri); // true
 * await blobs.get("aloft-blob:../../etc/passwd"); // BlobPathError
 * ```
 */
export class DirectoryBlobStore implements BlobStore {
  /** The scheme of this store's URIs. */
  static readonly scheme = SCHEME;
  /** The directory the blobs live in (absolute). */
  readonly root: string;

  constructor(root: string) {
    if (typeof root !== "string" || root === "" || root.includes("\0")) throw new BlobPathError(`DirectoryBlobStore needs a directory, got ${JSON.stringify(root)}`, String(root));
    this.root = path.resolve(root);
  }

  async put(bytes: Uint8Array, hint?: string): Promise<string> {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`DirectoryBlobStore.put takes a Uint8Array (or Buffer), got ${typeof bytes}${hint === undefined ? "" : ` for ${JSON.stringify(hint)}`}`);
    const hex = createHash("sha256").update(bytes).digest("hex");
    const uri = `${SCHEME}sha256/${hex.slice(0, 2)}/${hex}`;
    const target = await this.resolve(uri);
    if (await this.intact(target, hex)) return uri;
    await mkdir(path.dirname(target), { recursive: true });
    await this.resolve(uri); // nothing on the way was swapped for a link while the directories were made
    const temp = path.join(path.dirname(target), `.${hex}.${randomUUID()}.tmp`);
    try {
      const file = await open(temp, "wx", 0o444);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, target);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      throw new BlobAccessError(`could not store ${bytes.byteLength} bytes as ${uri}: ${(e as Error).message}`, uri, { cause: e });
    }
    return uri;
  }

  async get(uri: string): Promise<Uint8Array> {
    const file = await this.resolve(uri);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      const why = isMissing(e) ? "is not in this blob store" : `cannot be read: ${(e as Error).message}`;
      throw new BlobAccessError(`blob ${uri} ${why} (root ${this.root})`, uri, { cause: e });
    }
    const named = CONTENT_PATH.exec(uri.slice(SCHEME.length))?.[2];
    if (named !== undefined) {
      const actual = createHash("sha256").update(bytes).digest("hex");
      if (actual !== named) throw new BlobAccessError(`blob ${uri} is damaged: its bytes hash to sha256 ${actual}`, uri);
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async has(uri: string): Promise<boolean> {
    const file = await this.resolve(uri);
    try {
      return (await lstat(file)).isFile();
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  /**
   * The file a URI of this store names, inside `root`. Refuses (with
   * `BlobPathError`) another scheme, an absolute path, empty, `.` or `..`
   * segments, NUL bytes, backslashes, characters outside `[A-Za-z0-9._-]`,
   * and any symbolic link between the root and the file.
   *
   * @example
   * ```ts
   * await blobs.resolve("aloft-blob:sha256/2c/2cf2…"); // "/var/lib/aloft/blobs/sha256/2c/2cf2…"
   * ```
   */
  async resolve(uri: string): Promise<string> {
    const bad = (why: string): never => {
      throw new BlobPathError(`${JSON.stringify(uri)} ${why}; a DirectoryBlobStore URI looks like "${SCHEME}sha256/ab/ab12…"`, String(uri));
    };
    if (typeof uri !== "string") return bad("is not a string");
    if (uri.includes("\0")) return bad("contains a NUL byte");
    if (!uri.startsWith(SCHEME)) return bad(`is not a URI of this blob store (its scheme is "${SCHEME}")`);
    const rel = uri.slice(SCHEME.length);
    if (rel === "") return bad("names no blob");
    if (rel.includes("\\")) return bad("contains a backslash");
    if (rel.startsWith("/") || path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) return bad("is an absolute path");
    const segments = rel.split("/");
    for (const s of segments) {
      if (s === "." || s === "..") return bad(`has a ${JSON.stringify(s)} segment, which could leave the store`);
      if (s === "") return bad("has an empty segment");
      if (!SEGMENT.test(s)) return bad(`has a segment ${JSON.stringify(s)} with characters other than letters, digits, ".", "_" and "-"`);
    }
    const file = path.join(this.root, ...segments);
    const inside = path.relative(this.root, file);
    if (inside === "" || inside.startsWith("..") || path.isAbsolute(inside)) return bad("leaves the store");
    // No link on the way: each existing component below the root is a real directory (or the file itself).
    let at = this.root;
    for (const s of segments) {
      at = path.join(at, s);
      let isLink: boolean;
      try {
        isLink = (await lstat(at)).isSymbolicLink();
      } catch (e) {
        if (isMissing(e)) break;
        throw e;
      }
      if (isLink) return bad(`goes through the symbolic link ${at}`);
    }
    await this.checkRealRoot(file, bad);
    return file;
  }

  /** Where the deepest existing ancestor of `file` really is must be inside the root's real place. */
  private async checkRealRoot(file: string, bad: (why: string) => never): Promise<void> {
    let realRoot: string;
    try {
      realRoot = await realpath(this.root);
    } catch (e) {
      if (isMissing(e)) return; // no root yet: nothing below it exists either
      throw e;
    }
    let probe = file;
    let real: string | undefined;
    while (real === undefined) {
      try {
        real = await realpath(probe);
      } catch (e) {
        if (!isMissing(e)) throw e;
        if (probe === this.root) return;
        probe = path.dirname(probe);
      }
    }
    const rel = path.relative(realRoot, real);
    if (rel.startsWith("..") || path.isAbsolute(rel)) bad(`resolves to ${real}, outside the store`);
  }

  /** Whether `file` holds the bytes named `hex` (a damaged copy is replaced by `put`). */
  private async intact(file: string, hex: string): Promise<boolean> {
    try {
      return createHash("sha256").update(await readFile(file)).digest("hex") === hex;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }
}
