/**
 * Run-wide settings and services of a local run, built from `RunOptions`.
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { isatty } from "node:tty";
import { InputValueError } from "../errors.js";
import { resolveBackoff, type Backoff } from "../rules/retry.js";
import { resolveMaxParallelism } from "../rules/parallelism.js";
import { TaskSlots } from "./slots.js";
import type { RunOptions } from "../sdk/runner-port.js";
import { Recorder } from "./recorder.js";
import { GateBoard } from "./gates.js";
import { FileCache } from "./cache/file-cache.js";
import { LocalBlobStore } from "./blob-store.js";

/** Settings and services shared by every node of a run. */
export interface RunEnvironment {
  /** Task attempts of the run that may run at once (`rules/parallelism.ts`). */
  readonly maxParallelism: number;
  /** The run's task slots, `maxParallelism` of them. */
  readonly slots: TaskSlots;
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

/** Builds the environment of a run, validating its options. */
export function makeEnvironment(options: RunOptions, signal: AbortSignal): RunEnvironment {
  if (typeof options !== "object" || options === null) throw new InputValueError("run options must be an object", "run", "options");
  const backoff = resolveBackoff(options.retryBackoff, "retryBackoff");
  const maxParallelism = resolveMaxParallelism(options.maxParallelism, "run");
  let cache: FileCache | undefined;
  let workDir: string | undefined;
  let blobs: LocalBlobStore | undefined;
  const workDirOf = () => (workDir ??= options.workDir ?? mkdtempSync(path.join(os.tmpdir(), "aloft-run-")));
  // isatty, not process.stdin.isTTY: reading process.stdin makes the stdin stream, milliseconds on a program's first run.
  const prompt = options.prompt ?? (isatty(0) && isatty(1));
  return {
    maxParallelism,
    slots: new TaskSlots(maxParallelism),
    signal,
    backoff,
    overwriteCache: options.overwriteCache === true,
    cache: () => (cache ??= new FileCache(options.cacheDir ?? defaultCacheDir())),
    recorder: new Recorder(),
    gates: new GateBoard(options.signals ?? {}, prompt, signal),
    workDir: workDirOf,
    // A temporary working area is made when the store first needs its directory (a blob written), not for every run.
    blobs: () => (blobs ??= new LocalBlobStore(options.workDir !== undefined ? path.join(path.resolve(options.workDir), "blobs") : () => path.join(path.resolve(workDirOf()), "blobs"))),
  };
}
