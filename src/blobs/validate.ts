/**
 * Run-time checks of file, directory and dataframe values: the value must be
 * a reference of the right class, of a matching format, and (for dataframes
 * whose stored columns are known) have the declared columns.
 *
 * @module
 */
import type { LiteralType } from "../idl/core.js";
import { describeType, describeValue } from "../types/describe.js";
import { AloftDirectory } from "./directory.js";
import { AloftDataFrame, columnsProblem, declaredColumns } from "./dataframe.js";
import { AloftFile } from "./file.js";
import { formatsMatch } from "./format.js";

/**
 * The validator of a blob or structured-dataset literal type: `undefined` for
 * a value that fits, otherwise what is wrong.
 *
 * @example
 * ```ts
 * referenceValidator(t.dir.literalType)(AloftFile.fromPath("a.txt")); // "expected dir, got file file:///…/a.txt"
 * ```
 */
export function referenceValidator(type: LiteralType): (value: unknown) => string | undefined {
  const name = describeType(type);
  const got = (x: unknown) => `expected ${name}, got ${x instanceof AloftFile || x instanceof AloftDirectory || x instanceof AloftDataFrame ? String(x) : describeValue(x)}`;
  if (type.blob) {
    const cls = type.blob.dimensionality === "MULTIPART" ? AloftDirectory : AloftFile;
    const format = type.blob.format;
    return (x) => (x instanceof cls && formatsMatch(x.format, format) ? undefined : got(x));
  }
  const sd = type.structuredDatasetType ?? {};
  const want = declaredColumns(type);
  return (x) => {
    if (!(x instanceof AloftDataFrame) || !formatsMatch(x.format, sd.format, true)) return got(x);
    const problem = columnsProblem(x.columns, want);
    return problem === undefined ? undefined : `expected ${name}, got a dataframe with ${problem} (${x.uri})`;
  };
}
