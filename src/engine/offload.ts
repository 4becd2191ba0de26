/**
 * Large values live in the blob store, not the database: a top-level input or
 * output literal whose JSON is above a threshold is stored in the blob store
 * and replaced by Flyte's `offloadedMetadata` reference (uri, size, type).
 * Bindings pass references along unchanged; whoever needs the value (a
 * worker, a map task splitting a list, a caller reading a result) reads it
 * back.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Literal, LiteralMap, VariableMap } from "../idl/core.js";
import type { BlobStore } from "../store/blob-store.js";
import { OffloadedValueError } from "./errors.js";

/** Literals above this many bytes of JSON are offloaded (256 KiB). */
export const DEFAULT_OFFLOAD_BYTES = 256 * 1024;

function offloadedOf(l: Literal): Literal["offloadedMetadata"] {
  return l.offloadedMetadata;
}

/**
 * Moves the large literals of a map to the blob store.
 *
 * @example
 * ```ts
 * const stored = await offloadLarge({ literals: { text: hugeLiteral } }, blobs); // text → { offloadedMetadata: { uri, sizeBytes } }
 * ```
 */
export async function offloadLarge(map: LiteralMap, blobs: BlobStore | undefined, threshold = DEFAULT_OFFLOAD_BYTES, types?: VariableMap): Promise<LiteralMap> {
  if (!blobs) return map;
  const literals: Record<string, Literal> = {};
  let changed = false;
  for (const [name, l] of Object.entries(map.literals ?? {})) {
    if (offloadedOf(l)) {
      literals[name] = l;
      continue;
    }
    const json = JSON.stringify(l);
    if (json.length <= threshold) {
      literals[name] = l;
      continue;
    }
    const bytes = new TextEncoder().encode(json);
    const uri = await blobs.put(bytes, `${name}.literal.json`);
    const inferredType = types?.variables?.[name]?.type;
    literals[name] = { offloadedMetadata: { uri, sizeBytes: String(bytes.byteLength), ...(inferredType ? { inferredType } : {}) } };
    changed = true;
  }
  return changed ? { literals } : map;
}

/** Reads back the offloaded literals of a map. */
export async function inflate(map: LiteralMap | undefined, blobs: BlobStore | undefined): Promise<LiteralMap> {
  const literals: Record<string, Literal> = {};
  for (const [name, l] of Object.entries(map?.literals ?? {})) {
    const off = offloadedOf(l);
    if (!off) {
      literals[name] = l;
      continue;
    }
    if (!blobs) throw new OffloadedValueError(`value ${name} is in the blob store (${off.uri ?? "?"}), but no blob store was given to read it`, off.uri ?? "");
    literals[name] = JSON.parse(new TextDecoder().decode(await blobs.get(off.uri ?? ""))) as Literal;
  }
  return { literals };
}

const CONTENT_URI = /^aloft-blob:sha256\/([0-9a-f]{2})\/(\1[0-9a-f]{62})$/;

/**
 * A synchronous reader of offloaded literals in a directory blob store, for
 * the engine's state machine (a map task splitting an offloaded list). The
 * blobs are content-addressed and immutable, so reading one is as
 * deterministic as the rest of a step; the content is checked against its hash.
 */
export function literalReader(root: string): (l: Literal) => Literal {
  return (l) => {
    const off = offloadedOf(l);
    if (!off) return l;
    const m = CONTENT_URI.exec(off.uri ?? "");
    if (!m) throw new OffloadedValueError(`the offloaded value ${JSON.stringify(off.uri)} is not in the engine's blob store`, off.uri ?? "");
    const bytes = readFileSync(path.join(root, "sha256", m[1]!, m[2]!));
    if (createHash("sha256").update(bytes).digest("hex") !== m[2]) throw new OffloadedValueError(`the offloaded value ${off.uri ?? ""} is damaged`, off.uri ?? "");
    return JSON.parse(bytes.toString("utf8")) as Literal;
  };
}
