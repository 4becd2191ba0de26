/**
 * Node overrides (`withOverrides`): per-node settings that replace the
 * entity's, validated for the kind of node they are set on.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import {
  normalizeCache,
  normalizeInterruptible,
  normalizeResources,
  normalizeRetries,
  parseDuration,
  type CacheOption,
  type DurationLike,
  type NormalizedTaskOptions,
  type ResourcesOption,
} from "./task-options.js";

/** What `withOverrides` accepts. */
export interface OverridesOption {
  /** The node's display name (Flyte's `NodeMetadata.name`). */
  readonly name?: string;
  /** Retries of the node's task. */
  readonly retries?: number;
  /** Timeout of one attempt of the node's task (or of a gate's wait). */
  readonly timeout?: DurationLike;
  /** Caching of the node's task, or `false` to turn it off for this node. */
  readonly cache?: CacheOption | false;
  /** Whether the node may run on interruptible capacity. */
  readonly interruptible?: boolean;
  /** Resources of the node's task. */
  readonly resources?: ResourcesOption;
}

/** Overrides after validation. */
export interface NodeOverrides {
  readonly name?: string;
  readonly retries?: number;
  readonly timeoutMs?: number;
  readonly cache?: NormalizedTaskOptions["cache"] | false;
  readonly interruptible?: boolean;
  readonly resources?: NormalizedTaskOptions["resources"];
}

/** Which overrides a kind of node accepts. */
const ALLOWED: Record<string, readonly (keyof OverridesOption)[]> = {
  task: ["name", "retries", "timeout", "cache", "interruptible", "resources"],
  mapTask: ["name", "retries", "timeout", "cache", "interruptible", "resources"],
  workflow: ["name", "interruptible"],
  launchPlan: ["name", "interruptible"],
  gate: ["name", "timeout"],
  branch: ["name"],
};

/**
 * Validates overrides for a node of the given kind and merges them with the
 * node's earlier overrides.
 *
 * @example
 * ```ts
 * checkOverrides({ retries: 3, timeout: "5m" }, "task", 'node n1 (task "slope")', ["x", "y"], {});
 * ```
 */
export function checkOverrides(raw: OverridesOption, kind: string, where: string, inputs: readonly string[], earlier: NodeOverrides): NodeOverrides {
  if (typeof raw !== "object" || raw === null) throw new InvalidOptionError(`${where}: withOverrides takes a record like { retries: 3, timeout: "5m" }`);
  const allowed = ALLOWED[kind] ?? ["name"];
  const out: { -readonly [K in keyof NodeOverrides]: NodeOverrides[K] } = { ...earlier };
  for (const key of Object.keys(raw) as (keyof OverridesOption)[]) {
    if (!allowed.includes(key)) {
      const known = ["name", "retries", "timeout", "cache", "interruptible", "resources"];
      throw new InvalidOptionError(
        known.includes(key)
          ? `${where}: override ${JSON.stringify(key)} is not valid for a ${kind === "launchPlan" ? "launch plan" : kind} node (valid: ${allowed.join(", ")})`
          : `${where}: unknown override ${JSON.stringify(key)} (valid: ${allowed.join(", ")})`,
      );
    }
    const value = raw[key];
    if (value === undefined) continue;
    const at = `${where}: override ${key}`;
    switch (key) {
      case "name":
        if (typeof value !== "string" || value.trim() === "") throw new InvalidOptionError(`${at} must be a non-empty string`);
        out.name = value;
        break;
      case "retries":
        out.retries = normalizeRetries(value, at);
        break;
      case "timeout":
        out.timeoutMs = parseDuration(value, at);
        break;
      case "cache":
        out.cache = value === false ? false : normalizeCache(value, at, inputs);
        break;
      case "interruptible":
        out.interruptible = normalizeInterruptible(value, at);
        break;
      case "resources":
        out.resources = normalizeResources(value, at);
        break;
    }
  }
  return out;
}
