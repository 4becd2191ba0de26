/**
 * What `maxParallelism` counts, for both runners: the task attempts of one
 * execution (its subworkflows, dynamic workflows and map elements included)
 * that run at once, 25 unless told otherwise, as in Flyte (flytepropeller
 * `pkg/controller/nodes/executor.go` `IsMaxParallelismAchieved` counts the
 * running task nodes of an execution; flyteadmin's default is 25). Gates,
 * branches and subworkflow nodes take no slot.
 *
 * @module
 */
import { InputValueError } from "../errors.js";

/**
 * The default `maxParallelism` of an execution, as in Flyte.
 *
 * @example
 * ```ts
 * const mp = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM; // 25
 * ```
 */
export const DEFAULT_MAX_PARALLELISM = 25;

/**
 * Checks a `maxParallelism` option and fills in the default.
 *
 * @throws InputValueError unless it is a whole number of at least 1.
 *
 * @example
 * ```ts
 * resolveMaxParallelism(undefined, "run"); // 25
 * ```
 */
export function resolveMaxParallelism(value: unknown, entity: string): number {
  if (value === undefined) return DEFAULT_MAX_PARALLELISM;
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new InputValueError(`maxParallelism must be a whole number of at least 1, got ${String(value)}`, entity, "maxParallelism");
  return value as number;
}
