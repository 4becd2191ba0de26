/**
 * Run-wide settings and services of a local run, built from `RunOptions`.
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { InputValueError } from "../errors.js";
import { resolveBackoff, type Backoff } from "../rules/retry.js";
import type { RunOptions } from "../sdk/runner-port.js";
import { Recorder } from "./recorder.js";
import { GateBoard } from "./gates.js";
import { FileCache } from "./cache/file-cache.js";
import { LocalBlobStore } from "./blob-store.js";

/** Settings and services shared by every node of a run. */
export interface RunEnvironment {
  /** Nodes of one workflow that may run at once. */
  readonly maxParallelism: number;
  /** Aborted when the run fails or is aborted. */
  readonly signal: AbortSignal;
  /** Waits between retries. */
  readonly backoff: Backoff;
  /** Whether cached tasks run again and overwrite their entries. */
  readonly overwriteCache: boolean;
  /** The output cache (opened on first use). */
  readonly cache: () => FileCache;
  /** Node records. */
  readonly recorder: Recorder;
  /** Gate signals. */
  readonly gates: GateBoard;
  /** The run's working area (created on first use). */
  readonly workDir: () => string;
  /** The run's blob store, `<workDir>/blobs`, where tasks create files, directories and dataframes (`ctx.blobs`). */
  readonly blobs: () => LocalBlobStore;
}

/** The default home of Aloft's local state: `$ALOFT_HOME` or `~/.aloft`. */
export function aloftHome(): string {
  return process.env["ALOFT_HOME"] ?? path.join(os.homedir(), ".aloft");
}

/** The default cache directory. */
export function defaultCacheDir(): string {
  return path.join(aloftHome(), "cache");
}

function positiveInt(value: unknown, name: string): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new InputValueError(`${name} must be a whole number of at least 1, got ${String(value)}`, "run", name);
  return value as number;
}

/** Builds the environment of a run, validating its options. */
export function makeEnvironment(options: RunOptions, signal: AbortSignal): RunEnvironment {
  if (typeof options !== "object" || options === null) throw new InputValueError("run options must be an object", "run", "options");
  const backoff = resolveBackoff(options.retryBackoff, "retryBackoff");
  let cache: FileCache | undefined;
  let workDir: string | undefined;
  let blobs: LocalBlobStore | undefined;
  const workDirOf = () => (workDir ??= options.workDir ?? mkdtempSync(path.join(os.tmpdir(), "aloft-run-")));
  const prompt = options.prompt ?? (process.stdin.isTTY === true && process.stdout.isTTY === true);
  return {
    maxParallelism: positiveInt(options.maxParallelism, "maxParallelism"),
    signal,
    backoff,
    overwriteCache: options.overwriteCache === true,
    cache: () => (cache ??= new FileCache(options.cacheDir ?? defaultCacheDir())),
    recorder: new Recorder(),
    gates: new GateBoard(options.signals ?? {}, prompt, signal),
    workDir: workDirOf,
    blobs: () => (blobs ??= new LocalBlobStore(path.join(path.resolve(workDirOf()), "blobs"))),
  };
}
