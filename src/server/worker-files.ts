/**
 * The files remote workers exchange through the server: what their tasks
 * write (`ctx.blobs`) is sent here and kept in the server's blob directory,
 * where the engine, the CLI and the server's own workers read them as usual
 * (`file://` URIs); what a task reads is fetched from here. Only files inside
 * that directory are served, resolved through real paths (no `..`, no
 * symbolic link leads out); uploads never overwrite.
 *
 * @module
 */
import { lstat, mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { BlobAccessError, BlobPathError } from "../errors.js";
import { LocalBlobStore } from "../local/blob-store.js";
import { listFiles } from "../blobs/directory.js";
import { checkUri, fileUri, localPathOf, resolveInside } from "../blobs/paths.js";

/**
 * The server's side of remote workers' files.
 *
 * @example
 * ```ts
 * const files = new WorkerFiles(".aloft/blobs");
 * const uri = await files.putFile("out.csv", Buffer.from("a,b\n"));
 * await files.read(uri); // <Buffer 61 2c 62 0a>
 * ```
 */
export class WorkerFiles {
  private readonly store: LocalBlobStore;

  /** @param root the server's blob directory (where its own workers' tasks write too). */
  constructor(readonly root: string) {
    this.store = new LocalBlobStore(path.resolve(root));
  }

  /** The local path of a URI of this store, checked through real paths; `BlobPathError` for any other URI. */
  private async inside(uri: string): Promise<string> {
    checkUri(uri);
    if (!this.store.owns(uri)) throw new BlobPathError(`${uri} is not in this server's blob directory (${this.store.root}): the server sends only files its tasks or workers wrote`, uri);
    const rel = path.relative(this.store.root, localPathOf(uri)).split(path.sep).join("/");
    return resolveInside(this.store.root, rel, "file", true);
  }

  /** Stores a new file named `name` (its own fresh directory); resolves its URI. */
  async putFile(name: string, bytes: Uint8Array): Promise<string> {
    return (await this.store.writeFile(name, bytes)).uri;
  }

  /** Creates a new empty directory named `name`; resolves its URI. */
  async newDirectory(name: string): Promise<string> {
    const dir = await this.store.newDirectory(name);
    return fileUri(dir.path);
  }

  /** Writes the file `rel` inside a directory made by `newDirectory` (never over an existing file); resolves its URI. */
  async putInto(directoryUri: string, rel: string, bytes: Uint8Array): Promise<string> {
    const dir = await this.inside(directoryUri);
    if (!(await lstat(dir)).isDirectory()) throw new BlobAccessError(`${directoryUri} is not a directory`, directoryUri);
    const target = await resolveInside(dir, rel, "file name");
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, bytes, { flag: "wx", mode: 0o444 });
    return fileUri(target);
  }

  /** The bytes of a file of this store. */
  async read(uri: string): Promise<Buffer> {
    const p = await this.inside(uri);
    if (!(await lstat(p)).isFile()) throw new BlobAccessError(`${uri} is not a file`, uri);
    return readFile(p);
  }

  /** The files of a directory of this store, each with its relative path and URI. */
  async list(uri: string): Promise<{ readonly path: string; readonly uri: string }[]> {
    const p = await this.inside(uri);
    if (!(await lstat(p)).isDirectory()) throw new BlobAccessError(`${uri} is not a directory`, uri);
    const files = await listFiles(p, await realpath(p));
    return files.map((rel) => ({ path: rel, uri: fileUri(path.join(p, ...rel.split("/"))) }));
  }
}
