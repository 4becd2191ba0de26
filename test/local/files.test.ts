/**
 * Files and directories in the local runner: written by one task and read by
 * the next (both workflow styles), passed by reference, kept inside the run's
 * blob store, and kept readable by the output cache.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  AloftDirectory,
  AloftFile,
  BlobAccessError,
  BlobPathError,
  ExecutionError,
  LaunchPlan,
  LocalBlobStore,
  OutputValueError,
  Workflow,
  t,
  task,
  workflow,
  type NodeExecution,
} from "aloft";
import { rejection } from "../helpers/rejection.js";

function tempDir(prefix = "aloft-files-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every regular file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const localPath = (uri: string) => fileURLToPath(uri);

const writeNote = task({ name: "files_write_note", inputs: { text: t.str }, outputs: t.file({ format: "txt" }) }, ({ text }, ctx) =>
  ctx.blobs.writeFile("notes/note.txt", text, { format: "txt" }),
);
const shout = task({ name: "files_shout", inputs: { f: t.file({ format: "txt" }) }, outputs: t.str }, async ({ f }) => (await f.text()).toUpperCase());

describe("a file written by one task and read by the next", () => {
  it("declarative: the file lives in the run's blob store, under the working area", async () => {
    const workDir = tempDir();
    const wf = workflow({ name: "files_decl", inputs: { text: t.str } }, ({ text }) => {
      const f = writeNote({ text });
      return { loud: shout({ f }), f };
    });
    const out = await wf.run({ text: "hello" }, { workDir });
    expect(out.loud).toBe("HELLO");
    expect(out.f).toBeInstanceOf(AloftFile);
    expect(out.f.format).toBe("txt");
    expect(out.f.name).toBe("note.txt");
    expect(localPath(out.f.uri).startsWith(path.join(workDir, "blobs") + path.sep)).toBe(true);
    expect(await out.f.text()).toBe("hello");
    expect(filesUnder(path.join(workDir, "blobs"))).toHaveLength(1);
    // Written blobs are sealed: read-only for everyone.
    expect(statSync(localPath(out.f.uri)).mode & 0o222).toBe(0);
  });

  it("imperative: the same tasks wired with Workflow", async () => {
    const wf = new Workflow("files_imp");
    const text = wf.addWorkflowInput("text", t.str);
    const n0 = wf.addEntity(writeNote, { text });
    const n1 = wf.addEntity(shout, { f: n0.outputs.o0 });
    wf.addWorkflowOutput("loud", n1.outputs.o0);
    wf.addWorkflowOutput("f", n0.outputs.o0);
    const out = await wf.run({ text: "imperative" });
    expect(out["loud"]).toBe("IMPERATIVE");
    expect(await (out["f"] as AloftFile).text()).toBe("imperative");
  });

  it("a user's file is referenced where it is, as an input, a constant or a launch-plan default", async () => {
    const dir = tempDir();
    const p = path.join(dir, "given.txt");
    writeFileSync(p, "given");
    const given = AloftFile.fromPath(p, { format: "txt" });
    expect(given.uri).toBe(`file://${p}`);
    const workDir = tempDir();
    await expect(shout.run({ f: given }, { workDir })).resolves.toEqual({ o0: "GIVEN" });
    expect(existsSync(path.join(workDir, "blobs"))).toBe(false);

    const constant = workflow({ name: "files_constant" }, () => shout({ f: given }));
    await expect(constant.run()).resolves.toEqual({ o0: "GIVEN" });

    const wf = workflow({ name: "files_lp", inputs: { f: t.file({ format: "txt" }) } }, ({ f }) => shout({ f }));
    const lp = LaunchPlan.create("files_lp_default", wf, { defaultInputs: { f: given } });
    await expect(lp.run({})).resolves.toEqual({ o0: "GIVEN" });
  });

  it("a task returning the wrong kind of reference fails with OutputValueError", async () => {
    const wrong = task({ name: "files_wrong_kind", outputs: t.dir }, (_inputs, ctx) => ctx.blobs.writeFile("x.txt", "x") as never);
    const e = await rejection(workflow({ name: "files_wrong_kind_wf" }, () => wrong()).run());
    expect(e).toBeInstanceOf(ExecutionError);
    expect((e as ExecutionError).cause).toBeInstanceOf(OutputValueError);
    expect(String((e as ExecutionError).cause)).toMatch(/expected dir, got file file:\/\//);
  });
});

describe("directories", () => {
  const makeReport = task({ name: "files_make_report", inputs: { n: t.int }, outputs: t.dir({ format: "report" }) }, async ({ n }, ctx) => {
    const dir = await ctx.blobs.newDirectory("report", { format: "report" });
    for (let i = 0; i < n; i++) await dir.writeFile(`part-${i}.txt`, `part ${i}`);
    await dir.writeFile("data/deep/values.csv", "a,b\n1,2\n");
    // A tool may also write by path.
    await writeFile(path.join(dir.path, "tool.log"), "written by a tool");
    return dir.done();
  });
  const readReport = task({ name: "files_read_report", inputs: { d: t.dir }, outputs: t.map(t.str) }, async ({ d }) => {
    const out: Record<string, string> = {};
    for (const name of await d.list()) out[name] = await (await d.file(name)).text();
    return out;
  });

  it("carry several files, nested, from one task to the next", async () => {
    const wf = workflow({ name: "files_dirs", inputs: { n: t.int } }, ({ n }) => {
      const d = makeReport({ n });
      return { files: readReport({ d }), d };
    });
    const out = await wf.run({ n: 3 });
    expect(out.files).toEqual({
      "data/deep/values.csv": "a,b\n1,2\n",
      "part-0.txt": "part 0",
      "part-1.txt": "part 1",
      "part-2.txt": "part 2",
      "tool.log": "written by a tool",
    });
    expect(out.d).toBeInstanceOf(AloftDirectory);
    expect(out.d.format).toBe("report");
    expect(out.d.name).toBe("report");
    const deep = await out.d.file("data/deep/values.csv", { format: "csv" });
    expect(deep.format).toBe("csv");
    expect(statSync(await deep.path()).mode & 0o222).toBe(0);
  });

  it("a user's directory is listed, and a file that is not there is a BlobAccessError", async () => {
    const root = tempDir();
    mkdirSync(path.join(root, "sub"));
    writeFileSync(path.join(root, "a.txt"), "a");
    writeFileSync(path.join(root, "sub", "b.txt"), "b");
    symlinkSync(path.join(root, "a.txt"), path.join(root, "inside-link"));
    symlinkSync(path.join(root, "sub"), path.join(root, "dir-link"));
    const out = await readReport.run({ d: AloftDirectory.fromPath(root) });
    expect(out.o0).toEqual({ "a.txt": "a", "inside-link": "a", "sub/b.txt": "b" });
    await expect(AloftDirectory.fromPath(root).file("missing.txt")).rejects.toThrow(BlobAccessError);
    await expect(AloftDirectory.fromPath(root).file("sub")).rejects.toThrow(/is not a file/);
    expect(() => AloftDirectory.fromPath(path.join(root, "a.txt"))).toThrow(/is not a directory/);
    expect(() => AloftFile.fromPath(root)).toThrow(/is not a file/);
    expect(() => AloftFile.fromPath(path.join(root, "nope.txt"))).toThrow(BlobAccessError);
  });
});

describe("paths never leave the blob store or the directory", () => {
  const store = () => new LocalBlobStore(path.join(tempDir("aloft-store-"), "blobs"));
  const badNames = ["../escape.txt", "a/../../escape.txt", "/etc/passwd", "./a.txt", "a//b.txt", "a\\b.txt", "C:/x.txt", "a\0b.txt", ""];

  it.each(badNames)("writeFile(%j) is a BlobPathError naming the value", async (name) => {
    const s = store();
    const e = await rejection(s.writeFile(name, "x"));
    expect(e).toBeInstanceOf(BlobPathError);
    expect((e as BlobPathError).value).toBe(name);
    expect(filesUnder(path.dirname(s.root))).toEqual([]);
  });

  it("names inside a new directory, and names asked of a directory, are checked the same way", async () => {
    const s = store();
    const dir = await s.newDirectory("d");
    await expect(dir.writeFile("../../outside.txt", "x")).rejects.toThrow(BlobPathError);
    await expect(dir.writeFile("/tmp/outside.txt", "x")).rejects.toThrow(BlobPathError);
    await dir.writeFile("ok.txt", "ok");
    const done = await dir.done();
    await expect(done.file("../ok.txt")).rejects.toThrow(BlobPathError);
    await expect(done.file("/etc/passwd")).rejects.toThrow(BlobPathError);
    await expect(dir.writeFile("late.txt", "x")).rejects.toThrow(/is done/);
    await expect(s.newDirectory("../d")).rejects.toThrow(BlobPathError);
    await expect(s.newFile("/abs")).rejects.toThrow(BlobPathError);
    await expect(s.writeDataFrame(t.dataframe({ a: t.int }), [{ a: 1 }], { name: "../df.arrow" })).rejects.toThrow(BlobPathError);
  });

  it("a symbolic link leading outside is refused: when writing through it, when sealing, when listing and reading", async () => {
    const outside = tempDir("aloft-outside-");
    writeFileSync(path.join(outside, "secret.txt"), "secret");
    const s = store();

    const through = await s.newDirectory("through");
    symlinkSync(outside, path.join(through.path, "sub"));
    const e = await rejection(through.writeFile("sub/planted.txt", "x"));
    expect(e).toBeInstanceOf(BlobPathError);
    expect((e as BlobPathError).value).toBe("sub/planted.txt");
    expect(existsSync(path.join(outside, "planted.txt"))).toBe(false);

    const sealing = await s.newDirectory("sealing");
    symlinkSync(path.join(outside, "secret.txt"), path.join(sealing.path, "leak.txt"));
    await expect(sealing.done()).rejects.toThrow(/leak.txt .* is a symbolic link to .*secret.txt, outside the directory/);

    const user = tempDir("aloft-user-dir-");
    writeFileSync(path.join(user, "fine.txt"), "fine");
    symlinkSync(path.join(outside, "secret.txt"), path.join(user, "leak.txt"));
    const d = AloftDirectory.fromPath(user);
    await expect(d.list()).rejects.toThrow(BlobPathError);
    const read = await rejection(d.file("leak.txt"));
    expect(read).toBeInstanceOf(BlobPathError);
    expect(String(read)).toMatch(/resolves to .*secret.txt, outside/);
    expect(await (await d.file("fine.txt")).text()).toBe("fine");

    const planted = await s.newFile("planted.txt");
    symlinkSync(path.join(outside, "secret.txt"), planted.path);
    await expect(planted.done()).rejects.toThrow(/must be a regular file/);
  });

  it("a task that tries is failed with the BlobPathError as cause", async () => {
    const escape = task({ name: "files_escape", outputs: t.file }, (_i, ctx) => ctx.blobs.writeFile("../../escape.txt", "x"));
    const e = await rejection(workflow({ name: "files_escape_wf" }, () => escape()).run());
    expect(e).toBeInstanceOf(ExecutionError);
    expect((e as ExecutionError).cause).toBeInstanceOf(BlobPathError);
  });

  it("URIs this runner cannot read are a BlobAccessError, not a guess", async () => {
    await expect(AloftFile.fromUri("s3://bucket/key.csv").text()).rejects.toThrow(BlobAccessError);
    await expect(AloftFile.fromUri("file://otherhost/data.csv").text()).rejects.toThrow(/not a local file/);
    await expect(AloftFile.fromUri("file:///no/such/file.csv").bytes()).rejects.toThrow(BlobAccessError);
  });
});

describe("large data passes by reference", () => {
  const FIVE_MB = 5 * 1024 * 1024;
  const produce = task({ name: "files_big_produce", outputs: t.file }, (_i, ctx) => ctx.blobs.writeFile("big.bin", new Uint8Array(FIVE_MB).fill(7)));
  const inspect = task({ name: "files_big_inspect", inputs: { f: t.file }, outputs: { uri: t.str, size: t.int } }, async ({ f }) => ({
    uri: f.uri,
    size: statSync(await f.path()).size,
  }));

  it("a 5 MB file written by one task reaches the next as the same URI, stored once", async () => {
    const workDir = tempDir();
    const wf = workflow({ name: "files_big" }, () => {
      const f = produce();
      const seen = inspect({ f });
      return { f, uri: seen.uri, size: seen.size };
    });
    const out = await wf.run({}, { workDir });
    expect(out.size).toBe(FIVE_MB);
    expect(out.uri).toBe(out.f.uri);
    expect(filesUnder(path.join(workDir, "blobs"))).toHaveLength(1);
  });

  it("a user's 5 MB file is not copied into the store", async () => {
    const dir = tempDir();
    const p = path.join(dir, "big.bin");
    writeFileSync(p, new Uint8Array(FIVE_MB));
    const workDir = tempDir();
    const given = AloftFile.fromPath(p);
    const out = await inspect.run({ f: given }, { workDir });
    expect(out.uri).toBe(given.uri);
    expect(existsSync(path.join(workDir, "blobs"))).toBe(false);
  });
});

describe("the output cache", () => {
  const statuses = (nodes: NodeExecution[]) => nodes.map((n) => [n.entity, n.cacheStatus]);

  it("a cached task returning a file hits the cache, and the file stays readable after its run's working area is gone", async () => {
    const cacheDir = tempDir("aloft-files-cache-");
    let calls = 0;
    const report = task({ name: "files_cached_report", inputs: { n: t.int }, outputs: t.file({ format: "txt" }), cache: { version: "1" } }, (({ n }, ctx) => {
      calls++;
      return ctx.blobs.writeFile("report.txt", `report ${n}`, { format: "txt" });
    }));
    const wf = workflow({ name: "files_cached_wf", inputs: { n: t.int } }, ({ n }) => {
      const f = report({ n });
      return { f, loud: shout({ f }) };
    });
    const firstDir = tempDir();
    const first = wf.start({ n: 1 }, { cacheDir, workDir: firstDir });
    const one = await first.result;
    expect(statuses(first.nodes())).toEqual([
      ['task "files_cached_report"', "populated"],
      ['task "files_shout"', "disabled"],
    ]);
    expect(one.loud).toBe("REPORT 1");
    // The entry keeps its own copy (a hard link where possible), inside the cache directory.
    expect(localPath(one.f.uri).startsWith(path.join(cacheDir, "blobs") + path.sep)).toBe(true);
    rmSync(firstDir, { recursive: true, force: true });

    const second = wf.start({ n: 1 }, { cacheDir });
    const two = await second.result;
    expect(statuses(second.nodes())).toEqual([
      ['task "files_cached_report"', "hit"],
      ['task "files_shout"', "disabled"],
    ]);
    expect(calls).toBe(1);
    expect(two.f.uri).toBe(one.f.uri);
    expect(two.f.format).toBe("txt");
    expect(await two.f.text()).toBe("report 1");
    expect(two.loud).toBe("REPORT 1");
  });

  it("an entry whose stored file has gone missing is a miss, and the task runs again", async () => {
    const cacheDir = tempDir("aloft-files-cache-");
    let calls = 0;
    const report = task({ name: "files_cached_lost", outputs: t.file, cache: { version: "1" } }, (_i, ctx) => {
      calls++;
      return ctx.blobs.writeFile("lost.txt", "again");
    });
    const first = await report.run({}, { cacheDir });
    rmSync(path.join(cacheDir, "blobs"), { recursive: true, force: true });
    const second = await report.run({}, { cacheDir });
    expect(calls).toBe(2);
    expect(await second.o0.text()).toBe("again");
    expect(second.o0.uri).not.toBe(first.o0.uri);
  });

  it("keys a task taking a file by the file's reference", async () => {
    const cacheDir = tempDir("aloft-files-cache-");
    const dir = tempDir();
    const a = path.join(dir, "a.txt");
    const b = path.join(dir, "b.txt");
    writeFileSync(a, "same");
    writeFileSync(b, "same");
    let calls = 0;
    const size = task({ name: "files_cached_size", inputs: { f: t.file }, outputs: t.int, cache: { version: "1" } }, async ({ f }) => {
      calls++;
      return (await f.bytes()).length;
    });
    await size.run({ f: AloftFile.fromPath(a) }, { cacheDir });
    await size.run({ f: AloftFile.fromPath(a) }, { cacheDir });
    expect(calls).toBe(1);
    await size.run({ f: AloftFile.fromPath(b) }, { cacheDir });
    expect(calls).toBe(2);
  });

  it("a cached directory output survives too", async () => {
    const cacheDir = tempDir("aloft-files-cache-");
    let calls = 0;
    const shards = task({ name: "files_cached_dir", outputs: t.dir, cache: { version: "1" } }, async (_i, ctx) => {
      calls++;
      const d = await ctx.blobs.newDirectory("shards");
      await d.writeFile("a.txt", "a");
      await d.writeFile("sub/b.txt", "b");
      return d.done();
    });
    const workDir = tempDir();
    await shards.run({}, { cacheDir, workDir });
    rmSync(workDir, { recursive: true, force: true });
    const hit = await shards.run({}, { cacheDir });
    expect(calls).toBe(1);
    expect(await hit.o0.list()).toEqual(["a.txt", "sub/b.txt"]);
    expect(await (await hit.o0.file("sub/b.txt")).text()).toBe("b");
  });
});

describe("the run's temporary working area", () => {
  it("is made only by a run whose tasks write a blob, not by every run", async () => {
    const tmp = tempDir("aloft-files-tmp-");
    const saved = process.env["TMPDIR"];
    // os.tmpdir() reads TMPDIR at each call: the runs below make their working areas here.
    process.env["TMPDIR"] = tmp;
    try {
      const plain = task({ name: "files_no_blobs", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
      await expect(plain.run({ x: 1 })).resolves.toEqual({ o0: 2 });
      expect(readdirSync(tmp)).toEqual([]);
      const out = await writeNote.run({ text: "kept" });
      expect(readdirSync(tmp)).toHaveLength(1);
      expect(localPath(out.o0.uri).startsWith(path.join(tmp, readdirSync(tmp)[0]!, "blobs") + path.sep)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env["TMPDIR"];
      else process.env["TMPDIR"] = saved;
    }
  });
});
