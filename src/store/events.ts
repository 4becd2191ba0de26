/**
 * The events an execution's inbox holds, and what a task item tells its
 * worker: the vocabulary the engine's state machine applies, kept at the
 * store port because stores persist it. Stores read events back through
 * `decodeEvent` and task options through `decodeTaskItemOptions`, so a
 * consumer reads typed fields.
 *
 * @module
 */
import type { LiteralMap, Literal } from "../idl/core.js";
import type { TaskSpec, WorkflowSpec } from "../idl/specs.js";
import { Fields } from "./fields.js";
import type { CachePolicy } from "./node-data.js";
import type { ErrorInfo } from "../rules/failure.js";
import { decodeErrorInfo } from "./error-info.js";

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
  readonly cache?: CachePolicy;
  /** Run even on a cache hit, and store the new outputs. */
  readonly overwriteCache?: boolean;
  /** The task is a dynamic workflow: run its body, compile the sub-graph, report it in `dynamic`. */
  readonly dynamic?: boolean;
  /**
   * The attempt runs one element of a map whose template (flytekit's `-arraynode` form) the worker
   * compiles from the mapped task and these settings of the array node, to check its digest.
   */
  readonly mapElement?: MapSettings;
  /** What the execution runs, as registered: the worker checks its own code of that entity has the version (`worker/resolver.ts`). */
  readonly root?: TaskItemRoot;
}

/**
 * A map's settings as its array node holds them: the inputs given whole, the
 * concurrency and the success ratio (as the number it was written from).
 *
 * @example
 * ```ts
 * const settings: MapSettings = { bound: ["y"], concurrency: 4, minSuccessRatio: 0.8 };
 * ```
 */
export interface MapSettings {
  readonly bound: readonly string[];
  readonly concurrency?: number;
  readonly minSuccessRatio?: number;
}

/**
 * The entity an execution was started as (its launch plan, else its workflow), for a task item.
 *
 * @example
 * ```ts
 * const root: TaskItemRoot = { kind: "workflow", name: "regression", version: "3f1c9a0b7d2e4f61" };
 * ```
 */
export interface TaskItemRoot {
  readonly kind: "workflow" | "launchPlan";
  readonly name: string;
  readonly version: string;
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

/**
 * What a worker reports for an attempt.
 *
 * @example
 * ```ts
 * const done: TaskResultEvent = { type: "taskSucceeded", path: "n0", attempt: 1, outputs: { literals: {} } };
 * ```
 */
export type TaskResultEvent = TaskSucceededEvent | TaskFailedEvent | TaskLostEvent;

/**
 * The types of event.
 *
 * @example
 * ```ts
 * EVENT_TYPES.includes("signal"); // true
 * ```
 */
export const EVENT_TYPES = ["start", "taskSucceeded", "taskFailed", "taskSystemFailed", "taskLost", "timer", "signal", "approval", "abort", "childEnded"] as const satisfies readonly EngineEvent["type"][];

/**
 * Reads an event's stored body; throws `StoredRowError` (naming `row` and
 * the field) when it is not an event of a known type with its fields.
 *
 * @example
 * ```ts
 * decodeEvent({ type: "abort", reason: "by hand" }, "event 17"); // AbortEvent
 * ```
 */
export function decodeEvent(json: unknown, row: string): EngineEvent {
  const f = Fields.of(json, row, "body");
  const type = f.oneOf("type", EVENT_TYPES);
  switch (type) {
    case "start":
      return { type };
    case "taskSucceeded": {
      const dyn = f.optionalObject("dynamic");
      const cacheStatus = f.has("cacheStatus") ? f.oneOf("cacheStatus", ["hit", "populated", "disabled"]) : undefined;
      const cacheKey = f.optionalString("cacheKey");
      const systemAttempts = f.optionalNumber("systemAttempts");
      return {
        type,
        path: f.string("path"),
        attempt: f.number("attempt"),
        outputs: f.idl<LiteralMap>("outputs"),
        ...(cacheStatus !== undefined ? { cacheStatus } : {}),
        ...(cacheKey !== undefined ? { cacheKey } : {}),
        ...(systemAttempts !== undefined ? { systemAttempts } : {}),
        ...(dyn ? { dynamic: { workflow: dyn.idl<WorkflowSpec>("workflow"), tasks: dyn.idlList<TaskSpec>("tasks") } } : {}),
      };
    }
    case "taskFailed": {
      const timedOut = f.optionalBoolean("timedOut");
      const systemAttempts = f.optionalNumber("systemAttempts");
      return {
        type,
        path: f.string("path"),
        attempt: f.number("attempt"),
        message: f.string("message"),
        retryable: f.boolean("retryable"),
        ...(f.has("error") ? { error: decodeErrorInfo(f.object("error")) } : {}),
        ...(timedOut !== undefined ? { timedOut } : {}),
        ...(systemAttempts !== undefined ? { systemAttempts } : {}),
      };
    }
    case "taskSystemFailed":
      return { type, path: f.string("path"), attempt: f.number("attempt"), systemAttempts: f.number("systemAttempts"), message: f.string("message") };
    case "taskLost":
      return { type, path: f.string("path"), attempt: f.number("attempt"), message: f.string("message") };
    case "timer":
      return { type, path: f.string("path"), purpose: f.oneOf("purpose", ["sleep", "gateTimeout"]) };
    case "signal":
      return { type, name: f.string("name"), value: f.idl<Literal>("value") };
    case "approval": {
      const reason = f.optionalString("reason");
      return { type, name: f.string("name"), approved: f.boolean("approved"), ...(reason !== undefined ? { reason } : {}) };
    }
    case "abort":
      return { type, reason: f.optionalString("reason") ?? "aborted" };
    case "childEnded": {
      const outputs = f.optionalIdl<LiteralMap>("outputs");
      const message = f.optionalString("message");
      return { type, path: f.string("path"), childId: f.string("childId"), succeeded: f.boolean("succeeded"), ...(outputs ? { outputs } : {}), ...(message !== undefined ? { message } : {}), ...(f.has("error") ? { error: decodeErrorInfo(f.object("error")) } : {}) };
    }
  }
}

/**
 * Reads a task item's stored options; throws `StoredRowError` naming `row`
 * when a field is not what the engine writes.
 *
 * @example
 * ```ts
 * decodeTaskItemOptions({ taskDigest: "3f2a", timeoutMs: 1000 }, "task item e1|n0|1").timeoutMs; // 1000
 * ```
 */
export function decodeTaskItemOptions(json: unknown, row: string): TaskItemOptions {
  const f = Fields.of(json, row, "options");
  const cache = f.optionalObject("cache");
  const timeoutMs = f.optionalNumber("timeoutMs");
  const overwriteCache = f.optionalBoolean("overwriteCache");
  const dynamic = f.optionalBoolean("dynamic");
  const map = f.optionalObject("mapElement");
  const concurrency = map?.optionalNumber("concurrency");
  const minSuccessRatio = map?.optionalNumber("minSuccessRatio");
  const root = f.optionalObject("root");
  const rootKind = root?.oneOf("kind", ["workflow", "launchPlan"] as const);
  return {
    taskDigest: f.string("taskDigest"),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(cache ? { cache: { version: cache.string("version"), serialize: cache.boolean("serialize"), ignoredInputs: cache.strings("ignoredInputs") } } : {}),
    ...(overwriteCache !== undefined ? { overwriteCache } : {}),
    ...(dynamic !== undefined ? { dynamic } : {}),
    ...(map ? { mapElement: { bound: map.strings("bound"), ...(concurrency !== undefined ? { concurrency } : {}), ...(minSuccessRatio !== undefined ? { minSuccessRatio } : {}) } } : {}),
    ...(root ? { root: { kind: rootKind ?? "workflow", name: root.string("name"), version: root.string("version") } } : {}),
  };
}
