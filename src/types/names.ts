/**
 * Rules for the names of inputs, outputs and fields.
 *
 * @module
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * True when `name` can name an input, output or struct field: a letter or
 * underscore, then letters, digits and underscores (as Python identifiers,
 * since Flyte's interfaces must stay usable from flytekit).
 *
 * @example
 * ```ts
 * isIdentifier("wf_output"); // true
 * isIdentifier("1st");       // false
 * ```
 */
export function isIdentifier(name: unknown): name is string {
  return typeof name === "string" && IDENTIFIER.test(name);
}
