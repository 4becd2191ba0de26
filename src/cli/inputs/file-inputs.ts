/**
 * File, directory and dataframe inputs on the command line, as `pyflyte run`
 * takes them: `--data ./points.csv` is a local path (it must exist, and be a
 * directory for a directory input), `--data s3://bucket/points.csv` or
 * `file:///...` a URI, passed on as it is.
 *
 * Inside a list or a map (`list<file>`, `map<str, dir>`, at any depth) the
 * value is JSON whose strings are such paths or URIs: `--files '["a.csv",
 * "s3://b/c.csv"]'`.
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
import { optionalInner, parseValue, valueHint } from "./parse-value.js";

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

/**
 * True when files, directories or dataframes sit inside a list or map of the
 * type (at any depth, optional or not): its value is JSON whose strings at
 * those places are paths or URIs (`referencesFromJson`).
 *
 * @example
 * ```ts
 * nestsBlobs(t.list(t.file).literalType); // true
 * nestsBlobs(t.file.literalType);         // false: a bare path, not JSON
 * ```
 */
export function nestsBlobs(type: LiteralType): boolean {
  const inner = optionalInner(type) ?? type;
  if (inner.collectionType) return blobTypeOf(inner.collectionType) !== undefined || nestsBlobs(inner.collectionType);
  if (inner.mapValueType) return blobTypeOf(inner.mapValueType) !== undefined || nestsBlobs(inner.mapValueType);
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The value of a type that `nestsBlobs`, from its JSON: each string where a
 * file, directory or dataframe goes made a reference (`referenceFromText`,
 * relative to `cwd`), every other leaf read with the command line's rules.
 *
 * @throws Error naming the place (`[1]`, `["train"]`) and what is wrong there.
 *
 * @example
 * ```ts
 * referencesFromJson(["a.csv", "s3://b/c.csv"], t.list(t.file).literalType, process.cwd());
 * // [AloftFile file:///home/me/a.csv, AloftFile s3://b/c.csv]
 * ```
 */
export function referencesFromJson(value: unknown, type: LiteralType, cwd: string, at = ""): unknown {
  const where = at === "" ? "" : `at ${at}: `;
  const blob = blobTypeOf(type);
  if (blob) {
    if (value === null && blob !== type) return null;
    if (typeof value !== "string") throw new Error(`${where}expected a path or URI of a ${describeType(blob)}, got ${JSON.stringify(value)}`);
    try {
      return referenceFromText(value, blob, cwd);
    } catch (e) {
      throw new Error(`${where}${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  const optional = optionalInner(type);
  if (optional && nestsBlobs(optional)) return value === null ? null : referencesFromJson(value, optional, cwd, at);
  if (type.collectionType && nestsBlobs(type)) {
    if (!Array.isArray(value)) throw new Error(`${where}expected a JSON list, got ${JSON.stringify(value)}`);
    const element = type.collectionType;
    return value.map((v, i) => referencesFromJson(v, element, cwd, `${at}[${i}]`));
  }
  if (type.mapValueType && nestsBlobs(type)) {
    if (!isPlainObject(value)) throw new Error(`${where}expected a JSON object, got ${JSON.stringify(value)}`);
    const element = type.mapValueType;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, referencesFromJson(v, element, cwd, `${at}[${JSON.stringify(k)}]`)]));
  }
  const parsed = parseValue(typeof value === "string" ? value : JSON.stringify(value), type);
  if (!parsed.ok) throw new Error(`${where}${parsed.problem}`);
  return parsed.value;
}

/**
 * A command-line value of any type: a path or URI for a file, directory or
 * dataframe (`referenceFromText`), JSON with paths inside for a list or map of
 * them (`referencesFromJson`), anything else by `parseValue`'s rules.
 *
 * @example
 * ```ts
 * valueFromText("data.csv", t.file.literalType, cwd); // { ok: true, value: AloftFile file:///…/data.csv }
 * valueFromText("21", t.int.literalType, cwd);        // { ok: true, value: 21 }
 * ```
 */
export function valueFromText(text: string, type: LiteralType, cwd: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  const blob = blobTypeOf(type);
  try {
    if (blob && !(text.trim() === "null" && blob !== type)) return { ok: true, value: referenceFromText(text, blob, cwd) };
    if (nestsBlobs(type)) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, problem: `expected JSON (${valueHint(type)}), got ${JSON.stringify(text)}` };
      }
      return { ok: true, value: referencesFromJson(json, type, cwd) };
    }
  } catch (e) {
    return { ok: false, problem: e instanceof Error ? e.message : String(e) };
  }
  return parseValue(text, type);
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
 * `upload` (each path once, also inside lists and maps), and the notes to
 * print (`input data: uploaded data.csv as file:///…`, `input parts[1]: …`;
 * `what` names them, `input` by default).
 *
 * @example
 * ```ts
 * const { inputs, notes } = await uploadLocalInputs({ data: referenceFromText("data.csv", type, cwd) }, storeUploader(".aloft/blobs"));
 * ```
 */
export async function uploadLocalInputs(inputs: Readonly<Record<string, unknown>>, upload: Uploader, what = "input"): Promise<{ inputs: Record<string, unknown>; notes: string[] }> {
  const notes: string[] = [];
  const done = new Map<string, string>();
  const place = async (value: unknown, label: string): Promise<unknown> => {
    if ((value instanceof AloftFile || value instanceof AloftDirectory || value instanceof AloftDataFrame) && fromCommandLine.has(value)) {
      const local = localPathOf(value.uri);
      const kind = value instanceof AloftDirectory ? "directory" : "file";
      let uri = done.get(`${kind}:${local}`);
      if (uri === undefined) {
        uri = await upload(local, kind, path.basename(local));
        done.set(`${kind}:${local}`, uri);
      }
      notes.push(`${what} ${label}: uploaded ${local} as ${uri}`);
      return moved(value, uri);
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const [i, v] of value.entries()) out.push(await place(v, `${label}[${i}]`));
      return out;
    }
    if (isPlainObject(value) && Object.getPrototypeOf(value) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await place(v, `${label}[${JSON.stringify(k)}]`);
      return out;
    }
    return value;
  };
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(inputs)) out[name] = await place(value, name);
  return { inputs: out, notes };
}
