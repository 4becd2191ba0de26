import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BlobAccessError, BlobPathError } from "../../src/errors.js";
import { DirectoryBlobStore } from "../../src/store/blob-store.js";

const base = mkdtempSync(path.join(tmpdir(), "aloft-blobs-"));
let n = 0;
const freshRoot = (): string => path.join(base, `root-${++n}`, "blobs");
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

const sha = (b: Uint8Array | string): string => createHash("sha256").update(b).digest("hex");
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Every file under a directory, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

describe("DirectoryBlobStore", () => {
  it("stores bytes under their SHA-256 and reads them back; the root is made on first write", async () => {
    const root = freshRoot();
    const blobs = new DirectoryBlobStore(root);
    const hex = sha("hello");
    expect(existsSync(root)).toBe(false);
    const uri = await blobs.put(bytes("hello"), "n1/o0.json");
    expect(uri).toBe(`aloft-blob:sha256/${hex.slice(0, 2)}/${hex}`);
    expect(new TextDecoder().decode(await blobs.get(uri))).toBe("hello");
    expect(await blobs.has(uri)).toBe(true);
    expect(readFileSync(path.join(root, "sha256", hex.slice(0, 2), hex), "utf8")).toBe("hello");
    expect(filesUnder(root)).toEqual([path.join("sha256", hex.slice(0, 2), hex)]);
  });

  it("keeps one copy of the same bytes whatever the hint, and different bytes apart", async () => {
    const root = freshRoot();
    const blobs = new DirectoryBlobStore(root);
    const a = await blobs.put(bytes("same"), "a.json");
    const b = await blobs.put(Buffer.from("same"), "b.json");
    const c = await blobs.put(bytes("other"));
    const empty = await blobs.put(new Uint8Array());
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(empty).toBe(`aloft-blob:sha256/e3/${sha("")}`);
    expect((await blobs.get(empty)).byteLength).toBe(0);
    expect(filesUnder(root)).toHaveLength(3);
  });

  it("writes atomically: concurrent puts of the same bytes leave one whole file and no temporary files", async () => {
    const root = freshRoot();
    const blobs = new DirectoryBlobStore(root);
    const big = new Uint8Array(1 << 20).map((_, i) => i % 251);
    const uris = await Promise.all(Array.from({ length: 8 }, () => blobs.put(big)));
    expect(new Set(uris).size).toBe(1);
    expect(Buffer.from(await blobs.get(uris[0] ?? "")).equals(Buffer.from(big))).toBe(true);
    expect(filesUnder(root)).toEqual([path.join("sha256", sha(big).slice(0, 2), sha(big))]);
  });

  it("does not see a half-written temporary file as a blob", async () => {
    const root = freshRoot();
    const blobs = new DirectoryBlobStore(root);
    const hex = sha("crashed");
    mkdirSync(path.join(root, "sha256", hex.slice(0, 2)), { recursive: true });
    writeFileSync(path.join(root, "sha256", hex.slice(0, 2), `.${hex}.x.tmp`), "cras");
    const uri = `aloft-blob:sha256/${hex.slice(0, 2)}/${hex}`;
    expect(await blobs.has(uri)).toBe(false);
    expect(await blobs.put(bytes("crashed"))).toBe(uri);
    expect(new TextDecoder().decode(await blobs.get(uri))).toBe("crashed");
  });

  it("reports a missing blob with BlobAccessError naming the uri, and has() is false", async () => {
    const blobs = new DirectoryBlobStore(freshRoot());
    const uri = `aloft-blob:sha256/ab/ab${"0".repeat(62)}`;
    expect(await blobs.has(uri)).toBe(false);
    const err = await blobs.get(uri).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobAccessError);
    expect((err as BlobAccessError).uri).toBe(uri);
    expect((err as Error).message).toContain("is not in this blob store");
  });

  it("refuses damaged bytes on read, and put repairs them", async () => {
    const root = freshRoot();
    const blobs = new DirectoryBlobStore(root);
    const uri = await blobs.put(bytes("precious"));
    const hex = sha("precious");
    const file = path.join(root, "sha256", hex.slice(0, 2), hex);
    chmodSync(file, 0o644);
    writeFileSync(file, "tampered");
    await expect(blobs.get(uri)).rejects.toThrow(/is damaged/);
    await expect(blobs.get(uri)).rejects.toBeInstanceOf(BlobAccessError);
    expect(await blobs.put(bytes("precious"))).toBe(uri);
    expect(new TextDecoder().decode(await blobs.get(uri))).toBe("precious");
  });

  const badUris: [string, RegExp][] = [
    ["file:///etc/passwd", /not a URI of this blob store/],
    ["s3://bucket/key", /not a URI of this blob store/],
    ["ALOFT-BLOB:sha256/ab/cd", /not a URI of this blob store/],
    ["aloft-blob:", /names no blob/],
    ["aloft-blob:../outside", /"\.\." segment/],
    ["aloft-blob:sha256/../../../etc/passwd", /"\.\." segment/],
    ["aloft-blob:sha256/./x", /"\." segment/],
    ["aloft-blob:/etc/passwd", /absolute path/],
    ["aloft-blob:C:/Windows/win.ini", /absolute path/],
    ["aloft-blob:sha256\\..\\x", /backslash/],
    ["aloft-blob:sha256/a\0b", /NUL byte/],
    ["aloft-blob:sha256//x", /empty segment/],
    ["aloft-blob:sha256/%2e%2e/x", /characters other than/],
    ["aloft-blob:.hidden", /characters other than/],
  ];
  for (const [uri, why] of badUris) {
    it(`refuses ${JSON.stringify(uri)} in get and has, with BlobPathError`, async () => {
      const blobs = new DirectoryBlobStore(freshRoot());
      await blobs.put(bytes("x"));
      const err = await blobs.get(uri).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlobPathError);
      expect((err as BlobPathError).value).toBe(uri);
      expect((err as Error).message).toMatch(why);
      await expect(blobs.has(uri)).rejects.toBeInstanceOf(BlobPathError);
    });
  }

  it("refuses a path through a symbolic link, even one whose target holds the right bytes", async () => {
    const root = freshRoot();
    const blobs = new DirectoryBlobStore(root);
    const hex = sha("secret");
    const outside = path.join(base, `outside-${++n}`);
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, hex), "secret");
    mkdirSync(path.join(root, "sha256"), { recursive: true });
    symlinkSync(outside, path.join(root, "sha256", hex.slice(0, 2)));
    const uri = `aloft-blob:sha256/${hex.slice(0, 2)}/${hex}`;
    await expect(blobs.get(uri)).rejects.toThrow(/symbolic link/);
    await expect(blobs.has(uri)).rejects.toBeInstanceOf(BlobPathError);
    await expect(blobs.put(bytes("secret"))).rejects.toBeInstanceOf(BlobPathError);
    expect(readdirSync(outside)).toEqual([hex]);
  });

  it("refuses a blob file that is a symbolic link", async () => {
    const root = freshRoot();
    const blobs = new DirectoryBlobStore(root);
    const hex = sha("linked");
    const outsideFile = path.join(base, `outside-file-${++n}`);
    writeFileSync(outsideFile, "linked");
    mkdirSync(path.join(root, "sha256", hex.slice(0, 2)), { recursive: true });
    symlinkSync(outsideFile, path.join(root, "sha256", hex.slice(0, 2), hex));
    await expect(blobs.get(`aloft-blob:sha256/${hex.slice(0, 2)}/${hex}`)).rejects.toThrow(/symbolic link/);
  });

  it("works under a root that is itself reached through a symbolic link", async () => {
    const real = freshRoot();
    mkdirSync(real, { recursive: true });
    const alias = path.join(base, `alias-${++n}`);
    symlinkSync(real, alias);
    const blobs = new DirectoryBlobStore(alias);
    const uri = await blobs.put(bytes("via alias"));
    expect(new TextDecoder().decode(await blobs.get(uri))).toBe("via alias");
    expect(filesUnder(real)).toHaveLength(1);
  });

  it("refuses what is not bytes and a root that is not a directory name", async () => {
    const blobs = new DirectoryBlobStore(freshRoot());
    await expect(blobs.put("text" as unknown as Uint8Array)).rejects.toThrow(TypeError);
    expect(() => new DirectoryBlobStore("")).toThrow(BlobPathError);
    expect(() => new DirectoryBlobStore("a\0b")).toThrow(BlobPathError);
  });
});
