/**
 * Records that throw a helpful error when an unknown key is read, used for
 * `node.outputs` and `wf.inputs`. Known keys are own properties (plain,
 * fast reads); only misses reach the shared proxy prototype.
 *
 * @module
 */

const MISS = Symbol("aloft.onMissingKey");
/** What a record of a shared prototype (`strictPrototype`) tells its handler about itself. */
const CONTEXT = Symbol("aloft.strictRecordContext");

/** Keys that libraries probe on any object (promises, JSON, test matchers, React); they read as undefined. */
const PROBED = new Set([
  "then",
  "toJSON",
  "constructor",
  "toString",
  "valueOf",
  "toLocaleString",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "asymmetricMatch",
  "nodeType",
  "tagName",
  "inspect",
  "$$typeof",
]);

const throwingPrototype = new Proxy(Object.create(null) as object, {
  get(target, key, receiver: Record<symbol, unknown>) {
    if (typeof key === "symbol" || PROBED.has(key) || key.startsWith("@@") || key.startsWith("__")) return Reflect.get(target, key, receiver);
    const onMiss = receiver[MISS] as ((key: string, context: unknown) => Error) | undefined;
    if (onMiss) throw onMiss(key, receiver[CONTEXT]);
    return undefined;
  },
});

/**
 * Makes a record whose missing keys throw the error `onMiss` returns.
 *
 * @example
 * ```ts
 * const r = strictRecord({ o0: h }, (k) => new Error(`no output ${k}`));
 * r.o0;   // h
 * r.o1;   // throws "no output o1"
 * ```
 */
export function strictRecord<T extends object>(values: T, onMiss: (key: string) => Error): T {
  const record = Object.create(throwingPrototype) as T;
  Object.defineProperty(record, MISS, { value: onMiss, enumerable: false });
  Object.assign(record, values);
  return record;
}

/**
 * A prototype for many strict records that share one handler: each record
 * made by `strictRecordOf` is given a context (what `onMiss` is told about
 * it) instead of a closure of its own.
 *
 * @example
 * ```ts
 * const proto = strictPrototype((key, node) => new Error(`node ${(node as { id: string }).id} has no output ${key}`));
 * const r = strictRecordOf(proto, { o0: h });
 * setStrictContext(r, node);
 * r.o1; // throws "node n0 has no output o1"
 * ```
 */
export function strictPrototype(onMiss: (key: string, context: unknown) => Error): object {
  const proto = Object.create(throwingPrototype) as object;
  Object.defineProperty(proto, MISS, { value: onMiss, enumerable: false });
  return proto;
}

/** Makes a record of `proto` (from `strictPrototype`) whose missing keys throw what its handler makes of them and the record's context. */
export function strictRecordOf<T extends object>(proto: object, values: T): T {
  const record = Object.create(proto) as T;
  Object.assign(record, values);
  return record;
}

/** Gives a record of `strictRecordOf` the context its handler is told about (once). */
export function setStrictContext(record: object, context: unknown): void {
  Object.defineProperty(record, CONTEXT, { value: context, enumerable: false });
}

/** Adds a key to a strict record (used as the builder gains inputs). */
export function addToStrictRecord<T extends object>(record: T, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: false, configurable: false });
}
