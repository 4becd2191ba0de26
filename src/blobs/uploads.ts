/**
 * Uploads into a blob store's directory: a caller's file (its bytes) or
 * directory (a tar archive, gzipped or not) becomes a read-only blob at a
 * fresh place, `<root>/<uuid>/<name>`, the layout tasks' own blobs have
 * (`LocalBlobStore`), so its `file://` URI can be given as an input.
 *
 * What an upload writes goes first to `<root>/.incoming/<uuid>` and is
 * renamed into place only when it is complete and checked: a refused or
 * broken upload leaves nothing behind. A directory's archive may hold only
 * regular files and directories, at relative paths without `..` (links and
 * devices are refused); its bytes, and the bytes it unpacks to, count against
 * the limit.
 *
 * This is Flyte's `CreateUploadLocation` (flyteadmin's data proxy), which
 * hands out a place in the blob store for `pyflyte run --remote` to put a
 * local file; Aloft takes the bytes itself, as it is its own store.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract, type ReadEntry } from "tar";
import { AloftError, BlobPathError } from "../errors.js";
import { listFiles } from "./directory.js";
import { checkBlobName, fileUri } from "./paths.js";

/**
 * An upload was larger than the store takes.
 *
 * @example
 * ```ts
 * await storeUpload(root, { kind: "file", name: "big.bin", body, limitBytes: 1024 }); // UploadTooLargeError
 * ```
 */
export class UploadTooLargeError extends AloftError {
  override name = "UploadTooLargeError";
  constructor(
    message: string,
    readonly limitBytes: number,
  ) {
    super(message);
  }
}

/** What to store. */
export interface UploadRequest {
  /** A file (the body is its bytes) or a directory (the body is a tar archive of its contents). */
  readonly kind: "file" | "directory";
  /** The name the blob gets (its URI's last segment): `data.csv`, `images`. */
  readonly name: string;
  /** The bytes. */
  readonly body: Readable | AsyncIterable<Uint8Array>;
  /** The most bytes taken (sent, and for a directory also unpacked). */
  readonly limitBytes: number;
}

/** A stored upload. */
export interface StoredUpload {
  /** Its `file://` URI, to give as an input. */
  readonly uri: string;
  readonly kind: "file" | "directory";
  /** Bytes received. */
  readonly sizeBytes: number;
  /** A directory's files, relative to it (sorted). */
  readonly files?: readonly string[];
}

/**
 * A byte count for messages: `1 MiB, 1048576 bytes`.
 *
 * @example
 * ```ts
 * describeLimit(4096); // "4 KiB, 4096 bytes"
 * ```
 */
export function describeLimit(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB, ${n} bytes`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB, ${n} bytes`;
  return `${n} bytes`;
}

function tooLarge(limitBytes: number, what: string): UploadTooLargeError {
  return new UploadTooLargeError(`the upload is larger than the server accepts (${describeLimit(limitBytes)}${what})`, limitBytes);
}

/** Passes bytes on, counting them, and fails past the limit. */
function counter(limitBytes: number, seen: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen.n += chunk.byteLength;
      if (seen.n > limitBytes) done(tooLarge(limitBytes, ""));
      else done(null, chunk);
    },
  });
}

/**
 * Stores an upload under `root` and returns its URI; nothing is left behind when it fails.
 *
 * @throws UploadTooLargeError past `limitBytes`; BlobPathError for a bad name or archive entry.
 *
 * @example
 * ```ts
 * const up = await storeUpload(".aloft/blobs", { kind: "file", name: "data.csv", body: createReadStream("data.csv"), limitBytes: 2 ** 30 });
 * up.uri; // "file:///home/me/project/.aloft/blobs/0c6e…/data.csv"
 * ```
 */
export async function storeUpload(root: string, request: UploadRequest): Promise<StoredUpload> {
  const name = checkBlobName(request.name, "upload name");
  if (name.includes("/")) throw new BlobPathError(`upload name ${JSON.stringify(name)} has a "/"; name the file or directory only, such as "data.csv"`, name);
  const base = path.resolve(root);
  const id = randomUUID();
  const incoming = path.join(base, ".incoming", id);
  const staged = path.join(incoming, name);
  const seen = { n: 0 };
  await mkdir(incoming, { recursive: true });
  try {
    let files: string[] | undefined;
    if (request.kind === "file") {
      await pipeline(request.body, counter(request.limitBytes, seen), createWriteStream(staged, { flags: "wx", mode: 0o444 }));
    } else {
      await mkdir(staged);
      files = await unpack(request.body, staged, request.limitBytes, seen);
    }
    const target = path.join(base, id);
    await rename(incoming, target);
    const final = path.join(target, name);
    return { uri: fileUri(final), kind: request.kind, sizeBytes: seen.n, ...(files ? { files } : {}) };
  } catch (e) {
    await rm(incoming, { recursive: true, force: true });
    throw e;
  }
}

/** Unpacks a tar archive into `dir`: regular files and directories only, within the limit; the files become read-only. */
async function unpack(body: Readable | AsyncIterable<Uint8Array>, dir: string, limitBytes: number, seen: { n: number }): Promise<string[]> {
  let unpacked = 0;
  let refused: Error | undefined;
  const accept = (entryPath: string, entry: ReadEntry | { type?: string; size?: number }): boolean => {
    if (refused) return false;
    const type = (entry as { type?: string }).type;
    if (type !== "File" && type !== "OldFile" && type !== "Directory") {
      refused = new BlobPathError(`the archive's entry ${JSON.stringify(entryPath)} is a ${String(type)}; a directory upload holds regular files and directories only`, entryPath);
      return false;
    }
    unpacked += (entry as { size?: number }).size ?? 0;
    if (unpacked > limitBytes) refused = tooLarge(limitBytes, ", unpacked");
    return refused === undefined;
  };
  const onwarn = (_code: string, message: string | Error): void => {
    refused ??= new BlobPathError(`the archive is refused: ${message instanceof Error ? message.message : message}`, dir);
  };
  try {
    await pipeline(body, counter(limitBytes, seen), extract({ cwd: dir, strict: true, filter: accept, onwarn, preservePaths: false, noMtime: true }));
  } catch (e) {
    if (e instanceof AloftError) throw e;
    throw refused ?? new BlobPathError(`the directory upload is not a tar archive that can be unpacked: ${e instanceof Error ? e.message : String(e)}`, dir);
  }
  if (refused) throw refused;
  const files = await listFiles(dir, dir);
  for (const rel of files) await chmod(path.join(dir, ...rel.split("/")), 0o444);
  return files;
}
