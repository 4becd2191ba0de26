/**
 * Records that throw a helpful error when an unknown key is read, used for
 * `node.outputs` and `wf.inputs`. Known keys are own properties (plain,
 * fast reads); only misses reach the shared proxy prototype.
 *
 * @module
 */

const MISS = Symbol("aloft.onMissingKey");

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
  get(target, key, receiver: Record<symbol, ((key: string) => Error) | undefined>) {
    if (typeof key === "symbol" || PROBED.has(key) || key.startsWith("@@") || key.startsWith("__")) return Reflect.get(target, key, receiver);
    const onMiss = receiver[MISS];
    if (onMiss) throw onMiss(key);
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

/** Adds a key to a strict record (used as the builder gains inputs). */
export function addToStrictRecord<T extends object>(record: T, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: false, configurable: false });
}
