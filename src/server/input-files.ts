/**
 * The files, directories and dataframes a request gives (as inputs, or as a
 * gate's value) must be where the server lets them be (`FileRoots`): each
 * reference is found wherever it sits in a value (in lists, maps, structs and
 * unions too) and checked, and the first one refused is a 400
 * `file_not_allowed` naming the input and the place in it.
 *
 * @module
 */
import { BlobReference } from "../blobs/reference.js";
import { AloftDirectory } from "../blobs/directory.js";
import type { FileRoots } from "../blobs/confine.js";
import { ApiError } from "./errors.js";

/** A reference inside a value, and where: `[2]`, `.reports["q1"]`, `` (the value itself). */
export interface FoundReference {
  readonly at: string;
  readonly ref: BlobReference;
}

/**
 * Every blob reference inside a converted value, with its place.
 *
 * @example
 * ```ts
 * referencesIn([AloftFile.fromUri("file:///a.csv")]); // [{ at: "[0]", ref: <file file:///a.csv> }]
 * ```
 */
export function referencesIn(value: unknown, at = ""): FoundReference[] {
  if (value instanceof BlobReference) return [{ at, ref: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => referencesIn(v, `${at}[${i}]`));
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([k, v]) => referencesIn(v, `${at}[${JSON.stringify(k)}]`));
  }
  return [];
}

/**
 * Checks every reference in `values` (inputs by name) against `roots`.
 *
 * @throws ApiError 400 `file_not_allowed`, with the field `fieldOf(name)`, for the first reference refused.
 *
 * @example
 * ```ts
 * await confineReferences(ctx.fileRoots, converted.values, 'workflow "wf": input', (name) => `inputs.${name}`);
 * // ApiError 400 file_not_allowed: workflow "wf": input "data": file:///etc/passwd is outside ...
 * ```
 */
export async function confineReferences(roots: FileRoots, values: Readonly<Record<string, unknown>>, what: string, fieldOf: (name: string) => string): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    for (const { at, ref } of referencesIn(value)) {
      const problem = await roots.problem(ref.uri, ref instanceof AloftDirectory ? "directory" : "file");
      if (problem !== undefined) throw new ApiError(400, "file_not_allowed", `${what} ${JSON.stringify(name)}${at}: ${problem}`, fieldOf(name));
    }
  }
}
