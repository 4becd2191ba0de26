/**
 * An independent loader of flyteidl's official `.proto` files, for tests.
 *
 * It uses protobufjs directly on the files shipped in
 * `node_modules/@flyteorg/flyteidl/protos`, and shares no code with
 * `src/compiler/proto.ts`, so the tests do not merely trust Aloft's own loader.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

/** The directory of flyteidl's `.proto` files, found from this file (not through `src`). */
export const PROTOS_DIR = fileURLToPath(new URL("../../node_modules/@flyteorg/flyteidl/protos/", import.meta.url));

/** The admin messages compiled specs are checked against (`LaunchPlan` is what a launch plan's `.pb` file holds). */
export type AdminSpec = "flyteidl.admin.WorkflowSpec" | "flyteidl.admin.TaskSpec" | "flyteidl.admin.LaunchPlanSpec" | "flyteidl.admin.LaunchPlan";

/** What `toObject` is given in the tests: the form the requirement states. */
export const TO_OBJECT: protobuf.IConversionOptions = { enums: String, longs: String };

let loaded: protobuf.Root | undefined;

/**
 * Loads every admin and core `.proto` file that declares the three specs and
 * what they import; `google/protobuf/*` come from protobufjs's bundled copies.
 *
 * @example
 * ```ts
 * const WorkflowSpec = independentRoot().lookupType("flyteidl.admin.WorkflowSpec");
 * ```
 */
export function independentRoot(): protobuf.Root {
  if (loaded) return loaded;
  if (!existsSync(PROTOS_DIR)) throw new Error(`flyteidl protos not found at ${PROTOS_DIR}; run npm ci`);
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => (target.startsWith("google/protobuf/") ? target : `${PROTOS_DIR}${target}`);
  r.loadSync(["flyteidl/admin/workflow.proto", "flyteidl/admin/task.proto", "flyteidl/admin/launch_plan.proto"]);
  r.resolveAll();
  loaded = r;
  return r;
}

/** The protobufjs type of a message, from the independent root. */
export function specType(name: AdminSpec | string): protobuf.Type {
  return independentRoot().lookupType(name);
}

/**
 * `toObject(fromObject(spec), { enums: String, longs: String })`: what protobufjs
 * gives back for a spec object. Equal to the spec when no field was lost or unknown.
 *
 * @example
 * ```ts
 * expect(roundTrip("flyteidl.admin.TaskSpec", spec)).toStrictEqual(spec);
 * ```
 */
export function roundTrip(name: AdminSpec | string, spec: object): Record<string, unknown> {
  const type = specType(name);
  const message = type.fromObject(spec);
  const problem = type.verify(message);
  if (problem) throw new Error(`${name} does not verify: ${problem}`);
  return type.toObject(message, TO_OBJECT);
}

/**
 * The spec through the binary wire format: `fromObject`, `encode`, `decode`, `toObject`.
 *
 * @example
 * ```ts
 * expect(throughWire("flyteidl.admin.WorkflowSpec", spec)).toStrictEqual(spec);
 * ```
 */
export function throughWire(name: AdminSpec, spec: object): Record<string, unknown> {
  const type = specType(name);
  const bytes = type.encode(type.fromObject(spec)).finish();
  return type.toObject(type.decode(bytes), TO_OBJECT);
}

/** Decodes protobuf bytes with the independent root. */
export function decodeIndependently(name: AdminSpec, bytes: Uint8Array): Record<string, unknown> {
  const type = specType(name);
  return type.toObject(type.decode(bytes), TO_OBJECT);
}

/** A deep copy of a spec as JSON sees it (drops keys whose value is `undefined`). */
export function asJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function isDefaultScalar(field: protobuf.Field, value: unknown): boolean {
  if (field.resolvedType instanceof protobuf.Enum) return value === field.resolvedType.valuesById[0] || value === 0;
  switch (field.type) {
    case "bool":
      return value === false;
    case "string":
      return value === "";
    case "bytes":
      return (value as { length?: number }).length === 0;
    default:
      return value === 0 || value === "0";
  }
}

/**
 * Paths of fields that Flyte's own protobuf runtimes (Go, Python) would not
 * write: empty repeated and map fields, and proto3 fields without explicit
 * presence (not in a `oneof`, not `optional`) that hold their zero value.
 * protobufjs keeps such values when they are set, so a round trip through it
 * alone would not notice them; bytes written by flytekit or flytectl would
 * come back without them. Unknown fields are reported too.
 *
 * @example
 * ```ts
 * expect(zeroValuedFields("flyteidl.admin.TaskSpec", spec)).toEqual([]);
 * ```
 */
export function zeroValuedFields(name: string, value: object, at = ""): string[] {
  const type = specType(name);
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const path = at ? `${at}.${key}` : key;
    const field = type.fields[key];
    if (!field) {
      out.push(`${path} (unknown field)`);
      continue;
    }
    field.resolve();
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType.fullName.slice(1) : undefined;
    if (field.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) out.push(`${path} (empty map)`);
      if (message) for (const [k, item] of entries) out.push(...zeroValuedFields(message, item as object, `${path}.${k}`));
      continue;
    }
    if (field.repeated) {
      const items = v as unknown[];
      if (items.length === 0) out.push(`${path} (empty list)`);
      if (message) items.forEach((item, i) => out.push(...zeroValuedFields(message, item as object, `${path}[${i}]`)));
      continue;
    }
    if (message) {
      out.push(...zeroValuedFields(message, v as object, path));
      continue;
    }
    if (field.partOf === null && isDefaultScalar(field, v)) out.push(path);
  }
  return out;
}

/**
 * A spec as protobuf gives it back: without the proto3 fields without
 * presence that hold their zero value (protobufjs 8, as Go and Python
 * protobuf, neither writes them nor returns them from `toObject`). Of what
 * Aloft compiles, that is the `nodeId: ""` of a promise of a workflow input.
 *
 * @example
 * ```ts
 * expect(throughWire("flyteidl.admin.WorkflowSpec", spec)).toStrictEqual(asWritten("flyteidl.admin.WorkflowSpec", asJson(spec)));
 * ```
 */
export function asWritten<T extends object>(name: string, value: T): T {
  const type = specType(name);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    if (!field) {
      out[key] = v;
      continue;
    }
    field.resolve();
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType.fullName.slice(1) : undefined;
    if (field.map) out[key] = message ? Object.fromEntries(Object.entries(v as Record<string, object>).map(([k, item]) => [k, asWritten(message, item)])) : v;
    else if (field.repeated) out[key] = message ? (v as object[]).map((item) => asWritten(message, item)) : v;
    else if (message) out[key] = asWritten(message, v as object);
    else if (!(field.partOf === null && isDefaultScalar(field, v))) out[key] = v;
  }
  return out as T;
}
