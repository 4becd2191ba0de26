import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeSpec } from "aloft";
import { aloft, assertBuilt, fixtureDir } from "./helpers.js";
import { CACHED_MJS, FLOWS_TS, SINGLE_MJS } from "./fixtures.js";

let dir = "";
let cleanup = (): void => {};

beforeAll(() => {
  assertBuilt();
  ({ dir, cleanup } = fixtureDir({ "flows.ts": FLOWS_TS, "single.mjs": SINGLE_MJS, "cached.mjs": CACHED_MJS }));
});
afterAll(() => cleanup());

describe.concurrent("aloft compile", () => {
  it("writes a launch plan's specs as .pb files named as Flyte's packaging names them, and prints them", async () => {
    const r = await aloft(dir, ["compile", "flows.ts", "sum_lp", "--out", "out-pb", "--project", "flytesnacks", "--domain", "development", "--version", "v1"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // The workflow's default launch plan comes last, as pyflyte package writes one for every workflow.
    expect(r.stdout.trim().split("\n")).toEqual(["out-pb/0_add_1.pb", "out-pb/1_sum_wf_2.pb", "out-pb/2_sum_lp_3.pb", "out-pb/3_sum_wf_3.pb"]);
    const lp = decodeSpec("flyteidl.admin.LaunchPlan", readFileSync(path.join(dir, "out-pb/2_sum_lp_3.pb"))) as { id: { project: string; version: string; name: string } };
    expect(lp.id).toMatchObject({ project: "flytesnacks", name: "sum_lp", version: "v1" });
  });

  it("writes JSON with --format json, the file's only workflow by default, and lists the files as JSON with --json", async () => {
    const r = await aloft(dir, ["compile", "single.mjs", "--out", "out-json", "--format", "json", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(["out-json/0_square_1.json", "out-json/1_square_wf_2.json", "out-json/2_square_wf_3.json"]);
    const wf = JSON.parse(readFileSync(path.join(dir, "out-json/1_square_wf_2.json"), "utf8")) as { template: { id: { name: string; project: string; domain: string } } };
    expect(wf.template.id.name).toBe("square_wf");
    // Without --project and --domain, the placeholders flytectl register files fills in (flytectl cmd/register/register_util.go, hydrateIdentifier).
    expect(wf.template.id).toMatchObject({ project: "{{ registration.project }}", domain: "{{ registration.domain }}" });
  });

  it("refuses to overwrite earlier specs unless --overwrite is given, and names the flag (it said 'pass overwrite: true')", async () => {
    await expect(aloft(dir, ["compile", "single.mjs", "--out", "out-again"])).resolves.toMatchObject({ code: 0 });
    const again = await aloft(dir, ["compile", "single.mjs", "--out", "out-again"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error: --out out-again already holds spec files \(0_square_1\.pb, .*\); pass --overwrite to replace them\n$/);
    await expect(aloft(dir, ["compile", "single.mjs", "--out", "out-again", "--overwrite"])).resolves.toMatchObject({ code: 0 });
  });

  it("names what is wrong in one line: no --out, a bad format, no single workflow", async () => {
    const noOut = await aloft(dir, ["compile", "single.mjs"]);
    expect([noOut.code, noOut.stderr]).toEqual([2, "error: required option '--out <dir|file.tgz>' not specified\n"]);
    const format = await aloft(dir, ["compile", "single.mjs", "--out", "x", "--format", "xml"]);
    expect([format.code, format.stderr]).toEqual([2, "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are pb, json.\n"]);
    const several = await aloft(dir, ["compile", "flows.ts", "--out", "x"]);
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/^error: flows\.ts exports 3 workflows; name the one to use: aloft compile flows\.ts <entity>/);
  });
});

describe.concurrent("aloft cache clear", () => {
  it("removes the cached outputs a --local run stored", async () => {
    const cacheDir = path.join(dir, "task-cache");
    await expect(aloft(dir, ["run", "cached.mjs", "--x", "1", "--local", "--cache-dir", cacheDir])).resolves.toMatchObject({ code: 0, stdout: expect.stringMatching(/^o0: 2\n/) as unknown });
    expect(readdirSync(cacheDir).length).toBeGreaterThan(0);
    const r = await aloft(dir, ["cache", "clear", "--cache-dir", "task-cache"]);
    expect([r.code, r.stdout]).toEqual([0, `cleared the local cache in ${cacheDir}\n`]);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it("clears the default cache under $ALOFT_HOME", async () => {
    const r = await aloft(dir, ["cache", "clear"], { ALOFT_HOME: path.join(dir, "home") });
    expect([r.code, r.stdout]).toEqual([0, `the local cache in ${path.join(dir, "home", "cache")} is already empty\n`]);
  });

  it("refuses a directory that does not look like a cache, and removes nothing", async () => {
    const notCache = path.join(dir, "project");
    mkdirSync(notCache);
    writeFileSync(path.join(notCache, "README.md"), "keep me");
    const r = await aloft(dir, ["cache", "clear", "--cache-dir", "project"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${notCache} does not look like an Aloft cache (it holds README.md); nothing was removed\n`);
    expect(existsSync(path.join(notCache, "README.md"))).toBe(true);
  });
});

describe.concurrent("aloft", () => {
  it("lists its commands", async () => {
    const r = await aloft(dir, ["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n {2}run +run a task, workflow or launch plan from a file\n/);
    for (const command of ["get", "abort", "signal", "approve", "reject", "relaunch", "recover", "serve", "worker", "register", "compile", "cache"]) {
      expect(r.stdout).toMatch(new RegExp(`\\n  ${command} `));
    }
    expect(r.stdout).not.toContain("not available");
  });

  it("rejects an unknown command or option with one line and exit code 2", async () => {
    const command = await aloft(dir, ["rnu"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/^error: unknown command 'rnu'/);
    const option = await aloft(dir, ["compile", "single.mjs", "--out", "x", "--bogus"]);
    expect([option.code, option.stderr]).toEqual([2, "error: unknown option '--bogus'\n"]);
  });


  it("prints its version", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    await expect(aloft(dir, ["--version"])).resolves.toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });
});
