/**
 * The .tgz `pyflyte package` writes (flytekit clis/sdk_in_container/package.py):
 * the spec files at the top level of a gzipped tar, which
 * `flytectl register files --archive` reads (flytectl cmd/register/files.go).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SpecWriteError, writePackage, writeSpecs } from "aloft";
import imperative from "../../examples/imperative.js";
import { aloft, assertBuilt } from "../cli/helpers.js";
import { TARGET } from "./expect-spec.js";

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "aloft-package-test-"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const NAMES = ["0_slope_1.pb", "1_intercept_1.pb", "2_imperative_workflow_2.pb", "3_imperative_workflow_3.pb"];

describe("writePackage", () => {
  it("writes the spec files writeSpecs writes into a .tgz, at its top level, which tar reads", async () => {
    const file = path.join(scratch, "flyte-package.tgz");
    expect(await writePackage(imperative, file, TARGET)).toEqual(NAMES);
    expect(execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).trim().split("\n")).toEqual(NAMES);
    const out = path.join(scratch, "out");
    execFileSync("mkdir", ["-p", out]);
    execFileSync("tar", ["-xzf", file, "-C", out]);
    const direct = await writeSpecs(imperative, path.join(scratch, "direct"), TARGET);
    for (const [i, name] of NAMES.entries()) expect(await readFile(path.join(out, name))).toEqual(await readFile(direct[i] ?? ""));
    expect((await readdir(scratch)).sort()).toEqual(["direct", "flyte-package.tgz", "out"]);
  });

  it("refuses a file that is not a .tgz, and leaves nothing behind when it cannot write", async () => {
    await expect(writePackage(imperative, path.join(scratch, "specs.zip"), TARGET)).rejects.toThrow(SpecWriteError);
    await expect(writePackage(imperative, path.join(scratch, "missing", "dir", "p.tgz"), TARGET)).rejects.toThrow(/cannot write/);
    expect(await readdir(scratch)).toEqual([]);
  });

  it("is what aloft compile --out <file>.tgz writes", async () => {
    assertBuilt();
    const root = path.resolve(import.meta.dirname, "../..");
    const file = path.join(scratch, "cli.tgz");
    const r = await aloft(root, ["compile", "examples/imperative.ts", "--out", file, "--project", "flytesnacks", "--domain", "development", "--version", "v1"]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`${file}: ${NAMES.join(", ")}`);
    expect(execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).trim().split("\n")).toEqual(NAMES);
  });
});
