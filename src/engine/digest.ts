/**
 * Digests of specs: how the registry tells "the same content again" from
 * "different content under the same version", and how a worker checks that
 * the task it loaded is the one that was registered.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../types/canonical.js";

const digests = new WeakMap<object, string>();

/**
 * The sha256 of a spec's canonical JSON (cached per spec object).
 *
 * @example
 * ```ts
 * specDigest(compile(slope, { version: "v1" })); // "9f2c..."
 * ```
 */
export function specDigest(spec: object): string {
  let d = digests.get(spec);
  if (d === undefined) {
    d = createHash("sha256").update(canonicalJson(spec)).digest("hex");
    digests.set(spec, d);
  }
  return d;
}
