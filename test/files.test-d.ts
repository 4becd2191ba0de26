/**
 * Type-level tests of files, directories and dataframes: what TypeScript
 * infers for values and rows, and which bindings it rejects.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { Table } from "apache-arrow";
import { task, workflow, Workflow, t, AloftFile, type AloftDirectory, type AloftDataFrame, type AloftType, type ValueOf, type BlobWriter, type ArrowTable } from "aloft";

const Sales = t.dataframe({ region: t.str, amount: t.float, closed: t.optional(t.datetime) });
type SalesRow = { region: string; amount: number; closed?: Date | null };

describe("types of values", () => {
  it("t.file and t.dir are types and functions of options; t.dataframe types its rows", () => {
    expectTypeOf<ValueOf<typeof t.file>>().toEqualTypeOf<AloftFile>();
    expectTypeOf(t.file({ format: "csv" })).toEqualTypeOf<AloftType<AloftFile>>();
    expectTypeOf<ValueOf<typeof t.dir>>().toEqualTypeOf<AloftDirectory>();
    expectTypeOf(t.dir({ format: "zarr" })).toEqualTypeOf<AloftType<AloftDirectory>>();
    expectTypeOf(Sales).toEqualTypeOf<AloftType<AloftDataFrame<SalesRow>>>();
    expectTypeOf(t.dataframe()).toEqualTypeOf<AloftType<AloftDataFrame<Record<string, unknown>>>>();
    expectTypeOf(t.list(t.file)).toEqualTypeOf<AloftType<AloftFile[]>>();
    expectTypeOf(t.optional(t.dir)).toEqualTypeOf<AloftType<AloftDirectory | null>>();
    // @ts-expect-error format is the only option
    t.file({ fromat: "csv" });
    // @ts-expect-error columns are Aloft types
    t.dataframe({ a: "int" });
  });
});

describe("tasks", () => {
  it("receive references and ctx.blobs, and return references", () => {
    task({ name: "f", inputs: { f: t.file, d: t.dir, s: Sales }, outputs: [t.file, t.dir, Sales] }, async ({ f, d, s }, ctx) => {
      expectTypeOf(f).toEqualTypeOf<AloftFile>();
      expectTypeOf(d).toEqualTypeOf<AloftDirectory>();
      expectTypeOf(s).toEqualTypeOf<AloftDataFrame<SalesRow>>();
      expectTypeOf(ctx.blobs).toEqualTypeOf<BlobWriter>();
      expectTypeOf(await f.text()).toEqualTypeOf<string>();
      expectTypeOf(await f.bytes()).toEqualTypeOf<Uint8Array>();
      expectTypeOf(await d.list()).toEqualTypeOf<string[]>();
      expectTypeOf(await d.file("a.csv")).toEqualTypeOf<AloftFile>();
      expectTypeOf(await s.rows()).toEqualTypeOf<SalesRow[]>();
      expectTypeOf(await s.table()).toEqualTypeOf<ArrowTable>();
      expectTypeOf<ArrowTable>().toMatchTypeOf<Table>();
      const out = await ctx.blobs.writeFile("a.csv", "a,b", { format: "csv" });
      const dir = await ctx.blobs.newDirectory("d");
      const df = await ctx.blobs.writeDataFrame(Sales, [{ region: "n", amount: 1 }]);
      expectTypeOf(df).toEqualTypeOf<AloftDataFrame<SalesRow>>();
      // @ts-expect-error rows must have the declared column types
      await ctx.blobs.writeDataFrame(Sales, [{ region: "n", amount: "1" }]);
      // @ts-expect-error rows must have the non-optional columns
      await ctx.blobs.writeDataFrame(Sales, [{ region: "n" }]);
      return [out, await dir.done(), df];
    });
    // @ts-expect-error a file output cannot return a directory
    task({ name: "g", outputs: t.file }, async (_i, ctx) => (await ctx.blobs.newDirectory("d")).done());
    // @ts-expect-error a file output cannot return a path string
    task({ name: "h", outputs: t.file }, () => "/tmp/a.csv");
  });
});

describe("bindings", () => {
  const makeFile = task({ name: "make_file", outputs: t.file }, (_i, ctx) => ctx.blobs.writeFile("a", "a"));
  const makeDir = task({ name: "make_dir", outputs: t.dir }, async (_i, ctx) => (await ctx.blobs.newDirectory("d")).done());
  const makeSales = task({ name: "make_sales", outputs: Sales }, (_i, ctx) => ctx.blobs.writeDataFrame(Sales, []));
  const takeFile = task({ name: "take_file", inputs: { f: t.file({ format: "csv" }) } }, () => {});
  const takeDir = task({ name: "take_dir", inputs: { d: t.dir } }, () => {});
  const takeAmounts = task({ name: "take_amounts", inputs: { s: t.dataframe({ amount: t.float }) } }, () => {});
  const takeMore = task({ name: "take_more", inputs: { s: t.dataframe({ amount: t.float, units: t.int }) } }, () => {});

  it("accept references and handles of the same kind; a dataframe binds where a subset of its columns is expected", () => {
    workflow({ name: "ok" }, () => {
      takeFile({ f: makeFile() });
      takeFile({ f: AloftFile.fromUri("file:///data/a.csv") });
      takeDir({ d: makeDir() });
      takeAmounts({ s: makeSales() });
    });
    const wf = new Workflow("ok_imp");
    const f = wf.addWorkflowInput("f", t.file);
    wf.addEntity(takeFile, { f });
  });

  it("reject a file for a directory, a directory for a file, and a dataframe missing columns", () => {
    workflow({ name: "bad" }, () => {
      // @ts-expect-error a directory does not bind to a file input
      takeFile({ f: makeDir() });
      // @ts-expect-error a file does not bind to a directory input
      takeDir({ d: makeFile() });
      // @ts-expect-error a path is not a file reference
      takeFile({ f: "/data/a.csv" });
      // @ts-expect-error the dataframe has no "units" column
      takeMore({ s: makeSales() });
    });
  });
});
