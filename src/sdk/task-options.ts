/**
 * Options of tasks (and, later, of node overrides): validated the moment they
 * are given, and normalised for the compiler and the runners.
 *
 * @module
 */
import ms from "ms";
import { InvalidOptionError } from "../errors.js";
import type { BlobWriter } from "../blobs/writer.js";

/**
 * A length of time: milliseconds, or a string such as `"10m"`, `"90s"`, `"1.5h"`.
 *
 * @example
 * ```ts
 * const timeout: DurationLike = "10m"; // or 600_000
 * ```
 */
export type DurationLike = number | string;

/**
 * Kubernetes-style resource quantities.
 *
 * @example
 * ```ts
 * const small: ResourceSpec = { cpu: "500m", memory: "1Gi" };
 * ```
 */
export interface ResourceSpec {
  readonly cpu?: string | number;
  readonly memory?: string;
  readonly gpu?: string | number;
  readonly storage?: string;
  readonly ephemeralStorage?: string;
}

/**
 * Requests and limits, or one set used for both.
 *
 * @example
 * ```ts
 * task({ name: "train", resources: { requests: { cpu: "2" }, limits: { cpu: "4", memory: "8Gi" } } }, fn);
 * ```
 */
export type ResourcesOption = ResourceSpec | { readonly requests?: ResourceSpec; readonly limits?: ResourceSpec };

/**
 * Caching of a task's outputs by its inputs (executed by the runners that support it).
 *
 * @example
 * ```ts
 * task({ name: "fetch", inputs: { url: t.str, log: t.str }, outputs: t.str, cache: { version: "1", ignoredInputs: ["log"] } }, fn);
 * ```
 */
export interface CacheOption {
  /** Changing the version invalidates earlier entries. Required, as in Flyte. */
  readonly version: string;
  /** Concurrent identical runs wait for one of them. */
  readonly serialize?: boolean;
  /** Inputs left out of the cache key. */
  readonly ignoredInputs?: readonly string[];
}

/**
 * Options shared by tasks and node overrides.
 *
 * @example
 * ```ts
 * const options: ExecutionOptions = { retries: 3, timeout: "10m", interruptible: true };
 * ```
 */
export interface ExecutionOptions {
  /** How many times a failing attempt is retried. */
  readonly retries?: number;
  /** How long one attempt may take. */
  readonly timeout?: DurationLike;
  /** Whether the task may run on interruptible (spot) capacity. */
  readonly interruptible?: boolean;
  /** Resources the task needs. */
  readonly resources?: ResourcesOption;
  /** Output caching. */
  readonly cache?: CacheOption;
}

/**
 * Normalised options, as the compiler and runners read them.
 *
 * @example
 * ```ts
 * const options: NormalizedTaskOptions = normalizeTaskOptions({ timeout: "10m" }, "slope", ["x", "y"]);
 * options.timeoutMs; // 600000
 * ```
 */
export interface NormalizedTaskOptions {
  readonly retries: number;
  readonly timeoutMs: number | undefined;
  readonly interruptible: boolean | undefined;
  readonly resources: { readonly requests: ResourceSpec; readonly limits: ResourceSpec } | undefined;
  readonly cache: { readonly version: string; readonly serialize: boolean; readonly ignoredInputs: readonly string[] } | undefined;
  readonly image: string | undefined;
  readonly description: string | undefined;
  /** Retry every error of the task's code, not only `RecoverableError`s and timeouts. */
  readonly retryAllErrors: boolean;
}

/**
 * What a task function receives besides its inputs.
 *
 * @example
 * ```ts
 * const report = task({ name: "report", inputs: { text: t.str }, outputs: t.file }, async ({ text }, ctx: TaskContext) => {
 *   if (ctx.signal.aborted) throw new Error("stopped");
 *   return ctx.blobs.writeFile(`report-${ctx.attempt}.txt`, text);
 * });
 * ```
 */
export interface TaskContext {
  /** The task's name. */
  readonly taskName: string;
  /** The attempt number, starting at 1. */
  readonly attempt: number;
  /** Aborted when the attempt must stop (timeout, or the run was aborted). */
  readonly signal: AbortSignal;
  /**
   * Creates files, directories and dataframes in the run's blob store
   * (`await ctx.blobs.writeFile("out.csv", text)`); return the references
   * as outputs of type `t.file`, `t.dir` or `t.dataframe(...)`.
   */
  readonly blobs: BlobWriter;
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/;
const RESOURCE_KEYS = new Set(["cpu", "memory", "gpu", "storage", "ephemeralStorage"]);

/**
 * Parses a duration option to milliseconds.
 *
 * @example
 * ```ts
 * parseDuration("10m", "timeout of task \"slope\""); // 600000
 * ```
 */
export function parseDuration(value: unknown, where: string): number {
  let out: number | undefined;
  if (typeof value === "number") out = value;
  else if (typeof value === "string" && value.trim() !== "") out = ms(value as ms.StringValue) as number | undefined;
  if (out === undefined || !Number.isFinite(out) || out <= 0) {
    throw new InvalidOptionError(`${where} must be a positive number of milliseconds or a string like "10m" or "30s", got ${JSON.stringify(value)}`);
  }
  return out;
}

function checkResourceSpec(spec: unknown, where: string): ResourceSpec {
  if (typeof spec !== "object" || spec === null) throw new InvalidOptionError(`${where} must be an object like { cpu: "1", memory: "2Gi" }`);
  for (const [k, v] of Object.entries(spec)) {
    if (!RESOURCE_KEYS.has(k)) throw new InvalidOptionError(`${where} has unknown resource ${JSON.stringify(k)} (known: ${[...RESOURCE_KEYS].join(", ")})`);
    if (!QUANTITY.test(String(v))) throw new InvalidOptionError(`${where}.${k} is not a resource quantity like "500m", "2" or "4Gi": ${JSON.stringify(v)}`);
  }
  return spec as ResourceSpec;
}

/**
 * Validates and normalises `resources`.
 *
 * @example
 * ```ts
 * normalizeResources({ cpu: "1" }, "task \"t\""); // { requests: { cpu: "1" }, limits: { cpu: "1" } }
 * ```
 */
export function normalizeResources(value: unknown, where: string): NormalizedTaskOptions["resources"] {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) throw new InvalidOptionError(`${where} must be an object`);
  if ("requests" in value || "limits" in value) {
    const v = value as { requests?: unknown; limits?: unknown };
    const extra = Object.keys(value).filter((k) => k !== "requests" && k !== "limits");
    if (extra.length > 0) throw new InvalidOptionError(`${where} mixes requests/limits with ${extra.join(", ")}`);
    return {
      requests: v.requests === undefined ? {} : checkResourceSpec(v.requests, `${where}.requests`),
      limits: v.limits === undefined ? {} : checkResourceSpec(v.limits, `${where}.limits`),
    };
  }
  const spec = checkResourceSpec(value, where);
  return { requests: spec, limits: spec };
}

/**
 * Validates and normalises `cache`.
 *
 * @example
 * ```ts
 * normalizeCache({ version: "1" }, "task \"t\"", ["x"]); // { version: "1", serialize: false, ignoredInputs: [] }
 * ```
 */
export function normalizeCache(value: unknown, where: string, inputs: readonly string[]): NormalizedTaskOptions["cache"] {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== "object" || value === null || typeof (value as CacheOption).version !== "string" || (value as CacheOption).version === "") {
    throw new InvalidOptionError(`${where} needs a version, as in Flyte: cache: { version: "1" }`);
  }
  const c = value as CacheOption;
  const ignored = c.ignoredInputs ?? [];
  if (!Array.isArray(ignored)) throw new InvalidOptionError(`${where}.ignoredInputs must be a list of input names`);
  for (const name of ignored) {
    if (!inputs.includes(name)) throw new InvalidOptionError(`${where}.ignoredInputs names ${JSON.stringify(name)}, which is not an input (inputs: ${inputs.join(", ") || "none"})`);
  }
  if (c.serialize !== undefined && typeof c.serialize !== "boolean") throw new InvalidOptionError(`${where}.serialize must be a boolean`);
  return { version: c.version, serialize: c.serialize ?? false, ignoredInputs: [...ignored] };
}

/**
 * Validates `retries`.
 *
 * @example
 * ```ts
 * normalizeRetries(3, "task \"t\""); // 3; -1 throws InvalidOptionError
 * ```
 */
export function normalizeRetries(value: unknown, where: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new InvalidOptionError(`${where} must be a whole number of retries, 0 or more, got ${JSON.stringify(value)}`);
  return value as number;
}

/**
 * Validates `interruptible`.
 *
 * @example
 * ```ts
 * normalizeInterruptible(true, "task \"t\""); // true
 * ```
 */
export function normalizeInterruptible(value: unknown, where: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new InvalidOptionError(`${where} must be a boolean, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Validates every task option at once.
 *
 * @example
 * ```ts
 * const options = normalizeTaskOptions({ retries: 2, timeout: "1m" }, "fetch", ["url"]); // { retries: 2, timeoutMs: 60000, ... }
 * ```
 */
export function normalizeTaskOptions(
  options: ExecutionOptions & { readonly image?: string; readonly description?: string; readonly retryAllErrors?: boolean },
  task: string,
  inputs: readonly string[],
): NormalizedTaskOptions {
  const at = (k: string) => `option ${k} of task ${JSON.stringify(task)}`;
  try {
    if (options.image !== undefined && (typeof options.image !== "string" || options.image === "")) throw new InvalidOptionError(`${at("image")} must be a non-empty string`);
    return {
      retries: normalizeRetries(options.retries, at("retries")),
      timeoutMs: options.timeout === undefined ? undefined : parseDuration(options.timeout, at("timeout")),
      interruptible: normalizeInterruptible(options.interruptible, at("interruptible")),
      resources: normalizeResources(options.resources, at("resources")),
      cache: normalizeCache(options.cache, at("cache"), inputs),
      image: options.image,
      description: options.description,
      retryAllErrors: normalizeInterruptible(options.retryAllErrors, at("retryAllErrors")) ?? false,
    };
  } catch (e) {
    if (e instanceof InvalidOptionError && e.entity === undefined) throw new InvalidOptionError(e.message, { entity: task });
    throw e;
  }
}
