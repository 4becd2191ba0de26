/**
 * The events the engine's state machine applies to an execution. Each is
 * stored in the inbox before it is applied, so none is lost in a crash.
 *
 * @module
 */
import type { LiteralMap, Literal } from "../idl/core.js";
import type { TaskSpec, WorkflowSpec } from "../idl/specs.js";
import type { ErrorInfo } from "../rules/failure.js";

/** The execution was created: start its nodes. */
export interface StartEvent {
  readonly type: "start";
}

/** A task attempt succeeded (or was served from the cache). */
export interface TaskSucceededEvent {
  readonly type: "taskSucceeded";
  readonly path: string;
  readonly attempt: number;
  readonly outputs: LiteralMap;
  /** `hit` when the worker served the outputs from the cache; `populated` asks the engine to store them under `cacheKey`. */
  readonly cacheStatus?: "hit" | "populated" | "disabled";
  /** The cache key the worker computed. */
  readonly cacheKey?: string;
  /** Leases this attempt lost before it succeeded (dead workers). */
  readonly systemAttempts?: number;
  /** For a dynamic workflow: the sub-workflow it built and the tasks it uses. */
  readonly dynamic?: { readonly workflow: WorkflowSpec; readonly tasks: readonly TaskSpec[] };
}

/** A task attempt failed in the task's code (or timed out). */
export interface TaskFailedEvent {
  readonly type: "taskFailed";
  readonly path: string;
  readonly attempt: number;
  readonly message: string;
  /** The error the attempt failed with, class, fields and cause (`rules/failure.ts`). */
  readonly error?: ErrorInfo;
  /** Whether the error may be retried (`rules/retry.ts` `isRetryable`): a `RecoverableError`, a timeout, any error with `retryAllErrors`. */
  readonly retryable: boolean;
  readonly timedOut?: boolean;
  /** Leases this attempt lost before it failed (dead workers). */
  readonly systemAttempts?: number;
}

/**
 * The process running an attempt died under it (killed by a signal, out of
 * memory, exited): a system failure. The engine runs the attempt again as a
 * system retry, counted apart from the task's retries, until the node has
 * lost `maxSystemAttempts`.
 */
export interface TaskLostEvent {
  readonly type: "taskLost";
  readonly path: string;
  readonly attempt: number;
  readonly message: string;
}

/** An attempt lost too many leases (its workers died). */
export interface TaskSystemFailedEvent {
  readonly type: "taskSystemFailed";
  readonly path: string;
  readonly attempt: number;
  readonly systemAttempts: number;
  readonly message: string;
}

/** A timer of a node fired (sleep ended, gate timed out). */
export interface TimerEvent {
  readonly type: "timer";
  readonly path: string;
  readonly purpose: "sleep" | "gateTimeout";
}

/** A signal value arrived for a gate. */
export interface SignalEvent {
  readonly type: "signal";
  readonly name: string;
  readonly value: Literal;
}

/** An approval gate was answered. */
export interface ApprovalEvent {
  readonly type: "approval";
  readonly name: string;
  readonly approved: boolean;
  readonly reason?: string;
}

/** Someone asked to abort the execution. */
export interface AbortEvent {
  readonly type: "abort";
  readonly reason: string;
}

/** A child execution (launch-plan node) ended. */
export interface ChildEndedEvent {
  readonly type: "childEnded";
  readonly path: string;
  readonly childId: string;
  readonly succeeded: boolean;
  readonly outputs?: LiteralMap;
  readonly message?: string;
  /** The child execution's error (an `ExecutionError`, or an `AbortedError`). */
  readonly error?: ErrorInfo;
}

/** What a task item tells the worker besides the task and its inputs (`TaskItem.options`). */
export interface TaskItemOptions {
  /** The digest of the registered `TaskSpec`: the worker runs the task only if its own compiled spec has the same digest. */
  readonly taskDigest: string;
  /** Abort the attempt after this long (then end the process running it if the code ignores the signal). */
  readonly timeoutMs?: number;
  /** Cache the outputs under the key of (task name, version, interface, inputs minus ignored ones). */
  readonly cache?: { readonly version: string; readonly serialize: boolean; readonly ignoredInputs: readonly string[] };
  /** Run even on a cache hit, and store the new outputs. */
  readonly overwriteCache?: boolean;
  /** The task is a dynamic workflow: run its body, compile the sub-graph, report it in `dynamic`. */
  readonly dynamic?: boolean;
}

/** Every event the machine applies. */
export type EngineEvent =
  | StartEvent
  | TaskSucceededEvent
  | TaskFailedEvent
  | TaskSystemFailedEvent
  | TaskLostEvent
  | TimerEvent
  | SignalEvent
  | ApprovalEvent
  | AbortEvent
  | ChildEndedEvent;
