/**
 * Values written by flytekit's type transformers, read as Aloft reads them
 * (the loaders, the runners and `aloft execute` share `fromLiteral`). Each
 * golden literal is written here byte by byte from the transformer it
 * mirrors (flytekit `core/type_engine.py`) and the MessagePack spec; none is
 * copied from flytekit's tests.
 */
import { describe, expect, it } from "vitest";
import { t } from "aloft";
import { fromLiteral, toLiteral } from "../../src/types/literal.js";
import { messageType, OBJECT_FORM } from "../../src/compiler/proto.js";

/** A MessagePack str (fixstr: 0xa0 | length, then UTF-8). */
const fixstr = (s: string) => [0xa0 | Buffer.byteLength(s), ...Buffer.from(s)];
/** A MessagePack float 64 (0xcb, big-endian IEEE 754), as Python's msgpack packs every float. */
const float64 = (x: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return [0xcb, ...b];
};
const binary = (bytes: number[]) => ({ scalar: { binary: { value: Uint8Array.from(bytes), tag: "msgpack" } } });

const Point = t.struct({ x: t.int, y: t.float, label: t.optional(t.str) });

describe("structs as flytekit ≥1.14 writes them: MessagePack Binary literals (DataclassTransformer.to_literal, tag MESSAGEPACK)", () => {
  it("reads a dataclass Point(x=3, y=2.5, label=None): msgpack.dumps of its dict, fields in declaration order", () => {
    // 0x83: a map of 3; "x": 3 (positive fixint); "y": 2.5 (float 64); "label": None (nil, 0xc0).
    const literal = binary([0x83, ...fixstr("x"), 0x03, ...fixstr("y"), ...float64(2.5), ...fixstr("label"), 0xc0]);
    expect(fromLiteral(Point.literalType, literal)).toEqual({ x: 3, y: 2.5, label: null });
  });

  it("reads nested dataclasses, lists of them, and a whole float written as an int", () => {
    const Shape = t.struct({ name: t.str, points: t.list(Point), at: t.datetime });
    // {"name": "tri", "points": [{"x": -1, "y": 2, "label": "a"}], "at": "2024-01-02T03:04:05"}: mashumaro writes a datetime as its ISO string.
    const point = [0x83, ...fixstr("x"), 0xff, ...fixstr("y"), 0x02, ...fixstr("label"), ...fixstr("a")];
    const literal = binary([0x83, ...fixstr("name"), ...fixstr("tri"), ...fixstr("points"), 0x91, ...point, ...fixstr("at"), ...fixstr("2024-01-02T03:04:05Z")]);
    expect(fromLiteral(Shape.literalType, literal)).toEqual({ name: "tri", points: [{ x: -1, y: 2, label: "a" }], at: new Date("2024-01-02T03:04:05Z") });
  });

  it("reads an untyped dict (a STRUCT without a schema, DictTransformer.dict_to_binary_literal) into a map", () => {
    // {"a": 1, "b": 300}: 300 is uint 16 (0xcd 0x01 0x2c).
    const literal = binary([0x82, ...fixstr("a"), 0x01, ...fixstr("b"), 0xcd, 0x01, 0x2c]);
    expect(fromLiteral({ simple: "STRUCT" }, literal)).toEqual({ a: 1, b: 300 });
    expect(fromLiteral(t.map(t.int).literalType, literal)).toEqual({ a: 1, b: 300 });
  });

  it("reads the bytes as protobuf gives them, on the wire and as base64 in protobuf's JSON mapping", () => {
    const bytes = [0x81, ...fixstr("x"), 0x07];
    const type = messageType("flyteidl.core.Literal");
    const wire = type.toObject(type.decode(type.encode(type.fromObject(binary(bytes))).finish()), OBJECT_FORM);
    expect(fromLiteral({ simple: "STRUCT" }, wire as never)).toEqual({ x: 7 });
    expect(fromLiteral({ simple: "STRUCT" }, { scalar: { binary: { value: Buffer.from(bytes).toString("base64"), tag: "msgpack" } } })).toEqual({ x: 7 });
  });

  it("refuses what it cannot read faithfully, naming why", () => {
    // {"n": 2**60}: uint 64 (0xcf), beyond a number's 2^53.
    const big = binary([0x81, ...fixstr("n"), 0xcf, 0x10, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => fromLiteral({ simple: "STRUCT" }, big)).toThrow(/the integer 1152921504606846976 at the value\.n is beyond what a JavaScript number holds exactly/);
    expect(() => fromLiteral({ simple: "STRUCT" }, { scalar: { binary: { value: Uint8Array.from([0x01]), tag: "pickle" } } })).toThrow(/tagged "pickle": Aloft reads the MessagePack ones/);
    expect(() => fromLiteral({ simple: "STRUCT" }, binary([0xc1]))).toThrow(/holds no MessagePack value/);
  });

  it("still reads the generic Struct older flytekit writes (and Aloft writes, which flytekit reads)", () => {
    const written = toLiteral(Point.literalType, { x: 1, y: 0.5, label: "p" });
    expect(written.scalar?.generic).toBeDefined();
    expect(fromLiteral(Point.literalType, written)).toEqual({ x: 1, y: 0.5, label: "p" });
  });
});

describe("primitives flytekit writes (SimpleTransformer: int, datetime, timedelta)", () => {
  it("reads 64-bit integers exactly and refuses those a number cannot hold (Primitive.integer is an int64)", () => {
    expect(fromLiteral(t.int.literalType, { scalar: { primitive: { integer: "9007199254740991" } } })).toBe(Number.MAX_SAFE_INTEGER);
    expect(fromLiteral(t.int.literalType, { scalar: { primitive: { integer: "-9007199254740991" } } })).toBe(Number.MIN_SAFE_INTEGER);
    expect(() => fromLiteral(t.int.literalType, { scalar: { primitive: { integer: "9007199254740993" } } })).toThrow(/the integer 9007199254740993 is beyond what a JavaScript number holds exactly/);
    expect(() => fromLiteral(t.int.literalType, { scalar: { primitive: { integer: "-9223372036854775808" } } })).toThrow(/beyond/);
  });

  it("reads a datetime with micro- and nanoseconds to the millisecond a Date holds, towards the past (Timestamp.FromDatetime)", () => {
    // datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC): nanos = microseconds * 1000.
    expect(fromLiteral(t.datetime.literalType, { scalar: { primitive: { datetime: { seconds: "1704164645", nanos: 123456000 } } } })).toEqual(new Date("2024-01-02T03:04:05.123Z"));
    expect(fromLiteral(t.datetime.literalType, { scalar: { primitive: { datetime: { seconds: "1704164645", nanos: 999999999 } } } })).toEqual(new Date("2024-01-02T03:04:05.999Z"));
    // Before 1970: seconds negative, nanos positive (protobuf's Timestamp); half a second before the epoch.
    expect(fromLiteral(t.datetime.literalType, { scalar: { primitive: { datetime: { seconds: "-1", nanos: 500000000 } } } })).toEqual(new Date("1969-12-31T23:59:59.500Z"));
    expect(fromLiteral(t.datetime.literalType, { scalar: { primitive: { datetime: { seconds: "-1", nanos: 499999 } } } })).toEqual(new Date("1969-12-31T23:59:59.000Z"));
  });

  it("reads durations to the nanosecond as milliseconds, and writes them back the same (Duration.FromTimedelta)", () => {
    // timedelta(seconds=90, microseconds=1.5) is not a Python value; timedelta(minutes=1, seconds=30, microseconds=2): nanos 2000.
    const d = { scalar: { primitive: { duration: { seconds: "90", nanos: 2000 } } } };
    expect(fromLiteral(t.duration.literalType, d)).toBe(90000.002);
    expect(toLiteral(t.duration.literalType, 90000.002)).toEqual(d);
    // -timedelta(milliseconds=1500): seconds and nanos share the sign.
    const negative = { scalar: { primitive: { duration: { seconds: "-1", nanos: -500000000 } } } };
    expect(fromLiteral(t.duration.literalType, negative)).toBe(-1500);
    expect(toLiteral(t.duration.literalType, -1500)).toEqual(negative);
  });
});
