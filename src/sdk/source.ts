/**
 * Where an entity is defined: the file of the code that called `task()`,
 * found from the call stack, so that a Flyte container can load that module
 * to run the task (`aloft execute -- <module> <task>`), as flytekit finds a
 * task's module (`core/tracker.py`, `extract_task_module`).
 *
 * @module
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Aloft's own folder (`src` or `dist`): frames inside it are Aloft's, not the user's. */
const OWN_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/**
 * Both of Aloft's code folders: with source maps on (the loader turns them on when it
 * loads a TypeScript module), a frame of `dist/sdk/task.js` reads `src/sdk/task.ts`.
 */
const OWN_FOLDERS = ["src", "dist"].map((d) => path.join(path.dirname(OWN_ROOT), d) + path.sep);

function frameFile(line: string): string | undefined {
  const m = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):\d+:\d+\)?$/.exec(line.trim());
  if (!m) return undefined;
  const raw = m[1]!;
  return raw.startsWith("file://") ? fileURLToPath(raw) : raw;
}

/**
 * The absolute path of the first file on the call stack that is not Aloft's
 * own (nor Node's), or undefined when there is none (code given to `eval`).
 *
 * @example
 * ```ts
 * const def = { ..., source: callerFile() }; // "/home/me/project/flows.ts"
 * ```
 */
export function callerFile(): string | undefined {
  const stack = new Error().stack ?? "";
  for (const line of stack.split("\n").slice(1)) {
    const file = frameFile(line);
    if (file === undefined || file.startsWith("node:")) continue;
    if (file.startsWith(OWN_ROOT + path.sep) || OWN_FOLDERS.some((f) => file.startsWith(f))) continue;
    return file;
  }
  return undefined;
}
