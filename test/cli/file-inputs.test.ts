/**
 * Issue 13: file, directory and dataframe inputs could not be given on the
 * command line. Local paths are now read in process with --local, copied into
 * the engine's blob store on the engine, and uploaded to the server's blob
 * store with --remote (as pyflyte run --remote uploads a local file); the
 * server refuses file inputs from outside its store.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aloft } from "./helpers.js";
import { EXEC_ID, aloftInBackground, useEngineProjects } from "./engine-helpers.js";

const FILES_MJS = `
import { task, workflow, t } from "aloft";
export const readText = task({ name: "read_text", inputs: { f: t.file }, outputs: t.str }, async ({ f }) => (await f.text()).trim());
export const listDir = task({ name: "list_dir", inputs: { d: t.dir }, outputs: t.str }, async ({ d }) => (await d.list()).join(","));
export const both = workflow({ name: "both_wf", inputs: { f: t.file, d: t.dir } }, ({ f, d }) => ({ text: readText({ f }), names: listDir({ d }) }));
`;

const project = useEngineProjects();

function withData(dir: string): void {
  writeFileSync(path.join(dir, "files.mjs"), FILES_MJS);
  writeFileSync(path.join(dir, "data.csv"), "a,b\n");
  mkdirSync(path.join(dir, "images", "sub"), { recursive: true });
  writeFileSync(path.join(dir, "images", "one.png"), "1");
  writeFileSync(path.join(dir, "images", "sub", "two.png"), "2");
}

describe.concurrent("file inputs on the command line", () => {
  it("reads local paths in process with --local, and copies them into the engine's blob store on the engine", async () => {
    const dir = project();
    withData(dir);
    const local = await aloft(dir, ["run", "files.mjs", "both", "--f", "data.csv", "--d", "images", "--local", "--json"]);
    expect(local.stderr).toBe("");
    expect(JSON.parse(local.stdout)).toMatchObject({ phase: "succeeded", outputs: { text: "a,b", names: "one.png,sub/two.png" } });

    const engine = await aloft(dir, ["run", "files.mjs", "both", "--f", "./data.csv", "--d", "images", "--json"]);
    expect(engine.code).toBe(0);
    expect(JSON.parse(engine.stdout)).toMatchObject({ phase: "succeeded", outputs: { text: "a,b", names: "one.png,sub/two.png" } });
    expect(engine.stderr).toMatch(/^aloft: input f: uploaded \S+\/data\.csv as file:\/\/\S+\/\.aloft\/blobs\/[0-9a-f-]{36}\/data\.csv\naloft: input d: uploaded \S+\/images as file:\/\/\S+\/\.aloft\/blobs\/[0-9a-f-]{36}\/images\n$/);
    const id = JSON.parse(engine.stdout).id as string;
    const shown = JSON.parse((await aloft(dir, ["get", "execution", id, "--json"])).stdout) as { inputs: { f: { uri: string } } };
    expect(shown.inputs.f.uri).toMatch(/\/\.aloft\/blobs\/[0-9a-f-]{36}\/data\.csv$/);
  });

  it("names the input when a path is missing or of the wrong kind (exit 2)", async () => {
    const dir = project();
    withData(dir);
    const missing = await aloft(dir, ["run", "files.mjs", "both", "--f", "nope.csv", "--d", "images"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: input --f \(file\): the file path: \S+\/nope\.csv cannot be read: ENOENT/);
    const kind = await aloft(dir, ["run", "files.mjs", "both", "--f", "data.csv", "--d", "data.csv"]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/^error: input --d \(dir\): the dir path: \S+\/data\.csv is not a directory/);
  });

  it("uploads local paths to the server with --remote, and the server refuses paths outside its store", async () => {
    const dir = project();
    withData(dir);
    const server = aloftInBackground(dir, ["serve", "files.mjs", "--port", "0", "--db", "served/aloft.db", "--workers", "1"]);
    const [, url = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:\d+) /);
    const r = await aloft(dir, ["run", "files.mjs", "both", "--f", "data.csv", "--d", "images", "--remote", url, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ phase: "succeeded", outputs: { text: "a,b", names: "one.png,sub/two.png" } });
    expect(r.stderr).toMatch(/aloft: input f: uploaded \S+\/data\.csv as file:\/\/\S+\/served\/blobs\/[0-9a-f-]{36}\/data\.csv\n/);
    // A URI outside the server's store is refused by the server, naming the input.
    const passwd = await aloft(dir, ["run", "files.mjs", "both", "--f", "file:///etc/passwd", "--d", "images", "--remote", url]);
    expect(passwd.code).toBe(2);
    expect(passwd.stderr).toMatch(/^aloft: input d: uploaded .*\nerror: workflow "both_wf": input "f": file:\/\/\/etc\/passwd is outside the directories this server reads inputs from \(\S+\/served\/blobs\)/);
    expect(passwd.stdout).not.toMatch(EXEC_ID);
    server.child.kill("SIGTERM");
    await server.done;
  });
});

const NESTED_MJS = `
import { task, workflow, t } from "aloft";
export const readAll = task({ name: "read_all", inputs: { fs: t.list(t.file), ds: t.map(t.dir) }, outputs: t.str }, async ({ fs, ds }) => {
  const texts = await Promise.all(fs.map(async (f) => (await f.text()).trim()));
  const dirs = await Promise.all(Object.entries(ds).map(async ([k, d]) => k + "=" + (await d.list()).join("+")));
  return texts.join("|") + " " + dirs.join(";");
});
export const nested = workflow({ name: "nested_wf", inputs: { fs: t.list(t.file), ds: t.map(t.dir) } }, ({ fs, ds }) => ({ out: readAll({ fs, ds }) }));
`;

describe.concurrent("file inputs inside lists and maps on the command line", () => {
  it("reads JSON whose strings are local paths, uploads each one (once) on the engine, and names the element that is wrong", async () => {
    const dir = project();
    withData(dir);
    writeFileSync(path.join(dir, "nested.mjs"), NESTED_MJS);
    writeFileSync(path.join(dir, "more.csv"), "c,d\n");
    const args = ["run", "nested.mjs", "nested", "--fs", '["data.csv", "more.csv", "data.csv"]', "--ds", '{"img": "images"}'];
    const local = await aloft(dir, [...args, "--local", "--json"]);
    expect([local.code, local.stderr]).toEqual([0, ""]);
    expect(JSON.parse(local.stdout)).toMatchObject({ outputs: { out: "a,b|c,d|a,b img=one.png+sub/two.png" } });

    const engine = await aloft(dir, [...args, "--json"]);
    expect(engine.code, engine.stderr).toBe(0);
    expect(JSON.parse(engine.stdout)).toMatchObject({ phase: "succeeded", outputs: { out: "a,b|c,d|a,b img=one.png+sub/two.png" } });
    const notes = engine.stderr.trimEnd().split("\n");
    expect(notes.map((n) => n.replace(/ as file:\/\/\S+\/\.aloft\/blobs\/[0-9a-f-]{36}\//, " as BLOBS/"))).toEqual([
      `aloft: input fs[0]: uploaded ${dir}/data.csv as BLOBS/data.csv`,
      `aloft: input fs[1]: uploaded ${dir}/more.csv as BLOBS/more.csv`,
      `aloft: input fs[2]: uploaded ${dir}/data.csv as BLOBS/data.csv`,
      `aloft: input ds["img"]: uploaded ${dir}/images as BLOBS/images`,
    ]);
    // The same path is copied once: fs[0] and fs[2] name one copy.
    expect(notes[0]?.split(" as ")[1]).toBe(notes[2]?.split(" as ")[1]);

    const missing = await aloft(dir, ["run", "nested.mjs", "nested", "--fs", '["data.csv", "nope.csv"]', "--ds", "{}"]);
    expect([missing.code, missing.stdout]).toEqual([2, ""]);
    expect(missing.stderr).toMatch(/^error: input --fs \(list<file>\): at \[1\]: the file path: \S+\/nope\.csv cannot be read: ENOENT/);
    const notJson = await aloft(dir, ["run", "nested.mjs", "nested", "--fs", "data.csv", "--ds", "{}"]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toBe('error: input --fs (list<file>): expected JSON (JSON, e.g. ["data.csv","s3://bucket/data.csv"]), got "data.csv"\n');
    const wrongKind = await aloft(dir, ["run", "nested.mjs", "nested", "--fs", "[]", "--ds", '{"img": "data.csv"}']);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/^error: input --ds \(map<dir>\): at \["img"\]: the dir path: \S+\/data\.csv is not a directory/);
  });
});

const FILE_GATE_MJS = `
import { task, workflow, waitForInput, t } from "aloft";
export const readText = task({ name: "read_gate_text", inputs: { f: t.file }, outputs: t.str }, async ({ f }) => (await f.text()).trim());
export const countAll = task({ name: "count_gate_files", inputs: { fs: t.list(t.file) }, outputs: t.int }, ({ fs }) => fs.length);
export const gated = workflow({ name: "file_gate_wf", inputs: {} }, () => {
  const doc = waitForInput("doc", t.file);
  const more = waitForInput("more", t.list(t.file));
  return { text: readText({ f: doc }), n: countAll({ fs: more }) };
});
`;

describe.concurrent("aloft signal with file values", () => {
  it("copies a local path (or each path of a JSON list) into the engine's blob store, as aloft run does with inputs, and names a path that is wrong", async () => {
    const dir = project();
    withData(dir);
    writeFileSync(path.join(dir, "gate.mjs"), FILE_GATE_MJS);
    const run = aloftInBackground(dir, ["run", "gate.mjs", "gated", "--workers", "1", "--json"]);
    const [id = ""] = await run.waitFor("stderr", EXEC_ID);
    await run.waitFor("stderr", /waits at gate "doc"/);
    const missing = await aloft(dir, ["signal", id, "doc", "nope.csv"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(new RegExp(`^error: gate "doc" of execution ${id} expects file: the file path: \\S+/nope\\.csv cannot be read: ENOENT`));
    const doc = await aloft(dir, ["signal", id, "doc", "data.csv"]);
    expect(doc.code, doc.stderr).toBe(0);
    expect(doc.stderr).toMatch(/^aloft: signal doc: uploaded \S+\/data\.csv as file:\/\/\S+\/\.aloft\/blobs\/[0-9a-f-]{36}\/data\.csv\n$/);
    expect(doc.stdout).toMatch(new RegExp(`^gave "doc" the value .*\\.aloft/blobs/.*data\\.csv.* for execution ${id}`));
    await run.waitFor("stderr", /waits at gate "more"/);
    const more = await aloft(dir, ["signal", id, "more", '["data.csv", "s3://bucket/x.csv"]']);
    expect(more.code, more.stderr).toBe(0);
    expect(more.stderr).toMatch(/^aloft: signal more\[0\]: uploaded \S+\/data\.csv as file:\/\/\S+\/\.aloft\/blobs\/[0-9a-f-]{36}\/data\.csv\n$/);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ phase: "succeeded", outputs: { text: "a,b", n: 2 } });
  });

  it("aloft run --signal reads a file gate's value as aloft signal does: a local path (JSON of paths in a list), copied on the engine, read in process with --local", async () => {
    const dir = project();
    withData(dir);
    writeFileSync(path.join(dir, "gate.mjs"), FILE_GATE_MJS);
    const given = ["--signal", "doc=data.csv", "--signal", 'more=["data.csv", "images/one.png"]', "--json"];
    const engine = await aloft(dir, ["run", "gate.mjs", "gated", "--workers", "1", ...given]);
    expect(engine.code, engine.stderr).toBe(0);
    expect(JSON.parse(engine.stdout)).toMatchObject({ phase: "succeeded", outputs: { text: "a,b", n: 2 } });
    expect(engine.stderr).toMatch(/^aloft: signal doc: uploaded \S+\/data\.csv as file:\/\/\S+\/\.aloft\/blobs\/[0-9a-f-]{36}\/data\.csv\n/m);
    expect(engine.stderr).toMatch(/^aloft: signal more\[1\]: uploaded \S+\/images\/one\.png as file:\/\/\S+\/\.aloft\/blobs\/[0-9a-f-]{36}\/one\.png\n/m);
    const local = await aloft(dir, ["run", "gate.mjs", "gated", "--local", ...given]);
    expect(local.code, local.stderr).toBe(0);
    expect(JSON.parse(local.stdout)).toMatchObject({ phase: "succeeded", outputs: { text: "a,b", n: 2 } });
    const missing = await aloft(dir, ["run", "gate.mjs", "gated", "--local", "--signal", "doc=nope.csv"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: --signal doc expects file: the file path: \S+\/nope\.csv cannot be read: ENOENT/);
  });
});
