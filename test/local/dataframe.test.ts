/**
 * Dataframes in the local runner: typed columns written from rows or Arrow
 * tables, read back as rows and tables across tasks, checked against the
 * declared columns, and kept by the output cache.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Float64, Int32, Table, tableFromArrays, tableToIPC, Utf8, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  AloftDataFrame,
  BlobAccessError,
  DataFrameError,
  ExecutionError,
  InputValueError,
  LocalBlobStore,
  TypeMismatchError,
  Workflow,
  t,
  task,
  workflow,
} from "aloft";
import { rejection } from "../helpers/rejection.js";

function tempDir(prefix = "aloft-df-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

const Sales = t.dataframe({ region: t.str, amount: t.float, units: t.int, closed: t.optional(t.datetime), open: t.bool, lead: t.duration });
const rows = [
  { region: "north", amount: 12.5, units: 3, closed: new Date("2024-05-01T10:00:00.000Z"), open: false, lead: 1500 },
  { region: "south", amount: 7.25, units: 9007199254740991, closed: null, open: true, lead: 0.5 },
  { region: "", amount: -1, units: -4, open: true, lead: 86_400_000 },
];
const expectedRows = rows.map((r) => ({ ...r, closed: r.closed ?? null }));

const writeSales = task({ name: "df_write_sales", outputs: Sales }, (_i, ctx) => ctx.blobs.writeDataFrame(Sales, rows));
const readSales = task({ name: "df_read_sales", inputs: { sales: Sales }, outputs: { total: t.float, regions: t.list(t.str), units: t.list(t.int) } }, async ({ sales }) => {
  const all = await sales.rows();
  return { total: all.reduce((s, r) => s + r.amount, 0), regions: all.map((r) => r.region), units: all.map((r) => r.units) };
});

describe("dataframes with typed columns, across tasks", () => {
  it("declarative: rows written by one task are read by the next, with their types", async () => {
    const wf = workflow({ name: "df_decl" }, () => {
      const sales = writeSales();
      const summary = readSales({ sales });
      return { sales, total: summary.total, regions: summary.regions, units: summary.units };
    });
    const out = await wf.run();
    expect([out.total, out.regions, out.units]).toEqual([18.75, ["north", "south", ""], [3, 9007199254740991, -4]]);
    expect(out.sales).toBeInstanceOf(AloftDataFrame);
    expect(out.sales.format).toBe("arrow");
    expect(out.sales.columns.map((c) => c.name)).toEqual(["region", "amount", "units", "closed", "open", "lead"]);
    expect(await out.sales.rows()).toEqual(expectedRows);
  });

  it("imperative: the same, and the stored Arrow table has the column types of the declaration", async () => {
    const wf = new Workflow("df_imp");
    const n0 = wf.addEntity(writeSales, {});
    const n1 = wf.addEntity(readSales, { sales: n0.outputs.o0 });
    wf.addWorkflowOutput("total", n1.outputs.total);
    wf.addWorkflowOutput("sales", n0.outputs.o0);
    const out = await wf.run({});
    expect(out["total"]).toBe(18.75);
    const table = await (out["sales"] as AloftDataFrame).table();
    expect(table.numRows).toBe(3);
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual([
      "region:Utf8:false",
      "amount:Float64:false",
      "units:Int64:false",
      "closed:Timestamp<MILLISECOND, UTC>:true",
      "open:Bool:false",
      "lead:Duration<NANOSECOND>:false",
    ]);
    expect([...(table.getChild("amount")?.toArray() as Float64Array)]).toEqual([12.5, 7.25, -1]);
  });

  it("a task declaring a subset of the columns takes the dataframe; it reads every stored column", async () => {
    const amounts = task({ name: "df_amounts", inputs: { s: t.dataframe({ amount: t.float }) }, outputs: t.list(t.float) }, async ({ s }) => (await s.rows()).map((r) => r.amount));
    const wf = workflow({ name: "df_subset" }, () => amounts({ s: writeSales() }));
    await expect(wf.run()).resolves.toEqual({ o0: [12.5, 7.25, -1] });
  });

  it("an Arrow table is written after its columns are re-typed to the declaration", async () => {
    const Counts = t.dataframe({ word: t.str, n: t.int, share: t.optional(t.float) });
    const fromTable = task({ name: "df_from_table", outputs: Counts }, (_i, ctx) =>
      ctx.blobs.writeDataFrame(
        Counts,
        new Table({
          word: vectorFromArray(["a", "b"]), // dictionary-encoded strings
          n: vectorFromArray([1, 2], new Int32()),
          share: vectorFromArray([0.5, null], new Float64()),
        }),
      ),
    );
    const back = task({ name: "df_table_rows", inputs: { c: Counts }, outputs: t.list(t.str) }, async ({ c }) => (await c.rows()).map((r) => `${r.word}=${r.n}/${String(r.share)}`));
    const wf = workflow({ name: "df_table" }, () => back({ c: fromTable() }));
    await expect(wf.run()).resolves.toEqual({ o0: ["a=1/0.5", "b=2/null"] });
  });

  it("an untyped dataframe takes a table as it is, and binds to a typed input after a check of its columns", async () => {
    const anyFrame = task({ name: "df_any", inputs: { withAmount: t.bool }, outputs: t.dataframe() }, ({ withAmount }, ctx) => {
      const table: Table = withAmount ? tableFromArrays({ region: ["x"], amount: Float64Array.of(2) }) : tableFromArrays({ region: ["x"] });
      return ctx.blobs.writeDataFrame(t.dataframe(), table);
    });
    const total = task({ name: "df_any_total", inputs: { s: t.dataframe({ amount: t.float }) }, outputs: t.float }, async ({ s }) => (await s.rows()).reduce((a, r) => a + r.amount, 0));
    const wf = workflow({ name: "df_untyped", inputs: { withAmount: t.bool } }, ({ withAmount }) => total({ s: anyFrame({ withAmount }) as never }));
    await expect(wf.run({ withAmount: true })).resolves.toEqual({ o0: 2 });
    const e = await rejection(wf.run({ withAmount: false }));
    expect(e).toBeInstanceOf(ExecutionError);
    expect((e as ExecutionError).cause).toBeInstanceOf(InputValueError);
    expect(String((e as ExecutionError).cause)).toMatch(/no column "amount" \(columns: region\)/);
  });
});

describe("checks", () => {
  it("binding a dataframe without a declared column fails when the node is added", () => {
    const needsMore = task({ name: "df_needs_more", inputs: { s: t.dataframe({ amount: t.float, discount: t.float }) } }, () => {});
    expect(() =>
      workflow({ name: "df_needs_more_wf" }, () => {
        needsMore({ s: writeSales() as never });
      }),
    ).toThrow(TypeMismatchError);
    const wrongType = task({ name: "df_wrong_type", inputs: { s: t.dataframe({ units: t.str }) } }, () => {});
    expect(() =>
      workflow({ name: "df_wrong_type_wf" }, () => {
        wrongType({ s: writeSales() as never });
      }),
    ).toThrow(/expects dataframe\{units: str\}/);
  });

  it("rows that do not fit the columns are a DataFrameError naming row and column", async () => {
    const store = new LocalBlobStore(path.join(tempDir(), "blobs"));
    const T = t.dataframe({ a: t.int, b: t.optional(t.str) });
    const cases: [unknown[], RegExp][] = [
      [[{ a: 1.5 }], /row 0, column "a": expected int, got number 1.5/],
      [[{ a: 1 }, { a: null }], /row 1, column "a": expected int, got null \(declare the column t.optional/],
      [[{ a: 1, c: 2 }], /row 0 has a field "c" that is not a column \(columns: a, b\)/],
      [[{ a: 1, b: 2 }], /row 0, column "b": expected str, got number 2/],
      [["x"], /row 0 is not a record/],
    ];
    for (const [data, message] of cases) {
      const e = await rejection(store.writeDataFrame(T, data as never));
      expect(e).toBeInstanceOf(DataFrameError);
      expect(String(e)).toMatch(message);
    }
    await expect(store.writeDataFrame(T, tableFromArrays({ a: Int32Array.of(1), z: ["x"] }) as never)).rejects.toThrow(/columns the type does not declare: z/);
    await expect(store.writeDataFrame(T, tableFromArrays({ b: ["x"] }) as never)).rejects.toThrow(/no column "a"/);
    await expect(store.writeDataFrame(T, tableFromArrays({ a: ["x"] }) as never)).rejects.toThrow(/column "a" is of Arrow type Dictionary<Int32, Utf8>, but int is declared/);
    await expect(store.writeDataFrame(T, new Table({ a: vectorFromArray([1, null], new Int32()) }) as never)).rejects.toThrow(/column "a" has 1 null values/);
    await expect(store.writeDataFrame(t.dataframe(), [{ a: 1 }])).rejects.toThrow(/declares no columns/);
    await expect(store.writeDataFrame(t.dataframe({ a: t.int }, { format: "parquet" }), [{ a: 1 }])).rejects.toThrow(/Aloft writes dataframes as Arrow IPC files/);
    await expect(store.writeDataFrame(T, "rows" as never)).rejects.toThrow(/takes rows/);
  });

  it("reading: unsafe integers and other formats are refused with a clear error", async () => {
    const dir = tempDir();
    const p = path.join(dir, "big.arrow");
    writeFileSync(p, tableToIPC(tableFromArrays({ big: BigInt64Array.of(2n ** 60n) }), "file"));
    const df = await AloftDataFrame.fromPath(p);
    expect(df.columns).toEqual([{ name: "big", literalType: { simple: "INTEGER" } }]);
    await expect(df.rows()).rejects.toThrow(/1152921504606846976 is not a safe integer; read it with table\(\)/);
    expect((await df.table()).getChild("big")?.get(0)).toBe(2n ** 60n);
    await expect(AloftDataFrame.fromUri(`file://${p}`, { format: "parquet" }).rows()).rejects.toThrow(/stored as parquet/);
    const notArrow = path.join(dir, "x.arrow");
    writeFileSync(notArrow, "not arrow");
    await expect(AloftDataFrame.fromPath(notArrow)).rejects.toThrow(BlobAccessError);
    await expect(AloftDataFrame.fromUri(`file://${notArrow}`).table()).rejects.toThrow(/cannot be read as an Arrow IPC file/);
  });

  it("a user's Arrow file is referenced with the columns of its schema, and checked against a type", async () => {
    const dir = tempDir();
    const p = path.join(dir, "sales.arrow");
    const table = new Table({ region: vectorFromArray(["n", "s"], new Utf8()), amount: vectorFromArray([1, 2], new Float64()) });
    writeFileSync(p, tableToIPC(table, "file"));
    const sales = await AloftDataFrame.fromPath(p, { type: t.dataframe({ amount: t.optional(t.float) }) });
    expect(sales.uri).toBe(`file://${p}`);
    const total = task({ name: "df_user_total", inputs: { s: t.dataframe({ amount: t.optional(t.float) }) }, outputs: t.float }, async ({ s }) =>
      (await s.rows()).reduce((a, r) => a + (r.amount ?? 0), 0),
    );
    await expect(total.run({ s: sales })).resolves.toEqual({ o0: 3 });
    await expect(AloftDataFrame.fromPath(p, { type: t.dataframe({ units: t.int }) })).rejects.toThrow(/does not fit dataframe\{units: int\}: no column "units"/);
    // The fields of a Table made from vectors are nullable, so their columns are optional.
    expect(sales.columns.map((c) => c.literalType)).toEqual([t.optional(t.str).literalType, t.optional(t.float).literalType]);
    await expect(total.run({ s: await AloftDataFrame.fromPath(p) })).resolves.toEqual({ o0: 3 });
    const strict = task({ name: "df_user_strict", inputs: { s: t.dataframe({ amount: t.float }) } }, () => {});
    await expect(strict.run({ s: await AloftDataFrame.fromPath(p) })).rejects.toThrow(/column "amount" is optional<float>, not float/);
  });
});

describe("the output cache", () => {
  it("a cached task returning a dataframe hits the cache, and the data stays readable", async () => {
    const cacheDir = tempDir("aloft-df-cache-");
    let calls = 0;
    const cached = task({ name: "df_cached", outputs: Sales, cache: { version: "1" } }, (_i, ctx) => {
      calls++;
      return ctx.blobs.writeDataFrame(Sales, rows);
    });
    const workDir = tempDir();
    const first = await cached.run({}, { cacheDir, workDir });
    rmSync(workDir, { recursive: true, force: true });
    const second = await cached.run({}, { cacheDir });
    expect(calls).toBe(1);
    expect(second.o0.uri).toBe(first.o0.uri);
    expect(second.o0.columns).toEqual(first.o0.columns);
    expect(await second.o0.rows()).toEqual(expectedRows);
  });
});
