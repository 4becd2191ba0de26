/**
 * The package as a user installs it: `npm pack` of the built package, then
 * `npm install` of the tarball into fresh projects made by `npm init -y`
 * (CommonJS: no `"type"`) and into an ES-module project, and workflows in
 * every kind of module file run there on the embedded engine (in worker
 * processes) and through `aloft serve`.
 *
 * Packages come from npm's cache (or the registry when the cache lacks them).
 * Install scripts are not run here: the one that matters, better-sqlite3's
 * native build, takes minutes on a loaded 2-core machine, so its binding is
 * copied from this repository's own install of the same pinned version for
 * the same Node. Which packages of the install have scripts npm would warn
 * about is what `npm install-scripts ls` lists (the list npm's install warning
 * prints): better-sqlite3 alone, and none once the README's one-line approval
 * is given. That the packed package.json has no install step of ours is
 * checked on the tarball itself.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "../cli/helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const semver = createRequire(import.meta.url)("semver") as { satisfies(version: string, range: string): boolean; minVersion(range: string): { version: string } | null };
const MINUTES = 60_000;

interface Ran {
  readonly code: number;
  readonly out: string;
}

/** Runs a command in `cwd` and resolves to its exit code and its stdout and stderr together. */
function sh(cwd: string, command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, timeout = 5 * MINUTES): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { cwd, timeout, env: { ...process.env, NO_COLOR: "1", ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: typeof error?.code === "number" ? error.code : 0, out: `${stdout}${stderr}` });
    });
    child.stdin?.end();
  });
}

const npm = (cwd: string, ...args: string[]): Promise<Ran> => sh(cwd, "npm", [...args, "--no-audit", "--no-fund"]);
const aloft = (cwd: string, ...args: string[]): Promise<Ran> => sh(cwd, "npx", ["--no", "aloft", ...args], { ALOFT_HOME: path.join(cwd, ".aloft-home") });

const TASKS = `
const double = task({ name: "double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);
const add = task({ name: "add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
`;
const WF = (name: string): string => `workflow({ name: "${name}", inputs: { x: t.int } }, ({ x }) => ({ y: add({ a: double({ x }), b: 1 }) }))`;
/** The same workflow in each kind of module file a user may write; `helpers.ts` is imported by the `.ts` one as `./helpers.js`. */
const MODULES: Readonly<Record<string, string>> = {
  "helpers.ts": `import { task, t } from "aloft";\n${TASKS}\nexport { double, add };\n`,
  "flow.ts": `import { workflow, t } from "aloft";\nimport { double, add } from "./helpers.js";\nconst n: number = 1;\nexport const wf = ${WF("wf_ts")};\nexport const one: number = n;\n`,
  "flow_m.mts": `import { task, workflow, t } from "aloft";\n${TASKS}\nexport const wf = ${WF("wf_mts")};\n`,
  "flow_c.cts": `import { task, workflow, t } from "aloft";\n${TASKS}\nexport const wf = ${WF("wf_cts")};\n`,
  "flow_e.mjs": `import { task, workflow, t } from "aloft";\n${TASKS}\nexport const wf = ${WF("wf_mjs")};\n`,
};
/** A `.js` file as its package reads it: CommonJS with `require` where the package is CommonJS, an ES module where it is one. */
const JS_CJS = `const { task, workflow, t } = require("aloft");\n${TASKS}\nexports.wf = ${WF("wf_js")};\n`;
const JS_ESM = `import { task, workflow, t } from "aloft";\n${TASKS}\nexport const wf = ${WF("wf_js")};\n`;

let work: string;
let tarball: string;

beforeAll(async () => {
  assertBuilt();
  work = mkdtempSync(path.join(os.tmpdir(), "aloft-install-"));
  // Pack a copy of the package (what `npm pack` reads: package.json, dist/, README, LICENSE, and the
  // prepack tool), so that packing never rewrites the repository's package.json while other tests run.
  const stage = path.join(work, "stage");
  mkdirSync(stage);
  for (const entry of ["package.json", "README.md", "dist", "tools"]) cpSync(path.join(ROOT, entry), path.join(stage, entry), { recursive: true });
  const packed = await npm(stage, "pack", "--pack-destination", work);
  expect(packed.code, packed.out).toBe(0);
  tarball = path.join(work, "aloft-0.1.0.tgz");
}, 5 * MINUTES);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
}, 5 * MINUTES);

/** A fresh project made as a user makes one, with the tarball installed and the given module files. */
async function project(
  name: string,
  type: "commonjs" | "module" | undefined,
  files: Readonly<Record<string, string>>,
  beforeBinding?: (dir: string) => Promise<void>,
): Promise<{ dir: string; install: Ran }> {
  const dir = path.join(work, name);
  mkdirSync(dir);
  const init = await npm(dir, "init", "-y");
  expect(init.code, init.out).toBe(0);
  if (type !== undefined) {
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ ...pkg, type }, null, 2));
  }
  const install = await npm(dir, "install", tarball, "--prefer-offline", "--ignore-scripts");
  expect(install.code, install.out).toBe(0);
  const binding = path.join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
  const ours = JSON.parse(readFileSync(path.join(ROOT, "node_modules", "better-sqlite3", "package.json"), "utf8")) as { version: string };
  const theirs = JSON.parse(readFileSync(path.join(dir, "node_modules", "better-sqlite3", "package.json"), "utf8")) as { version: string };
  expect(theirs.version).toBe(ours.version);
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  await beforeBinding?.(dir);
  mkdirSync(path.dirname(path.join(dir, binding)), { recursive: true });
  copyFileSync(path.join(ROOT, binding), path.join(dir, binding));
  return { dir, install };
}

describe("the packed package", () => {
  it("ships no install step of ours: no scripts and no devDependencies in its package.json", async () => {
    const listed = await sh(work, "tar", ["-xOzf", tarball, "package/package.json"]);
    const manifest = JSON.parse(listed.out) as Record<string, unknown>;
    expect(manifest["scripts"]).toBeUndefined();
    expect(manifest["devDependencies"]).toBeUndefined();
    expect(manifest["allowScripts"]).toBeUndefined();
    expect(manifest["bin"]).toEqual({ aloft: "./dist/cli/main.js" });
    // The repository's own package.json is untouched by packing (prepack's rewrite is undone by postpack).
    expect(JSON.parse(readFileSync(path.join(work, "stage", "package.json"), "utf8"))).toEqual(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")));
  });
});

describe.concurrent("installed into a fresh project", () => {
  it(
    'CommonJS (npm init -y, "type" missing or "commonjs"): every dependency supports Node 20, only better-sqlite3 has an install script, and .ts, .mts, .cts, .js, .mjs load in the CLI and in workers, on the engine and through aloft serve',
    async () => {
      const { dir, install } = await project("cjs", undefined, { ...MODULES, "flow_j.js": JS_CJS }, expectBindingMissingSaid);
      expect(install.out).not.toContain("EBADENGINE");
      await expectEveryEngineIsNode20(dir);
      await expectOnlyBetterSqliteHasScripts(dir);
      // npm 11 writes "type": "commonjs"; older npm writes no "type": both are CommonJS to Node.
      expect((JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { type?: string }).type ?? "commonjs").toBe("commonjs");
      await expectRunOnEngine(dir, ["flow.ts", "flow_c.cts", "flow_j.js"]);
      await expectServed(dir, ["flow.ts", "flow_m.mts", "flow_e.mjs"]);
    },
    15 * MINUTES,
  );

  it(
    'ES module ("type": "module"): every dependency supports Node 20, only better-sqlite3 has an install script, and .ts, .mts, .cts, .js, .mjs load in the CLI and in workers, on the engine and through aloft serve',
    async () => {
      const { dir, install } = await project("esm", "module", { ...MODULES, "flow_j.js": JS_ESM });
      expect(install.out).not.toContain("EBADENGINE");
      await expectEveryEngineIsNode20(dir);
      await expectOnlyBetterSqliteHasScripts(dir);
      await expectRunOnEngine(dir, ["flow.ts", "flow_m.mts", "flow_j.js"]);
      await expectGrpcAskedFor(dir);
      await expectServed(dir, ["flow.ts", "flow_c.cts", "flow_e.mjs"]);
    },
    15 * MINUTES,
  );
});

/**
 * Every package the install resolves (`npm query` over the whole tree, nested
 * copies too) that states `engines.node` admits the lowest Node that Aloft's
 * own `engines` admits (20.0.0), and the Node running the test.
 */
async function expectEveryEngineIsNode20(dir: string): Promise<void> {
  const ours = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
  const lowest = semver.minVersion(ours)?.version ?? "";
  expect(lowest).toMatch(/^20\./);
  const query = await npm(dir, "query", ":attr(engines, [node])");
  expect(query.code, query.out).toBe(0);
  const stated = JSON.parse(query.out) as { name: string; version: string; engines: { node: string } }[];
  expect(stated.length).toBeGreaterThan(20);
  const refused = stated.filter((p) => !semver.satisfies(lowest, p.engines.node) || !semver.satisfies(process.versions.node, p.engines.node));
  expect(refused.map((p) => `${p.name}@${p.version} (engines.node ${p.engines.node})`)).toEqual([]);
}

/**
 * Of everything the install resolves, only better-sqlite3 has an install
 * script npm warns about ("not yet covered by allowScripts"): not esbuild
 * (tsx is a devDependency), not protobufjs (8.x has none; nothing brings
 * 7.x), not Aloft. The README's one-line approval leaves none.
 */
async function expectOnlyBetterSqliteHasScripts(dir: string): Promise<void> {
  const listed = await npm(dir, "install-scripts", "ls");
  expect(listed.code, listed.out).toBe(0);
  const packages = listed.out.split("\n").filter((line) => /^ {2}\S/.test(line)).map((line) => line.trim().split(" ")[0]);
  expect([packages, listed.out]).toEqual([[expect.stringMatching(/^better-sqlite3@12\./)], expect.stringMatching(/^1 package has install scripts not yet covered by allowScripts:\n/)]);
  const tree = await npm(dir, "ls", "--all", "--parseable");
  for (const gone of ["esbuild", "tsx", "@grpc/grpc-js", "@grpc/proto-loader"]) expect(tree.out.split("\n").filter((p) => p.endsWith(`/node_modules/${gone}`))).toEqual([]);
  const approved = await npm(dir, "install-scripts", "approve", "better-sqlite3");
  expect(approved.code, approved.out).toBe(0);
  const after = await npm(dir, "install-scripts", "ls");
  expect([after.code, after.out.trim()]).toEqual([0, "No packages with unreviewed install scripts."]);
}

/**
 * Before better-sqlite3's binding is there (its install script did not run:
 * npm 12 runs only approved ones, and this install ran none), a run on the
 * engine says what is missing and how to build it, exits 2 and leaves no
 * `.aloft/` behind (it printed a 13-path "Could not locate the bindings
 * file" and exited 1); `--local` runs without it.
 */
async function expectBindingMissingSaid(dir: string): Promise<void> {
  const run = await aloft(dir, "run", "flow.ts", "wf", "--x", "20");
  expect([run.code, run.out]).toEqual([2, expect.stringMatching(/^error: SQLite's native binding \(the better-sqlite3 package\) was never built, .* npm install-scripts approve better-sqlite3 && npm rebuild better-sqlite3\. .*\n$/)]);
  expect(existsSync(path.join(dir, ".aloft"))).toBe(false);
  const local = await aloft(dir, "run", "flow.ts", "wf", "--x", "20", "--local");
  expect([local.code, local.out]).toEqual([0, expect.stringMatching(/^y: 41\n/)]);
}

/**
 * `@grpc/grpc-js` is an optional peer dependency, so the install has none:
 * `aloft register --flyte` says what to install, exits 2 (a step of the
 * install is missing) and sends nothing.
 */
async function expectGrpcAskedFor(dir: string): Promise<void> {
  const run = await aloft(dir, "register", "flow.ts", "--flyte", "127.0.0.1:1", "--insecure", "--project", "p", "--domain", "d");
  expect([run.code, run.out]).toEqual([2, expect.stringMatching(/^error: registering on Flyte talks to flyteadmin over gRPC with @grpc\/grpc-js, which this project has not installed .* run `npm install @grpc\/grpc-js@\^1\.14\.7` in your project, then try again\n$/)]);
}

/** `npx aloft run <file> wf` in `dir` runs each file's workflow on the embedded engine, its tasks in worker processes. */
async function expectRunOnEngine(dir: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    const run = await aloft(dir, "run", file, "wf", "--x", "20");
    expect([file, run.code, run.out]).toEqual([file, 0, expect.stringMatching(/^y: 41\nrun a[0-9a-f]{20} succeeded in .* \(engine: \.aloft\/aloft\.db\)\n/)]);
  }
}

/**
 * `npx aloft serve <modules>` in `dir` runs each module's workflow for
 * `aloft run --remote`; a SIGTERM to npx (which ends npm and its shell, not
 * the server they started) stops the real server and its workers: the
 * output pipes close only when every process holding them has ended.
 */
async function expectServed(dir: string, modules: readonly string[]): Promise<void> {
  const { spawn } = await import("node:child_process");
  const server = spawn("npx", ["--no", "aloft", "serve", ...modules, "--port", "0", "--db", "served.db"], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", ALOFT_HOME: path.join(dir, ".aloft-home") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  server.stdout.on("data", (d: Buffer) => (out += String(d)));
  server.stderr.on("data", (d: Buffer) => (out += String(d)));
  const ended = new Promise<void>((resolve) => server.once("close", () => resolve()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const m = /Aloft server on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      };
      server.stdout.on("data", check);
      void ended.then(() => reject(new Error(`aloft serve ended: ${out}`)));
    });
    for (const file of modules) {
      const run = await aloft(dir, "run", file, "wf", "--remote", url, "--x", "20");
      expect([file, run.code, run.out]).toEqual([file, 0, expect.stringMatching(/^y: 41\n/)]);
    }
  } finally {
    server.kill("SIGTERM");
    await ended;
  }
  expect(out).toMatch(/aloft serve: SIGTERM: stopping/);
}
