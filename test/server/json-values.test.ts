import { describe, expect, it } from "vitest";
import { t, toLiteral } from "aloft";
import type { LiteralType } from "aloft";
import { jsonSchemaOfType, jsonToInputs, jsonToValue, literalMapToJson, literalToJson } from "../../src/server/json-values.js";
import { AloftFile } from "../../src/blobs/file.js";
import { AloftDirectory } from "../../src/blobs/directory.js";
import { AloftDataFrame } from "../../src/blobs/dataframe.js";
import { validatorFor } from "../../src/types/validate.js";

const Point = t.struct({ x: t.float, y: t.float, label: t.optional(t.str), at: t.optional(t.datetime) });

function value(type: LiteralType, json: unknown): unknown {
  const r = jsonToValue(type, json);
  if (!r.ok) throw new Error(r.problem);
  return r.value;
}

function problem(type: LiteralType, json: unknown): string {
  const r = jsonToValue(type, json);
  if (r.ok) throw new Error(`converted ${JSON.stringify(json)}`);
  return r.problem;
}

describe("jsonToValue", () => {
  it("converts scalars by their type", () => {
    expect(value(t.int.literalType, 3)).toBe(3);
    expect(value(t.float.literalType, 1.5)).toBe(1.5);
    expect(value(t.float.literalType, "NaN")).toBeNaN();
    expect(value(t.float.literalType, "-Infinity")).toBe(Number.NEGATIVE_INFINITY);
    expect(value(t.str.literalType, "a")).toBe("a");
    expect(value(t.bool.literalType, false)).toBe(false);
    expect(value(t.duration.literalType, 1500)).toBe(1500);
    expect(value(t.none.literalType, null)).toBeNull();
    expect(value(t.enum("fast", "exact").literalType, "exact")).toBe("exact");
    expect(value(t.error.literalType, { failedNodeId: "n0", message: "m" })).toEqual({ failedNodeId: "n0", message: "m" });
  });

  it("reads datetimes from ISO 8601 strings with a zone, or plain dates at midnight UTC", () => {
    expect(value(t.datetime.literalType, "2024-01-31T12:00:00Z")).toEqual(new Date("2024-01-31T12:00:00Z"));
    expect(value(t.datetime.literalType, "2024-01-31T13:30:00.250+01:30")).toEqual(new Date("2024-01-31T12:00:00.250Z"));
    expect(value(t.datetime.literalType, "2024-01-31")).toEqual(new Date("2024-01-31T00:00:00Z"));
    expect(problem(t.datetime.literalType, "2024-01-31T12:00:00")).toMatch(/^a date-time needs a zone, .*: 2024-01-31T12:00:00Z for UTC/);
    expect(problem(t.int.literalType, 1e20)).toBe("100000000000000000000 is outside the range of int (whole numbers from -9007199254740991 to 9007199254740991)");
    expect(problem(t.datetime.literalType, "2024-02-30")).toMatch(/ISO 8601/);
    expect(problem(t.datetime.literalType, "yesterday")).toMatch(/got string "yesterday"/);
    expect(problem(t.datetime.literalType, 1706702400000)).toMatch(/got number/);
  });

  it("refuses JSON of the wrong shape, saying what it expected", () => {
    expect(problem(t.int.literalType, 1.5)).toBe("expected a whole number, got number 1.5");
    expect(problem(t.int.literalType, "3")).toBe('expected a whole number, got string "3"');
    expect(problem(t.bool.literalType, "true")).toMatch(/expected true or false/);
    expect(problem(t.duration.literalType, "10m")).toMatch(/duration in milliseconds/);
    expect(problem(t.enum("a", "b").literalType, "c")).toBe('expected one of "a", "b", got string "c"');
    expect(problem(t.none.literalType, 0)).toMatch(/expected null/);
    expect(problem(t.error.literalType, { message: "m" })).toMatch(/failedNodeId/);
  });

  it("converts lists, maps and structs element by element, naming where it failed", () => {
    expect(value(t.list(t.datetime).literalType, ["2024-01-01", "2024-01-02T00:00:00Z"])).toEqual([new Date("2024-01-01T00:00:00Z"), new Date("2024-01-02T00:00:00Z")]);
    expect(value(t.map(t.int).literalType, { a: 1 })).toEqual({ a: 1 });
    expect(value(Point.literalType, { x: 1, y: 2, at: "2024-01-01" })).toEqual({ x: 1, y: 2, at: new Date("2024-01-01T00:00:00Z") });
    expect(problem(t.list(t.int).literalType, [1, "2"])).toBe('element [1]: expected a whole number, got string "2"');
    expect(problem(t.map(t.list(t.int)).literalType, { a: [1], b: [true] })).toBe('key "b": element [0]: expected a whole number, got boolean true');
    expect(problem(Point.literalType, { x: 1, y: "2" })).toBe('field "y": expected a number, got string "2"');
    expect(problem(Point.literalType, { x: 1, y: 2, z: 3 })).toMatch(/unknown field "z"/);
    expect(problem(t.list(t.int).literalType, { 0: 1 })).toMatch(/as an array/);
  });

  it("picks the first union variant the JSON converts to", () => {
    const u = t.union(t.int, t.datetime, t.str).literalType;
    expect(value(u, 3)).toBe(3);
    expect(value(u, "2024-01-01")).toEqual(new Date("2024-01-01T00:00:00Z"));
    expect(value(u, "hello")).toBe("hello");
    expect(value(t.optional(t.datetime).literalType, null)).toBeNull();
    expect(problem(t.optional(t.int).literalType, "x")).toMatch(/^expected optional<int>, got string "x"/);
  });

  it("makes references of files, directories and dataframes, never reading them", () => {
    const f = value(t.file({ format: "csv" }).literalType, { uri: "s3://bucket/a.csv" });
    expect(f).toBeInstanceOf(AloftFile);
    expect(f).toMatchObject({ uri: "s3://bucket/a.csv" });
    expect(value(t.dir.literalType, { uri: "file:///tmp/d", format: "" })).toBeInstanceOf(AloftDirectory);
    expect(value(t.dataframe({ a: t.int }).literalType, { uri: "file:///tmp/a.arrow" })).toBeInstanceOf(AloftDataFrame);
    expect(problem(t.file.literalType, "file:///etc/passwd")).toMatch(/as \{ "uri": "\.\.\."/);
    expect(problem(t.file.literalType, { uri: "x", size: 3 })).toMatch(/no field "size"/);
  });

  it("gives values the types' own validators accept", () => {
    const cases: [LiteralType, unknown][] = [
      [t.list(Point).literalType, [{ x: 1, y: 2, label: null }]],
      [t.map(t.datetime).literalType, { a: "2024-01-01" }],
      [t.optional(t.list(t.duration)).literalType, [1, 2]],
    ];
    for (const [type, json] of cases) expect(validatorFor(type)(value(type, json))).toBeUndefined();
  });
});

describe("jsonToInputs", () => {
  it("converts declared inputs and passes unknown names through for the engine to name", () => {
    const r = jsonToInputs({ at: t.datetime.literalType }, { at: "2024-01-01", other: 1 });
    expect(r).toEqual({ ok: true, values: { at: new Date("2024-01-01T00:00:00Z"), other: 1 } });
    expect(jsonToInputs({ n: t.int.literalType }, { n: "1" })).toEqual({ ok: false, input: "n", problem: 'expected a whole number, got string "1"' });
  });
});

describe("literalToJson", () => {
  it("round-trips every JSON form through a stored literal", () => {
    const cases: [LiteralType, unknown][] = [
      [t.int.literalType, 3],
      [t.float.literalType, 1.25],
      [t.float.literalType, "Infinity"],
      [t.str.literalType, "a"],
      [t.bool.literalType, true],
      [t.datetime.literalType, "2024-01-31T12:00:00.250Z"],
      [t.duration.literalType, 1500],
      [t.none.literalType, null],
      [t.list(t.int).literalType, []],
      [t.list(t.list(t.int)).literalType, [[1], [2, 3]]],
      [t.map(t.str).literalType, { a: "b" }],
      [t.map(t.str).literalType, {}],
      [Point.literalType, { x: 1, y: 2.5, label: "p", at: "2024-01-01T00:00:00.000Z" }],
      [t.enum("a", "b").literalType, "b"],
      [t.optional(t.int).literalType, null],
      [t.optional(t.int).literalType, 7],
      [t.union(t.int, t.str).literalType, "x"],
      [t.error.literalType, { failedNodeId: "n1", message: "boom" }],
      [t.file({ format: "csv" }).literalType, { uri: "s3://b/a.csv", format: "csv" }],
      [t.dir.literalType, { uri: "s3://b/d" }],
    ];
    for (const [type, json] of cases) {
      expect(literalToJson(toLiteral(type, value(type, json)))).toEqual(json);
    }
  });

  it("shows a dataframe with its declared columns", () => {
    const type = t.dataframe({ a: t.int }).literalType;
    expect(literalToJson(toLiteral(type, value(type, { uri: "s3://b/t.arrow" })))).toEqual({ uri: "s3://b/t.arrow", columns: [{ name: "a", type: "int" }] });
  });

  it("converts literal maps, and leaves a missing map undefined", () => {
    expect(literalMapToJson({ literals: { n: toLiteral(t.int.literalType, 2) } })).toEqual({ n: 2 });
    expect(literalMapToJson({})).toEqual({});
    expect(literalMapToJson(undefined)).toBeUndefined();
  });
});

describe("jsonSchemaOfType", () => {
  it("describes each JSON form", () => {
    expect(jsonSchemaOfType(t.datetime.literalType)).toEqual({ type: "string", format: "date-time" });
    expect(jsonSchemaOfType(t.optional(t.int).literalType)).toEqual({ type: "integer", nullable: true });
    expect(jsonSchemaOfType(t.list(t.enum("a")).literalType)).toEqual({ type: "array", items: { type: "string", enum: ["a"] } });
    expect(jsonSchemaOfType(t.file.literalType)).toMatchObject({ type: "object", required: ["uri"] });
    expect(jsonSchemaOfType(Point.literalType)).toMatchObject({ type: "object", required: ["x", "y"], additionalProperties: false });
  });
});
