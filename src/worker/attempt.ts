/**
 * Running one attempt of a task item, in the process that loaded the task's
 * code: inputs from literals to values, the task's function called with an
 * `AbortSignal`, outputs checked and turned back into literals. A dynamic
 * workflow's body is run and its sub-workflow compiled instead.
 *
 * Every outcome is a result event for the engine (`taskSucceeded` or
 * `taskFailed`); nothing here throws.
 *
 * @module
 */
import type { Literal, LiteralMap } from "../idl/core.js";
import { AloftError, InputValueError, NonRetryableError, TaskTimeoutError } from "../errors.js";
import { errorInfo } from "../rules/failure.js";
import { isRetryable } from "../rules/retry.js";
import { taskTimeoutError } from "../rules/timeouts.js";
import { cacheKey } from "../cache/key.js";
import { compileBundle } from "../compiler/compile.js";
import { idKey } from "../compiler/identifiers.js";
import { fromLiteral, toLiteral } from "../types/literal.js";
import { checkTaskInputs, shapeOutputs } from "../local/invoke-task.js";
import type { TaskFailedEvent, TaskItemOptions, TaskLostEvent, TaskSucceededEvent } from "../engine/events.js";
import type { TaskItem } from "../store/store.js";
import type { BlobWriter } from "../blobs/writer.js";
import type { ResolvedTask, TaskResolver } from "./resolver.js";
import { mappedTaskName } from "../rules/node-ids.js";

/** What an attempt needs of a task item. */
export type AttemptItem = Pick<TaskItem, "path" | "attempt" | "task" | "inputs" | "options">;

/** The result event of an attempt. */
export type AttemptResult = TaskSucceededEvent | TaskFailedEvent | TaskLostEvent;

/** What an attempt gets besides its item: the signal that stops it, and where it creates blobs (`ctx.blobs`). */
export interface AttemptContext {
  readonly signal: AbortSignal;
  readonly blobs: BlobWriter;
}

/**
 * The options of an item, checked enough to read them safely.
 *
 * @throws NonRetryableError when the item carries no `taskDigest`.
 *
 * @example
 * ```ts
 * itemOptions(item).timeoutMs; // 30000
 * ```
 */
export function itemOptions(item: AttemptItem): TaskItemOptions {
  const o = item.options as Partial<TaskItemOptions>;
  if (typeof o.taskDigest !== "string") throw new NonRetryableError(`the task item of ${item.path} carries no taskDigest, so the worker cannot check it runs the registered code`);
  return o as TaskItemOptions;
}

function label(item: AttemptItem): string {
  return `task ${JSON.stringify(item.task.name)}`;
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/**
 * The failure event of an attempt that threw `error`, with the error as
 * plain data (so `engine.result()` throws the same class and cause as the
 * local runner): retryable as `rules/retry.ts` decides (a `RecoverableError`
 * or a timeout; any other error of the code only with `retryAllErrors`),
 * timed out for a `TaskTimeoutError`.
 *
 * @example
 * ```ts
 * failureResult(item, new NonRetryableError("no such row")); // { type: "taskFailed", retryable: false, error: { name: "NonRetryableError", ... }, ... }
 * ```
 */
export function failureResult(item: AttemptItem, error: unknown, retryAllErrors = false): TaskFailedEvent {
  const timedOut = error instanceof TaskTimeoutError;
  return {
    type: "taskFailed",
    path: item.path,
    attempt: item.attempt,
    message: errorMessage(error),
    error: errorInfo(error),
    retryable: isRetryable(error, retryAllErrors),
    ...(timedOut ? { timedOut: true } : {}),
  };
}

/**
 * The event of an attempt whose process died under it (killed by a signal,
 * out of memory, exited): a system failure, retried as a system retry as a
 * lost worker is (flytepropeller counts it against
 * `max-node-retries-system-failures`, apart from the task's retries).
 *
 * @example
 * ```ts
 * lostResult(item, "the worker process (pid 42) running task \"t\" was killed by SIGKILL during attempt 1");
 * ```
 */
export function lostResult(item: AttemptItem, message: string): TaskLostEvent {
  return { type: "taskLost", path: item.path, attempt: item.attempt, message };
}

/**
 * The error a timed-out attempt fails with.
 *
 * @example
 * ```ts
 * timeoutError(item, 500).message; // 'task "slope" timed out after 500 ms (attempt 1)'
 * ```
 */
export function timeoutError(item: AttemptItem, timeoutMs: number): TaskTimeoutError {
  return taskTimeoutError(label(item), timeoutMs, item.attempt);
}

/**
 * The item's inputs (a `LiteralMap`) as the values the task's function takes,
 * checked against its interface (unbound optional inputs become `null`).
 *
 * @throws InputValueError naming the input that is missing or does not fit.
 *
 * @example
 * ```ts
 * inputValues(task, item); // { x: [1, 2], y: [2, 4] }
 * ```
 */
export function inputValues(task: ResolvedTask, item: AttemptItem): Record<string, unknown> {
  const literals = ((item.inputs ?? {}) as LiteralMap).literals ?? {};
  const variables = task.template.interface?.inputs?.variables ?? {};
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(variables)) {
    const literal = Object.prototype.hasOwnProperty.call(literals, name) ? literals[name] : undefined;
    if (literal === undefined) continue;
    try {
      values[name] = fromLiteral(variable.type ?? {}, literal);
    } catch (e) {
      throw new InputValueError(`${task.planned.label} got input ${JSON.stringify(name)} in a form that does not fit its type: ${errorMessage(e)}`, task.planned.label, name);
    }
  }
  checkTaskInputs(task.planned, values);
  return values;
}

/**
 * The outputs of a task as a `LiteralMap`, by the types of its interface.
 *
 * @example
 * ```ts
 * outputLiterals(task, { o0: 2 }); // { literals: { o0: { scalar: { primitive: { integer: "2" } } } } }
 * ```
 */
export function outputLiterals(task: ResolvedTask, outputs: Readonly<Record<string, unknown>>): LiteralMap {
  const variables = task.template.interface?.outputs?.variables ?? {};
  const literals: Record<string, Literal> = {};
  for (const [name, variable] of Object.entries(variables)) literals[name] = toLiteral(variable.type ?? {}, outputs[name] ?? null);
  return { literals };
}

/**
 * The cache key of an item whose options ask for caching (the key the local
 * runner uses), or undefined when they do not.
 *
 * @throws InputValueError when the inputs do not fit the task.
 *
 * @example
 * ```ts
 * attemptCacheKey(task, item); // "3f9a..." (64 hex digits)
 * ```
 */
export function attemptCacheKey(task: ResolvedTask, item: AttemptItem): string | undefined {
  const cache = itemOptions(item).cache;
  if (!cache) return undefined;
  return cacheKey({ task: mappedTaskName(item.task.name), version: cache.version, interface: task.template.interface, inputs: inputValues(task, item), ignoredInputs: cache.ignoredInputs });
}

function dynamicResult(task: ResolvedTask, item: AttemptItem, values: Record<string, unknown>): TaskSucceededEvent {
  const build = task.impl.dynamic;
  if (!build) throw new NonRetryableError(`${label(item)} was registered as a dynamic workflow, but the worker's task of that name is not one; restart the worker with the same code`);
  const def = build(values);
  const { project, domain, version } = item.task;
  const bundle = compileBundle(def, { project, domain, version });
  const workflow = bundle.workflows.get(idKey(bundle.root));
  if (!workflow) throw new AloftError(`the dynamic workflow of ${label(item)} compiled to no workflow`);
  return { type: "taskSucceeded", path: item.path, attempt: item.attempt, outputs: { literals: {} }, dynamic: { workflow, tasks: [...bundle.tasks.values()] } };
}

/**
 * Runs one attempt of a resolved task and returns its result event. The task
 * gets `context.signal`; when the signal's reason is a `TaskTimeoutError` (or the
 * attempt outlived `options.timeoutMs`), the attempt fails as timed out
 * whatever the function did afterwards.
 *
 * @example
 * ```ts
 * const result = await runAttempt(resolver.resolve(item.task, digest), item, { signal, blobs: new LocalBlobStore(".aloft/blobs") });
 * result.type; // "taskSucceeded"
 * ```
 */
export async function runAttempt(task: ResolvedTask, item: AttemptItem, context: AttemptContext): Promise<AttemptResult> {
  const { signal, blobs } = context;
  const started = Date.now();
  const timedOut = (): TaskTimeoutError | undefined => {
    if (signal.aborted && signal.reason instanceof TaskTimeoutError) return signal.reason;
    const ms = (item.options as Partial<TaskItemOptions>).timeoutMs;
    return ms !== undefined && Date.now() - started > ms ? timeoutError(item, ms) : undefined;
  };
  try {
    const options = itemOptions(item);
    const values = inputValues(task, item);
    if (options.dynamic) return dynamicResult(task, item, values);
    const outputs = shapeOutputs(task.planned, await task.impl.fn(values, { taskName: mappedTaskName(item.task.name), attempt: item.attempt, signal, blobs }));
    const late = timedOut();
    if (late) return failureResult(item, late);
    return { type: "taskSucceeded", path: item.path, attempt: item.attempt, outputs: outputLiterals(task, outputs) };
  } catch (e) {
    return failureResult(item, timedOut() ?? e, task.impl.retryAllErrors);
  }
}

/**
 * Resolves an item's task and runs one attempt of it; a task that cannot be
 * resolved fails without retry.
 *
 * @example
 * ```ts
 * const result = await executeAttempt(resolver, item, { signal: controller.signal, blobs });
 * ```
 */
export async function executeAttempt(resolver: TaskResolver, item: AttemptItem, context: AttemptContext): Promise<AttemptResult> {
  let task: ResolvedTask;
  try {
    task = resolver.resolve(item.task, itemOptions(item).taskDigest, itemOptions(item).mapElement, itemOptions(item).root);
  } catch (e) {
    return failureResult(item, e);
  }
  return runAttempt(task, item, context);
}
