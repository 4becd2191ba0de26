#!/usr/bin/env node
/**
 * The package.json that `npm pack` and `npm publish` ship: the repository's
 * own, less what only the repository needs. `scripts` go (above all
 * `prepare`, which builds dist/ on the repository's `npm ci` and would make
 * every install of the package run a build step that is ours to do, with
 * npm warning about it), and so do `devDependencies`.
 *
 *   node tools/packed-manifest.mjs strip     # prepack: writes the shipped manifest, keeps the original aside (dist/ must be built)
 *   node tools/packed-manifest.mjs restore   # postpack: puts the original back
 *
 * `restore` is safe to run at any time: it does nothing when nothing is kept aside.
 * `strip` refuses to pack a dist/ older than the sources it is built from
 * (`src/`, `web/`, where they exist): `npm pack` runs no build, and a stale
 * dist/ would ship today's README with yesterday's code.
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const manifest = path.join(root, "package.json");
const kept = path.join(root, "package.json.repository");

/** The newest file under `dir` (recursively), as `{ file, mtimeMs }`, or undefined when there is none. */
function newest(dir) {
  let found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    const candidate = entry.isDirectory() ? newest(file) : { file, mtimeMs: statSync(file).mtimeMs };
    if (candidate && (!found || candidate.mtimeMs > found.mtimeMs)) found = candidate;
  }
  return found;
}

/** Refuses a dist/ built before the newest change to the sources it is built from. */
function assertDistFresh() {
  const built = statSync(path.join(root, "dist", "cli", "main.js")).mtimeMs;
  for (const sources of ["src", "web"]) {
    if (!existsSync(path.join(root, sources))) continue;
    const latest = newest(path.join(root, sources));
    if (latest && latest.mtimeMs > built) {
      refuse(`dist/ is older than ${path.relative(root, latest.file)} (changed after the last build): run npm run build, then pack again`);
    }
  }
}

const mode = process.argv[2];
/** Says why packing cannot go on, in one line (npm prints it), and fails the pack. */
function refuse(message) {
  process.stderr.write(`packed-manifest: ${message}\n`);
  process.exit(1);
}
if (mode === "strip") {
  if (!existsSync(path.join(root, "dist", "cli", "main.js"))) refuse("dist/ is not built: run npm run build first (npm ci does)");
  assertDistFresh();
  if (existsSync(kept)) refuse(`${kept} exists already: run "node tools/packed-manifest.mjs restore" first`);
  const text = readFileSync(manifest, "utf8");
  const shipped = JSON.parse(text);
  delete shipped.scripts;
  delete shipped.devDependencies;
  delete shipped.allowScripts; // npm reads it only from the project being installed: it is the repository's own
  renameSync(manifest, kept);
  writeFileSync(manifest, `${JSON.stringify(shipped, null, 2)}\n`);
} else if (mode === "restore") {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  process.stderr.write("usage: node tools/packed-manifest.mjs strip|restore\n");
  process.exit(2);
}
