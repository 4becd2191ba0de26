/**
 * The durable engine's errors: one class per refusal or failure, each with a
 * stable `code`. The HTTP server maps codes to statuses (`server/errors.ts`)
 * and the CLI to exit codes (`cli/errors.ts`), each in one table, so no caller
 * re-checks "not found" or "already ended" itself.
 *
 * Flyte's admin answers the same refusals with gRPC codes (flyteadmin
 * `pkg/errors`: NotFound for a missing execution or entity,
 * FailedPrecondition for a request to an execution that has ended,
 * InvalidArgument for a bad signal value); the codes here are finer.
 *
 * @example
 * ```ts
 * try {
 *   await engine.approve(id, "publish");
 * } catch (e) {
 *   if (e instanceof EngineError) console.log(e.code); // "GATE_ANSWERED"
 * }
 * ```
 *
 * @module
 */
import { AloftError } from "../errors.js";

/**
 * The stable codes of the engine's errors.
 *
 * @example
 * ```ts
 * const code: EngineErrorCode = "EXECUTION_NOT_FOUND";
 * ```
 */
export type EngineErrorCode =
  | "EXECUTION_NOT_FOUND"
  | "ENTITY_NOT_REGISTERED"
  | "EXECUTION_ENDED"
  | "EXECUTION_NOT_RECOVERABLE"
  | "UNKNOWN_GATE"
  | "GATE_ANSWERED"
  | "INVALID_SIGNAL_VALUE"
  | "NOT_STARTABLE"
  | "WAIT_TIMEOUT"
  | "OFFLOADED_VALUE_UNAVAILABLE"
  | "ENGINE_INVARIANT";

/**
 * Base class of the engine's errors; `code` says which one.
 *
 * @example
 * ```ts
 * if (e instanceof EngineError && e.code === "EXECUTION_ENDED") console.log("too late");
 * ```
 */
export abstract class EngineError extends AloftError {
  override name = "EngineError";
  /** The stable code of this kind of error. */
  abstract readonly code: EngineErrorCode;
}

/**
 * No execution has the id.
 *
 * @example
 * ```ts
 * await engine.abort("a0000"); // ExecutionNotFoundError: no execution "a0000"
 * ```
 */
export class ExecutionNotFoundError extends EngineError {
  override name = "ExecutionNotFoundError";
  readonly code = "EXECUTION_NOT_FOUND";
  /**
   * @param executionId the id asked for
   * @param where where it was looked for, said after the id (`in .aloft/aloft.db`)
   */
  constructor(
    readonly executionId: string,
    where?: string,
  ) {
    super(`no execution ${JSON.stringify(executionId)}${where ? ` ${where}` : ""}`);
  }
}

/**
 * A workflow, task or launch plan (at a version) is not registered.
 *
 * @example
 * ```ts
 * await engine.startRegistered("workflow", { project: "p", domain: "d", name: "wf", version: "v9" }, {}); // EntityNotRegisteredError
 * ```
 */
export class EntityNotRegisteredError extends EngineError {
  override name = "EntityNotRegisteredError";
  readonly code = "ENTITY_NOT_REGISTERED";
  constructor(
    message: string,
    /** `workflow`, `task` or `launchPlan`. */
    readonly kind: "workflow" | "task" | "launchPlan",
    /** The entity's name. */
    readonly entityName: string,
    /** The version asked for, if one was. */
    readonly version?: string,
  ) {
    super(message);
  }

  /**
   * The error for `kind` `key`, named as a user reads it.
   *
   * @example
   * ```ts
   * EntityNotRegisteredError.of("task", { project: "p", domain: "d", name: "t", version: "v1" }).message; // 'task "t" version "v1" is not registered in p/d'
   * ```
   */
  static of(kind: "workflow" | "task" | "launchPlan", key: { readonly project?: string; readonly domain?: string; readonly name: string; readonly version?: string }): EntityNotRegisteredError {
    const label = kind === "launchPlan" ? "launch plan" : kind;
    const where = key.project !== undefined && key.domain !== undefined ? ` in ${key.project}/${key.domain}` : "";
    const message =
      key.version === undefined
        ? `no ${label} ${JSON.stringify(key.name)} is registered${where}`
        : `${label} ${JSON.stringify(key.name)} version ${JSON.stringify(key.version)} is not registered${where}`;
    return new EntityNotRegisteredError(message, kind, key.name, key.version);
  }
}

/**
 * A request an ended execution cannot take: an abort, a signal, an approval.
 *
 * @example
 * ```ts
 * await engine.abort(id); // ExecutionEndedError: execution a1b2 already succeeded; there is nothing to abort
 * ```
 */
export class ExecutionEndedError extends EngineError {
  override name = "ExecutionEndedError";
  readonly code = "EXECUTION_ENDED";
  constructor(
    readonly executionId: string,
    /** The phase it ended in. */
    readonly phase: string,
    /** What can no longer happen, after a semicolon. */
    what: string,
  ) {
    super(`execution ${executionId} already ${phase}; ${what}`);
  }
}

/**
 * `recover` of an execution that did not fail or abort.
 *
 * @example
 * ```ts
 * await engine.recover(succeededId); // ExecutionNotRecoverableError
 * ```
 */
export class ExecutionNotRecoverableError extends EngineError {
  override name = "ExecutionNotRecoverableError";
  readonly code = "EXECUTION_NOT_RECOVERABLE";
  /** @param hint what to do instead, said in parentheses at the end */
  constructor(
    readonly executionId: string,
    readonly phase: string,
    hint?: string,
  ) {
    super(`execution ${executionId} ${phase === "succeeded" ? "succeeded" : `is ${phase}`}; only a failed or aborted execution can be recovered${hint ? ` (${hint})` : ""}`);
  }
}

/**
 * An answer names a gate the execution does not have (or one of another kind:
 * an approval for a gate that waits for a value).
 *
 * @example
 * ```ts
 * await engine.approve(id, "pubish"); // UnknownGateError: execution a1b2 has no approval gate "pubish" (approvals: "publish")
 * ```
 */
export class UnknownGateError extends EngineError {
  override name = "UnknownGateError";
  readonly code = "UNKNOWN_GATE";
  constructor(
    message: string,
    readonly executionId: string,
    /** The name asked for. */
    readonly gate: string,
    /** The gates the execution has, of the kind asked for. */
    readonly known: readonly string[],
  ) {
    super(message);
  }

  /**
   * No gate `gate`: the message lists every gate the execution has.
   *
   * @example
   * ```ts
   * UnknownGateError.of("a1", "nope", ["factor", "publish"]).message; // 'execution a1 has no gate "nope" (gates: "factor", "publish")'
   * ```
   */
  static of(executionId: string, gate: string, gates: readonly string[]): UnknownGateError {
    return new UnknownGateError(`execution ${executionId} has no gate ${JSON.stringify(gate)} (${listed(gates, "gates")})`, executionId, gate, gates);
  }

  /**
   * No approval gate `gate`: the message lists the approvals, and says when
   * `gate` is a gate that waits for a value (`signalHint` tells how to give it one).
   *
   * @example
   * ```ts
   * UnknownGateError.notApproval("a1", "factor", ["publish"], true).message; // 'execution a1 has no approval gate "factor" (approvals: "publish"); "factor" waits for a value (signal it instead)'
   * ```
   */
  static notApproval(executionId: string, gate: string, approvals: readonly string[], isSignal: boolean, signalHint = "signal it instead"): UnknownGateError {
    const other = isSignal ? `; ${JSON.stringify(gate)} waits for a value (${signalHint})` : "";
    return new UnknownGateError(`execution ${executionId} has no approval gate ${JSON.stringify(gate)} (${listed(approvals, "approvals")})${other}`, executionId, gate, approvals);
  }
}

/** `gates: "a", "b"`, or `it has no gates`. */
function listed(names: readonly string[], what: string): string {
  return names.length === 0 ? `it has no ${what}` : `${what}: ${names.map((n) => JSON.stringify(n)).join(", ")}`;
}

/**
 * A second answer to a gate that already has one (or that already timed out).
 *
 * @example
 * ```ts
 * await engine.approve(id, "publish");
 * await engine.approve(id, "publish"); // GateAnsweredError: gate "publish" of execution a1b2 already has its answer
 * ```
 */
export class GateAnsweredError extends EngineError {
  override name = "GateAnsweredError";
  readonly code = "GATE_ANSWERED";
  constructor(
    readonly executionId: string,
    readonly gate: string,
    /** How it was answered: `has its answer`, `timed out`, ... */
    how: string,
  ) {
    super(`gate ${JSON.stringify(gate)} of execution ${executionId} ${how}; it takes one answer`);
  }
}

/**
 * A signal's value does not fit the type its gate waits for.
 *
 * @example
 * ```ts
 * await engine.signal(id, "factor", "three"); // InvalidSignalValueError: signal "factor" of execution a1b2 expects int: ...
 * ```
 */
export class InvalidSignalValueError extends EngineError {
  override name = "InvalidSignalValueError";
  readonly code = "INVALID_SIGNAL_VALUE";
  constructor(
    message: string,
    readonly executionId: string,
    readonly gate: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `engine.start` was given something that cannot be started (a task).
 *
 * @example
 * ```ts
 * await engine.start(myTask, {}); // NotStartableError: start() takes a workflow or a launch plan; ...
 * ```
 */
export class NotStartableError extends EngineError {
  override name = "NotStartableError";
  readonly code = "NOT_STARTABLE";
}

/**
 * `engine.result(id, { timeoutMs })` gave up waiting; the execution goes on.
 *
 * @example
 * ```ts
 * await engine.result(id, { timeoutMs: 10 }); // WaitTimeoutError: execution a1b2 did not end within 10 ms (it is running)
 * ```
 */
export class WaitTimeoutError extends EngineError {
  override name = "WaitTimeoutError";
  readonly code = "WAIT_TIMEOUT";
  constructor(
    readonly executionId: string,
    readonly timeoutMs: number,
    phase: string,
  ) {
    super(`execution ${executionId} did not end within ${timeoutMs} ms (it is ${phase})`);
  }
}

/**
 * A value kept in the blob store cannot be read back: no blob store was
 * given, the blob is missing, or its bytes are damaged.
 *
 * @example
 * ```ts
 * await inflate(outputs, undefined); // OffloadedValueError: value o0 is in the blob store (...), but no blob store was given to read it
 * ```
 */
export class OffloadedValueError extends EngineError {
  override name = "OffloadedValueError";
  readonly code = "OFFLOADED_VALUE_UNAVAILABLE";
  constructor(
    message: string,
    /** The blob's URI. */
    readonly uri: string,
  ) {
    super(message);
  }
}

/**
 * A state the engine's own rules say cannot happen (a bug in Aloft, or a
 * store changed behind its back).
 *
 * @example
 * ```ts
 * throw new EngineInvariantError(`node ${path} (gate) runs no task attempt`);
 * ```
 */
export class EngineInvariantError extends EngineError {
  override name = "EngineInvariantError";
  readonly code = "ENGINE_INVARIANT";
}
