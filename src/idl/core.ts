/**
 * Plain-object shapes of the flyteidl messages Aloft produces and consumes,
 * in the form protobufjs uses (`fromObject` / `toObject` with
 * `{ enums: String, longs: String }`): camelCase fields, enum values as their
 * names, 64-bit integers as decimal strings.
 *
 * These types are the contract between the SDK and every runner. Only the
 * fields Aloft writes are listed; the `.proto` files of `@flyteorg/flyteidl`
 * remain the authority (see `src/compiler/proto.ts`).
 *
 * @module
 */

/** `flyteidl.core.SimpleType`. */
export type SimpleType =
  | "NONE"
  | "INTEGER"
  | "FLOAT"
  | "STRING"
  | "BOOLEAN"
  | "DATETIME"
  | "DURATION"
  | "BINARY"
  | "ERROR"
  | "STRUCT";

/** `google.protobuf.Value`, as protobufjs writes it. */
export type ProtoValue =
  | { nullValue: "NULL_VALUE" }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: ProtoStruct }
  | { listValue: { values?: ProtoValue[] } };

/** `google.protobuf.Struct`. */
export interface ProtoStruct {
  fields?: Record<string, ProtoValue>;
}

/** `google.protobuf.Duration` (seconds as a decimal string). */
export interface ProtoDuration {
  seconds?: string;
  nanos?: number;
}

/** `google.protobuf.Timestamp` (seconds as a decimal string). */
export interface ProtoTimestamp {
  seconds?: string;
  nanos?: number;
}

/** `flyteidl.core.BlobType`. */
export interface BlobType {
  format?: string;
  dimensionality?: "SINGLE" | "MULTIPART";
}

/** `flyteidl.core.StructuredDatasetType`. */
export interface StructuredDatasetType {
  columns?: { name?: string; literalType?: LiteralType }[];
  format?: string;
}

/** `flyteidl.core.TypeStructure`. */
export interface TypeStructure {
  tag?: string;
  dataclassType?: Record<string, LiteralType>;
}

/** `flyteidl.core.LiteralType`: exactly one of the type fields is set. */
export interface LiteralType {
  simple?: SimpleType;
  collectionType?: LiteralType;
  mapValueType?: LiteralType;
  blob?: BlobType;
  enumType?: { values?: string[] };
  structuredDatasetType?: StructuredDatasetType;
  unionType?: { variants?: LiteralType[] };
  metadata?: ProtoStruct;
  structure?: TypeStructure;
}

/** `flyteidl.core.Primitive`. */
export interface Primitive {
  integer?: string;
  floatValue?: number;
  stringValue?: string;
  boolean?: boolean;
  datetime?: ProtoTimestamp;
  duration?: ProtoDuration;
}

/** `flyteidl.core.Scalar`. */
export interface Scalar {
  primitive?: Primitive;
  noneType?: Record<string, never>;
  generic?: ProtoStruct;
  blob?: { metadata?: { type?: BlobType }; uri?: string };
  structuredDataset?: { uri?: string; metadata?: { structuredDatasetType?: StructuredDatasetType } };
  union?: { value?: Literal; type?: LiteralType };
  error?: { failedNodeId?: string; message?: string };
  /** Bytes with a tag: flytekit's MessagePack structs (`tag: "msgpack"`). */
  binary?: { value?: Uint8Array | string; tag?: string };
}

/** `flyteidl.core.Literal`. */
export interface Literal {
  scalar?: Scalar;
  collection?: { literals?: Literal[] };
  map?: { literals?: Record<string, Literal> };
  /** A value kept in a blob store instead (`LiteralOffloadedMetadata`). */
  offloadedMetadata?: { uri?: string; sizeBytes?: string; inferredType?: LiteralType };
}

/** `flyteidl.core.LiteralMap`. */
export interface LiteralMap {
  literals?: Record<string, Literal>;
}

/** `flyteidl.core.Variable`. */
export interface Variable {
  type?: LiteralType;
  description?: string;
}

/** `flyteidl.core.VariableMap`. */
export interface VariableMap {
  variables?: Record<string, Variable>;
}

/** `flyteidl.core.TypedInterface`. */
export interface TypedInterface {
  inputs?: VariableMap;
  outputs?: VariableMap;
}

/** `flyteidl.core.ResourceType`. */
export type ResourceType = "UNSPECIFIED" | "TASK" | "WORKFLOW" | "LAUNCH_PLAN";

/** `flyteidl.core.Identifier`. */
export interface Identifier {
  resourceType?: ResourceType;
  project?: string;
  domain?: string;
  name?: string;
  version?: string;
}

/** `flyteidl.core.OutputReference`. */
export interface OutputReference {
  nodeId?: string;
  var?: string;
}

/** `flyteidl.core.BindingData`: exactly one of the value fields is set. */
export interface BindingData {
  scalar?: Scalar;
  collection?: { bindings?: BindingData[] };
  promise?: OutputReference;
  map?: { bindings?: Record<string, BindingData> };
  union?: { targetType?: LiteralType };
}

/** `flyteidl.core.Binding`. */
export interface Binding {
  var?: string;
  binding?: BindingData;
}

/** `flyteidl.core.RetryStrategy`. */
export interface RetryStrategy {
  retries?: number;
}
