/**
 * Canonical JSON: the same value always gives the same text, whatever the
 * order of keys in its records. Used to compare settings and to hash values.
 *
 * @module
 */

/**
 * Serialises a value with record keys sorted at every depth; `Date`s become
 * ISO strings and `undefined` fields are left out.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [ { d: 2, c: 3 } ] }); // '{"a":[{"c":3,"d":2}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    const parts: string[] = [];
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Pieces are gathered into chunks of about this many characters before they reach the sink. */
const CHUNK = 1 << 16;

class ChunkWriter {
  private buffer = "";
  /** Leaf records of three or more fields already written, by identity (specs share identifiers). */
  readonly written = new Map<object, string>();

  constructor(private readonly sink: (chunk: string) => void) {}

  put(piece: string): void {
    this.buffer += piece;
    if (this.buffer.length >= CHUNK) this.flush();
  }

  flush(): void {
    if (this.buffer !== "") this.sink(this.buffer);
    this.buffer = "";
  }
}

/** Whether `JSON.stringify` escapes something in the string: a quote, a backslash, a control character or a (lone) surrogate. */
function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}

/** `JSON.stringify(s)` for a string, without its cost for the plain names and ids specs are made of. */
function quote(s: string): string {
  return needsEscape(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Quoted record keys: a spec has few distinct field names and millions of fields. */
const quotedKeys = new Map<string, string>();

function quoteKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = quote(k);
    if (quotedKeys.size < 4096) quotedKeys.set(k, q);
  }
  return q;
}

/** `canonicalJson` of a value that is not a record or array (or is a `Date`). */
function scalar(value: unknown): string {
  return typeof value === "string" ? quote(value) : String(canonicalJson(value));
}

/** Canonical JSON of a record whose fields are all primitives; keys are sorted. */
function leafRecord(value: Record<string, unknown>, keys: readonly string[]): string {
  let out = "";
  for (const k of keys) {
    const v = value[k];
    if (v !== undefined) out += `${out === "" ? "{" : ","}${quoteKey(k)}:${scalar(v)}`;
  }
  return out === "" ? "{}" : `${out}}`;
}

/** Sorts keys as `sort()` does (by UTF-16 code units); an insertion sort is quicker for the few keys of most records. */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 8) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * The keys of records whose keys come in one insertion order (the records a
 * literal makes: a spec has a few such orders and millions of records), in
 * sorted order, with what is written before each field's value.
 */
interface KeyOrder {
  /** In insertion order, as `Object.keys` gives them. */
  readonly keys: readonly string[];
  readonly sorted: string[];
  /** `{"key":`, for the first field written. */
  readonly first: readonly string[];
  /** `,"key":`, for the others. */
  readonly next: readonly string[];
}

/**
 * Key orders by their first key: at most `MAX_ORDERS` in all and `MAX_ALIKE` a
 * first key, of records of at most `MAX_KEYS` keys (records of other orders,
 * such as user data, sort their keys each time, as before).
 */
const orders = new Map<string, KeyOrder[]>();
const MAX_ORDERS = 4096;
const MAX_ALIKE = 8;
const MAX_KEYS = 16;
let orderCount = 0;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The order of `keys` (a record's `Object.keys`), made once for each order seen. */
function keyOrder(keys: string[]): KeyOrder | undefined {
  const known = orders.get(keys[0]!);
  if (known !== undefined) {
    for (let i = 0; i < known.length; i++) if (sameKeys(known[i]!.keys, keys)) return known[i];
  }
  if (orderCount >= MAX_ORDERS || keys.length > MAX_KEYS || (known !== undefined && known.length >= MAX_ALIKE)) return undefined;
  const sorted = sortKeys(keys.slice());
  const order: KeyOrder = { keys, sorted, first: sorted.map((k) => `{${quoteKey(k)}:`), next: sorted.map((k) => `,${quoteKey(k)}:`) };
  if (known !== undefined) known.push(order);
  else orders.set(keys[0]!, [order]);
  orderCount++;
  return order;
}

function isComposite(value: unknown): boolean {
  return typeof value === "object" && value !== null;
}

/** Whether `canonicalJson` writes nothing for this array element (`join` leaves its slot empty). */
function writesNothing(value: unknown): boolean {
  return typeof value === "function" || typeof value === "symbol";
}

function write(value: unknown, out: ChunkWriter): void {
  if (!isComposite(value) || value instanceof Date) {
    out.put(scalar(value));
    return;
  }
  if (Array.isArray(value)) {
    out.put("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.put(",");
      const item: unknown = value[i];
      if ((item === undefined && !(i in value)) || writesNothing(item)) continue;
      write(item, out);
    }
    out.put("]");
    return;
  }
  const record = value as Record<string, unknown>;
  const own = Object.keys(record);
  if (own.length === 0) {
    out.put("{}");
    return;
  }
  const order = keyOrder(own);
  const keys = order === undefined ? sortKeys(own) : order.sorted;
  if (keys.length >= 3) {
    const known = out.written.get(record);
    if (known !== undefined) {
      out.put(known);
      return;
    }
    if (!keys.some((k) => isComposite(record[k]))) {
      const text = leafRecord(record, keys);
      out.written.set(record, text);
      out.put(text);
      return;
    }
  }
  let open = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = record[k];
    if (v === undefined) continue;
    out.put(order === undefined ? `${open ? "{" : ","}${quoteKey(k)}:` : open ? order.first[i]! : order.next[i]!);
    open = false;
    if (isComposite(v) && !(v instanceof Date)) write(v, out);
    else out.put(scalar(v));
  }
  out.put(open ? "{}" : "}");
}

/**
 * Streams the canonical JSON of a record or array to `sink` in chunks whose
 * concatenation is `canonicalJson(value)`, without building the whole text:
 * how the compiler hashes the specs of large workflows.
 *
 * @example
 * ```ts
 * const hash = createHash("sha256");
 * writeCanonicalJson(spec, (chunk) => hash.update(chunk));
 * ```
 */
export function writeCanonicalJson(value: unknown, sink: (chunk: string) => void): void {
  const out = new ChunkWriter(sink);
  write(value, out);
  out.flush();
}
