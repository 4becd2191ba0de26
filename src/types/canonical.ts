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
