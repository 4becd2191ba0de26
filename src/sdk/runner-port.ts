/**
 * The port through which `entity.run(...)` and `entity.start(...)` reach a
 * runner, and the shapes of what a run reports. The SDK holds no execution
 * logic; the package entry point plugs in the local runner.
 *
 * @module
 */
import { AloftError } from "../errors.js";
import type { CacheStatus, NodePhase } from "../phases.js";
import type { EntityDefinition } from "./entity.js";
import type { DurationLike } from "./task-options.js";

export type { CacheStatus, NodePhase } from "../phases.js";

/**
 * How long to wait between attempts of a failing task: `initial`, then times `multiplier`, at most `max`.
 *
 * @example
 * ```ts
 * await flaky.run({}, { retryBackoff: { initial: "100ms", multiplier: 2, max: "5s" } });
 * ```
 */
export interface RetryBackoff {
  /** Wait before the first retry (default 100 ms). */
  readonly initial?: DurationLike;
  /** Longest wait (default 30 s). */
  readonly max?: DurationLike;
  /** Growth factor between retries (default 2). */
  readonly multiplier?: number;
}

/**
 * Options of a run.
 *
 * @example
 * ```ts
 * await wf.run({ x: 1 }, { maxParallelism: 4, signals: { publish: true }, prompt: false });
 * ```
 */
export interface RunOptions {
  /** How many nodes of one workflow may run at once (default: unbounded). */
  readonly maxParallelism?: number;
  /** Run cached tasks again and store their new outputs (Flyte's `overwrite_cache`). */
  readonly overwriteCache?: boolean;
  /** Where cached outputs are kept (default: `$ALOFT_HOME/cache`, `~/.aloft/cache`). */
  readonly cacheDir?: string;
  /** Waits between task retries. */
  readonly retryBackoff?: RetryBackoff;
  /** Values for gate signals, given up front: `{ name: value }`; `true`/`false` approve or reject. */
  readonly signals?: Readonly<Record<string, unknown>>;
  /** Ask on the terminal for gate signals that were not given (default: when stdin and stdout are terminals). */
  readonly prompt?: boolean;
  /** The run's working area, where its files and dataframes are stored (default: a new temporary directory). */
  readonly workDir?: string;
}

/**
 * What a run reports about one node execution.
 *
 * @example
 * ```ts
 * for (const n of run.nodes()) console.log(n.path, n.entity, n.phase, n.attempts); // "n0" 'task "slope"' "succeeded" 1
 * ```
 */
export interface NodeExecution {
  /** The node's path: `n1`, or `n2/n0` for a node inside subworkflow node `n2`. */
  readonly path: string;
  /** What the node runs: `task "slope"`, `workflow "sub"`, `gate "approve_it"`, ... */
  readonly entity: string;
  readonly phase: NodePhase;
  /** Attempts made so far (1 once started). */
  readonly attempts: number;
  readonly cacheStatus: CacheStatus;
  readonly startedAt: Date | undefined;
  readonly endedAt: Date | undefined;
  /** The last error, for a failed or retried node. */
  readonly error: string | undefined;
  /**
   * Progress of a map task: its elements in all, those that succeeded (cache
   * hits included) and failed, the cache hits, and the retries made across
   * elements (each element has the task's retries).
   */
  readonly elements?: { readonly total: number; readonly succeeded: number; readonly failed: number; readonly cacheHits: number; readonly retries: number };
}

/**
 * A gate waiting for a value.
 *
 * @example
 * ```ts
 * run.waitingFor(); // [{ name: "publish", kind: "approve", type: "bool", path: "n3" }]
 * ```
 */
export interface PendingSignal {
  /** The signal's name. */
  readonly name: string;
  /** `approve` waits for an approval, `signal` for a value of `type`. */
  readonly kind: "approve" | "signal";
  /** The expected type's name (`bool` for approvals). */
  readonly type: string;
  /** The node's path. */
  readonly path: string;
}

/**
 * A run in progress: its result, what its nodes did, and the answers its gates wait for.
 *
 * @example
 * ```ts
 * const run = wf.start({ x: 1 });
 * run.approve("publish");
 * const outputs = await run.result;
 * run.nodes(); // [{ path: "n0", phase: "succeeded", attempts: 1, cacheStatus: "disabled", ... }, ...]
 * ```
 */
export interface Execution<O> {
  /** A unique id of this run. */
  readonly id: string;
  /** Resolves to the outputs record, or rejects with an `ExecutionError`. */
  readonly result: Promise<O>;
  /** Every node execution so far, in start order. */
  nodes(): NodeExecution[];
  /** The gates waiting now. */
  waitingFor(): PendingSignal[];
  /** Gives the value of the gate signal `name` (a `waitForInput` gate). */
  signal(name: string, value: unknown): void;
  /** Approves the `approve` gate `name`. */
  approve(name: string): void;
  /** Rejects the `approve` gate `name`: the run fails. */
  reject(name: string, reason?: string): void;
  /** Aborts the run: running tasks see their `signal` aborted, the result rejects. */
  abort(reason?: string): void;
}

/**
 * Something that can run an entity.
 *
 * @example
 * ```ts
 * const runner: EntityRunner = { start: (def, inputs, options) => local.start(def, inputs, options) };
 * setEntityRunner(runner);
 * ```
 */
export interface EntityRunner {
  start(entity: EntityDefinition, inputs: Record<string, unknown>, options: RunOptions): Execution<Record<string, unknown>>;
}

let runner: EntityRunner | undefined;

/**
 * Plugs in the runner used by `entity.run(...)`.
 *
 * @example
 * ```ts
 * setEntityRunner(new LocalRunner()); // what importing "aloft" does
 * ```
 */
export function setEntityRunner(next: EntityRunner): void {
  runner = next;
}

/**
 * The runner used by `entity.run(...)`.
 *
 * @example
 * ```ts
 * entityRunner().start(definitionOf(wf)!, { x: 1 }, {});
 * ```
 */
export function entityRunner(): EntityRunner {
  if (!runner) throw new AloftError("No runner is configured: import entities from the \"aloft\" package entry point, which installs the local runner.");
  return runner;
}

/**
 * Starts a run of `def` through the configured runner.
 *
 * @example
 * ```ts
 * const run = startEntity(definitionOf(wf)!, { x: 1 }, undefined);
 * await run.result;
 * ```
 */
export function startEntity(def: EntityDefinition, inputs: Record<string, unknown> | undefined, options: RunOptions | undefined): Execution<Record<string, unknown>> {
  return entityRunner().start(def, inputs ?? {}, options ?? {});
}
