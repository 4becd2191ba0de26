/**
 * Task nodes in the local runner: attempts with retries and backoff,
 * timeouts through an `AbortSignal`, and the output cache.
 *
 * @module
 */
import type { Identifier } from "../../idl/core.js";
import type { NodeMetadata, TaskTemplate } from "../../idl/specs.js";
import { TaskTimeoutError } from "../../errors.js";
import { cacheKey } from "../../cache/key.js";
import type { TaskImplementation } from "../../compiler/compile.js";
import type { TaskContext } from "../../sdk/task-options.js";
import { backoffDelay, isRetryable, mayRetry } from "../../rules/retry.js";
import { taskTimeoutError } from "../../rules/timeouts.js";
import { checkTaskInputs, invokeTask, keepTaskShapes } from "../invoke-task.js";
import { compileForLocalRun } from "../../compiler/compile.js";
import { taskPolicy, type TaskPolicy } from "../../compiler/task-policy.js";
import { executeWorkflow } from "../execute-workflow.js";
import { Planner } from "../plan.js";
import { isThenable, type NodeCall, type NodeTarget, type Outputs } from "../target.js";
import { variableChecks, type VariableCheck } from "../../rules/values.js";
import { elementTemplate } from "../../rules/map-task.js";
import { mappedTaskName } from "../../rules/node-ids.js";

/** A task's template and code, with its input and output checks. */
export interface PlannedTask {
  readonly kind: "task";
  readonly label: string;
  /** The task's name as its code sees it (`ctx.taskName`): a map's element task is named after the mapped task. */
  readonly taskName: string;
  readonly template: TaskTemplate;
  readonly impl: TaskImplementation;
  readonly inputs: readonly VariableCheck[];
  readonly outputs: readonly VariableCheck[];
}

/** Plans a task from its template and code; the code of a map's elements runs one element (`elementTemplate`). */
export function planTask(id: Identifier, spec: TaskTemplate, impl: TaskImplementation): PlannedTask {
  const template = impl.mapElement ? elementTemplate(spec, impl.mapElement.bound) : spec;
  const planned: PlannedTask = {
    kind: "task",
    label: `task ${JSON.stringify(mappedTaskName(id.name ?? ""))}`,
    taskName: mappedTaskName(template.id?.name ?? ""),
    template,
    impl,
    inputs: variableChecks(template.interface?.inputs),
    outputs: variableChecks(template.interface?.outputs),
  };
  keepTaskShapes(planned);
  return planned;
}


function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function withTimeout(task: PlannedTask, inputs: Outputs, ctx: Omit<TaskContext, "signal">, runSignal: AbortSignal, ms: number): Outputs | Promise<Outputs> {
  const error = taskTimeoutError(task.label, ms, ctx.attempt);
  // The attempt's signal aborts when the run does (with its reason) or when the time is up (with `error`). Not
  // AbortSignal.any: its WeakRefs keep what they point to alive until the microtask queue drains (execute-workflow.ts).
  const attempt = new AbortController();
  const onRunAbort = () => attempt.abort(runSignal.reason);
  if (runSignal.aborted) attempt.abort(runSignal.reason);
  else runSignal.addEventListener("abort", onRunAbort, { once: true });
  let onTimeout: (() => void) | undefined;
  const timer = setTimeout(() => {
    attempt.abort(error);
    onTimeout?.();
  }, ms);
  const done = () => {
    clearTimeout(timer);
    runSignal.removeEventListener("abort", onRunAbort);
  };
  const started = Date.now();
  let out: Outputs | Promise<Outputs>;
  try {
    out = invokeTask(task, inputs, { ...ctx, signal: attempt.signal });
  } catch (e) {
    done();
    throw e;
  }
  if (!isThenable(out)) {
    done();
    if (Date.now() - started > ms) throw error;
    return out;
  }
  const pending = out;
  return new Promise<Outputs>((resolve, reject) => {
    onTimeout = () => {
      runSignal.removeEventListener("abort", onRunAbort);
      reject(error);
    };
    pending.then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
  });
}

/**
 * Runs a dynamic workflow: builds its sub-graph from the input values and
 * compiles it (the attempt: synchronous, so it holds no task slot past its
 * start), then runs it under the node's path, as the engine does.
 */
function runDynamic(task: PlannedTask, build: NonNullable<TaskImplementation["dynamic"]>, inputs: Outputs, call: NodeCall): Promise<Outputs> {
  checkTaskInputs(task, inputs);
  const bundle = compileForLocalRun(build(inputs), "dynamic");
  return executeWorkflow(new Planner(bundle).workflow(bundle.root), {}, call.env, `${call.path}/`);
}

/** Runs attempts until one succeeds, the error must not be retried, or the retries are spent; each attempt in one of the run's task slots. */
function attempt(task: PlannedTask, policy: TaskPolicy, inputs: Outputs, call: NodeCall, n: number): Outputs | Promise<Outputs> {
  const env = call.env;
  const slots = env.slots;
  if (!slots.free()) return slots.wait().then(() => attempt(task, policy, inputs, call, n));
  call.record.attempts = n;
  if (task.impl.dynamic) {
    try {
      return runDynamic(task, task.impl.dynamic, inputs, call);
    } catch (e) {
      return retryAfter(task, policy, inputs, call, n, e);
    }
  }
  let out: Outputs | Promise<Outputs>;
  try {
    const taskName = task.taskName;
    out =
      policy.timeoutMs === undefined
        ? invokeTask(task, inputs, { taskName, attempt: n, signal: env.signal, blobs: env.blobs() })
        : withTimeout(task, inputs, { taskName, attempt: n, blobs: env.blobs() }, env.signal, policy.timeoutMs);
  } catch (e) {
    return retryAfter(task, policy, inputs, call, n, e);
  }
  // A synchronous attempt ended before any other could start: only an asynchronous one holds its slot.
  if (!isThenable(out)) return out;
  slots.hold();
  return out.then(
    (o) => {
      slots.release();
      return o;
    },
    (e: unknown) => {
      slots.release();
      return retryAfter(task, policy, inputs, call, n, e);
    },
  );
}

/** After attempt `n` failed with `e`: rethrows it when it must not be retried, else waits the backoff and tries again. */
function retryAfter(task: PlannedTask, policy: TaskPolicy, inputs: Outputs, call: NodeCall, n: number, e: unknown): Promise<Outputs> {
  const env = call.env;
  if (!mayRetry(n, policy.retries, isRetryable(e, task.impl.retryAllErrors)) || env.signal.aborted) {
    if (e instanceof TaskTimeoutError) call.record.phase = "timedOut";
    throw e;
  }
  call.record.error = e instanceof Error ? e.message : String(e);
  return delay(backoffDelay(env.backoff, n), env.signal).then(() => attempt(task, policy, inputs, call, n + 1));
}

async function runCached(task: PlannedTask, policy: TaskPolicy, cache: NonNullable<TaskPolicy["cache"]>, inputs: Outputs, call: NodeCall): Promise<Outputs> {
  const env = call.env;
  const store = env.cache();
  const outputsMap = task.template.interface?.outputs;
  const key = cacheKey({ task: mappedTaskName(task.template.id?.name ?? ""), version: cache.version, interface: task.template.interface, inputs, ignoredInputs: cache.ignoredInputs });
  const lookup = (): Outputs | undefined => {
    if (env.overwriteCache) return undefined;
    try {
      const hit = store.get(key, outputsMap);
      if (hit && task.outputs.every((c) => c.validate(hit[c.name]) === undefined)) return hit;
    } catch {
      call.record.cacheStatus = "lookupFailure";
    }
    return undefined;
  };
  const hit = lookup();
  if (hit) {
    call.record.cacheStatus = "hit";
    return hit;
  }
  const release = cache.serialize ? await store.lock(key, env.signal) : undefined;
  try {
    if (release) {
      const late = lookup();
      if (late) {
        call.record.cacheStatus = "hit";
        return late;
      }
    }
    const out = await attempt(task, policy, inputs, call, 1);
    try {
      // Blobs of the run's store are adopted by the cache: pass on the references a later hit will give.
      const stored = await store.put(key, task.template.id?.name ?? "", cache.version, out, outputsMap, (uri) => env.blobs().owns(uri));
      call.record.cacheStatus = "populated";
      return stored;
    } catch {
      call.record.cacheStatus = "putFailure";
    }
    return out;
  } finally {
    release?.();
  }
}

/**
 * The target of a node that runs `task` with the node's `metadata`.
 *
 * @example
 * ```ts
 * const target = taskTarget(planTask(id, template, impl), node.metadata);
 * ```
 */
export function taskTarget(task: PlannedTask, metadata: NodeMetadata | undefined): NodeTarget {
  const policy = taskPolicy(task.template, metadata);
  const inputTypes = Object.fromEntries(task.inputs.map((c) => [c.name, task.template.interface?.inputs?.variables?.[c.name]?.type]));
  const cache = policy.cache;
  return {
    label: task.label,
    inputTypes,
    run: cache ? (inputs, call) => runCached(task, policy, cache, inputs, call) : (inputs, call) => attempt(task, policy, inputs, call, 1),
  };
}
