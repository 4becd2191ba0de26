/**
 * An execution as the state machine sees it: the stored execution row and
 * node rows, the specs it runs, and bookkeeping derived from them (rebuilt
 * whenever an execution is loaded, so nothing derived is ever stored).
 *
 * @module
 */
import type { Literal, LiteralMap } from "../idl/core.js";
import type { Node, WorkflowTemplate } from "../idl/specs.js";
import { isExecutionEnded, isNodeActive, isNodeFailed } from "../phases.js";
import type { ExecutionRow, NodeRow } from "../store/store.js";
import type { SpecSet } from "./spec-index.js";
import { thenNodeId } from "../rules/node-ids.js";
import { elementOfPath } from "../store/map-elements.js";

/**
 * Bookkeeping of one scope: the root workflow, a subworkflow, a dynamic sub-workflow.
 *
 * @example
 * ```ts
 * const sub: ScopeState | undefined = state.scopes.get("n2/");
 * if (sub && sub.remaining === 0) console.log("subworkflow n2 is done");
 * ```
 */
export interface ScopeState {
  /** `""` for the root, else the parent node's path and `/`. */
  readonly prefix: string;
  readonly template: WorkflowTemplate;
  /** Nodes not yet succeeded. */
  remaining: number;
  /** Nodes started and not ended. */
  active: number;
  /** The first failure, while the scope finishes its other nodes (failAfterExecutableNodesComplete). */
  failure: { readonly path: string; readonly message: string } | undefined;
  /** Set once the scope has succeeded or failed. */
  ended: boolean;
}

/**
 * An execution loaded for stepping.
 *
 * @example
 * ```ts
 * const state: ExecState = await loadExecution(store, id);
 * state.running; // task attempts in flight
 * ```
 */
export interface ExecState {
  exec: ExecutionRow;
  readonly nodes: Map<string, NodeRow>;
  readonly specs: SpecSet;
  /** Outputs of task nodes that succeeded in the execution being recovered, by path. */
  readonly recovered: ReadonlyMap<string, LiteralMap>;
  /** Derived: scopes by prefix. */
  readonly scopes: Map<string, ScopeState>;
  /** Derived: task attempts in flight (queued for or held by a worker). */
  running: number;
  /** Derived: paths of nodes waiting for a parallelism slot, in order. */
  readonly waiting: string[];
  /** Derived: how many upstream nodes of a node have not succeeded yet. */
  readonly pending: Map<string, number>;
  /**
   * Offloaded values read back from the blob store, by URI (a map task splits a list kept there): read by the
   * loader and by the engine before it applies an event that brings one, so the machine itself reads nothing.
   */
  readonly offloaded: Map<string, Literal>;
}

/**
 * Splits a node path into its scope prefix and node id: `n2/n0` → [`n2/`, `n0`].
 *
 * @example
 * ```ts
 * splitPath("n2/n0"); // ["n2/", "n0"]
 * splitPath("n1");    // ["", "n1"]
 * ```
 */
export function splitPath(path: string): [prefix: string, id: string] {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? ["", path] : [path.slice(0, slash + 1), path.slice(slash + 1)];
}

/**
 * The array node of an element path: `n4[3]` → [`n4`, 3]; undefined for other paths.
 *
 * @example
 * ```ts
 * elementOf("n4[3]"); // ["n4", 3]
 * elementOf("n4");    // undefined
 * ```
 */
export function elementOf(path: string): [arrayPath: string, index: number] | undefined {
  return elementOfPath(path);
}

/**
 * The node id of a scope's failure handler: path `efn` in the root, `n2/efn` in subworkflow `n2`.
 *
 * @example
 * ```ts
 * state.nodes.get(`${prefix}${FAILURE_NODE_ID}`); // the handler row of scope `prefix`, if it started
 * ```
 */
export const FAILURE_NODE_ID = "efn";

/**
 * True for the path of a failure handler node (`efn`, `n2/efn`).
 *
 * @example
 * ```ts
 * isFailureNode("n2/efn"); // true
 * isFailureNode("n2/n0");  // false
 * ```
 */
export function isFailureNode(path: string): boolean {
  return path === FAILURE_NODE_ID || path.endsWith(`/${FAILURE_NODE_ID}`);
}

/**
 * The spec node of a path, given the scope's template (and branch parents).
 *
 * @example
 * ```ts
 * nodeSpecOf(state, "n3/n3-n1")?.taskNode; // the task node the branch n3 took
 * ```
 */
export function nodeSpecOf(state: ExecState, path: string): Node | undefined {
  const [prefix, id] = splitPath(path);
  const scope = state.scopes.get(prefix);
  if (scope) return id === FAILURE_NODE_ID ? scope.template.failureNode : state.specs.index(scope.template).byId.get(id);
  if (prefix === "") return undefined;
  const parent = nodeSpecOf(state, prefix.slice(0, -1));
  const ie = parent?.branchNode?.ifElse;
  if (!ie) return undefined;
  // A then-node runs as `<branch id>-<then-node id>` (rules/node-ids.ts); the branch's id is the last part of the prefix.
  const branchId = splitPath(prefix.slice(0, -1))[1];
  for (const then of [ie.case?.thenNode, ...(ie.other ?? []).map((b) => b.thenNode), ie.elseNode]) {
    if (then && thenNodeId(branchId, then.id ?? "") === id) return then.id === id ? then : { ...then, id };
  }
  return undefined;
}

/**
 * Rebuilds the derived bookkeeping of a loaded execution from its rows, as it
 * was in memory after the last step: scopes with their counts and first
 * failure (the row marked `failedScope`), attempts in flight, and the queue
 * for slots in ticket order (`waitingSlot`).
 *
 * @example
 * ```ts
 * deriveState(state, rootTemplate, (prefix) => templateOfScope(prefix)); // state.scopes, running, waiting as before the reload
 * ```
 */
export function deriveState(state: ExecState, rootTemplate: WorkflowTemplate, scopeTemplate: (prefix: string) => WorkflowTemplate | undefined): void {
  state.scopes.clear();
  state.pending.clear();
  state.waiting.length = 0;
  state.running = 0;
  const addScope = (prefix: string, template: WorkflowTemplate) => {
    state.scopes.set(prefix, { prefix, template, remaining: (template.nodes ?? []).length, active: 0, failure: undefined, ended: false });
  };
  addScope("", rootTemplate);
  const rows = [...state.nodes.values()].sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0) || (a.path < b.path ? -1 : 1));
  // Scopes first (a scope's parent row starts before its nodes).
  for (const row of rows) {
    if (row.data.kind === "workflow" || (row.data.kind === "dynamic" && row.data.dynamicSpec !== undefined)) {
      const t = scopeTemplate(`${row.path}/`);
      if (t) addScope(`${row.path}/`, t);
    }
  }
  const waiting: [ticket: number, path: string][] = [];
  for (const row of rows) {
    if (row.data.dispatched === true && row.phase === "running") state.running++;
    // Elements of map tasks are counted by their map node; a failure handler runs after its scope ended.
    if (elementOf(row.path) || isFailureNode(row.path)) continue;
    const ticket = row.data.waitingSlot;
    if (typeof ticket === "number") waiting.push([ticket, row.path]);
    const scope = state.scopes.get(splitPath(row.path)[0]);
    if (!scope) continue;
    if (row.phase === "succeeded") scope.remaining--;
    if (isNodeActive(row.phase)) scope.active++;
    // Rows stored before `failedScope` was recorded: the first failed row.
    if (isNodeFailed(row.phase) && (row.data.failedScope === true || !scope.failure)) scope.failure = { path: row.path, message: row.error ?? "failed" };
  }
  for (const [, path] of waiting.sort((a, b) => a[0] - b[0])) state.waiting.push(path);
  for (const scope of state.scopes.values()) {
    const parent = scope.prefix === "" ? undefined : state.nodes.get(scope.prefix.slice(0, -1));
    // A scope has ended once its node (or the execution) has, or once its failure handler started.
    scope.ended =
      state.nodes.has(scope.prefix + FAILURE_NODE_ID) || (scope.prefix === "" ? state.exec.phase === "failing" || isExecutionEnded(state.exec.phase) : parent !== undefined && !isNodeActive(parent.phase));
  }
}
