/**
 * What a computed version (`compile` without a version) takes of a task's
 * code: the source file that defines the task, as the user wrote it, as
 * pyflyte's versions hash the source files of the package it registers
 * (flytekit `tools/fast_registration.py`, `compute_digest`). Not the
 * function's text in the running process (`fn.toString()`): that is the
 * output of whichever TypeScript loader compiled the file (tsx's esbuild, the
 * sucrase hooks of Aloft's CLI and workers, Node's own type stripping), so a
 * program run with `tsx` would give its tasks other versions than the worker
 * processes do, and every attempt would be refused as other code. The cost
 * is strictness: any edit to the file is new code for every task in it (and tasks a factory makes in one file share
 * its digest: their specs, names included, still tell them apart).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * Digests of the files read so far, by path. A process runs the code it first
 * loaded (modules are loaded once), so the first reading of a file is the one
 * that stands for it.
 */
const fileDigests = new Map<string, string>();

/**
 * The text a computed version hashes for a task's code: a digest of its
 * source file, or the function's own text when no file of the user's is on
 * the call stack that made the task, or it cannot be read.
 *
 * @example
 * ```ts
 * hash.update(taskCodeText(def.fn, def.source)); // "file:9f2c…" for a task defined in a readable file
 * ```
 */
export function taskCodeText(fn: { toString(): string }, source: string | undefined): string {
  if (source === undefined) return fn.toString();
  let digest = fileDigests.get(source);
  if (digest === undefined) {
    try {
      digest = `file:${createHash("sha256").update(readFileSync(source)).digest("hex")}`;
    } catch {
      return fn.toString();
    }
    fileDigests.set(source, digest);
  }
  return digest;
}
