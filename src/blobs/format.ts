/**
 * Blob formats: free-form names such as `csv`, `parquet` or `arrow`, as in
 * Flyte's `BlobType.format` and `StructuredDatasetType.format`. The empty
 * string means "any format".
 *
 * @module
 */
import { InvalidTypeError } from "../errors.js";

const FORMAT = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/**
 * Checks a format option: `undefined` or `""` (any format), or a short name of
 * letters, digits, `.`, `_`, `+` and `-`.
 *
 * @example
 * ```ts
 * checkFormat("csv", "t.file"); // "csv"
 * checkFormat(undefined, "t.file"); // ""
 * ```
 */
export function checkFormat(format: unknown, where: string): string {
  if (format === undefined || format === "") return "";
  if (typeof format !== "string" || !FORMAT.test(format)) {
    throw new InvalidTypeError(`${where}: format must be a name such as "csv" or "parquet", got ${JSON.stringify(format)}`);
  }
  return format;
}

/**
 * Whether a value of format `have` may be used where `want` is expected: an
 * empty format on either side matches anything. `ignoreCase` is for
 * dataframes, whose formats Flyte compares without case.
 *
 * @example
 * ```ts
 * formatsMatch("csv", ""); // true
 * formatsMatch("csv", "json"); // false
 * ```
 */
export function formatsMatch(have: string | undefined, want: string | undefined, ignoreCase = false): boolean {
  if (!have || !want) return true;
  return ignoreCase ? have.toLowerCase() === want.toLowerCase() : have === want;
}
