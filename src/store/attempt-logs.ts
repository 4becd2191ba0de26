/**
 * Task attempts and what they wrote: the AttemptLog port. A worker records
 * each attempt it ran (its times, outcome, error, and the lines the task
 * wrote to stdout and stderr) once the attempt is over; the API, the console
 * and `aloft logs` read them back by execution and node.
 *
 * On SQLite, logs stay out of the database file (they can be large):
 * `DirectoryAttemptLogs` keeps them beside it (`.aloft/logs`), like the blob
 * store keeps large values: one file per execution that each attempt's record
 * is appended to. On PostgreSQL,
 * where workers and servers are on many machines, `PostgresAttemptLogs`
 * keeps them in the database, so every machine sees every attempt.
 * `MemoryAttemptLogs` is for a `MemoryStore` setup. All pass one conformance
 * suite (`test/store/attempt-logs.test.ts`).
 *
 * @module
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { AloftError } from "../errors.js";

/** One line (or chunk) a task wrote. */
export interface LogLine {
  readonly stream: "stdout" | "stderr";
  /** When it was written (ms since the epoch). */
  readonly at: number;
  readonly text: string;
}

/** How an attempt ended. */
export type AttemptOutcome = "succeeded" | "failed" | "timedOut" | "cacheHit";

/**
 * One attempt of a task node, as the worker saw it.
 *
 * @example
 * ```ts
 * const a: AttemptRecord = { executionId: id, path: "n1", attempt: 1, systemAttempt: 0, workerId: "w1", startedAt, endedAt,
 *   outcome: "failed", error: "boom", lines: [{ stream: "stderr", at: endedAt, text: "boom\n" }], droppedBytes: 0 };
 * ```
 */
export interface AttemptRecord {
  readonly executionId: string;
  /** The node's path (`n1`, `n2/n0`, `n3[17]`). */
  readonly path: string;
  /** The user attempt (1-based). */
  readonly attempt: number;
  /** How many leases on this attempt were lost before this run of it. */
  readonly systemAttempt: number;
  readonly workerId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: AttemptOutcome;
  readonly error?: string | undefined;
  readonly lines: readonly LogLine[];
  /** Bytes the task wrote past the limit kept per attempt (`MAX_LOG_BYTES`). */
  readonly droppedBytes: number;
}

/** An attempt without its lines, for listings. */
export type AttemptSummary = Omit<AttemptRecord, "lines"> & { readonly logBytes: number };

/** The most bytes of output kept per attempt (1 MiB); the rest is counted in `droppedBytes`. */
export const MAX_LOG_BYTES = 1024 * 1024;

/**
 * A record that cannot be stored or a key that cannot name one.
 *
 * @example
 * ```ts
 * await logs.put({ ...record, executionId: "../x" }); // rejects: AttemptLogError
 * ```
 */
export class AttemptLogError extends AloftError {
  override name = "AttemptLogError";
}

/**
 * Where attempts and their logs are kept.
 *
 * @example
 * ```ts
 * await logs.put(record);
 * (await logs.list(executionId, "n1")).map((a) => a.attempt); // [1, 2]
 * (await logs.get(executionId, "n1", 2))?.lines;
 * ```
 */
export interface AttemptLogStore {
  /** Stores an attempt; storing the same (execution, path, attempt, systemAttempt) again replaces it. */
  put(record: AttemptRecord): Promise<void>;
  /** The attempts of an execution, or of one node (`path`), without their lines: by path, then attempt, then system attempt. */
  list(executionId: string, path?: string): Promise<AttemptSummary[]>;
  /** The attempts of one node with their lines, oldest first. */
  records(executionId: string, path: string): Promise<AttemptRecord[]>;
}

function summary(r: AttemptRecord): AttemptSummary {
  const { lines, ...rest } = r;
  return { ...rest, logBytes: lines.reduce((n, l) => n + Buffer.byteLength(l.text), 0) };
}

function order(a: AttemptSummary | AttemptRecord, b: AttemptSummary | AttemptRecord): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.attempt - b.attempt || a.systemAttempt - b.systemAttempt;
}

/**
 * Refuses a record that cannot be stored (no execution id or path, attempts out of range).
 *
 * @example
 * ```ts
 * checkAttemptRecord({ ...record, attempt: 0 }); // throws AttemptLogError
 * ```
 */
export function checkAttemptRecord(r: AttemptRecord): void {
  if (typeof r.executionId !== "string" || r.executionId === "") throw new AttemptLogError("an attempt record needs its executionId");
  if (typeof r.path !== "string" || r.path === "") throw new AttemptLogError(`the attempt record of execution ${r.executionId} needs its node path`);
  if (!Number.isInteger(r.attempt) || r.attempt < 1) throw new AttemptLogError(`attempt of ${r.executionId} ${r.path} must be a whole number from 1, got ${String(r.attempt)}`);
  if (!Number.isInteger(r.systemAttempt) || r.systemAttempt < 0) throw new AttemptLogError(`systemAttempt of ${r.executionId} ${r.path} must be a whole number from 0, got ${String(r.systemAttempt)}`);
}

/**
 * Attempts kept in memory (for a `MemoryStore` setup and tests).
 *
 * @example
 * ```ts
 * const logs = new MemoryAttemptLogs();
 * await startWorker({ store, modules, concurrency: 2, logs });
 * ```
 */
export class MemoryAttemptLogs implements AttemptLogStore {
  private readonly byExecution = new Map<string, Map<string, AttemptRecord>>();

  async put(record: AttemptRecord): Promise<void> {
    checkAttemptRecord(record);
    let m = this.byExecution.get(record.executionId);
    if (!m) this.byExecution.set(record.executionId, (m = new Map()));
    m.set(`${record.path}\u0000${record.attempt}\u0000${record.systemAttempt}`, structuredClone(record));
  }

  async list(executionId: string, path?: string): Promise<AttemptSummary[]> {
    return (await this.all(executionId, path)).map(summary);
  }

  async records(executionId: string, path: string): Promise<AttemptRecord[]> {
    return this.all(executionId, path);
  }

  private async all(executionId: string, path: string | undefined): Promise<AttemptRecord[]> {
    const m = this.byExecution.get(executionId);
    return [...(m?.values() ?? [])].filter((r) => path === undefined || r.path === path).sort(order).map((r) => structuredClone(r));
  }
}

const ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** A stored record, or undefined for one still being written (or torn by a crash while it was). */
function parseRecord(text: string): AttemptRecord | undefined {
  try {
    return JSON.parse(text) as AttemptRecord;
  } catch {
    return undefined;
  }
}

/** The file of an execution's attempts, in its directory: one line per record put, `[path, record]`, appended. */
const APPENDED = "attempts.jsonl";
/** How many executions' files a `DirectoryAttemptLogs` keeps open (the most recently written). */
const OPEN_FILES = 16;
const NEWLINE = 0x0a;

/** A line of the appended file: its record when whole and of the node asked for (`prefix`: the line's start). */
function parseLine(line: string, prefix: string | undefined): AttemptRecord | undefined {
  if (line === "" || (prefix !== undefined && !line.startsWith(prefix))) return undefined;
  try {
    const entry = JSON.parse(line) as unknown;
    return Array.isArray(entry) && typeof entry[1] === "object" && entry[1] !== null ? (entry[1] as AttemptRecord) : undefined;
  } catch {
    return undefined; // torn by a crash while it was written
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/**
 * Attempts kept as files, one per execution: `<root>/<executionId>/attempts.jsonl`, each record put appended
 * to it as one line (one `write` of a file kept open: a worker's result waits for its record, and a new file
 * per attempt cost it 40-70 µs where an append costs 3-4, measured). A record put again for the same attempt
 * is a later line, which replaces the earlier one when read. Records of older versions, one JSON file per
 * attempt (`<node path, URI-encoded>@<attempt>.<systemAttempt>.json`) in the same directory, are read too.
 * Several processes may append to one file (each line is one `write` in append mode); a line torn by a crash
 * is skipped, and the next process to open the file starts a new line after it. An execution id that is not
 * a plain file name is refused, so no record is written or read outside `root`.
 *
 * @example
 * ```ts
 * const logs = new DirectoryAttemptLogs(".aloft/logs");
 * ```
 */
export class DirectoryAttemptLogs implements AttemptLogStore {
  readonly root: string;
  /** Open files by execution, the most recently written last. */
  private readonly files = new Map<string, number>();

  constructor(root: string) {
    if (typeof root !== "string" || root === "") throw new AttemptLogError(`DirectoryAttemptLogs needs a directory, got ${JSON.stringify(root)}`);
    this.root = path.resolve(root);
  }

  private dirOf(executionId: string): string {
    if (!ID.test(executionId)) throw new AttemptLogError(`${JSON.stringify(executionId)} is not an execution id`);
    return path.join(this.root, executionId);
  }

  async put(record: AttemptRecord): Promise<void> {
    checkAttemptRecord(record);
    const dir = this.dirOf(record.executionId);
    const line = Buffer.from(`${JSON.stringify([record.path, record])}\n`);
    const fd = this.fileOf(record.executionId, dir);
    try {
      writeAll(fd, line);
    } catch (e) {
      this.forget(record.executionId);
      throw e;
    }
  }

  /** Closes the files it keeps open (it opens them again as needed). */
  close(): void {
    for (const id of [...this.files.keys()]) this.forget(id);
  }

  /** The execution's file, open for appending (made, with its directory, the first time). */
  private fileOf(executionId: string, dir: string): number {
    const open = this.files.get(executionId);
    if (open !== undefined) {
      this.files.delete(executionId);
      // Still the file in the directory (not removed meanwhile): kept, as the most recently written.
      if (fstatSync(open).nlink > 0) {
        this.files.set(executionId, open);
        return open;
      }
      closeSync(open);
    }
    const file = path.join(dir, APPENDED);
    let fd: number;
    try {
      fd = openSync(file, "a+");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      mkdirSync(dir, { recursive: true });
      fd = openSync(file, "a+");
    }
    try {
      // A line torn by a crash (no newline at the end): the next record starts a line of its own.
      const size = fstatSync(fd).size;
      const last = Buffer.alloc(1);
      if (size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== NEWLINE) writeAll(fd, Buffer.from("\n"));
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.files.set(executionId, fd);
    if (this.files.size > OPEN_FILES) this.forget(this.files.keys().next().value!);
    return fd;
  }

  private forget(executionId: string): void {
    const fd = this.files.get(executionId);
    this.files.delete(executionId);
    if (fd !== undefined) closeSync(fd);
  }

  async list(executionId: string, path?: string): Promise<AttemptSummary[]> {
    return (await this.read(executionId, path)).map(summary);
  }

  async records(executionId: string, path: string): Promise<AttemptRecord[]> {
    return this.read(executionId, path);
  }

  private async read(executionId: string, nodePath: string | undefined): Promise<AttemptRecord[]> {
    const dir = this.dirOf(executionId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    const byAttempt = new Map<string, AttemptRecord>();
    const keep = (r: AttemptRecord | undefined): void => {
      if (r && (nodePath === undefined || r.path === nodePath)) byAttempt.set(`${r.path}\u0000${r.attempt}\u0000${r.systemAttempt}`, r);
    };
    // Older versions' files first: a record appended since replaces one of them.
    const prefix = nodePath === undefined ? undefined : `${encodeURIComponent(nodePath)}@`;
    const legacy = names.filter((n) => n.endsWith(".json") && (prefix === undefined || n.startsWith(prefix)));
    for (const r of await Promise.all(legacy.map(async (n) => parseRecord(await readFile(path.join(dir, n), "utf8"))))) keep(r);
    if (names.includes(APPENDED)) {
      const linePrefix = nodePath === undefined ? undefined : `[${JSON.stringify(nodePath)},`;
      for (const line of (await readFile(path.join(dir, APPENDED), "utf8")).split("\n")) keep(parseLine(line, linePrefix));
    }
    return [...byAttempt.values()].sort(order);
  }
}
