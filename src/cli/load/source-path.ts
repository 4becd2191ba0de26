/**
 * What a path given to `aloft run` (or to `register` and `serve` with
 * `--tasks`) is before it is read as a module or as specs: one that does not
 * exist is said to be missing (with the module it most likely meant), not
 * taken for specs.
 *
 * @module
 */
import { statSync } from "node:fs";
import path from "node:path";
import { MODULE_EXTENSIONS } from "../../loading/import-module.js";
import { ModuleLoadError } from "./load-module.js";

/**
 * The modules `file` may have meant when it does not exist: the same path
 * with a module's extension (`flow` → `flow.ts`), as an extensionless import
 * would find them.
 *
 * @example
 * ```ts
 * meantModules("flow", "/project"); // ["flow.ts"] when /project/flow.ts exists
 * ```
 */
export function meantModules(file: string, cwd: string): string[] {
  return MODULE_EXTENSIONS.map((ext) => `${file}${ext}`).filter((candidate) => {
    try {
      return statSync(path.resolve(cwd, candidate)).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * Whether `file` (relative to `cwd`) is a file or a folder.
 *
 * @throws ModuleLoadError `cannot load <file>: no such file` (adding `did you mean flow.ts?` when one exists) when nothing is there.
 *
 * @example
 * ```ts
 * sourceKind("examples", process.cwd()); // "folder"
 * sourceKind("flow", process.cwd());     // throws: cannot load flow: no such file (did you mean flow.ts?)
 * ```
 */
export function sourceKind(file: string, cwd: string): "file" | "folder" {
  try {
    return statSync(path.resolve(cwd, file)).isDirectory() ? "folder" : "file";
  } catch {
    const meant = meantModules(file, cwd);
    throw new ModuleLoadError(file, `no such file${meant.length > 0 ? ` (did you mean ${meant.join(" or ")}?)` : ""}`);
  }
}
