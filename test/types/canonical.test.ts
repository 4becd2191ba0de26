import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, writeCanonicalJson } from "../../src/types/canonical.js";

function streamed(value: unknown): { text: string; chunks: number } {
  const chunks: string[] = [];
  writeCanonicalJson(value, (chunk) => chunks.push(chunk));
  return { text: chunks.join(""), chunks: chunks.length };
}

describe("writeCanonicalJson: streams exactly what canonicalJson returns", () => {
  const shared = { resourceType: "TASK", project: "p", domain: "d", name: "inc", version: "" };
  const holey = new Array<number>(3);
  holey[0] = 1;
  holey[2] = 3;
  const values: Record<string, unknown> = {
    "nested records and arrays": { b: 1, a: [{ d: 2, c: 3 }], e: { z: null, y: true, x: "s" } },
    "empty records and arrays": { a: {}, b: [], c: [{}], d: { e: [] } },
    "undefined fields, and undefined in arrays": { a: undefined, b: [undefined, 1], c: { d: undefined, e: 1, f: undefined, g: 2 } },
    "holes in arrays": { a: holey },
    "functions and symbols": { a: [() => 1, Symbol("s"), 2], b: () => 1, c: { x: Symbol("t"), y: 1, z: 2 } },
    dates: { a: new Date(0), b: [new Date(86_400_000)], c: { x: new Date(1), y: 1, z: 2 } },
    "keys and strings that need escaping": { 'q"k': "a\"b\\c\n", "é": "ü\u2028", "\u0001": "\ud800", "a b": "x\u001fy" },
    "integer-like keys and many keys": Object.fromEntries(["10", "2", "1", "b", "a", "B", "_", "$", "aa", "ab", "Z", "0"].map((k, i) => [k, i])),
    "numbers and non-finite numbers": { a: -0, b: 1.5e300, c: Number.NaN, d: Number.POSITIVE_INFINITY, e: [Number.NaN] },
    "a leaf record shared by identity": { a: shared, b: [shared, shared], c: { ...shared, version: "v" } },
    "a top-level array": [1, "two", { three: 3 }],
  };
  for (const [name, value] of Object.entries(values)) {
    it(name, () => {
      expect(streamed(value).text).toBe(canonicalJson(value));
    });
  }

  it("splits a large value into chunks that hash like the whole text", () => {
    const nodes = Array.from({ length: 20_000 }, (_, i) => ({ id: `n${i}`, metadata: { name: "inc" }, taskNode: { referenceId: shared }, upstreamNodeIds: i ? [`n${i - 1}`] : [] }));
    const spec = { template: { nodes, id: shared } };
    const chunks: string[] = [];
    const hash = createHash("sha256");
    writeCanonicalJson(spec, (chunk) => {
      chunks.push(chunk);
      hash.update(chunk);
    });
    const whole = canonicalJson(spec);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe(whole);
    expect(hash.digest("hex")).toBe(createHash("sha256").update(whole).digest("hex"));
  });
});
