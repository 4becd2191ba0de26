/**
 * Constants of every `t` type, bound to a node input: the exact BindingData
 * Flyte expects, its round trip through the official protos, and the value
 * read back from the literal after the binary wire format.
 */
import { describe, expect, it } from "vitest";
import { compile, fromLiteral, t, task, toLiteral, workflow, type AnyType, type BindingData, type Literal, type SimpleType } from "aloft";
import { asJson, roundTrip, throughWire } from "../helpers/flyteidl.js";
import { expectProtoForm, nodesOf, TARGET } from "./expect-spec.js";

const Point = t.struct({ x: t.float, y: t.float, label: t.optional(t.str), tags: t.list(t.str) }, { name: "Point" });
const Outer = t.struct({ inner: Point, weights: t.map(t.float) }, { name: "Outer" });
const prim = (p: object) => ({ scalar: { primitive: p } });
const tagged = (simple: SimpleType, tag: string) => ({ simple, structure: { tag } });

interface Case {
  readonly name: string;
  readonly type: AnyType;
  readonly value: unknown;
  readonly binding: BindingData;
}

const cases: Case[] = [
  { name: "int", type: t.int, value: 42, binding: prim({ integer: "42" }) },
  { name: "int zero", type: t.int, value: 0, binding: prim({ integer: "0" }) },
  { name: "negative int", type: t.int, value: -7, binding: prim({ integer: "-7" }) },
  { name: "largest safe int", type: t.int, value: Number.MAX_SAFE_INTEGER, binding: prim({ integer: "9007199254740991" }) },
  { name: "float", type: t.float, value: 2.5, binding: prim({ floatValue: 2.5 }) },
  { name: "float zero", type: t.float, value: 0, binding: prim({ floatValue: 0 }) },
  { name: "str", type: t.str, value: "héllo", binding: prim({ stringValue: "héllo" }) },
  { name: "empty str", type: t.str, value: "", binding: prim({ stringValue: "" }) },
  { name: "bool true", type: t.bool, value: true, binding: prim({ boolean: true }) },
  { name: "bool false", type: t.bool, value: false, binding: prim({ boolean: false }) },
  { name: "datetime", type: t.datetime, value: new Date("2024-01-02T03:04:05.678Z"), binding: prim({ datetime: { seconds: "1704164645", nanos: 678000000 } }) },
  { name: "datetime before 1970", type: t.datetime, value: new Date(-1500), binding: prim({ datetime: { seconds: "-2", nanos: 500000000 } }) },
  { name: "datetime at the epoch", type: t.datetime, value: new Date(0), binding: prim({ datetime: {} }) },
  { name: "duration", type: t.duration, value: 90_500, binding: prim({ duration: { seconds: "90", nanos: 500000000 } }) },
  { name: "zero duration", type: t.duration, value: 0, binding: prim({ duration: {} }) },
  { name: "none", type: t.none, value: null, binding: { scalar: { noneType: {} } } },
  { name: "list", type: t.list(t.int), value: [1, 2], binding: { collection: { bindings: [prim({ integer: "1" }), prim({ integer: "2" })] } } },
  { name: "empty list", type: t.list(t.int), value: [], binding: { collection: {} } },
  { name: "list of lists", type: t.list(t.list(t.str)), value: [["a"], []], binding: { collection: { bindings: [{ collection: { bindings: [prim({ stringValue: "a" })] } }, { collection: {} }] } } },
  { name: "map", type: t.map(t.float), value: { a: 1.5, b: 0 }, binding: { map: { bindings: { a: prim({ floatValue: 1.5 }), b: prim({ floatValue: 0 }) } } } },
  { name: "empty map", type: t.map(t.float), value: {}, binding: { map: {} } },
  {
    name: "struct",
    type: Point,
    value: { x: 1, y: -2.5, label: "p", tags: ["a", "b"] },
    binding: {
      scalar: {
        generic: {
          fields: {
            x: { numberValue: 1 },
            y: { numberValue: -2.5 },
            label: { stringValue: "p" },
            tags: { listValue: { values: [{ stringValue: "a" }, { stringValue: "b" }] } },
          },
        },
      },
    },
  },
  {
    name: "struct with an empty list and a null field",
    type: Point,
    value: { x: 0, y: 0, label: null, tags: [] },
    binding: { scalar: { generic: { fields: { x: { numberValue: 0 }, y: { numberValue: 0 }, label: { nullValue: "NULL_VALUE" }, tags: { listValue: {} } } } } },
  },
  {
    name: "nested struct with an empty map",
    type: Outer,
    value: { inner: { x: 1, y: 2, tags: [] }, weights: {} },
    binding: {
      scalar: { generic: { fields: { inner: { structValue: { fields: { x: { numberValue: 1 }, y: { numberValue: 2 }, tags: { listValue: {} } } } }, weights: { structValue: {} } } } },
    },
  },
  { name: "enum", type: t.enum("fast", "exact"), value: "exact", binding: prim({ stringValue: "exact" }) },
  { name: "union, first variant", type: t.union(t.int, t.str), value: 3, binding: { scalar: { union: { value: prim({ integer: "3" }), type: tagged("INTEGER", "int") } } } },
  { name: "union, second variant", type: t.union(t.int, t.str), value: "s", binding: { scalar: { union: { value: prim({ stringValue: "s" }), type: tagged("STRING", "str") } } } },
  { name: "optional with a value", type: t.optional(t.float), value: 0.25, binding: { scalar: { union: { value: prim({ floatValue: 0.25 }), type: tagged("FLOAT", "float") } } } },
  { name: "optional without a value", type: t.optional(t.float), value: null, binding: { scalar: { union: { value: { scalar: { noneType: {} } }, type: tagged("NONE", "none") } } } },
  {
    name: "optional list",
    type: t.optional(t.list(t.int)),
    value: [],
    binding: { scalar: { union: { value: { collection: {} }, type: { collectionType: { simple: "INTEGER" }, structure: { tag: "list<int>" } } } } },
  },
];

describe("constants bound to node inputs", () => {
  it.each(cases)("$name compiles to the exact BindingData and round-trips as a WorkflowSpec", ({ name, type, value, binding }) => {
    const sink = task({ name: `lit_sink_${name.replace(/[^a-z]+/g, "_")}`, inputs: { v: type } }, () => {});
    const wf = workflow({ name: `lit_wf_${name.replace(/[^a-z]+/g, "_")}` }, () => {
      sink({ v: value as never });
    });
    const spec = compile(wf, TARGET);
    expect(nodesOf(spec)[0]?.inputs).toStrictEqual([{ var: "v", binding }]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("binds every type at once in one node", () => {
    // Zero-padded names: bindings are written sorted by name, as flytekit sorts them.
    const name = (i: number) => `v${String(i).padStart(2, "0")}`;
    const inputs = Object.fromEntries(cases.map((c, i) => [name(i), c.type]));
    const sink = task({ name: "lit_sink_all", inputs }, () => {});
    const wf = workflow({ name: "lit_wf_all" }, () => {
      sink(Object.fromEntries(cases.map((c, i) => [name(i), c.value])) as never);
    });
    const spec = compile(wf, TARGET);
    expect(nodesOf(spec)[0]?.inputs?.map((b) => b.binding)).toStrictEqual(cases.map((c) => c.binding));
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });
});

describe("literals of every type", () => {
  it.each(cases)("$name survives toLiteral, the protobuf wire and fromLiteral", ({ type, value }) => {
    const literal = toLiteral(type.literalType, value);
    expect(roundTrip("flyteidl.core.Literal", literal)).toStrictEqual(asJson(literal));
    const decoded = throughWireLiteral(literal);
    expect(decoded).toStrictEqual(asJson(literal));
    expect(fromLiteral(type.literalType, decoded)).toStrictEqual(value);
  });
});

function throughWireLiteral(literal: Literal): Literal {
  const spec = throughWire("flyteidl.admin.LaunchPlanSpec", { fixedInputs: { literals: { v: literal } } }) as { fixedInputs?: { literals?: { v?: Literal } } };
  const back = spec.fixedInputs?.literals?.v;
  if (!back) throw new Error("the literal was lost on the wire");
  return back;
}
