/**
 * The messages between a worker and the child processes that run task code,
 * over Node's IPC channel (as JSON). A child runs one request at a
 * time.
 *
 * @module
 */
import type { AttemptItem, AttemptResult } from "./attempt.js";
import type { TaskFailedEvent } from "../engine/events.js";
import type { LogLine } from "../store/attempt-logs.js";

/** Why the parent stops an attempt. */
export type AbortReason = "timeout" | "lost" | "stop";

/** Parent to child. */
export type ParentMessage =
  /** Load these modules (relative to `cwd`), then answer `ready` or `initFailed`; tasks create blobs under `blobDir`. */
  | { readonly type: "init"; readonly modules: readonly string[]; readonly cwd: string; readonly blobDir: string }
  /** Resolve the item's task and compute its cache key: answer `prepared`. */
  | { readonly type: "prepare"; readonly id: number; readonly item: AttemptItem }
  /** Run one attempt: answer `done`. */
  | { readonly type: "run"; readonly id: number; readonly item: AttemptItem }
  /** Fire the attempt's `AbortSignal`. */
  | { readonly type: "abort"; readonly id: number; readonly reason: AbortReason };

/** Child to parent. */
export type ChildMessage =
  | { readonly type: "ready"; readonly entities: number }
  | { readonly type: "initFailed"; readonly message: string }
  | { readonly type: "prepared"; readonly id: number; readonly cacheKey: string | undefined }
  | { readonly type: "prepared"; readonly id: number; readonly failure: TaskFailedEvent }
  /** What the running attempt wrote to stdout and stderr since the last such message (always before its `done`). */
  | { readonly type: "log"; readonly id: number; readonly lines: LogLine[] }
  /** The attempt ended; `ms`: how long it ran in the child (without the trips to and from it). */
  | { readonly type: "done"; readonly id: number; readonly result: AttemptResult; readonly ms?: number }
  /** An attempt aborted while it still waited behind another was dropped before it started (the answer to that `abort`). */
  | { readonly type: "withdrawn"; readonly id: number };
