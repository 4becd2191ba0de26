/**
 * The official flyteidl `.proto` definitions (from `@flyteorg/flyteidl`),
 * loaded with protobufjs: checks that compiled specs are valid messages, and
 * writes and reads their binary form (`.pb`), which Flyte's tools exchange.
 *
 * @module
 */
import { createRequire } from "node:module";
import path from "node:path";
import protobuf from "protobufjs";
import { CompileError } from "../errors.js";

/**
 * The admin messages Aloft writes: the three specs, and `LaunchPlan` (its id
 * and spec), which is what Flyte's packaging writes to a launch plan's `.pb` file.
 *
 * @example
 * ```ts
 * const message: SpecMessage = "flyteidl.admin.WorkflowSpec";
 * ```
 */
export type SpecMessage = "flyteidl.admin.TaskSpec" | "flyteidl.admin.WorkflowSpec" | "flyteidl.admin.LaunchPlanSpec" | "flyteidl.admin.LaunchPlan";

const FILES = [
  "flyteidl/admin/task.proto",
  "flyteidl/admin/workflow.proto",
  "flyteidl/admin/launch_plan.proto",
  "flyteidl/core/literals.proto",
  "flyteidl/core/errors.proto",
  "flyteidl/core/dynamic_job.proto",
];

let root: protobuf.Root | undefined;

/**
 * The directory holding the `.proto` files of `@flyteorg/flyteidl`.
 *
 * @example
 * ```ts
 * path.join(protosDirectory(), "flyteidl/admin/workflow.proto");
 * ```
 */
export function protosDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("@flyteorg/flyteidl/package.json")), "protos");
}

/**
 * The protobufjs root of flyteidl's admin and core messages, loaded once.
 *
 * @example
 * ```ts
 * const WorkflowSpec = flyteidlRoot().lookupType("flyteidl.admin.WorkflowSpec");
 * ```
 */
export function flyteidlRoot(): protobuf.Root {
  if (root) return root;
  const dir = protosDirectory();
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => (target.startsWith("google/protobuf/") ? target : path.join(dir, target));
  r.loadSync(FILES, { keepCase: false });
  r.resolveAll();
  root = r;
  return r;
}

/**
 * The protobufjs type of a message by its full name.
 *
 * @example
 * ```ts
 * messageType("flyteidl.core.Literal").fromObject({ scalar: { primitive: { integer: "3" } } });
 * ```
 */
export function messageType(name: string): protobuf.Type {
  return flyteidlRoot().lookupType(name);
}

/**
 * Options that turn a decoded message back into Aloft's object form.
 *
 * @example
 * ```ts
 * const type = messageType("flyteidl.admin.TaskSpec");
 * type.toObject(type.decode(bytes), OBJECT_FORM);
 * ```
 */
export const OBJECT_FORM: protobuf.IConversionOptions = { enums: String, longs: String };

/**
 * Encodes a spec object to protobuf bytes, after checking it is a valid message.
 *
 * @example
 * ```ts
 * const bytes = encodeSpec("flyteidl.admin.WorkflowSpec", compile(wf));
 * ```
 */
export function encodeSpec(message: SpecMessage, spec: object): Uint8Array {
  const type = messageType(message);
  return type.encode(checkedMessage(message, spec)).finish();
}

/**
 * True for a proto3 scalar field without presence (not in a `oneof`, not
 * `optional`, not repeated) holding its zero value: protobufjs 8, as Go and
 * Python protobuf, neither writes it nor gives it back from `toObject`
 * (Aloft writes one: the `nodeId: ""` of a promise of a workflow input).
 */
function isUnwrittenZero(field: protobuf.Field | undefined, value: unknown): boolean {
  if (field === undefined || field.repeated || field.map || field.partOf !== null) return false;
  field.resolve();
  if (field.resolvedType instanceof protobuf.Enum) return value === 0 || value === field.resolvedType.valuesById[0];
  if (field.resolvedType !== null) return false;
  return value === "" || value === 0 || value === "0" || value === false;
}

/** The first path where a spec and its message's object form differ (a zero `isUnwrittenZero` leaves out is no difference), or undefined when they agree. */
function firstDifference(a: unknown, b: unknown, at: string, type: protobuf.Type | undefined): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return at || "(root)";
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    if (a.length !== bs.length) return at;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], bs[i], `${at}.${i}`, type);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const field = type?.fields[k];
    const av = (a as Record<string, unknown>)[k];
    const bv = (b as Record<string, unknown>)[k];
    if (bv === undefined && isUnwrittenZero(field, av)) continue;
    field?.resolve();
    const child = field?.resolvedType instanceof protobuf.Type && !field.map ? field.resolvedType : undefined;
    const d = field?.map === true && field.resolvedType instanceof protobuf.Type ? mapDifference(av, bv, at ? `${at}.${k}` : k, field.resolvedType) : firstDifference(av, bv, at ? `${at}.${k}` : k, child);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** `firstDifference` over the values of a map field of messages. */
function mapDifference(a: unknown, b: unknown, at: string, type: protobuf.Type): string | undefined {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return firstDifference(a, b, at, undefined);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`, type);
    if (d !== undefined) return d;
  }
  return undefined;
}

/**
 * Builds the protobuf message of a spec object and checks that nothing was
 * lost on the way: every field must be one the `.proto` definition knows,
 * with a value of the right kind.
 *
 * @throws CompileError naming the first field that does not survive.
 *
 * @example
 * ```ts
 * checkedMessage("flyteidl.admin.TaskSpec", compile(slope)); // a protobufjs message
 * checkedMessage("flyteidl.admin.TaskSpec", { template: { bogus: 1 } }); // throws, naming template.bogus
 * ```
 */
export function checkedMessage(message: SpecMessage, spec: object): protobuf.Message {
  const type = messageType(message);
  let msg: protobuf.Message;
  try {
    msg = type.fromObject(spec);
  } catch (e) {
    throw new CompileError(`the spec is not a valid ${message}: ${(e as Error).message}`);
  }
  const problem = type.verify(msg);
  if (problem) throw new CompileError(`the spec is not a valid ${message}: ${problem}`);
  const back = type.toObject(msg, OBJECT_FORM);
  const diff = firstDifference(JSON.parse(JSON.stringify(spec)), back, "", type);
  if (diff !== undefined) throw new CompileError(`the spec is not a valid ${message}: field ${diff} is unknown or has a value of the wrong kind`);
  return msg;
}

/**
 * Decodes protobuf bytes to a spec object in Aloft's object form.
 *
 * @example
 * ```ts
 * const spec = decodeSpec("flyteidl.admin.WorkflowSpec", await readFile("1_wf_2.pb"));
 * ```
 */
export function decodeSpec(message: SpecMessage, bytes: Uint8Array): Record<string, unknown> {
  const type = messageType(message);
  return type.toObject(type.decode(bytes), OBJECT_FORM);
}
