/**
 * `tools/packed-manifest.mjs`, npm pack's prepack and postpack steps: the
 * shipped package.json has none of the repository's own fields, and a dist/
 * older than its sources is refused (a tester packed a dist/ 18 commits old,
 * and its README described options its code did not have).
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MANIFEST = { name: "p", version: "1.0.0", scripts: { prepare: "npm run build" }, devDependencies: { x: "1" }, allowScripts: { y: true }, dependencies: { z: "1" } };
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A package with dist/ built at `builtAt` and a source file changed at `changedAt` (seconds since the epoch). */
function packageDir(builtAt: number, changedAt: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aloft-manifest-"));
  dirs.push(dir);
  cpSync(path.join(ROOT, "tools"), path.join(dir, "tools"), { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(MANIFEST));
  mkdirSync(path.join(dir, "dist", "cli"), { recursive: true });
  mkdirSync(path.join(dir, "src", "cli"), { recursive: true });
  writeFileSync(path.join(dir, "dist", "cli", "main.js"), "");
  writeFileSync(path.join(dir, "src", "cli", "main.ts"), "");
  utimesSync(path.join(dir, "dist", "cli", "main.js"), builtAt, builtAt);
  utimesSync(path.join(dir, "src", "cli", "main.ts"), changedAt, changedAt);
  return dir;
}

function tool(dir: string, mode: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(dir, "tools", "packed-manifest.mjs"), mode], { cwd: dir }, (error, _stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stderr }));
  });
}

describe("the packed manifest", () => {
  it("ships package.json without scripts, devDependencies and allowScripts, and restores the repository's own", async () => {
    const dir = packageDir(2_000_000_000, 1_000_000_000);
    expect((await tool(dir, "strip")).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"))).toEqual({ name: "p", version: "1.0.0", dependencies: { z: "1" } });
    expect((await tool(dir, "restore")).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"))).toEqual(MANIFEST);
  });

  it("refuses a dist/ older than a source file, naming it, and leaves package.json as it was", async () => {
    const dir = packageDir(1_000_000_000, 2_000_000_000);
    const refused = await tool(dir, "strip");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`dist/ is older than ${path.join("src", "cli", "main.ts")} (changed after the last build): run npm run build, then pack again`);
    expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"))).toEqual(MANIFEST);
  });
});
