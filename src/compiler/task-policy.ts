/**
 * How a node runs its task, read from the compiled spec: retries, timeout and
 * caching, with the node's overrides applied over the task's settings. Shared
 * by every runner, so they agree.
 *
 * @module
 */
import type { NodeMetadata, TaskTemplate } from "../idl/specs.js";
import { CACHE_IGNORE_CONFIG } from "./constructs.js";

/** How a node runs its task: retries, timeout and caching, after node overrides. */
export interface TaskPolicy {
  readonly retries: number;
  readonly timeoutMs: number | undefined;
  readonly cache: { readonly version: string; readonly serialize: boolean; readonly ignoredInputs: readonly string[] } | undefined;
}

/** Milliseconds of a `google.protobuf.Duration`. */
export function durationMs(d: { seconds?: string; nanos?: number } | undefined): number | undefined {
  if (!d) return undefined;
  return Number(d.seconds ?? "0") * 1000 + (d.nanos ?? 0) / 1e6;
}

/** The policy of a task run by a node: the node's metadata overrides the task's. */
export function taskPolicy(template: TaskTemplate, node: NodeMetadata | undefined): TaskPolicy {
  const tm = template.metadata ?? {};
  const retries = node?.retries?.retries ?? tm.retries?.retries ?? 0;
  const timeoutMs = durationMs(node?.timeout) ?? durationMs(tm.timeout);
  let cache: TaskPolicy["cache"];
  if (node?.cacheable !== undefined) {
    const ignored = node.config?.[CACHE_IGNORE_CONFIG];
    cache = node.cacheable
      ? {
          version: node.cacheVersion ?? tm.discoveryVersion ?? "",
          serialize: node.cacheSerializable ?? tm.cacheSerializable ?? false,
          ignoredInputs: ignored !== undefined ? ignored.split(",").filter((x) => x !== "") : (tm.cacheIgnoreInputVars ?? []),
        }
      : undefined;
  } else if (tm.discoverable) {
    cache = { version: tm.discoveryVersion ?? "", serialize: tm.cacheSerializable ?? false, ignoredInputs: tm.cacheIgnoreInputVars ?? [] };
  }
  return { retries, timeoutMs, cache };
}
