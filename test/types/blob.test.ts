/**
 * `t.file`, `t.dir` and `t.dataframe`: their Flyte literal types, castability,
 * run-time validation, and their literals, checked against flyteidl's protos.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  AloftDataFrame,
  AloftDirectory,
  AloftFile,
  BlobPathError,
  InvalidTypeError,
  TypeMismatchError,
  compile,
  fromLiteral,
  isCastable,
  t,
  task,
  toLiteral,
  workflow,
  type AnyType,
  type Literal,
  type LiteralType,
} from "aloft";
import { validatorFor } from "../../src/types/validate.js";
import { cacheKey } from "../../src/cache/key.js";
import { asJson, roundTrip, throughWire, zeroValuedFields } from "../helpers/flyteidl.js";
import { expectProtoForm, nodesOf, TARGET } from "../compiler/expect-spec.js";

const Sales = t.dataframe({ region: t.str, amount: t.float, closed: t.optional(t.datetime) });

describe("blob and dataframe types", () => {
  it("map to Flyte's BlobType and StructuredDatasetType, leaving zero values out", () => {
    expect(t.file.literalType).toStrictEqual({ blob: {} });
    expect(t.file.name).toBe("file");
    expect(t.file({ format: "csv" }).literalType).toStrictEqual({ blob: { format: "csv" } });
    expect(t.file({ format: "csv" }).name).toBe("file<csv>");
    expect(t.dir.literalType).toStrictEqual({ blob: { dimensionality: "MULTIPART" } });
    expect(t.dir({ format: "zarr" }).literalType).toStrictEqual({ blob: { format: "zarr", dimensionality: "MULTIPART" } });
    expect(t.dir({ format: "zarr" }).name).toBe("dir<zarr>");
    expect(t.dataframe().literalType).toStrictEqual({ structuredDatasetType: {} });
    expect(t.dataframe().name).toBe("dataframe");
    expect(t.dataframe(undefined, { format: "parquet" }).literalType).toStrictEqual({ structuredDatasetType: { format: "parquet" } });
    expect(Sales.literalType).toStrictEqual({
      structuredDatasetType: {
        columns: [
          { name: "region", literalType: { simple: "STRING" } },
          { name: "amount", literalType: { simple: "FLOAT" } },
          { name: "closed", literalType: t.optional(t.datetime).literalType },
        ],
      },
    });
    expect(Sales.name).toBe("dataframe{region: str, amount: float, closed: optional<datetime>}");
    expect(t.dataframe({ a: t.int }, { format: "arrow" }).name).toBe("dataframe<arrow>{a: int}");
  });

  it.each([
    ["t.file", t.file],
    ["t.file({ format })", t.file({ format: "csv" })],
    ["t.dir", t.dir],
    ["t.dataframe()", t.dataframe()],
    ["t.dataframe(columns)", Sales],
    ["t.list(t.file)", t.list(t.file)],
    ["t.optional(t.dir)", t.optional(t.dir)],
  ] as [string, AnyType][])("%s is a LiteralType the protos accept as is", (_name, type) => {
    expect(roundTrip("flyteidl.core.LiteralType", type.literalType)).toStrictEqual(asJson(type.literalType));
    expect(zeroValuedFields("flyteidl.core.LiteralType", type.literalType)).toEqual([]);
  });

  it("are usable wherever a type is: lists, unions, records of inputs", () => {
    expect(t.list(t.file).name).toBe("list<file>");
    expect(t.optional(t.dir).name).toBe("optional<dir>");
    expect(t.map(t.file({ format: "csv" })).name).toBe("map<file<csv>>");
    expect(t.union(t.file, t.dir).name).toBe("union<file, dir>");
    const f = task({ name: "blob_types_in_records", inputs: { a: t.file, b: t.dir }, outputs: [t.file, t.dataframe()] }, (): never => {
      throw new Error("not run");
    });
    expect(Object.keys(f.interface.inputs)).toEqual(["a", "b"]);
  });

  it("refuse bad options, formats and column types at once", () => {
    expect(() => t.file({ format: "c sv" })).toThrow(InvalidTypeError);
    expect(() => t.file({ fromat: "csv" } as never)).toThrow(/unknown option "fromat"/);
    expect(() => t.dir("csv" as never)).toThrow(InvalidTypeError);
    expect(() => t.dataframe({})).toThrow(/at least one column/);
    expect(() => t.dataframe({ xs: t.list(t.int) })).toThrow(/column "xs" must be t.int, t.float, t.str, t.bool, t.datetime, t.duration or t.optional of one, got list<int>/);
    expect(() => t.dataframe({ p: t.struct({ x: t.int }) })).toThrow(InvalidTypeError);
    expect(() => t.dataframe({ a: t.int }, { format: "../x" })).toThrow(InvalidTypeError);
  });
});

describe("castability (Flyte's rules, checked while the workflow is built)", () => {
  const cast = (a: AnyType, b: AnyType) => isCastable(a.literalType, b.literalType);

  it("files: formats must match unless one is any; a file never binds to a directory", () => {
    expect(cast(t.file({ format: "csv" }), t.file({ format: "csv" }))).toBe(true);
    expect(cast(t.file({ format: "csv" }), t.file)).toBe(true);
    expect(cast(t.file, t.file({ format: "csv" }))).toBe(true);
    expect(cast(t.file({ format: "csv" }), t.file({ format: "json" }))).toBe(false);
    expect(cast(t.file({ format: "csv" }), t.file({ format: "CSV" }))).toBe(false);
    expect(cast(t.file, t.dir)).toBe(false);
    expect(cast(t.dir, t.file)).toBe(false);
    expect(cast(t.dir({ format: "a" }), t.dir({ format: "b" }))).toBe(false);
    expect(cast(t.dir, t.optional(t.dir))).toBe(true);
    expect(cast(t.file, t.str)).toBe(false);
    expect(cast(t.str, t.file)).toBe(false);
  });

  it("dataframes: a subset of columns, each castable; formats equal ignoring case; untyped fits all", () => {
    expect(cast(Sales, t.dataframe({ amount: t.float }))).toBe(true);
    expect(cast(Sales, t.dataframe({ amount: t.float, region: t.str }))).toBe(true);
    expect(cast(t.dataframe({ amount: t.float }), Sales)).toBe(false);
    expect(cast(Sales, t.dataframe({ amount: t.int }))).toBe(false);
    expect(cast(Sales, t.dataframe({ closed: t.datetime }))).toBe(false);
    expect(cast(t.dataframe({ closed: t.datetime }), t.dataframe({ closed: t.optional(t.datetime) }))).toBe(true);
    expect(cast(Sales, t.dataframe())).toBe(true);
    expect(cast(t.dataframe(), Sales)).toBe(true);
    expect(cast(t.dataframe({ a: t.int }, { format: "arrow" }), t.dataframe({ a: t.int }, { format: "ARROW" }))).toBe(true);
    expect(cast(t.dataframe({ a: t.int }, { format: "arrow" }), t.dataframe({ a: t.int }, { format: "parquet" }))).toBe(false);
    expect(cast(t.dataframe(undefined, { format: "arrow" }), t.dataframe())).toBe(true);
    expect(cast(t.none, Sales)).toBe(false);
    expect(cast(Sales, t.file)).toBe(false);
  });

  it("a mismatch is a TypeMismatchError when the node is added, in both styles", () => {
    const makeDir = task({ name: "cast_make_dir", outputs: t.dir }, (): never => {
      throw new Error("not run");
    });
    const makeCsv = task({ name: "cast_make_csv", outputs: t.file({ format: "csv" }) }, (): never => {
      throw new Error("not run");
    });
    const makeSales = task({ name: "cast_make_sales", outputs: Sales }, (): never => {
      throw new Error("not run");
    });
    const takeFile = task({ name: "cast_take_file", inputs: { f: t.file } }, () => {});
    const takeJson = task({ name: "cast_take_json", inputs: { f: t.file({ format: "json" }) } }, () => {});
    const takeMore = task({ name: "cast_take_more", inputs: { df: t.dataframe({ region: t.str, units: t.int }) } }, () => {});
    expect(() =>
      workflow({ name: "cast_wf_dims" }, () => {
        takeFile({ f: makeDir() as never });
      }),
    ).toThrow(TypeMismatchError);
    expect(() =>
      workflow({ name: "cast_wf_format" }, () => {
        takeJson({ f: makeCsv() });
      }),
    ).toThrow(/input "f" of task "cast_take_json" expects file<json>, but n0.o0 is file<csv>/);
    expect(() =>
      workflow({ name: "cast_wf_columns" }, () => {
        takeMore({ df: makeSales() as never });
      }),
    ).toThrow(TypeMismatchError);
  });
});

describe("run-time validation", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aloft-blob-types-"));
  const csvPath = path.join(dir, "a.csv");
  writeFileSync(csvPath, "a\n1\n");
  const csv = AloftFile.fromPath(csvPath, { format: "csv" });
  const folder = AloftDirectory.fromPath(dir);

  it("a value must be a reference of the right class and format", () => {
    expect(validatorFor(t.file.literalType)(csv)).toBeUndefined();
    expect(validatorFor(t.file({ format: "csv" }).literalType)(csv)).toBeUndefined();
    expect(validatorFor(t.file({ format: "json" }).literalType)(csv)).toBe(`expected file<json>, got file<csv> ${csv.uri}`);
    expect(validatorFor(t.file({ format: "json" }).literalType)(AloftFile.fromPath(csvPath))).toBeUndefined();
    expect(validatorFor(t.dir.literalType)(csv)).toBe(`expected dir, got file<csv> ${csv.uri}`);
    expect(validatorFor(t.file.literalType)(folder)).toMatch(/^expected file, got dir file:\/\//);
    expect(validatorFor(t.file.literalType)(csvPath)).toMatch(/^expected file, got string/);
    expect(validatorFor(t.file.literalType)({ uri: csv.uri })).toMatch(/^expected file, got an object/);
  });

  it("a dataframe must have the declared columns when its columns are known", () => {
    const df = AloftDataFrame.fromUri("file:///data/sales.arrow", { format: "arrow", columns: [{ name: "region", literalType: { simple: "STRING" } }] });
    expect(validatorFor(t.dataframe({ region: t.str }).literalType)(df)).toBeUndefined();
    expect(validatorFor(Sales.literalType)(df)).toBe(`expected ${Sales.name}, got a dataframe with no column "amount" (columns: region) (file:///data/sales.arrow)`);
    expect(validatorFor(t.dataframe({ region: t.int }).literalType)(df)).toMatch(/column "region" is str, not int/);
    expect(validatorFor(t.dataframe(undefined, { format: "parquet" }).literalType)(df)).toMatch(/^expected dataframe<parquet>, got dataframe<arrow>/);
    expect(validatorFor(Sales.literalType)(AloftDataFrame.fromUri("file:///data/unknown.arrow"))).toBeUndefined();
    expect(validatorFor(Sales.literalType)(csv)).toMatch(/^expected dataframe/);
  });
});

describe("literals", () => {
  const file = AloftFile.fromUri("file:///data/points.csv", { format: "csv" });
  const folder = AloftDirectory.fromUri("file:///data/images");
  const frame = AloftDataFrame.fromUri<{ region: string }>("file:///data/sales.arrow", { format: "arrow", columns: [{ name: "region", literalType: { simple: "STRING" } }] });

  const cases: { name: string; type: AnyType; value: unknown; literal: Literal }[] = [
    { name: "file", type: t.file, value: file, literal: { scalar: { blob: { metadata: { type: { format: "csv" } }, uri: "file:///data/points.csv" } } } },
    {
      name: "file of any format",
      type: t.file,
      value: AloftFile.fromUri("file:///data/x.bin"),
      literal: { scalar: { blob: { metadata: { type: {} }, uri: "file:///data/x.bin" } } },
    },
    { name: "dir", type: t.dir, value: folder, literal: { scalar: { blob: { metadata: { type: { dimensionality: "MULTIPART" } }, uri: "file:///data/images" } } } },
    {
      name: "dataframe",
      type: t.dataframe({ region: t.str }),
      value: frame,
      literal: {
        scalar: {
          structuredDataset: { uri: "file:///data/sales.arrow", metadata: { structuredDatasetType: { columns: [{ name: "region", literalType: { simple: "STRING" } }], format: "arrow" } } },
        },
      },
    },
    {
      name: "optional file",
      type: t.optional(t.file),
      value: file,
      literal: { scalar: { union: { value: { scalar: { blob: { metadata: { type: { format: "csv" } }, uri: "file:///data/points.csv" } } }, type: { blob: {}, structure: { tag: "file" } } } } },
    },
    {
      name: "list of dirs",
      type: t.list(t.dir),
      value: [folder],
      literal: { collection: { literals: [{ scalar: { blob: { metadata: { type: { dimensionality: "MULTIPART" } }, uri: "file:///data/images" } } }] } },
    },
  ];

  it.each(cases)("$name: the reference, not the data, survives toLiteral, the protobuf wire and fromLiteral", ({ type, value, literal }) => {
    const l = toLiteral(type.literalType, value);
    expect(l).toStrictEqual(literal);
    expect(roundTrip("flyteidl.core.Literal", l)).toStrictEqual(asJson(l));
    expect(zeroValuedFields("flyteidl.core.Literal", l)).toEqual([]);
    const spec = throughWire("flyteidl.admin.LaunchPlanSpec", { fixedInputs: { literals: { v: l } } }) as { fixedInputs: { literals: { v: Literal } } };
    const back = fromLiteral(type.literalType, spec.fixedInputs.literals.v);
    expect(back).toStrictEqual(value);
    expect(validatorFor(type.literalType)(back)).toBeUndefined();
  });

  it("a literal's metadata decides the kind and format; the declared type fills what it lacks", () => {
    const untyped: Literal = { scalar: { blob: { uri: "file:///data/a.csv" } } };
    expect(fromLiteral(t.file({ format: "csv" }).literalType, untyped)).toStrictEqual(AloftFile.fromUri("file:///data/a.csv", { format: "csv" }));
    expect(fromLiteral(t.dir.literalType, untyped)).toBeInstanceOf(AloftDirectory);
    const sd: Literal = { scalar: { structuredDataset: { uri: "file:///data/s.arrow" } } };
    const df = fromLiteral(Sales.literalType, sd) as AloftDataFrame;
    expect(df.columns.map((c) => c.name)).toEqual(["region", "amount", "closed"]);
  });

  it("refuses URIs with dot segments or NUL bytes, and values that are not references", () => {
    const bad = (uri: string): Literal => ({ scalar: { blob: { metadata: { type: {} }, uri } } });
    expect(() => fromLiteral(t.file.literalType, bad("file:///store/../../etc/passwd"))).toThrow(BlobPathError);
    expect(() => fromLiteral(t.file.literalType, bad("file:///store/%2e%2e/etc/passwd"))).toThrow(BlobPathError);
    expect(() => fromLiteral(t.file.literalType, bad("file:///store/a%00.txt"))).toThrow(BlobPathError);
    expect(() => fromLiteral(t.file.literalType, bad("relative/path.txt"))).toThrow(BlobPathError);
    expect(() => toLiteral(t.file.literalType, "file:///data/a.csv")).toThrow(/needs a reference/);
    expect(() => toLiteral(t.dir.literalType, file)).toThrow(/needs a reference/);
  });

  it("constants compile to Blob and StructuredDataset literals a WorkflowSpec carries", () => {
    const sink = task({ name: "blob_const_sink", inputs: { f: t.file({ format: "csv" }), d: t.dir, s: t.dataframe({ region: t.str }) } }, () => {});
    const wf = workflow({ name: "blob_const_wf" }, () => {
      sink({ f: file, d: folder, s: frame });
    });
    const spec = compile(wf, TARGET);
    // Sorted by name, as flytekit's create_and_link_node writes them (core/promise.py).
    expect(nodesOf(spec)[0]?.inputs).toStrictEqual([
      { var: "d", binding: cases[2]!.literal },
      { var: "f", binding: cases[0]!.literal },
      { var: "s", binding: cases[3]!.literal },
    ]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
    const taskSpec = compile(sink, TARGET);
    expectProtoForm("flyteidl.admin.TaskSpec", taskSpec);
    const vars = (taskSpec as { template?: { interface?: { inputs?: { variables?: Record<string, { type?: LiteralType }> } } } }).template?.interface?.inputs?.variables;
    expect(vars?.["f"]?.type).toStrictEqual({ blob: { format: "csv" } });
    expect(vars?.["d"]?.type).toStrictEqual({ blob: { dimensionality: "MULTIPART" } });
    expect(vars?.["s"]?.type).toStrictEqual({ structuredDatasetType: { columns: [{ name: "region", literalType: { simple: "STRING" } }] } });
  });

  it("a constant of the wrong kind is refused when the node is added", () => {
    const sink = task({ name: "blob_const_wrong", inputs: { d: t.dir } }, () => {});
    expect(() =>
      workflow({ name: "blob_const_wrong_wf" }, () => {
        sink({ d: file as never });
      }),
    ).toThrow(/expects dir, but the constant does not fit: expected dir, got file<csv> file:\/\/\/data\/points.csv/);
  });
});

describe("cache keys", () => {
  const key = (inputs: Record<string, unknown>) => cacheKey({ task: "k", version: "1", interface: undefined, inputs, ignoredInputs: [] });

  it("depend on the reference (uri and format), not on the bytes", () => {
    const a = AloftFile.fromUri("file:///data/a.csv");
    expect(key({ f: a })).toBe(key({ f: AloftFile.fromUri("file:///data/a.csv") }));
    expect(key({ f: a })).not.toBe(key({ f: AloftFile.fromUri("file:///data/b.csv") }));
    expect(key({ f: a })).not.toBe(key({ f: AloftFile.fromUri("file:///data/a.csv", { format: "csv" }) }));
    expect(JSON.stringify(a)).toBe('{"uri":"file:///data/a.csv"}');
  });
});
