/**
 * The local runner's output cache: one JSON file per key under a directory
 * that outlives the process. Outputs are stored as Flyte literals, so every
 * type (dates, structs, unions) comes back as it went in. Writes are atomic
 * (a temporary file renamed into place); `serialize` uses lock files so that
 * concurrent identical runs, in this process or another, wait for one.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, closeSync, statSync, existsSync } from "node:fs";
import path from "node:path";
import type { Literal, VariableMap } from "../../idl/core.js";
import { fromLiteral, toLiteral } from "../../types/literal.js";

/** An entry as stored. */
interface StoredEntry {
  readonly task: string;
  readonly version: string;
  readonly createdAt: string;
  readonly outputs: Record<string, Literal>;
}

const KEY = /^[0-9a-f]{64}$/;
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
 * cache.put(key, "slope", "1", outputs, template.interface.outputs);
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
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(vars)) {
      const literal = entry.outputs[name];
      if (!literal || !v.type) return undefined;
      out[name] = fromLiteral(v.type, literal);
    }
    return out;
  }

  /** Stores the outputs of `key`, atomically. */
  put(key: string, task: string, version: string, values: Record<string, unknown>, outputs: VariableMap | undefined): void {
    const literals: Record<string, Literal> = {};
    for (const [name, v] of Object.entries(outputs?.variables ?? {})) literals[name] = toLiteral(v.type ?? {}, values[name]);
    const entry: StoredEntry = { task, version, createdAt: new Date().toISOString(), outputs: literals };
    const target = this.file(key, ".json");
    mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomUUID()}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, target);
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

  /** Removes every entry. */
  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
