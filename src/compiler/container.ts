/**
 * The container a compiled task runs in on Flyte: an image, and the command
 * of Aloft's entrypoint, written as flytekit writes `pyflyte-execute`'s
 * (`core/python_auto_container.py`, `get_default_command`): the whole command
 * in `args`, with the templates propeller fills in for each attempt.
 *
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The image a task runs in when neither the task nor the compile options name
 * one: what the README's `examples/Dockerfile` builds and pushes to the
 * registry of Flyte's sandbox (`flytectl demo start`).
 *
 * @example
 * ```ts
 * compile(slope, { image: DEFAULT_IMAGE }).template.container.image; // "localhost:30000/aloft:latest"
 * ```
 */
export const DEFAULT_IMAGE = "localhost:30000/aloft:latest";

/**
 * The arguments of Aloft's entrypoint for a task: what Flyte runs in the
 * task's pod. Propeller replaces the `{{.…}}` templates
 * (`flyteplugins/go/tasks/pluginmachinery/utils/template.go`).
 *
 * @example
 * ```ts
 * entrypointArgs("flows.ts", "slope");
 * // ["aloft", "execute", "--inputs", "{{.input}}", ..., "--", "flows.ts", "slope"]
 * ```
 */
export function entrypointArgs(module: string, taskName: string, map?: { readonly bound: readonly string[] }): string[] {
  const args = [
    "aloft",
    "execute",
    "--inputs",
    "{{.input}}",
    "--output-prefix",
    "{{.outputPrefix}}",
    "--raw-output-data-prefix",
    "{{.rawOutputDataPrefix}}",
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
  ];
  if (map) {
    args.push("--map");
    if (map.bound.length > 0) args.push("--bound", [...map.bound].sort().join(","));
  }
  args.push("--", module, taskName);
  return args;
}

const roots = new Map<string, string>();

/** The nearest folder above `dir` that holds a package.json, else `dir`. */
function projectRoot(dir: string): string {
  const known = roots.get(dir);
  if (known !== undefined) return known;
  let at = dir;
  for (;;) {
    if (existsSync(path.join(at, "package.json"))) break;
    const up = path.dirname(at);
    if (up === at) {
      at = dir;
      break;
    }
    at = up;
  }
  roots.set(dir, at);
  return at;
}

/**
 * The module a container loads to run a task defined in `file`: its path from
 * the root of its project (the nearest folder with a package.json), which is
 * the image's working directory, with `/` separators.
 *
 * @example
 * ```ts
 * containerModule("/home/me/project/flows/etl.ts"); // "flows/etl.ts"
 * ```
 */
export function containerModule(file: string): string {
  return path.relative(projectRoot(path.dirname(file)), file).split(path.sep).join("/");
}
