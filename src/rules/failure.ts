/**
 * How a scope fails, for both runners, and the failure converter that lets
 * an error cross a process or a database and come back as the same class.
 *
 * A node that fails fails its workflow (its scope) with an `ExecutionError`
 * naming the node and its entity, whose `cause` is the node's own error. With
 * `failImmediately` (Flyte's `FAIL_IMMEDIATELY`, the default) the scope's
 * running nodes are aborted at once; with `failAfterExecutableNodesComplete`
 * what can still run, runs. Then the scope's failure handler runs, given
 * `err` in Flyte's shape (`flyteidl.core.Error`: the failed node's id and
 * message; flytekit binds it, flytepropeller fills it), and the scope fails
 * with the error it handled.
 *
 * @module
 */
import type { WorkflowTemplate } from "../idl/specs.js";
import * as errors from "../errors.js";
import { ExecutionError } from "../errors.js";

/**
 * An error as plain data: its class name, message, structured fields and
 * cause. Stored with a failed node or execution and turned back into the same
 * class by `reviveError`.
 *
 * @example
 * ```ts
 * const info: ErrorInfo = { name: "MapTaskError", message: "...", fields: { total: 3, failed: 1 }, cause: { name: "Error", message: "odd" } };
 * ```
 */
export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, string | number | boolean | null>>;
  readonly cause?: ErrorInfo;
  /** The error of a failure handler that failed too (`ExecutionError.failureHandlerError`). */
  readonly handlerError?: ErrorInfo;
}

type ErrorClass = abstract new (...args: never[]) => Error;

const BUILTIN: Readonly<Record<string, ErrorClass>> = { Error, TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError };

/** Aloft's error classes by name, from `errors.ts`. */
// eslint-disable-next-line no-restricted-syntax -- a constant table of the error classes, filled once and never changed
const ALOFT: ReadonlyMap<string, ErrorClass> = new Map(Object.entries(errors as Record<string, unknown>).filter((e): e is [string, ErrorClass] => typeof e[1] === "function" && (e[1] as ErrorClass).prototype instanceof Error));

// eslint-disable-next-line no-restricted-syntax -- a constant set of names, never changed
const SKIPPED = new Set(["name", "message", "stack", "cause"]);

/**
 * An error as plain data (`ErrorInfo`); anything thrown that is not an
 * `Error` becomes an `Error` of its string.
 *
 * @example
 * ```ts
 * errorInfo(new GateError("timed out", "publish")); // { name: "GateError", message: "timed out", fields: { gate: "publish" } }
 * ```
 */
export function errorInfo(e: unknown): ErrorInfo {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const fields: Record<string, string | number | boolean | null> = {};
  let any = false;
  for (const [k, v] of Object.entries(e)) {
    if (SKIPPED.has(k)) continue;
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      fields[k] = v;
      any = true;
    }
  }
  const handler = (e as { failureHandlerError?: unknown }).failureHandlerError;
  return {
    name: e.name || "Error",
    message: e.message,
    ...(any ? { fields } : {}),
    ...(e.cause !== undefined ? { cause: errorInfo(e.cause) } : {}),
    ...(handler !== undefined ? { handlerError: errorInfo(handler) } : {}),
  };
}

/**
 * The error an `ErrorInfo` describes, as an instance of the same class when
 * it is one of Aloft's or a built-in one (an error of another class comes
 * back as an `Error` with that `name`), with the same fields and cause.
 *
 * @example
 * ```ts
 * reviveError(errorInfo(new MapTaskError("...", 3, 1, 3, 1))) instanceof MapTaskError; // true
 * ```
 */
export function reviveError(info: ErrorInfo): Error {
  const cls = ALOFT.get(info.name) ?? BUILTIN[info.name] ?? Error;
  const args = info.cause !== undefined ? [info.message, { cause: reviveError(info.cause) }] : [info.message];
  const e = Reflect.construct(Error, args, cls) as Error;
  Object.defineProperty(e, "name", { value: info.name, enumerable: ALOFT.has(info.name), writable: true, configurable: true });
  if (info.fields) Object.assign(e, info.fields);
  if (info.handlerError) Object.defineProperty(e, "failureHandlerError", { value: reviveError(info.handlerError), enumerable: false });
  return e;
}

/**
 * True when a workflow fails as soon as one node fails (`failImmediately`,
 * the default), false with `failAfterExecutableNodesComplete`.
 *
 * @example
 * ```ts
 * failsFast(template); // true unless metadata.onFailure is FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
 * ```
 */
export function failsFast(template: WorkflowTemplate): boolean {
  return template.metadata?.onFailure !== "FAIL_AFTER_EXECUTABLE_NODES_COMPLETE";
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The error a workflow fails with when its node `nodeId` (running `entity`)
 * failed with `cause`.
 *
 * @example
 * ```ts
 * scopeFailure("wf", "n0", 'task "boom"', new Error("kaput")).message; // 'workflow "wf": node n0 (task "boom") failed: kaput'
 * ```
 */
export function scopeFailure(workflow: string, nodeId: string, entity: string, cause: unknown): ExecutionError {
  return new ExecutionError(`workflow ${JSON.stringify(workflow)}: node ${nodeId} (${entity}) failed: ${messageOf(cause)}`, nodeId, entity, { cause });
}

/**
 * The error a conditional fails with when the node of the case it took failed.
 *
 * @example
 * ```ts
 * branchFailure("n1-n0", 'task "boom"', new Error("kaput")).message; // 'node n1-n0 (task "boom") failed: kaput'
 * ```
 */
export function branchFailure(nodeId: string, entity: string, cause: unknown): ExecutionError {
  return new ExecutionError(`node ${nodeId} (${entity}) failed: ${messageOf(cause)}`, nodeId, entity, { cause });
}

/**
 * What a failure handler's `err` input is given, in the shape of
 * `flyteidl.core.Error` (`t.error`): the failed node's id and its error's message.
 *
 * @example
 * ```ts
 * failureHandlerInput(scopeFailure("wf", "n0", 'task "boom"', new Error("kaput"))); // { failedNodeId: "n0", message: "kaput" }
 * ```
 */
export function failureHandlerInput(failure: ExecutionError): { readonly failedNodeId: string; readonly message: string } {
  return { failedNodeId: failure.nodeId, message: messageOf(failure.cause ?? failure) };
}

/**
 * Marks a scope's failure with the error of its failure handler, when the handler failed too.
 *
 * @example
 * ```ts
 * withHandlerError(failure, handlerError).failureHandlerError; // handlerError
 * ```
 */
export function withHandlerError(failure: ExecutionError, handlerError: unknown): ExecutionError {
  Object.defineProperty(failure, "failureHandlerError", { value: handlerError, enumerable: false, configurable: true });
  return failure;
}
