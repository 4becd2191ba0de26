/**
 * Deciding a retry, for both runners: which errors are retried, how many
 * attempts a node has, and how long to wait before the next (one backoff
 * type and one set of defaults).
 *
 * As in Flyte (flytekit `exceptions/user.py` `FlyteRecoverableException`,
 * flytepropeller `pkg/controller/nodes/task/handler.go` and
 * `pkg/controller/nodes/node_exec_context.go`): a plain error thrown by user
 * code is final; a `RecoverableError` uses the node's retries; a system
 * failure (a lost worker, a task process killed by a signal) is a system
 * retry, counted apart with its own limit. A task with `retryAllErrors`
 * retries every error of its code except `NonRetryableError` and bad inputs.
 *
 * @module
 */
import { InputValueError, InvalidOptionError, NonRetryableError, OutputValueError, RecoverableError, TaskTimeoutError } from "../errors.js";
import { parseDuration } from "../sdk/task-options.js";
import type { RetryBackoff } from "../sdk/runner-port.js";

/**
 * How long to wait before each retry: `initialMs`, then times `multiplier`, at most `maxMs`.
 *
 * @example
 * ```ts
 * const b: Backoff = { initialMs: 100, maxMs: 30_000, multiplier: 2 };
 * ```
 */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
}

/**
 * The backoff both runners use unless told otherwise: 100 ms, doubling, at most 30 s.
 *
 * @example
 * ```ts
 * backoffDelay(DEFAULT_BACKOFF, 3); // 400
 * ```
 */
export const DEFAULT_BACKOFF: Backoff = Object.freeze({ initialMs: 100, maxMs: 30_000, multiplier: 2 });

/**
 * Validates backoff settings and fills in the defaults.
 *
 * @throws InvalidOptionError naming the setting that is wrong.
 *
 * @example
 * ```ts
 * resolveBackoff({ initial: "1s" }, "retryBackoff"); // { initialMs: 1000, maxMs: 30000, multiplier: 2 }
 * ```
 */
export function resolveBackoff(given: RetryBackoff | undefined, where: string): Backoff {
  if (given === undefined) return DEFAULT_BACKOFF;
  if (typeof given !== "object" || given === null) throw new InvalidOptionError(`${where} must be an object like { initial: "100ms", multiplier: 2, max: "30s" }, got ${String(given)}`);
  for (const k of Object.keys(given)) {
    if (k !== "initial" && k !== "max" && k !== "multiplier") throw new InvalidOptionError(`${where} has no setting ${JSON.stringify(k)} (settings: initial, max, multiplier)`);
  }
  const multiplier = given.multiplier ?? DEFAULT_BACKOFF.multiplier;
  if (typeof multiplier !== "number" || !(multiplier >= 1) || !Number.isFinite(multiplier)) throw new InvalidOptionError(`${where}.multiplier must be a number of at least 1, got ${String(multiplier)}`);
  return {
    initialMs: given.initial === undefined ? DEFAULT_BACKOFF.initialMs : parseDuration(given.initial, `${where}.initial`),
    maxMs: given.max === undefined ? DEFAULT_BACKOFF.maxMs : parseDuration(given.max, `${where}.max`),
    multiplier,
  };
}

/**
 * The wait before retry number `retry` (1 for the first retry).
 *
 * @example
 * ```ts
 * backoffDelay({ initialMs: 100, maxMs: 1000, multiplier: 2 }, 5); // 1000
 * ```
 */
export function backoffDelay(b: Backoff, retry: number): number {
  return Math.min(b.maxMs, b.initialMs * b.multiplier ** (retry - 1));
}

/**
 * Whether an error thrown by an attempt of a task's code may be retried:
 * a `RecoverableError` or a timeout always may, bad inputs, bad outputs and
 * a `NonRetryableError` never, any other error only with `retryAllErrors`.
 *
 * @example
 * ```ts
 * isRetryable(new Error("flaky"), false);           // false: a plain error is final, as in Flyte
 * isRetryable(new RecoverableError("flaky"), false); // true
 * ```
 */
export function isRetryable(error: unknown, retryAllErrors: boolean): boolean {
  if (error instanceof RecoverableError || error instanceof TaskTimeoutError) return true;
  if (error instanceof NonRetryableError || error instanceof InputValueError || error instanceof OutputValueError) return false;
  return retryAllErrors;
}

/**
 * Whether attempt `attempt` (1-based) that failed may be followed by another.
 *
 * @example
 * ```ts
 * retryAfter(2, 3, true); // true: 3 retries allow 4 attempts
 * ```
 */
export function mayRetry(attempt: number, retries: number, retryable: boolean): boolean {
  return retryable && attempt <= retries;
}
