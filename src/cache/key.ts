/**
 * Cache keys of task outputs, shared by every runner: the task's name, its
 * cache version, a hash of its typed interface and a hash of its input values
 * (canonical, so the order of keys in records does not matter; ignored inputs
 * left out).
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { TypedInterface } from "../idl/core.js";
import { canonicalJson } from "../types/canonical.js";

/** What identifies a cached result. */
export interface CacheKeyParts {
  /** The task's name. */
  readonly task: string;
  /** The cache version (`cache: { version }`). */
  readonly version: string;
  /** The task's typed interface. */
  readonly interface: TypedInterface | undefined;
  /** The input values. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Inputs left out of the key. */
  readonly ignoredInputs: readonly string[];
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Values as JSON-able data: objects with `toJSON` (file references, say) are replaced by what it returns. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(plain);
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === "function") return plain(toJSON.call(value));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v);
  return out;
}

/**
 * The cache key of a task run, as a hex string.
 *
 * @example
 * ```ts
 * cacheKey({ task: "slope", version: "1", interface: spec.template.interface, inputs: { x, y }, ignoredInputs: [] });
 * ```
 */
export function cacheKey(parts: CacheKeyParts): string {
  const ignored = new Set(parts.ignoredInputs);
  const inputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parts.inputs)) if (!ignored.has(k)) inputs[k] = v === undefined ? null : v;
  const interfaceHash = sha256(canonicalJson(parts.interface ?? {}));
  const inputsHash = sha256(canonicalJson(plain(inputs)));
  return sha256(canonicalJson({ task: parts.task, version: parts.version, interface: interfaceHash, inputs: inputsHash }));
}
