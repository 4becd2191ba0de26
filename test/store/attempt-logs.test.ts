/** The attempt log port's one suite, run against every implementation. */
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AttemptLogError, DirectoryAttemptLogs, MemoryAttemptLogs, type AttemptLogStore, type AttemptRecord } from "../../src/store/attempt-logs.js";
import { PostgresAttemptLogs } from "../../src/store/postgres/attempt-logs.js";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres-store.js";
import { usePostgresDatabase } from "../helpers/postgres.js";

const record = (over: Partial<AttemptRecord> = {}): AttemptRecord => ({
  executionId: "a1b2c3",
  path: "n1",
  attempt: 1,
  systemAttempt: 0,
  workerId: "w1",
  startedAt: 1000,
  endedAt: 1500,
  outcome: "succeeded",
  lines: [{ stream: "stdout", at: 1100, text: "hello\n" }],
  droppedBytes: 0,
  ...over,
});

const db = usePostgresDatabase("attempt-logs");
const opened: PostgresStore[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});

const implementations: [string, () => AttemptLogStore | Promise<AttemptLogStore>][] = [
  ["MemoryAttemptLogs", () => new MemoryAttemptLogs()],
  ["DirectoryAttemptLogs", () => new DirectoryAttemptLogs(mkdtempSync(path.join(tmpdir(), "aloft-attempt-logs-")))],
  [
    "PostgresAttemptLogs",
    async () => {
      // Each test gets a new, empty schema (its table comes with the store's migrations).
      const store = await openPostgresStore(db.url(), { schema: `logs_${opened.length + 1}`, poolSize: 2 });
      opened.push(store);
      return new PostgresAttemptLogs(store.pool);
    },
  ],
];

describe.each(implementations)("%s", (_name, make) => {
  it("gives back what was put, per node, oldest attempt first; summaries without the lines", async () => {
    const logs = await make();
    await logs.put(record({ attempt: 2, outcome: "failed", error: "boom", lines: [{ stream: "stderr", at: 1, text: "bad\n" }] }));
    await logs.put(record());
    await logs.put(record({ path: "n2/n0[12]", lines: [] }));
    await logs.put(record({ executionId: "other" }));
    expect((await logs.records("a1b2c3", "n1")).map((r) => [r.attempt, r.outcome, r.error, r.lines])).toEqual([
      [1, "succeeded", undefined, [{ stream: "stdout", at: 1100, text: "hello\n" }]],
      [2, "failed", "boom", [{ stream: "stderr", at: 1, text: "bad\n" }]],
    ]);
    const all = await logs.list("a1b2c3");
    expect(all.map((s) => [s.path, s.attempt, s.logBytes])).toEqual([
      ["n1", 1, 6],
      ["n1", 2, 4],
      ["n2/n0[12]", 1, 0],
    ]);
    expect(all[0]).not.toHaveProperty("lines");
    expect((await logs.list("a1b2c3", "n2/n0[12]")).length).toBe(1);
    expect(await logs.list("nothing-here")).toEqual([]);
  });

  it("replaces a record put again for the same attempt; keeps a system retry apart", async () => {
    const logs = await make();
    await logs.put(record());
    await logs.put(record({ outcome: "failed", error: "again" }));
    await logs.put(record({ systemAttempt: 1 }));
    expect((await logs.records("a1b2c3", "n1")).map((r) => [r.systemAttempt, r.outcome])).toEqual([
      [0, "failed"],
      [1, "succeeded"],
    ]);
  });

  it("refuses a record without its keys, naming what is missing", async () => {
    const logs = await make();
    await expect(logs.put(record({ path: "" }))).rejects.toThrow(AttemptLogError);
    await expect(logs.put(record({ attempt: 0 }))).rejects.toThrow(/attempt of a1b2c3 n1 must be a whole number from 1/);
  });
});

describe("DirectoryAttemptLogs", () => {
  it("writes nothing outside its directory: node paths are kept inside the execution's file, execution ids must be plain names", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "aloft-attempt-logs-"));
    const logs = new DirectoryAttemptLogs(root);
    await logs.put(record({ path: "../../escape" }));
    expect(readdirSync(root)).toEqual(["a1b2c3"]);
    expect(readdirSync(path.join(root, "a1b2c3"))).toEqual(["attempts.jsonl"]);
    expect((await logs.records("a1b2c3", "../../escape")).map((r) => r.path)).toEqual(["../../escape"]);
    for (const id of ["../x", "a/b", ".", ".."]) await expect(logs.put(record({ executionId: id }))).rejects.toThrow(AttemptLogError);
    await expect(logs.list("../x")).rejects.toThrow(/is not an execution id/);
  });

  it("skips a record torn by a crash while it was written, and the next record put (by this process or another) starts a line of its own", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "aloft-attempt-logs-"));
    const logs = new DirectoryAttemptLogs(root);
    await logs.put(record());
    logs.close();
    // What a crash in the middle of a write leaves: part of a line, no newline.
    appendFileSync(path.join(root, "a1b2c3", "attempts.jsonl"), JSON.stringify(["n1", record({ attempt: 3 })]).slice(0, 40));
    expect((await logs.list("a1b2c3")).map((a) => a.attempt)).toEqual([1]);
    const other = new DirectoryAttemptLogs(root);
    await other.put(record({ attempt: 2 }));
    expect((await logs.list("a1b2c3")).map((a) => a.attempt)).toEqual([1, 2]);
    await logs.put(record({ outcome: "failed", error: "boom" }));
    expect(await other.records("a1b2c3", "n1")).toEqual([record({ outcome: "failed", error: "boom" }), record({ attempt: 2 })]);
    other.close();
    logs.close();
  });

  it("reads the records older versions kept, one file per attempt, and one appended since replaces its attempt's", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "aloft-attempt-logs-"));
    mkdirSync(path.join(root, "a1b2c3"));
    // As older versions wrote them: `<node path, URI-encoded>@<attempt>.<systemAttempt>.json`, and one half written.
    writeFileSync(path.join(root, "a1b2c3", "n2%2Fn0@1.0.json"), JSON.stringify(record({ path: "n2/n0" })));
    writeFileSync(path.join(root, "a1b2c3", "n1@1.0.json"), JSON.stringify(record({ outcome: "failed", error: "old" })));
    writeFileSync(path.join(root, "a1b2c3", "n1@2.0.json"), JSON.stringify(record({ attempt: 2 })).slice(0, 30));
    const logs = new DirectoryAttemptLogs(root);
    expect((await logs.list("a1b2c3")).map((a) => [a.path, a.attempt, a.outcome])).toEqual([
      ["n1", 1, "failed"],
      ["n2/n0", 1, "succeeded"],
    ]);
    await logs.put(record());
    expect((await logs.records("a1b2c3", "n1")).map((r) => [r.attempt, r.outcome])).toEqual([[1, "succeeded"]]);
    expect((await logs.records("a1b2c3", "n2/n0")).map((r) => r.path)).toEqual(["n2/n0"]);
    logs.close();
  });

  it("writes again after its execution's directory was removed while its file was open", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "aloft-attempt-logs-"));
    const logs = new DirectoryAttemptLogs(root);
    await logs.put(record());
    rmSync(path.join(root, "a1b2c3"), { recursive: true });
    await logs.put(record({ attempt: 2 }));
    expect((await logs.list("a1b2c3")).map((a) => a.attempt)).toEqual([2]);
    logs.close();
  });

  it("keeps records of many executions though it keeps only a few files open", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "aloft-attempt-logs-"));
    const logs = new DirectoryAttemptLogs(root);
    const ids = Array.from({ length: 40 }, (_, i) => `e${i}`);
    for (const round of [1, 2]) for (const executionId of ids) await logs.put(record({ executionId, attempt: round }));
    for (const executionId of ids) expect((await logs.list(executionId)).map((a) => a.attempt)).toEqual([1, 2]);
    logs.close();
  });
});
