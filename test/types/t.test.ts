import { describe, expect, it } from "vitest";
import { t, isCastable, describeType, toLiteral, fromLiteral, InvalidTypeError } from "aloft";
import { validatorFor } from "../../src/types/validate.js";

const check = (type: { literalType: object }, value: unknown) => validatorFor(type.literalType)(value);

describe("t: literal types", () => {
  it("maps simple types to Flyte's SimpleType", () => {
    expect(t.int.literalType).toEqual({ simple: "INTEGER" });
    expect(t.float.literalType).toEqual({ simple: "FLOAT" });
    expect(t.str.literalType).toEqual({ simple: "STRING" });
    expect(t.bool.literalType).toEqual({ simple: "BOOLEAN" });
    expect(t.datetime.literalType).toEqual({ simple: "DATETIME" });
    expect(t.duration.literalType).toEqual({ simple: "DURATION" });
    expect(t.none.literalType).toEqual({ simple: "NONE" });
  });

  it("maps containers, enums and unions", () => {
    expect(t.list(t.int).literalType).toEqual({ collectionType: { simple: "INTEGER" } });
    expect(t.map(t.str).literalType).toEqual({ mapValueType: { simple: "STRING" } });
    expect(t.enum("a", "b").literalType).toEqual({ enumType: { values: ["a", "b"] } });
    expect(t.optional(t.int).literalType).toEqual({
      unionType: { variants: [{ simple: "INTEGER", structure: { tag: "int" } }, { simple: "NONE", structure: { tag: "none" } }] },
    });
    expect(t.optional(t.optional(t.int)).literalType).toEqual(t.optional(t.int).literalType);
  });

  it("gives structs a JSON schema and the field types", () => {
    const point = t.struct({ x: t.float, label: t.optional(t.str), when: t.datetime });
    expect(point.literalType.simple).toBe("STRUCT");
    expect(point.literalType.structure?.dataclassType?.["x"]).toEqual({ simple: "FLOAT" });
    const fields = point.literalType.metadata?.fields ?? {};
    expect(fields["type"]).toEqual({ stringValue: "object" });
    expect(fields["required"]).toEqual({ listValue: { values: [{ stringValue: "x" }, { stringValue: "when" }] } });
  });

  it("names types readably", () => {
    expect(t.list(t.map(t.optional(t.int))).name).toBe("list<map<optional<int>>>");
    expect(describeType(t.union(t.int, t.str).literalType)).toBe("union<int, str>");
    expect(t.struct({ a: t.int }).name).toBe("struct{a: int}");
  });

  it("rejects bad type arguments", () => {
    expect(() => t.list(3 as never)).toThrow(InvalidTypeError);
    // @ts-expect-error an enum needs values
    expect(() => t.enum()).toThrow(/at least one value/);
    expect(() => t.enum("a", "a")).toThrow(/distinct/);
    expect(() => t.union(t.int)).toThrow(/two variants/);
    expect(() => t.struct({ "bad name": t.int })).toThrow(/not an identifier/);
  });
});

describe("t: run-time validation", () => {
  it("int takes safe integers only", () => {
    expect(check(t.int, 3)).toBeUndefined();
    expect(check(t.int, -0)).toBeUndefined();
    expect(check(t.int, 1.5)).toBe("expected int, got number 1.5");
    expect(check(t.int, "3")).toBe('expected int, got string "3"');
    expect(check(t.int, Number.NaN)).toMatch(/expected int/);
    expect(check(t.int, 2 ** 60)).toMatch(/expected int/);
  });

  it("float takes finite numbers, str strings, bool booleans", () => {
    expect(check(t.float, 1.5)).toBeUndefined();
    expect(check(t.float, 3)).toBeUndefined();
    expect(check(t.float, Infinity)).toMatch(/expected float/);
    expect(check(t.str, "")).toBeUndefined();
    expect(check(t.str, 1)).toMatch(/expected str/);
    expect(check(t.bool, 0)).toMatch(/expected bool/);
  });

  it("datetime takes valid Dates, duration milliseconds", () => {
    expect(check(t.datetime, new Date())).toBeUndefined();
    expect(check(t.datetime, new Date("nope"))).toMatch(/invalid Date/);
    expect(check(t.datetime, "2024-01-01")).toMatch(/expected datetime/);
    expect(check(t.duration, 1500)).toBeUndefined();
  });

  it("null and undefined are values only of optional types", () => {
    expect(check(t.int, null)).toBe("expected int, got null");
    expect(check(t.int, undefined)).toBe("expected int, got undefined");
    expect(check(t.optional(t.int), null)).toBeUndefined();
    expect(check(t.optional(t.int), 2)).toBeUndefined();
    expect(check(t.optional(t.int), "2")).toMatch(/expected optional<int>/);
    expect(check(t.none, null)).toBeUndefined();
  });

  it("checks lists, maps, structs, enums and unions deeply, naming where", () => {
    expect(check(t.list(t.int), [1, "2"])).toBe('element [1]: expected int, got string "2"');
    expect(check(t.map(t.int), { a: 1, b: 2.5 })).toBe('key "b": expected int, got number 2.5');
    const s = t.struct({ a: t.int, b: t.optional(t.str) });
    expect(check(s, { a: 1 })).toBeUndefined();
    expect(check(s, { b: "x" })).toBe('field "a" is missing');
    expect(check(s, { a: 1, c: 2 })).toMatch(/unknown field "c"/);
    expect(check(t.enum("red", "green"), "blue")).toMatch(/expected enum<"red", "green">/);
    expect(check(t.union(t.int, t.str), "x")).toBeUndefined();
    expect(check(t.union(t.int, t.str), true)).toMatch(/expected union<int, str>/);
  });
});

describe("castability (Flyte's compiler rule)", () => {
  const c = (a: { literalType: object }, b: { literalType: object }) => isCastable(a.literalType, b.literalType);
  it("simple types must be equal: int into float is a mismatch", () => {
    expect(c(t.int, t.int)).toBe(true);
    expect(c(t.int, t.float)).toBe(false);
    expect(c(t.float, t.int)).toBe(false);
  });
  it("lists and maps element-wise", () => {
    expect(c(t.list(t.int), t.list(t.int))).toBe(true);
    expect(c(t.list(t.int), t.list(t.float))).toBe(false);
    expect(c(t.map(t.str), t.map(t.str))).toBe(true);
    expect(c(t.map(t.str), t.list(t.str))).toBe(false);
  });
  it("a non-union into a union when it matches exactly one variant", () => {
    expect(c(t.int, t.optional(t.int))).toBe(true);
    expect(c(t.int, t.union(t.int, t.str))).toBe(true);
    expect(c(t.bool, t.union(t.int, t.str))).toBe(false);
    // enum<a> fits only the str variant: an enum fits only the very same enum (flytepropeller validators/typing.go, trivialChecker).
    expect(c(t.enum("a"), t.union(t.str, t.enum("a", "b")))).toBe(true);
    expect(c(t.enum("a", "b"), t.union(t.str, t.enum("a", "b")))).toBe(false);
    expect(c(t.optional(t.int), t.union(t.int, t.str, t.none))).toBe(true);
    expect(c(t.optional(t.int), t.int)).toBe(false);
  });
  it("an enum into the same enum only, values in the same order, as flytepropeller's validators/typing.go compares them", () => {
    expect(c(t.enum("a", "b"), t.enum("a", "b"))).toBe(true);
    expect(c(t.enum("a"), t.enum("a", "b"))).toBe(false);
    expect(c(t.enum("b", "a"), t.enum("a", "b"))).toBe(false);
  });
  it("enum into string; none only into optional", () => {
    expect(c(t.enum("a", "b"), t.str)).toBe(true);
    expect(c(t.str, t.enum("a", "b"))).toBe(false);
    expect(c(t.none, t.optional(t.str))).toBe(true);
    expect(c(t.none, t.str)).toBe(false);
  });
  it("structs with the same fields", () => {
    expect(c(t.struct({ a: t.int }), t.struct({ a: t.int }))).toBe(true);
    expect(c(t.struct({ a: t.int }), t.struct({ a: t.str }))).toBe(false);
    expect(c(t.struct({ a: t.int }), t.struct({ a: t.int, b: t.int }))).toBe(false);
  });
});

describe("literals", () => {
  const cases: [string, { literalType: object }, unknown][] = [
    ["int", t.int, 42],
    ["float", t.float, 2.5],
    ["str", t.str, "hi"],
    ["bool", t.bool, false],
    ["datetime", t.datetime, new Date("2024-05-06T07:08:09.123Z")],
    ["duration", t.duration, 1500],
    ["none", t.none, null],
    ["list", t.list(t.int), [1, 2]],
    ["map", t.map(t.list(t.str)), { a: ["x"], b: [] }],
    ["struct", t.struct({ a: t.int, when: t.datetime, tags: t.list(t.str) }), { a: 1, when: new Date(0), tags: ["q"] }],
    ["enum", t.enum("a", "b"), "b"],
    ["union", t.union(t.int, t.str), "s"],
    ["optional", t.optional(t.int), null],
  ];
  it.each(cases)("%s round-trips through a Flyte literal", (_name, type, value) => {
    const lt = (type as { literalType: Parameters<typeof toLiteral>[0] }).literalType;
    expect(fromLiteral(lt, toLiteral(lt, value))).toEqual(value);
  });
  it("writes 64-bit integers as strings", () => {
    expect(toLiteral(t.int.literalType, 7)).toEqual({ scalar: { primitive: { integer: "7" } } });
  });
});
