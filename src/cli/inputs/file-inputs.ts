/**
 * File, directory and dataframe inputs on the command line, as `pyflyte run`
 * takes them: `--data ./points.csv` is a local path (it must exist, and be a
 * directory for a directory input), `--data s3://bucket/points.csv` or
 * `file:///...` a URI, passed on as it is.
 *
 * A run in process (`--local`) reads a local path where it is. A durable run
 * copies it into the engine's blob store first (`.aloft/blobs`), and a run on a
 * server uploads it (`POST /api/v1/uploads`), so that the execution keeps its
 * own copy (a relaunch reads the same data) and a server reads only its own
 * store. This is what `pyflyte run --remote` does with a local file: it uploads
 * it through flyteadmin's data proxy and passes the remote URI.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { create as createTar } from "tar";
import type { LiteralType } from "../../idl/core.js";
import { AloftDataFrame, declaredColumns } from "../../blobs/dataframe.js";
import { AloftDirectory } from "../../blobs/directory.js";
import { AloftFile } from "../../blobs/file.js";
import { existingLocal } from "../../blobs/reference.js";
import { localPathOf } from "../../blobs/paths.js";
import { storeUpload, type StoredUpload } from "../../blobs/uploads.js";
import { describeType } from "../../types/describe.js";

/** The references made from local paths on this command line: only those are copied or uploaded. */
const fromCommandLine = new WeakSet<object>();

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** The file, directory or dataframe type of an input (itself, or what an optional one holds), if it is one. */
export function blobTypeOf(type: LiteralType): LiteralType | undefined {
  if (type.blob || type.structuredDatasetType) return type;
  const variants = type.unionType?.variants ?? [];
  const rest = variants.filter((v) => v.simple !== "NONE");
  const only = rest[0];
  return rest.length === 1 && only && variants.length === 2 ? blobTypeOf(only) : undefined;
}

/**
 * The reference a command-line value names: a URI as given, or a local path
 * (relative to `cwd`) that must exist and be of the input's kind.
 *
 * @throws BlobAccessError or BlobPathError naming the path.
 *
 * @example
 * ```ts
 * referenceFromText("data/points.csv", t.file({ format: "csv" }).literalType, "/home/me/project");
 * // AloftFile file:///home/me/project/data/points.csv <csv>
 * ```
 */
export function referenceFromText(text: string, type: LiteralType, cwd: string): AloftFile | AloftDirectory | AloftDataFrame {
  const format = type.blob?.format ?? type.structuredDatasetType?.format ?? "";
  const isDir = type.blob?.dimensionality === "MULTIPART";
  const options = format === "" ? {} : { format };
  if (URI.test(text)) {
    if (type.structuredDatasetType) return AloftDataFrame.fromUri(text, { ...options, columns: declaredColumns(type) });
    return isDir ? AloftDirectory.fromUri(text, options) : AloftFile.fromUri(text, options);
  }
  const p = path.resolve(cwd, text);
  const { uri } = existingLocal(p, undefined, isDir ? "directory" : "file", `the ${describeType(type)} path`, isDir ? "a file input" : "a directory input");
  const ref = type.structuredDatasetType
    ? AloftDataFrame.fromUri(uri, { ...options, columns: declaredColumns(type) })
    : isDir
      ? AloftDirectory.fromUri(uri, options)
      : AloftFile.fromUri(uri, options);
  fromCommandLine.add(ref);
  return ref;
}

/** Puts a local file or directory where the run's engine can read it; resolves its new URI. */
export type Uploader = (localPath: string, kind: "file" | "directory", name: string) => Promise<string>;

/**
 * The bytes to upload for a local file or directory: the file itself, or a
 * gzipped tar archive of the directory's contents (links followed).
 *
 * @example
 * ```ts
 * await client.upload("images", "directory", uploadBody("./images", "directory"));
 * ```
 */
export function uploadBody(localPath: string, kind: "file" | "directory"): Readable {
  if (kind === "file") return createReadStream(localPath);
  return createTar({ cwd: localPath, gzip: true, portable: true, follow: true }, ["."]) as unknown as Readable;
}

/**
 * An uploader into a blob store's directory on this machine (the embedded engine's `.aloft/blobs`).
 *
 * @example
 * ```ts
 * const upload = storeUploader(".aloft/blobs");
 * await upload("/home/me/data.csv", "file", "data.csv"); // "file:///home/me/project/.aloft/blobs/3f…/data.csv"
 * ```
 */
export function storeUploader(blobDir: string): Uploader {
  return async (localPath, kind, name) => {
    const stored: StoredUpload = await storeUpload(blobDir, { kind, name, body: uploadBody(localPath, kind), limitBytes: Number.MAX_SAFE_INTEGER });
    return stored.uri;
  };
}

function moved(ref: AloftFile | AloftDirectory | AloftDataFrame, uri: string): AloftFile | AloftDirectory | AloftDataFrame {
  const options = ref.format === "" ? {} : { format: ref.format };
  if (ref instanceof AloftDataFrame) return AloftDataFrame.fromUri(uri, { ...options, columns: ref.columns });
  if (ref instanceof AloftDirectory) return AloftDirectory.fromUri(uri, options);
  return AloftFile.fromUri(uri, options);
}

/**
 * The inputs with every local path given on the command line put in place by
 * `upload` (each path once), and the notes to print (`input data: data.csv → file:///…`).
 *
 * @example
 * ```ts
 * const { inputs, notes } = await uploadLocalInputs({ data: referenceFromText("data.csv", type, cwd) }, storeUploader(".aloft/blobs"));
 * ```
 */
export async function uploadLocalInputs(inputs: Readonly<Record<string, unknown>>, upload: Uploader): Promise<{ inputs: Record<string, unknown>; notes: string[] }> {
  const out: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const [name, value] of Object.entries(inputs)) {
    if ((value instanceof AloftFile || value instanceof AloftDirectory || value instanceof AloftDataFrame) && fromCommandLine.has(value)) {
      const local = localPathOf(value.uri);
      const uri = await upload(local, value instanceof AloftDirectory ? "directory" : "file", path.basename(local));
      out[name] = moved(value, uri);
      notes.push(`input ${name}: uploaded ${local} as ${uri}`);
    } else {
      out[name] = value;
    }
  }
  return { inputs: out, notes };
}
