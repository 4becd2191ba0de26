/**
 * Timeouts, for both runners: the error a task attempt that ran too long
 * fails with (retried like a recoverable error, as in Flyte), and the error
 * of a gate that got no answer in time (flytepropeller
 * `pkg/controller/nodes/gate/handler.go` fails the gate node when its
 * timeout passes).
 *
 * @module
 */
import { GateError, TaskTimeoutError } from "../errors.js";

/**
 * The error of a task attempt that outlived its timeout.
 *
 * @example
 * ```ts
 * taskTimeoutError('task "slow"', 500, 1).message; // 'task "slow" timed out after 500 ms (attempt 1)'
 * ```
 */
export function taskTimeoutError(label: string, timeoutMs: number, attempt: number): TaskTimeoutError {
  return new TaskTimeoutError(`${label} timed out after ${timeoutMs} ms (attempt ${attempt})`, timeoutMs);
}

/**
 * The error of a signal or approval gate whose timeout passed without an answer.
 *
 * @example
 * ```ts
 * gateTimeoutError("publish", "approve", 50).message; // 'gate "publish" timed out after 50 ms without an approval'
 * ```
 */
export function gateTimeoutError(name: string, kind: "approve" | "signal", timeoutMs: number): GateError {
  return new GateError(`gate ${JSON.stringify(name)} timed out after ${timeoutMs} ms without ${kind === "approve" ? "an approval" : "a value"}`, name);
}

/**
 * The error of an approval gate that was rejected.
 *
 * @example
 * ```ts
 * rejectionError("publish", "numbers look off").message; // 'approval "publish" was rejected: numbers look off'
 * ```
 */
export function rejectionError(name: string, reason: string | undefined): GateError {
  return new GateError(`approval ${JSON.stringify(name)} was rejected: ${reason ?? "rejected"}`, name);
}
