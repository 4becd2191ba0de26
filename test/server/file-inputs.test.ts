/**
 * Issue 13 (security): the API took `{"uri": "file:///etc/passwd"}` as a file
 * input, so any caller could make the server's tasks read any file of its host.
 * File, directory and dataframe inputs must now resolve inside the server's
 * blob store (where uploads land) or a root its operator allows, and uploads
 * (`POST /api/v1/uploads`) put a caller's data there.
 */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AloftDirectory, AloftFile, task, t, waitForInput, workflow } from "aloft";
import { startApi, type Api } from "./harness.js";

const readText = task({ name: "read_text_fi", inputs: { f: t.file }, outputs: t.str }, async ({ f }) => f.text());
const readAll = task({ name: "read_all_fi", inputs: { fs: t.list(t.file) }, outputs: t.str }, async ({ fs }) => (await Promise.all(fs.map((f) => f.text()))).join("|"));
const listDir = task({ name: "list_dir_fi", inputs: { d: t.dir }, outputs: t.list(t.str) }, async ({ d }) => d.list());
const readMap = task({ name: "read_map_fi", inputs: { m: t.map(t.file) }, outputs: t.int }, ({ m }) => Object.keys(m).length);
const one = workflow({ name: "one_file_fi", inputs: { f: t.file } }, ({ f }) => ({ text: readText({ f }) }));
const many = workflow({ name: "many_files_fi", inputs: { fs: t.list(t.file) } }, ({ fs }) => ({ text: readAll({ fs }) }));
const folder = workflow({ name: "folder_fi", inputs: { d: t.dir } }, ({ d }) => ({ names: listDir({ d }) }));
const mapped = workflow({ name: "mapped_fi", inputs: { m: t.map(t.file) } }, ({ m }) => ({ n: readMap({ m }) }));
const Report = t.struct({ title: t.str, data: t.file });
const readFrame = task({ name: "read_frame_fi", inputs: { df: t.dataframe({ a: t.int }), r: Report }, outputs: t.str }, ({ r }) => r.title);
const framed = workflow({ name: "framed_fi", inputs: { df: t.dataframe({ a: t.int }), r: Report } }, ({ df, r }) => ({ title: readFrame({ df, r }) }));
const gated = workflow({ name: "gated_fi" }, () => {
  const f = waitForInput("data", t.file);
  return { text: readText({ f }) };
});

const uri = (p: string): string => pathToFileURL(p).href;

let api: Api;
let tmp: string;
let blobs: string;
let allowed: string;
let outside: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "aloft-file-inputs-"));
  blobs = path.join(tmp, "blobs");
  allowed = path.join(tmp, "shared");
  outside = path.join(tmp, "private");
  for (const d of [blobs, allowed, outside]) mkdirSync(d);
  writeFileSync(path.join(allowed, "ok.txt"), "allowed data");
  writeFileSync(path.join(outside, "secret.txt"), "secret");
  symlinkSync(path.join(outside, "secret.txt"), path.join(allowed, "link.txt"));
  mkdirSync(path.join(allowed, "tree"));
  writeFileSync(path.join(allowed, "tree", "a.txt"), "a");
  symlinkSync(outside, path.join(allowed, "tree", "escape"));
  api = await startApi([one, many, folder, mapped, framed, gated], { server: { uploadDir: blobs, fileRoots: [allowed], uploadLimitBytes: 4096 } });
});
afterAll(async () => {
  await api?.close();
});

async function create(workflowName: string, inputs: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  return api.request("POST", "/api/v1/executions", { body: { workflow: { name: workflowName }, inputs } });
}

async function upload(name: string, body: Uint8Array | string, type = "application/octet-stream"): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${api.url}/api/v1/uploads?name=${encodeURIComponent(name)}`, { method: "POST", headers: { "content-type": type }, body });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe("file inputs through the API", () => {
  it("refuses file:///etc/passwd with 400 file_not_allowed naming the input, and starts nothing", async () => {
    const r = await create("one_file_fi", { f: { uri: "file:///etc/passwd" } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: "file_not_allowed", field: "inputs.f" } });
    expect((r.body as { error: { message: string } }).error.message).toMatch(/^workflow "one_file_fi": input "f": file:\/\/\/etc\/passwd is outside the directories this server reads inputs from/);
    expect((await api.client.listExecutions()).items).toEqual([]);
  });

  it("refuses other schemes, missing files, and directories given as files", async () => {
    for (const [given, why] of [
      ["s3://bucket/a.csv", /is not a file:\/\/ URI inside/],
      [uri(path.join(allowed, "missing.txt")), /does not exist/],
      [uri(path.join(allowed, "tree")), /is a directory, but the input is a file/],
    ] as const) {
      const r = await create("one_file_fi", { f: { uri: given } });
      expect(r.status, given).toBe(400);
      expect((r.body as { error: { code: string; message: string } }).error).toMatchObject({ code: "file_not_allowed", message: expect.stringMatching(why) as unknown });
    }
  });

  it("refuses a path that climbs out with .. (plain or percent-encoded)", async () => {
    for (const given of [`${uri(allowed)}/../private/secret.txt`, `${uri(allowed)}/%2e%2e/private/secret.txt`]) {
      const r = await create("one_file_fi", { f: { uri: given } });
      expect(r.status, given).toBe(400);
      expect((r.body as { error: { field: string } }).error.field).toBe("inputs.f");
    }
    expect((await api.client.listExecutions()).items).toEqual([]);
  });

  it("refuses a symbolic link in an allowed root that leads out of it, and a directory holding one", async () => {
    const link = await create("one_file_fi", { f: { uri: uri(path.join(allowed, "link.txt")) } });
    expect(link.body).toMatchObject({ error: { code: "file_not_allowed", message: expect.stringMatching(/symbolic link/) as unknown } });
    const dir = await create("folder_fi", { d: { uri: uri(path.join(allowed, "tree")) } });
    expect(dir.status).toBe(400);
    expect(dir.body).toMatchObject({ error: { code: "file_not_allowed", field: "inputs.d", message: expect.stringMatching(/escape .*symbolic link .*outside/) as unknown } });
  });

  it("finds references in lists and maps, and names the place", async () => {
    const good = { uri: uri(path.join(allowed, "ok.txt")) };
    const list = await create("many_files_fi", { fs: [good, { uri: "file:///etc/hostname" }] });
    expect(list.body).toMatchObject({ error: { code: "file_not_allowed", field: "inputs.fs", message: expect.stringMatching(/input "fs"\[1\]: file:\/\/\/etc\/hostname/) as unknown } });
    const map = await create("mapped_fi", { m: { a: good, b: { uri: "file:///etc/hostname" } } });
    expect(map.body).toMatchObject({ error: { code: "file_not_allowed", message: expect.stringMatching(/input "m"\["b"\]/) as unknown } });
  });

  it("checks dataframes, and files inside structs", async () => {
    const ok = { uri: uri(path.join(allowed, "ok.txt")) };
    const df = await create("framed_fi", { df: { uri: "file:///etc/passwd" }, r: { title: "t", data: ok } });
    expect(df.body).toMatchObject({ error: { code: "file_not_allowed", field: "inputs.df" } });
    const inStruct = await create("framed_fi", { df: ok, r: { title: "t", data: { uri: "file:///etc/passwd" } } });
    expect(inStruct.body).toMatchObject({ error: { code: "file_not_allowed", field: "inputs.r", message: expect.stringMatching(/input "r"\["data"\]: file:\/\/\/etc\/passwd/) as unknown } });
  });

  it("refuses a gate's file value from outside", async () => {
    const exec = await api.client.createExecution({ workflow: { name: "gated_fi" } });
    const r = await api.request("POST", `/api/v1/executions/${exec.id}/signal`, { body: { name: "data", value: { uri: "file:///etc/passwd" } } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: "file_not_allowed", field: "value" } });
    await api.client.abort(exec.id, "test done");
  });

  it("runs with files in an allowed root", async () => {
    const exec = await api.client.createExecution({ workflow: { name: "one_file_fi" }, inputs: { f: { uri: uri(path.join(allowed, "ok.txt")) } } });
    const end = await api.client.waitForEnd(exec.id);
    expect(end.phase).toBe("succeeded");
    expect((await api.client.getExecution(exec.id)).outputs).toEqual({ text: "allowed data" });
  });
});

describe("uploads", () => {
  it("stores a file in the blob store and answers a URI an execution can use", async () => {
    const r = await upload("data.csv", "a,b\n1,2\n");
    expect(r.status).toBe(201);
    const up = r.body as { uri: string; kind: string; sizeBytes: number };
    expect(up).toMatchObject({ kind: "file", sizeBytes: 8 });
    expect(up.uri.startsWith(`${uri(blobs)}/`)).toBe(true);
    expect(up.uri.endsWith("/data.csv")).toBe(true);
    const exec = await api.client.createExecution({ workflow: { name: "one_file_fi" }, inputs: { f: { uri: up.uri } } });
    expect((await api.client.waitForEnd(exec.id)).phase).toBe("succeeded");
    expect((await api.client.getExecution(exec.id)).outputs).toEqual({ text: "a,b\n1,2\n" });
    expect(AloftFile.fromUri(up.uri).name).toBe("data.csv");
  });

  it("stores a directory from a tar archive", async () => {
    const src = path.join(tmp, "to-upload");
    mkdirSync(path.join(src, "sub"), { recursive: true });
    writeFileSync(path.join(src, "x.txt"), "x");
    writeFileSync(path.join(src, "sub", "y.txt"), "y");
    const chunks: Buffer[] = [];
    for await (const c of createTar({ cwd: src, gzip: true, portable: true }, ["."])) chunks.push(c as Buffer);
    const r = await upload("images", Buffer.concat(chunks), "application/gzip");
    expect(r.status).toBe(201);
    const up = r.body as { uri: string; files: string[] };
    expect(up.files).toEqual(["sub/y.txt", "x.txt"]);
    expect(AloftDirectory.fromUri(up.uri).name).toBe("images");
    const exec = await api.client.createExecution({ workflow: { name: "folder_fi" }, inputs: { d: { uri: up.uri } } });
    expect((await api.client.waitForEnd(exec.id)).phase).toBe("succeeded");
    expect((await api.client.getExecution(exec.id)).outputs).toEqual({ names: ["sub/y.txt", "x.txt"] });
  });

  it("refuses an archive holding a symbolic link, and leaves nothing behind", async () => {
    const src = path.join(tmp, "with-link");
    mkdirSync(src);
    symlinkSync("/etc/passwd", path.join(src, "passwd"));
    const chunks: Buffer[] = [];
    for await (const c of createTar({ cwd: src, portable: true }, ["."])) chunks.push(c as Buffer);
    const before = readdirSync(blobs).length;
    const r = await upload("bad", Buffer.concat(chunks), "application/x-tar");
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: "invalid_request", message: expect.stringMatching(/SymbolicLink; a directory upload holds regular files and directories only/) as unknown } });
    expect(readdirSync(blobs).length).toBe(before);
    expect(readdirSync(path.join(blobs, ".incoming"))).toEqual([]);
  });

  it("refuses an upload above the limit with 413 stating it, and leaves nothing behind", async () => {
    const before = readdirSync(blobs).length;
    const r = await upload("big.bin", new Uint8Array(5000));
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ error: { code: "payload_too_large", message: "the upload is larger than the server accepts (4 KiB, 4096 bytes)" } });
    expect(readdirSync(blobs).length).toBe(before);
    expect(readdirSync(path.join(blobs, ".incoming"))).toEqual([]);
  });

  it("refuses names that are paths", async () => {
    for (const name of ["../x", "a/b.txt", ".."]) {
      const r = await upload(name, "x");
      expect(r.status, name).toBe(400);
      expect(r.body).toMatchObject({ error: { code: "invalid_request", field: "name" } });
    }
  });

  it("needs the token when the server has one", async () => {
    const secured = await startApi([one], { token: "s3cret", server: { uploadDir: path.join(tmp, "blobs2") } });
    try {
      const res = await fetch(`${secured.url}/api/v1/uploads?name=a.txt`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: "x" });
      expect(res.status).toBe(401);
      const ok = await fetch(`${secured.url}/api/v1/uploads?name=a.txt`, { method: "POST", headers: { "content-type": "application/octet-stream", authorization: "Bearer s3cret" }, body: "x" });
      expect(ok.status).toBe(201);
    } finally {
      await secured.close();
    }
  });

  it("is in the OpenAPI document", async () => {
    const doc = await api.server.openApiDocument();
    const op = (doc["paths"] as Record<string, Record<string, { operationId?: string; requestBody?: { content?: Record<string, unknown> } }>>)["/api/v1/uploads"]?.["post"];
    expect(op?.operationId).toBe("upload");
    expect(Object.keys(op?.requestBody?.content ?? {})).toContain("application/octet-stream");
  });
});

describe("a server without a blob store", () => {
  it("takes no file inputs and no uploads", async () => {
    const bare = await startApi([one]);
    try {
      const r = await bare.request("POST", "/api/v1/executions", { body: { workflow: { name: "one_file_fi" }, inputs: { f: { uri: "file:///etc/passwd" } } } });
      expect(r.body).toMatchObject({ error: { code: "file_not_allowed", message: expect.stringMatching(/reads no file, directory or dataframe inputs/) as unknown } });
      const res = await fetch(`${bare.url}/api/v1/uploads?name=a.txt`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: "x" });
      expect(res.status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
