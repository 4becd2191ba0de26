/**
 * `aloft execute`: Aloft's entrypoint in a Flyte task pod, doing what
 * flytekit's `pyflyte-execute` does (`flytekit/bin/entrypoint.py`,
 * `_dispatch_execute`): load the task's module, read `inputs.pb` (a
 * `LiteralMap`), run the task, and write under the output prefix one of
 * `outputs.pb` (a `LiteralMap`), `futures.pb` (a `DynamicJobSpec`, for a
 * dynamic workflow) or `error.pb` (an `ErrorDocument`). A failure is
 * reported in `error.pb` and the process still ends with status 0, as
 * flytekit's does: propeller reads the document to decide on retries.
 *
 * @module
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Literal, LiteralMap } from "../idl/core.js";
import type { TaskTemplate } from "../idl/specs.js";
import { AloftError, RecoverableError } from "../errors.js";
import { compileBundle, type TaskImplementation } from "../compiler/compile.js";
import { idKey } from "../compiler/identifiers.js";
import { DEFAULT_IMAGE } from "../compiler/container.js";
import { IMAGE_ENV } from "../compiler/task.js";
import { messageType, OBJECT_FORM } from "../compiler/proto.js";
import { fromLiteral, toLiteral } from "../types/literal.js";
import { tasksNamed } from "../sdk/known-tasks.js";
import type { TaskDefinition } from "../sdk/entity.js";
import { checkTaskInputs, shapeOutputs } from "../local/invoke-task.js";
import { planTask } from "../local/targets/task.js";
import { LocalBlobStore } from "../local/blob-store.js";
import { loadModules } from "../worker/load.js";
import { dynamicJobSpec, literalOfBinding } from "./dynamic-job.js";
import { errorDocument, type ContainerErrorKind, type ErrorOrigin } from "./error-document.js";
import { joinLocation, readLocation, StorageError, writeLocation } from "./storage.js";

/**
 * What Flyte passes to the entrypoint (the container's arguments).
 *
 * @example
 * ```ts
 * const request: ExecuteRequest = { inputs: "s3://b/m/inputs.pb", outputPrefix: "s3://b/m/n0/data/0", module: "flows.ts", task: "slope" };
 * ```
 */
export interface ExecuteRequest {
  /** `{{.input}}`: the `inputs.pb` to read. */
  readonly inputs: string;
  /** `{{.outputPrefix}}`: where `outputs.pb`, `error.pb` or `futures.pb` go. */
  readonly outputPrefix: string;
  /** `{{.rawOutputDataPrefix}}`: where the task's files would go. */
  readonly rawOutputDataPrefix?: string;
  /** `{{.checkpointOutputPrefix}}` (accepted; Aloft tasks do not checkpoint yet). */
  readonly checkpointPath?: string;
  /** `{{.prevCheckpointPrefix}}` (accepted; Aloft tasks do not checkpoint yet). */
  readonly prevCheckpoint?: string;
  /** The module that defines the task, relative to the working directory. */
  readonly module: string;
  /** The task's name. */
  readonly task: string;
  /**
   * For one element of a map task: the inputs given whole to every element
   * (the others are lists, and the element takes its item of each).
   */
  readonly map?: { readonly bound: readonly string[] };
}

/**
 * What the entrypoint wrote.
 *
 * @example
 * ```ts
 * const outcome = await executeTask(request);
 * if (outcome.kind === "error") console.error(outcome.message);
 * ```
 */
export type ExecuteOutcome =
  | { readonly kind: "outputs"; readonly location: string }
  | { readonly kind: "futures"; readonly location: string }
  | { readonly kind: "error"; readonly location: string; readonly code: string; readonly errorKind: ContainerErrorKind; readonly origin: ErrorOrigin; readonly message: string };

/** A failure of the platform rather than of the task's code: recoverable, origin SYSTEM (flytekit's `except Exception`). */
class SystemFailure extends AloftError {
  override name = "SystemFailure";
}

/** Where the entrypoint runs: its folder and environment. */
export interface ExecuteEnvironment {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * The index of a map task's element in this pod, as flytekit computes it
 * (`core/array_node_map_task.py`, `_compute_array_job_index`): the value of
 * the variable `BATCH_JOB_ARRAY_INDEX_VAR_NAME` names, plus
 * `BATCH_JOB_ARRAY_INDEX_OFFSET`.
 *
 * @example
 * ```ts
 * arrayIndex({ BATCH_JOB_ARRAY_INDEX_VAR_NAME: "JOB_INDEX", JOB_INDEX: "2", BATCH_JOB_ARRAY_INDEX_OFFSET: "10" }); // 12
 * ```
 */
export function arrayIndex(env: NodeJS.ProcessEnv): number {
  const offset = Number(env["BATCH_JOB_ARRAY_INDEX_OFFSET"] ?? "0");
  const name = env["BATCH_JOB_ARRAY_INDEX_VAR_NAME"];
  const index = name ? Number(env[name] ?? "0") : 0;
  if (!Number.isInteger(offset) || !Number.isInteger(index)) throw new SystemFailure(`the array index is not a whole number: BATCH_JOB_ARRAY_INDEX_OFFSET=${String(env["BATCH_JOB_ARRAY_INDEX_OFFSET"])}, ${String(name)}=${String(name ? env[name] : undefined)}`);
  return offset + index;
}

function decodeLiteralMap(bytes: Uint8Array): LiteralMap {
  const type = messageType("flyteidl.core.LiteralMap");
  return type.toObject(type.decode(bytes), OBJECT_FORM) as LiteralMap;
}

function encode(message: string, body: object): Uint8Array {
  const type = messageType(message);
  return type.encode(type.fromObject(body)).finish();
}

/** The task named `name` among those the loaded modules define. */
function findTask(name: string, module: string): TaskDefinition {
  const defs = [...new Set(tasksNamed(name))];
  if (defs.length === 0) throw new AloftError(`${module} defines no task named ${JSON.stringify(name)}; the container runs the module the task was compiled from`);
  if (defs.length > 1) throw new AloftError(`${module} defines ${defs.length} tasks named ${JSON.stringify(name)}; task names must be unique`);
  return defs[0]!;
}

/** Picks a map element's inputs: its item of every mapped list, bound inputs whole. */
function elementInputs(literals: Record<string, Literal>, bound: ReadonlySet<string>, index: number): Record<string, Literal> {
  const out: Record<string, Literal> = {};
  for (const [name, literal] of Object.entries(literals)) {
    if (bound.has(name)) {
      out[name] = literal;
      continue;
    }
    const items = literal.collection ? (literal.collection.literals ?? []) : undefined;
    if (!items) throw new AloftError(`map task input ${JSON.stringify(name)} is not a list; name it with --bound when it is given whole to every element`);
    const item = items[index];
    if (item === undefined) throw new SystemFailure(`map task element ${index} is out of range: input ${JSON.stringify(name)} has ${items.length} items`);
    out[name] = item;
  }
  return out;
}

function target(env: NodeJS.ProcessEnv): { project: string; domain: string; version: string } {
  return {
    project: env["FLYTE_INTERNAL_TASK_PROJECT"] ?? env["FLYTE_INTERNAL_PROJECT"] ?? "aloft",
    domain: env["FLYTE_INTERNAL_TASK_DOMAIN"] ?? env["FLYTE_INTERNAL_DOMAIN"] ?? "development",
    version: env["FLYTE_INTERNAL_TASK_VERSION"] ?? env["FLYTE_INTERNAL_VERSION"] ?? "dynamic",
  };
}

async function blobRoot(rawOutputDataPrefix: string | undefined): Promise<string> {
  if (rawOutputDataPrefix && !/^[a-z][a-z0-9+.-]*:\/\//i.test(rawOutputDataPrefix)) return path.resolve(rawOutputDataPrefix);
  if (rawOutputDataPrefix?.startsWith("file://")) return new URL(rawOutputDataPrefix).pathname;
  return mkdtemp(path.join(tmpdir(), "aloft-raw-"));
}

interface Run {
  readonly def: TaskDefinition;
  readonly template: TaskTemplate;
  readonly impl: TaskImplementation;
}

async function resolve(request: ExecuteRequest, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  await loadModules([request.module], cwd);
  const def = findTask(request.task, request.module);
  const bundle = compileBundle(def, target(env));
  const key = idKey(bundle.root);
  return { def, template: bundle.tasks.get(key)!.template!, impl: bundle.implementations.get(key)! };
}

async function run(request: ExecuteRequest, cwd: string, env: NodeJS.ProcessEnv): Promise<ExecuteOutcome> {
  const task = await resolve(request, cwd, env);
  let inputs: LiteralMap;
  try {
    inputs = decodeLiteralMap(await readLocation(request.inputs, env));
  } catch (e) {
    throw new SystemFailure(`cannot read the task's inputs: ${describe(e)}`, { cause: e });
  }
  let literals = inputs.literals ?? {};
  if (request.map) literals = elementInputs(literals, new Set(request.map.bound), arrayIndex(env));
  const planned = planTask(task.template.id ?? {}, task.template, task.impl);
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(task.template.interface?.inputs?.variables ?? {})) {
    const literal = literals[name];
    if (literal !== undefined) values[name] = fromLiteral(variable.type ?? {}, literal);
  }
  checkTaskInputs(planned, values);
  if (task.impl.dynamic) {
    const body = task.impl.dynamic(values);
    // The tasks the body runs get containers too: the image this pod runs in (IMAGE_ENV), as flytekit's dynamic tasks reuse theirs.
    const image = env[IMAGE_ENV] ?? task.template.container?.image ?? DEFAULT_IMAGE;
    const bundle = compileBundle(body, { ...target(env), image });
    const workflow = bundle.workflows.get(idKey(bundle.root))!;
    const nodes = workflow.template?.nodes ?? [];
    if (nodes.length === 0) {
      // flytekit core/python_function_task.py compile_into_workflow: no nodes, so the outputs are returned as they are.
      const out: Record<string, Literal> = {};
      for (const b of workflow.template?.outputs ?? []) out[b.var ?? ""] = literalOfBinding(b.binding ?? {});
      return writeOutputs(request, { literals: out }, env);
    }
    const location = joinLocation(request.outputPrefix, "futures.pb");
    await writeOrFail(location, encode("flyteidl.core.DynamicJobSpec", dynamicJobSpec(workflow, [...bundle.tasks.values()])), env);
    return { kind: "futures", location };
  }
  const controller = new AbortController();
  const stop = () => controller.abort(new AloftError("the pod is stopping (SIGTERM)"));
  process.once("SIGTERM", stop);
  try {
    const attempt = Number(env["FLYTE_ATTEMPT_NUMBER"] ?? "0") + 1;
    const blobs = new LocalBlobStore(await blobRoot(request.rawOutputDataPrefix));
    const returned = await task.impl.fn(values, { taskName: task.def.name, attempt, signal: controller.signal, blobs });
    const outputs = shapeOutputs(planned, returned);
    const out: Record<string, Literal> = {};
    for (const [name, variable] of Object.entries(task.template.interface?.outputs?.variables ?? {})) out[name] = toLiteral(variable.type ?? {}, outputs[name] ?? null);
    return await writeOutputs(request, { literals: out }, env);
  } finally {
    process.off("SIGTERM", stop);
  }
}

async function writeOrFail(location: string, bytes: Uint8Array, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await writeLocation(location, bytes, env);
  } catch (e) {
    throw new SystemFailure(describe(e), { cause: e });
  }
}

async function writeOutputs(request: ExecuteRequest, outputs: LiteralMap, env: NodeJS.ProcessEnv): Promise<ExecuteOutcome> {
  const location = joinLocation(request.outputPrefix, "outputs.pb");
  await writeOrFail(location, encode("flyteidl.core.LiteralMap", outputs), env);
  return { kind: "outputs", location };
}

/**
 * How flytekit's entrypoint classifies an error: a `RecoverableError` is
 * the user's and recoverable (`USER:Recoverable`), a failure of the platform
 * (reading inputs, writing outputs) recoverable with origin SYSTEM
 * (`SYSTEM`), anything else the task's code threw the user's and final
 * (`USER:RuntimeError`).
 */
function classify(e: unknown): { code: string; kind: ContainerErrorKind; origin: ErrorOrigin } {
  if (e instanceof RecoverableError) return { code: "USER:Recoverable", kind: "RECOVERABLE", origin: "USER" };
  if (e instanceof SystemFailure || e instanceof StorageError) return { code: "SYSTEM", kind: "RECOVERABLE", origin: "SYSTEM" };
  return { code: "USER:RuntimeError", kind: "NON_RECOVERABLE", origin: "USER" };
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}

/**
 * Runs one task as Flyte asks, writing its outputs, its dynamic workflow or
 * its error under `outputPrefix`. Resolves to what was written; rejects only
 * when not even `error.pb` could be written.
 *
 * @example
 * ```ts
 * await executeTask({ inputs: "/tmp/in/inputs.pb", outputPrefix: "/tmp/out", module: "flows.ts", task: "slope" });
 * // /tmp/out/outputs.pb now holds the LiteralMap of slope's outputs
 * ```
 */
export async function executeTask(request: ExecuteRequest, where: ExecuteEnvironment = {}): Promise<ExecuteOutcome> {
  const cwd = where.cwd ?? process.cwd();
  const env = where.env ?? process.env;
  try {
    return await run(request, cwd, env);
  } catch (e) {
    const { code, kind, origin } = classify(e);
    const message = errorText(e);
    const location = joinLocation(request.outputPrefix, "error.pb");
    await writeLocation(location, encode("flyteidl.core.ErrorDocument", errorDocument({ code, message, kind, origin, worker: env["HOSTNAME"] })), env);
    return { kind: "error", location, code, errorKind: kind, origin, message };
  }
}
