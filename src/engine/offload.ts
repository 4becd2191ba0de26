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

/**
 * Reads back the offloaded literals among `maps` that `into` does not hold
 * yet, keyed by URI: what the engine does before a step (its state machine
 * reads nothing itself), for a map task that splits a list kept in the blob store.
 *
 * @example
 * ```ts
 * await readOffloaded([event.outputs], blobs, state.offloaded);
 * ```
 */
export async function readOffloaded(maps: Iterable<LiteralMap | undefined>, blobs: BlobStore | undefined, into: Map<string, Literal>): Promise<void> {
  if (!blobs) return;
  for (const map of maps) {
    for (const l of Object.values(map?.literals ?? {})) {
      const uri = offloadedOf(l)?.uri;
      if (uri === undefined || into.has(uri)) continue;
      into.set(uri, JSON.parse(new TextDecoder().decode(await blobs.get(uri))) as Literal);
    }
  }
}
