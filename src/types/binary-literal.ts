/**
 * Reading the `Binary` literals flytekit writes for structured values: since
 * flytekit 1.14 a dataclass, a Pydantic model and an untyped `dict` travel as
 * MessagePack bytes tagged `msgpack` (flytekit `core/type_engine.py`,
 * `DataclassTransformer.to_literal`, `DictTransformer.dict_to_binary_literal`;
 * `core/constants.py`, `MESSAGEPACK`), where older versions wrote a protobuf
 * `Struct` (`generic`), which Aloft still writes and flytekit still reads.
 *
 * @module
 */
import { decode } from "@msgpack/msgpack";

/** The tag flytekit gives MessagePack `Binary` literals. */
export const MSGPACK_TAG = "msgpack";

/** A `flyteidl.core.Binary`: bytes (base64 text in protobuf's JSON mapping) and their tag. */
export interface BinaryScalar {
  value?: Uint8Array | string;
  tag?: string;
}

/** 64-bit integers outside what a JavaScript number holds exactly are refused, not rounded. */
function exactNumbers(value: unknown, at: string, fail: (message: string) => never): unknown {
  if (typeof value === "bigint") {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      return fail(`the integer ${value} at ${at} is beyond what a JavaScript number holds exactly (±2^53−1); Aloft does not round it`);
    }
    return Number(value);
  }
  if (Array.isArray(value)) return value.map((v, i) => exactNumbers(v, `${at}[${i}]`, fail));
  if (value instanceof Uint8Array) return value;
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = exactNumbers(v, `${at}.${k}`, fail);
    return out;
  }
  return value;
}

/**
 * The value of a `Binary` literal: its MessagePack decoded to plain data
 * (maps to records, with their keys as strings), for the type's reader to revive.
 *
 * `fail` throws the caller's error: for a tag other than `msgpack`, bytes
 * that are no MessagePack, or an integer a number cannot hold.
 *
 * @example
 * ```ts
 * binaryValue({ value: new Uint8Array([0x81, 0xa1, 0x78, 0x01]), tag: "msgpack" }, (m) => { throw new Error(m); }); // { x: 1 }
 * ```
 */
export function binaryValue(binary: BinaryScalar, fail: (message: string) => never): unknown {
  if ((binary.tag ?? "") !== MSGPACK_TAG) {
    return fail(`a binary literal tagged ${JSON.stringify(binary.tag ?? "")}: Aloft reads the MessagePack ones flytekit writes (tag "msgpack")`);
  }
  const bytes = typeof binary.value === "string" ? Buffer.from(binary.value, "base64") : (binary.value ?? new Uint8Array());
  let decoded: unknown;
  try {
    decoded = decode(bytes, { useBigInt64: true, mapKeyConverter: (key) => (typeof key === "string" ? key : String(key)) });
  } catch (e) {
    return fail(`a binary literal tagged "msgpack" holds no MessagePack value: ${e instanceof Error ? e.message : String(e)}`);
  }
  return exactNumbers(decoded, "the value", fail);
}
