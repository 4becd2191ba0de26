/**
 * The local runner's output cache: one JSON file per key under a directory
 * that outlives the process. Outputs are stored as Flyte literals, so every
 * type (dates, structs, unions) comes back as it went in. Writes are atomic
 * (a temporary file renamed into place); `serialize` uses lock files so that
 * concurrent identical runs, in this process or another, wait for one.
 *
 * Files, directories and dataframes are stored by reference, but an entry
 * must outlive the run that made it, whose working area may be removed: the
 * blobs of the run's own store that an entry's outputs refer to are adopted
 * into `<cache>/blobs/` (hard-linked where the file system allows, copied
 * otherwise), and the entry refers to those. Other references (a user's files)
 * stay as they are, as Flyte's cache keeps a literal's URIs. An entry whose
 * adopted blobs have gone missing is a miss.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, openSync, closeSync, statSync, existsSync } from "node:fs";
import path from "node:path";
import type { Literal, VariableMap } from "../../idl/core.js";
import { fromLiteral, toLiteral } from "../../types/literal.js";
import { fileUri, isInside, localPathOf } from "../../blobs/paths.js";
import { linkOrCopy } from "../blob-store.js";

/** An entry as stored. */
interface StoredEntry {
  readonly task: string;
  readonly version: string;
  readonly createdAt: string;
  readonly outputs: Record<string, Literal>;
}

const KEY = /^[0-9a-f]{64}$/;

/**
 * Says which blob URIs belong to the run's store, and so are adopted by the cache.
 *
 * @example
 * ```ts
 * const owns: BlobOwner = (uri) => env.blobs().owns(uri);
 * ```
 */
export type BlobOwner = (uri: string) => boolean;

/** The URIs of the files, directories and dataframes a literal refers to. */
function blobUris(l: Literal, out: string[] = []): string[] {
  for (const x of l.collection?.literals ?? []) blobUris(x, out);
  for (const x of Object.values(l.map?.literals ?? {})) blobUris(x, out);
  const s = l.scalar;
  if (s?.union?.value) blobUris(s.union.value, out);
  const uri = s?.blob?.uri ?? s?.structuredDataset?.uri;
  if (uri) out.push(uri);
  return out;
}

/** A copy of a literal whose blob and dataset URIs are replaced by `f`'s. */
async function mapBlobUris(l: Literal, f: (uri: string) => Promise<string>): Promise<Literal> {
  if (l.collection?.literals) {
    const literals: Literal[] = [];
    for (const x of l.collection.literals) literals.push(await mapBlobUris(x, f));
    return { collection: { literals } };
  }
  if (l.map?.literals) {
    const literals: Record<string, Literal> = {};
    for (const [k, x] of Object.entries(l.map.literals)) literals[k] = await mapBlobUris(x, f);
    return { map: { literals } };
  }
  const s = l.scalar;
  if (s?.union?.value) return { scalar: { union: { ...s.union, value: await mapBlobUris(s.union.value, f) } } };
  if (s?.blob?.uri) return { scalar: { blob: { ...s.blob, uri: await f(s.blob.uri) } } };
  if (s?.structuredDataset?.uri) return { scalar: { structuredDataset: { ...s.structuredDataset, uri: await f(s.structuredDataset.uri) } } };
  return l;
}
/** A lock older than this is taken to belong to a process that died. */
const STALE_LOCK_MS = 10 * 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A directory of cached task outputs.
 *
 * @example
 * ```ts
 * const cache = new FileCache("/home/me/.aloft/cache");
 * await cache.put(key, "slope", "1", outputs, template.interface.outputs);
 * cache.get(key, template.interface.outputs); // { o0: -1.5 }
 * ```
 */
export class FileCache {
  constructor(readonly dir: string) {}

  private file(key: string, ext: string): string {
    if (!KEY.test(key)) throw new Error(`not a cache key: ${key}`);
    return path.join(this.dir, key.slice(0, 2), `${key}${ext}`);
  }

  /** The stored outputs of `key`, or undefined on a miss. */
  get(key: string, outputs: VariableMap | undefined): Record<string, unknown> | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(key, ".json"), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    const entry = JSON.parse(text) as StoredEntry;
    const vars = outputs?.variables ?? {};
    const blobs = path.join(this.dir, "blobs");
    for (const literal of Object.values(entry.outputs)) {
      for (const uri of blobUris(literal)) {
        if (!uri.startsWith("file:")) continue;
        const p = localPathOf(uri);
        if (isInside(blobs, p) && !existsSync(p)) return undefined;
      }
    }
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(vars)) {
      const literal = entry.outputs[name];
      if (!literal || !v.type) return undefined;
      out[name] = fromLiteral(v.type, literal);
    }
    return out;
  }

  /**
   * Stores the outputs of `key`, atomically, adopting the blobs `owns` claims
   * (see the module comment). Resolves to the outputs as stored: the values
   * given, with adopted references pointing into the cache, so that the run
   * that fills an entry passes on the same references later hits return.
   */
  async put(key: string, task: string, version: string, values: Record<string, unknown>, outputs: VariableMap | undefined, owns?: BlobOwner): Promise<Record<string, unknown>> {
    const literals: Record<string, Literal> = {};
    for (const [name, v] of Object.entries(outputs?.variables ?? {})) literals[name] = toLiteral(v.type ?? {}, values[name]);
    const target = this.file(key, ".json");
    const adopted = path.join(this.dir, "blobs", key.slice(0, 2), key, randomUUID());
    let n = 0;
    const adopt = async (uri: string): Promise<string> => {
      if (!owns?.(uri)) return uri;
      const src = localPathOf(uri);
      const dest = path.join(adopted, String(n++), path.basename(src));
      await linkOrCopy(src, dest);
      return fileUri(dest);
    };
    try {
      for (const name of Object.keys(literals)) literals[name] = await mapBlobUris(literals[name]!, adopt);
      const entry: StoredEntry = { task, version, createdAt: new Date().toISOString(), outputs: literals };
      mkdirSync(path.dirname(target), { recursive: true });
      const tmp = `${target}.${randomUUID()}.tmp`;
      writeFileSync(tmp, JSON.stringify(entry));
      renameSync(tmp, target);
    } catch (e) {
      rmSync(adopted, { recursive: true, force: true });
      throw e;
    }
    if (n === 0) return values;
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(outputs?.variables ?? {})) out[name] = fromLiteral(v.type ?? {}, literals[name]!);
    return out;
  }

  /**
   * Takes the lock of `key`, waiting while another run holds it. Resolves to a
   * release function. Locks left by dead processes expire.
   */
  async lock(key: string, signal: AbortSignal): Promise<() => void> {
    const lockFile = this.file(key, ".lock");
    mkdirSync(path.dirname(lockFile), { recursive: true });
    for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
      try {
        closeSync(openSync(lockFile, "wx"));
        return () => rmSync(lockFile, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      try {
        if (Date.now() - statSync(lockFile).mtimeMs > STALE_LOCK_MS) rmSync(lockFile, { force: true });
      } catch {
        // the lock went away between the two calls: try again
      }
      if (signal.aborted) throw signal.reason;
      await sleep(wait);
    }
  }

  /** True when the cache directory exists. */
  exists(): boolean {
    return existsSync(this.dir);
  }

  /**
   * Removes every entry, or those of one task (`task`), or of one cache
   * version of it (`task` and `version`), with the blobs they adopted.
   * Returns how many entries were removed.
   */
  clear(filter: { readonly task?: string; readonly version?: string } = {}): number {
    const keys: string[] = [];
    for (const shard of this.entries(this.dir).filter((name) => /^[0-9a-f]{2}$/.test(name))) {
      for (const name of this.entries(path.join(this.dir, shard))) if (name.endsWith(".json") && KEY.test(name.slice(0, -5))) keys.push(name.slice(0, -5));
    }
    if (filter.task === undefined && filter.version === undefined) {
      rmSync(this.dir, { recursive: true, force: true });
      return keys.length;
    }
    let removed = 0;
    for (const key of keys) {
      let entry: StoredEntry;
      try {
        entry = JSON.parse(readFileSync(this.file(key, ".json"), "utf8")) as StoredEntry;
      } catch {
        continue; // removed meanwhile, or not an entry
      }
      if ((filter.task !== undefined && entry.task !== filter.task) || (filter.version !== undefined && entry.version !== filter.version)) continue;
      rmSync(this.file(key, ".json"), { force: true });
      rmSync(path.join(this.dir, "blobs", key.slice(0, 2), key), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  private entries(dir: string): string[] {
    try {
      return readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return [];
      throw e;
    }
  }
}
