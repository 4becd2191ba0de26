/**
 * Reading back values the engine keeps in its blob store: a top-level input
 * or output too large for the database is stored as Flyte's
 * `offloadedMetadata` reference. The API shows the value itself when it has
 * the engine's blob store, else the reference (see `literalToJson`).
 *
 * Blobs are content-addressed and immutable, so what was read is kept, up to
 * a bound, for the event streams that show the same values again and again.
 *
 * @module
 */
import type { Literal, LiteralMap } from "../idl/core.js";
import type { BlobStore } from "../store/blob-store.js";
import type { ExecutionRow, NodeRow } from "../store/store.js";

/** How many bytes of read-back values are kept (32 MiB). */
const CACHE_BYTES = 32 * 1024 * 1024;

function hasOffloaded(map: unknown): map is LiteralMap {
  if (typeof map !== "object" || map === null) return false;
  for (const l of Object.values((map as LiteralMap).literals ?? {})) if (l.offloadedMetadata) return true;
  return false;
}

/**
 * Stored rows with their offloaded values read back.
 *
 * @example
 * ```ts
 * const values = new StoredValues(new DirectoryBlobStore(".aloft/values"));
 * executionInfo(await values.execution(row)).inputs; // the large input itself, not its reference
 * ```
 */
export class StoredValues {
  private readonly cache = new Map<string, { literal: Literal; bytes: number }>();
  private cachedBytes = 0;

  constructor(private readonly blobs: BlobStore | undefined) {}

  /** A literal map with its offloaded literals read back (those that cannot be read stay references). */
  async inflate<M extends LiteralMap | undefined>(map: M): Promise<M> {
    if (!this.blobs || !hasOffloaded(map)) return map;
    const literals: Record<string, Literal> = {};
    for (const [name, l] of Object.entries(map.literals ?? {})) literals[name] = l.offloadedMetadata ? await this.read(l) : l;
    return { ...map, literals };
  }

  /** An execution row with its inputs and outputs read back. */
  async execution(row: ExecutionRow): Promise<ExecutionRow> {
    if (!hasOffloaded(row.inputs) && !hasOffloaded(row.outputs)) return row;
    return { ...row, inputs: await this.inflate(row.inputs), outputs: await this.inflate(row.outputs) };
  }

  /** A node row with its inputs and outputs read back. */
  async node(row: NodeRow): Promise<NodeRow> {
    if (!hasOffloaded(row.inputs) && !hasOffloaded(row.outputs)) return row;
    return { ...row, inputs: await this.inflate(row.inputs), outputs: await this.inflate(row.outputs) };
  }

  private async read(ref: Literal): Promise<Literal> {
    const uri = ref.offloadedMetadata?.uri ?? "";
    const hit = this.cache.get(uri);
    if (hit) {
      this.cache.delete(uri);
      this.cache.set(uri, hit);
      return hit.literal;
    }
    let bytes: Uint8Array;
    let literal: Literal;
    try {
      bytes = await this.blobs!.get(uri);
      literal = JSON.parse(new TextDecoder().decode(bytes)) as Literal;
    } catch {
      // Missing or damaged: the API shows the reference rather than fail the whole view.
      return ref;
    }
    if (bytes.byteLength <= CACHE_BYTES / 4) {
      this.cache.set(uri, { literal, bytes: bytes.byteLength });
      this.cachedBytes += bytes.byteLength;
      for (const [k, v] of this.cache) {
        if (this.cachedBytes <= CACHE_BYTES) break;
        this.cache.delete(k);
        this.cachedBytes -= v.bytes;
      }
    }
    return literal;
  }
}
