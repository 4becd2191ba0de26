/**
 * Identifiers of compiled entities and the keys the runners index them by.
 *
 * @module
 */
import type { Identifier, ResourceType } from "../idl/core.js";

/** Where compiled entities are registered: Flyte's project, domain and version. */
export interface CompileTarget {
  /** Flyte project (default `"aloft"`). */
  readonly project: string;
  /** Flyte domain (default `"development"`). */
  readonly domain: string;
  /** Version of every entity compiled together (default: a hash of the specs and the task code). */
  readonly version: string;
  /** When given, every identifier made for this target is added to it, so that its version can be set afterwards. */
  readonly issued?: Identifier[];
}

/** Defaults for the compile target. */
export const DEFAULT_PROJECT = "aloft";
/** Defaults for the compile target. */
export const DEFAULT_DOMAIN = "development";

/** Makes an identifier. */
export function identifier(resourceType: ResourceType, name: string, target: CompileTarget): Identifier {
  const id: Identifier = { resourceType, project: target.project, domain: target.domain, name, version: target.version };
  target.issued?.push(id);
  return id;
}

/**
 * A stable string key for an identifier: `TASK:project/domain/name@version`.
 *
 * @example
 * ```ts
 * idKey({ resourceType: "TASK", project: "p", domain: "d", name: "slope", version: "1" }); // "TASK:p/d/slope@1"
 * ```
 */
export function idKey(id: Identifier): string {
  return `${id.resourceType ?? "UNSPECIFIED"}:${id.project ?? ""}/${id.domain ?? ""}/${id.name ?? ""}@${id.version ?? ""}`;
}
