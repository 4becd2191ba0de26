/**
 * Files, directories and dataframes as Flyte literals: `Scalar.blob`
 * (`{ metadata: { type }, uri }`) and `Scalar.structuredDataset`
 * (`{ uri, metadata: { structuredDatasetType } }`). Only the reference is
 * written, never the data.
 *
 * @module
 */
import type { BlobType, LiteralType, Scalar, StructuredDatasetType } from "../idl/core.js";
import { AloftDirectory } from "./directory.js";
import { AloftDataFrame, declaredColumns } from "./dataframe.js";
import { AloftFile } from "./file.js";

/**
 * The scalar of a reference value of a blob or dataset type, or `undefined`
 * when the value is not such a reference. The literal's metadata carries the
 * value's own format and (for dataframes) its stored columns, falling back to
 * the declared ones, as flytekit does.
 *
 * @example
 * ```ts
 * referenceScalar(t.file.literalType, AloftFile.fromUri("file:///a.csv", { format: "csv" }));
 * // { blob: { metadata: { type: { format: "csv" } }, uri: "file:///a.csv" } }
 * ```
 */
export function referenceScalar(type: LiteralType, value: unknown): Scalar | undefined {
  const multipart = type.blob?.dimensionality === "MULTIPART";
  if (type.blob && (value instanceof AloftFile || value instanceof AloftDirectory) && value instanceof AloftDirectory === multipart) {
    const blobType: BlobType = {};
    const format = value.format || type.blob.format;
    if (format) blobType.format = format;
    if (multipart) blobType.dimensionality = "MULTIPART";
    return { blob: { metadata: { type: blobType }, uri: value.uri } };
  }
  if (type.structuredDatasetType && value instanceof AloftDataFrame) {
    const sdType: StructuredDatasetType = {};
    const columns = value.columns.length > 0 ? value.columns : declaredColumns(type);
    if (columns.length > 0) sdType.columns = columns.map((c) => ({ name: c.name, literalType: c.literalType }));
    const format = value.format || type.structuredDatasetType.format;
    if (format) sdType.format = format;
    return { structuredDataset: { uri: value.uri, metadata: { structuredDatasetType: sdType } } };
  }
  return undefined;
}

/**
 * The reference held by a blob or dataset scalar, or `undefined` when the
 * scalar holds neither. Dimensionality and format come from the literal's
 * metadata, else from the expected type.
 *
 * @example
 * ```ts
 * referenceFromScalar(t.file.literalType, { blob: { metadata: { type: {} }, uri: "file:///a.csv" } }); // AloftFile
 * ```
 */
export function referenceFromScalar(type: LiteralType, s: Scalar): AloftFile | AloftDirectory | AloftDataFrame | undefined {
  if (s.blob) {
    const meta = s.blob.metadata?.type;
    const dims = meta ? (meta.dimensionality ?? "SINGLE") : (type.blob?.dimensionality ?? "SINGLE");
    const format = meta?.format ?? type.blob?.format ?? "";
    const uri = s.blob.uri ?? "";
    return dims === "MULTIPART" ? AloftDirectory.fromUri(uri, { format }) : AloftFile.fromUri(uri, { format });
  }
  if (s.structuredDataset) {
    const meta = s.structuredDataset.metadata?.structuredDatasetType;
    const columns = meta?.columns ? declaredColumns({ structuredDatasetType: meta }) : declaredColumns(type);
    const format = meta?.format ?? type.structuredDatasetType?.format ?? "";
    return AloftDataFrame.fromUri(s.structuredDataset.uri ?? "", { format, columns });
  }
  return undefined;
}
