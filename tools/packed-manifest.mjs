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
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const manifest = path.join(root, "package.json");
const kept = path.join(root, "package.json.repository");

const mode = process.argv[2];
if (mode === "strip") {
  if (!existsSync(path.join(root, "dist", "cli", "main.js"))) throw new Error("dist/ is not built: run npm run build first (npm ci does)");
  if (existsSync(kept)) throw new Error(`${kept} exists already: run "node tools/packed-manifest.mjs restore" first`);
  const text = readFileSync(manifest, "utf8");
  const shipped = JSON.parse(text);
  delete shipped.scripts;
  delete shipped.devDependencies;
  renameSync(manifest, kept);
  writeFileSync(manifest, `${JSON.stringify(shipped, null, 2)}\n`);
} else if (mode === "restore") {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  process.stderr.write("usage: node tools/packed-manifest.mjs strip|restore\n");
  process.exit(2);
}
