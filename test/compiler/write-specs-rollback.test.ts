/**
 * writeSpecs puts an existing directory back as it was when a rename fails
 * half-way through replacing its spec files. Renames are made to fail on
 * purpose, at each step, through a mock of `node:fs/promises`.
 */
import type * as FsPromises from "node:fs/promises";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SpecWriteError, t, task, workflow, writeSpecs } from "aloft";
import imperative from "../../examples/imperative.js";
import { TARGET } from "./expect-spec.js";

const injected = vi.hoisted(() => ({ failAt: 0, calls: 0 }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      injected.calls += 1;
      if (injected.calls === injected.failAt) throw Object.assign(new Error("EIO: injected failure"), { code: "EIO" });
      return real.rename(from, to);
    },
  };
});

// Four files (two tasks, the workflow, its default launch plan) whose names all differ from those of the imperative example.
const double = task({ name: "rb_double", inputs: { a: t.int }, outputs: t.int }, ({ a }) => 2 * a);
const negate = task({ name: "rb_negate", inputs: { a: t.int }, outputs: t.int }, ({ a }) => -a);
const replacement = workflow({ name: "rb_replacement", inputs: { a: t.int } }, ({ a }) => negate({ a: double({ a }) }));

let out: string;
let before: Map<string, Buffer>;

beforeEach(async () => {
  out = path.join(await mkdtemp(path.join(tmpdir(), "aloft-rollback-")), "out");
  injected.failAt = 0;
  const files = await writeSpecs(imperative, out, TARGET);
  before = new Map(await Promise.all(files.map(async (f) => [path.basename(f), await readFile(f)] as const)));
  injected.calls = 0;
});

afterEach(async () => {
  await rm(path.dirname(out), { recursive: true, force: true });
});

async function snapshot(): Promise<Map<string, Buffer>> {
  const names = (await readdir(out)).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(path.join(out, n))] as const)));
}

describe("writeSpecs over earlier spec files", () => {
  // Replacing the 4 files of the imperative example with the 4 of the replacement
  // takes 8 renames: 4 old files moved aside, then 4 new files moved in.
  it.each([1, 2, 3, 4, 5, 6, 7, 8])("restores the directory when rename number %i fails", async (failAt) => {
    injected.failAt = failAt;
    const error = await writeSpecs(replacement, out, { ...TARGET, version: "v2", overwrite: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecWriteError);
    expect((error as SpecWriteError).message).toMatch(/EIO: injected failure; nothing was changed/);
    expect(await snapshot()).toEqual(before);
  });

  it("replaces them when no rename fails", async () => {
    const files = await writeSpecs(replacement, out, { ...TARGET, version: "v2", overwrite: true });
    expect(injected.calls).toBe(8);
    expect([...(await snapshot()).keys()]).toEqual(files.map((f) => path.basename(f)).sort());
    expect([...(await snapshot()).keys()]).toContain("2_rb_replacement_2.pb");
  });
});

describe("writeSpecs to a new directory", () => {
  it("leaves nothing behind when the final rename fails", async () => {
    const fresh = path.join(path.dirname(out), "fresh");
    injected.failAt = 1;
    await expect(writeSpecs(replacement, fresh, TARGET)).rejects.toThrow(/nothing was written/);
    expect((await readdir(path.dirname(out))).sort()).toEqual(["out"]);
  });
});
