/**
 * The one vocabulary of phases, shared by both runners, the store, the
 * server, the client and the CLI: the phases an execution and a node can be
 * in, which of them are ended, and which ended ones can be recovered. Only
 * phases a runner produces are listed (Flyte's `SUCCEEDING`, `ABORTING` and
 * an execution's `TIMED_OUT` are not: no runner here passes through them).
 *
 * @module
 */

/**
 * The phases of an execution, in the order they are passed through (Flyte's
 * `WorkflowExecution.Phase`, minus those no runner here produces).
 * `failing` is the root's failure handler running.
 *
 * @example
 * ```ts
 * EXECUTION_PHASES.includes(flag as ExecutionPhase); // checking a `--filter phase=` value
 * ```
 */
export const EXECUTION_PHASES = ["queued", "running", "failing", "succeeded", "failed", "aborted"] as const;

/**
 * A phase of an execution.
 *
 * @example
 * ```ts
 * const running = await store.listExecutions({ phase: "running" satisfies ExecutionPhase }, { limit: 50 });
 * ```
 */
export type ExecutionPhase = (typeof EXECUTION_PHASES)[number];

/**
 * The phases in which an execution has ended: nothing of it runs any more.
 *
 * @example
 * ```ts
 * const done: EndedExecutionPhase[] = ["succeeded", "failed", "aborted"];
 * ```
 */
export type EndedExecutionPhase = "succeeded" | "failed" | "aborted";

const ENDED_EXECUTION: ReadonlySet<string> = new Set<EndedExecutionPhase>(["succeeded", "failed", "aborted"]);

/**
 * True once an execution has ended (succeeded, failed or aborted).
 *
 * @example
 * ```ts
 * isExecutionEnded("failing"); // false: its failure handler still runs
 * isExecutionEnded("aborted"); // true
 * ```
 */
export function isExecutionEnded(phase: string): phase is EndedExecutionPhase {
  return ENDED_EXECUTION.has(phase);
}

/**
 * True for an execution that can be recovered: it failed or was aborted.
 *
 * @example
 * ```ts
 * isExecutionRecoverable("succeeded"); // false: relaunch it instead
 * ```
 */
export function isExecutionRecoverable(phase: string): phase is "failed" | "aborted" {
  return phase === "failed" || phase === "aborted";
}

/**
 * The phases of a node execution (Flyte's `NodeExecution.Phase`, minus those
 * no runner here produces). `waiting` is a gate waiting for its timer, value
 * or approval.
 *
 * @example
 * ```ts
 * NODE_PHASES.length; // 7
 * ```
 */
export const NODE_PHASES = ["queued", "running", "waiting", "succeeded", "failed", "timedOut", "aborted"] as const;

/**
 * A phase of a node execution.
 *
 * @example
 * ```ts
 * run.nodes().filter((n) => n.phase === ("waiting" satisfies NodePhase));
 * ```
 */
export type NodePhase = (typeof NODE_PHASES)[number];

/**
 * The phases in which a node has not ended yet.
 *
 * @example
 * ```ts
 * const active: ActiveNodePhase = "waiting";
 * ```
 */
export type ActiveNodePhase = "queued" | "running" | "waiting";

/**
 * True for a phase in which a node has not ended.
 *
 * @example
 * ```ts
 * isNodeActive("waiting");   // true
 * isNodeActive("succeeded"); // false
 * ```
 */
export function isNodeActive(phase: string): phase is ActiveNodePhase {
  return phase === "queued" || phase === "running" || phase === "waiting";
}

/**
 * True for a node that ended in failure: it failed or timed out.
 *
 * @example
 * ```ts
 * rows.filter((r) => isNodeFailed(r.phase)); // the nodes to explain
 * ```
 */
export function isNodeFailed(phase: string): phase is "failed" | "timedOut" {
  return phase === "failed" || phase === "timedOut";
}

/**
 * A string read back (from a database, a request, a flag) as an execution phase.
 *
 * @example
 * ```ts
 * isExecutionPhase("running");  // true
 * isExecutionPhase("timedOut"); // false: executions here do not time out as a whole
 * ```
 */
export function isExecutionPhase(value: unknown): value is ExecutionPhase {
  return typeof value === "string" && (EXECUTION_PHASES as readonly string[]).includes(value);
}

/**
 * A string read back as a node phase.
 *
 * @example
 * ```ts
 * isNodePhase("timedOut"); // true
 * ```
 */
export function isNodePhase(value: unknown): value is NodePhase {
  return typeof value === "string" && (NODE_PHASES as readonly string[]).includes(value);
}

/**
 * Whether a node's outputs came from the cache (Flyte's catalog status).
 *
 * @example
 * ```ts
 * CACHE_STATUSES.includes("hit"); // true
 * ```
 */
export const CACHE_STATUSES = ["disabled", "hit", "populated", "lookupFailure", "putFailure"] as const;

/**
 * A node's cache status.
 *
 * @example
 * ```ts
 * run.nodes().filter((n) => n.cacheStatus === ("hit" satisfies CacheStatus)).length; // nodes served from the cache
 * ```
 */
export type CacheStatus = (typeof CACHE_STATUSES)[number];
