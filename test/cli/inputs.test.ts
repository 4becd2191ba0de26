import { describe, expect, it } from "vitest";
import { t, type AnyType } from "aloft";
import { parseValue, valueHint } from "../../src/cli/inputs/parse-value.js";
import { splitEntityArgs } from "../../src/cli/inputs/input-args.js";
import { UsageError } from "../../src/cli/errors.js";

const parse = (text: string, type: AnyType) => parseValue(text, type.literalType);

describe("parseValue", () => {
  it("reads numbers strictly", () => {
    expect(parse("-12", t.int)).toEqual({ ok: true, value: -12 });
    expect(parse("1e3", t.float)).toEqual({ ok: true, value: 1000 });
    for (const bad of ["1.5", "1e3", "0x10", "", "9007199254740993"]) expect(parse(bad, t.int).ok).toBe(false);
    for (const bad of ["NaN", "Infinity", "1,5", "abc", "1.2.3"]) expect(parse(bad, t.float).ok).toBe(false);
  });

  it("a datetime without a zone is refused, as the API refuses it (it was read in local time: one rule everywhere)", () => {
    expect(parse("2024-01-31T12:00:00", t.datetime)).toEqual({
      ok: false,
      problem: "a date-time needs a zone, so that it means the same instant everywhere: 2024-01-31T12:00:00Z for UTC, or an offset such as 2024-01-31T12:00:00+01:00",
    });
    expect(parse("2024-01-31 12:00", t.datetime).ok).toBe(false);
    expect(parse('{"x":1,"y":2,"at":"2024-01-31T12:00:00"}', t.struct({ x: t.float, y: t.float, at: t.optional(t.datetime) })).ok).toBe(false);
  });

  it("a whole number outside int's range names the range, not 'expected a whole number'", () => {
    expect(parse("99999999999999999999", t.int)).toEqual({ ok: false, problem: "99999999999999999999 is outside the range of int (whole numbers from -9007199254740991 to 9007199254740991)" });
    expect(parse("-9007199254740992", t.int).ok).toBe(false);
    expect(parse("9007199254740991", t.int)).toEqual({ ok: true, value: 9007199254740991 });
  });

  it("reads booleans, dates, durations and enums", () => {
    expect(parse("TRUE", t.bool)).toEqual({ ok: true, value: true });
    expect(parse("yes", t.bool)).toEqual({ ok: false, problem: 'expected true or false, got "yes"' });
    expect(parse("2024-01-31T12:00:00+01:00", t.datetime)).toEqual({ ok: true, value: new Date("2024-01-31T11:00:00Z") });
    expect(parse("2024-01-31", t.datetime)).toEqual({ ok: true, value: new Date("2024-01-31T00:00:00Z") });
    expect(parse("1706702400", t.datetime).ok).toBe(false);
    expect(parse("2024-02-31", t.datetime).ok).toBe(false); // a date that does not exist, refused as the API refuses it
    expect([parse("250", t.duration), parse("10m", t.duration), parse("1.5h", t.duration)]).toEqual([
      { ok: true, value: 250 },
      { ok: true, value: 600_000 },
      { ok: true, value: 5_400_000 },
    ]);
    expect(parse("soon", t.duration).ok).toBe(false);
    expect(parse("exact", t.enum("fast", "exact"))).toEqual({ ok: true, value: "exact" });
  });

  it("keeps strings verbatim", () => {
    expect(parse("  [not json] ", t.str)).toEqual({ ok: true, value: "  [not json] " });
  });

  it("reads JSON for lists, maps and structs, turning ISO strings and durations into their values", () => {
    const Point = t.struct({ at: t.datetime, wait: t.duration, tags: t.list(t.str) });
    expect(parse('[{"at": "2024-01-01T00:00:00Z", "wait": "1s", "tags": []}]', t.list(Point))).toEqual({
      ok: true,
      value: [{ at: new Date("2024-01-01T00:00:00Z"), wait: 1000, tags: [] }],
    });
    expect(parse('{"a": 1, "b": 2}', t.map(t.int))).toEqual({ ok: true, value: { a: 1, b: 2 } });
    expect(parse('{"a": 1, "b": "2"}', t.map(t.int))).toEqual({ ok: false, problem: 'key "b": expected int, got string "2"' });
    expect(parse('{"at": "2024-01-01T00:00:00Z", "wait": 1, "tags": [], "extra": 1}', Point)).toMatchObject({ ok: false, problem: expect.stringContaining('unknown field "extra"') as unknown });
  });

  it("reads optional and union values", () => {
    expect(parse("3", t.optional(t.int))).toEqual({ ok: true, value: 3 });
    expect(parse("null", t.optional(t.int))).toEqual({ ok: true, value: null });
    expect(parse("null", t.optional(t.str))).toEqual({ ok: true, value: "null" });
    expect(parse("3", t.union(t.int, t.str))).toEqual({ ok: true, value: 3 });
    expect(parse("three", t.union(t.int, t.str))).toEqual({ ok: true, value: "three" });
    expect(parse("true", t.union(t.int, t.str))).toEqual({ ok: true, value: "true" });
    expect(parse("2024-01-01", t.union(t.int, t.datetime))).toEqual({ ok: true, value: new Date("2024-01-01T00:00:00Z") });
    expect(parse("[1]", t.union(t.int, t.bool)).ok).toBe(false);
  });

  it("says how to write each type", () => {
    expect(valueHint(t.list(t.int).literalType)).toBe("JSON, e.g. [1,2]");
    expect(valueHint(t.optional(t.enum("a", "b")).literalType)).toBe("one of a, b");
    expect(valueHint(t.struct({ x: t.float }).literalType)).toBe('JSON, e.g. {"x":1.5}');
  });
});

describe("splitEntityArgs", () => {
  it("takes the entity, then --name value, --name=value and bare boolean flags", () => {
    expect(splitEntityArgs(["wf", "--x", "[1,2]", "--y=-3", "--flag", "--n", "-4"])).toEqual({
      entity: "wf",
      help: false,
      flags: [
        { name: "x", value: "[1,2]" },
        { name: "y", value: "-3" },
        { name: "flag", value: undefined },
        { name: "n", value: "-4" },
      ],
    });
  });

  it("reads every flag after -- as an input, --help included", () => {
    expect(splitEntityArgs(["--help", "--", "--help", "x"])).toEqual({ entity: undefined, help: true, flags: [{ name: "help", value: "x" }] });
  });

  it("rejects stray arguments and unknown short options", () => {
    expect(() => splitEntityArgs(["wf", "--x", "1", "2"])).toThrow(UsageError);
    expect(() => splitEntityArgs(["-v"])).toThrow("unknown option -v");
  });
});
