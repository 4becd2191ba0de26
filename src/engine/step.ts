/**
 * One step of the engine's state machine: the changes an event makes to an
 * execution, collected so that the engine loop can commit them atomically.
 * Pure: no I/O, no clock (the time is given), deterministic ids.
 *
 * @module
 */
import type { Identifier, LiteralMap, Literal } from "../idl/core.js";
import type { Node, WorkflowTemplate } from "../idl/specs.js";
import type { CacheEntry, EntityKey, ExecutionRow, NewEvent, NodePhase, NodeRow, StepCommit, TaskItem } from "../store/store.js";
import { patchNodeData, type NodeData, type NodeDataPatch } from "../store/node-data.js";
import type { MapCounts } from "../store/map-elements.js";
import { isNodeActive } from "../phases.js";
import { elementOf, splitPath, type ExecState, type ScopeState } from "./state.js";
import { resolveBinding, type PromiseReader } from "./literal-ops.js";
import type { Backoff } from "../rules/retry.js";

/**
 * Settings of the machine.
 *
 * @example
 * ```ts
 * const options: MachineOptions = { now: Date.now(), maxSystemAttempts: 3, backoff: { initialMs: 1000, maxMs: 300_000, multiplier: 2 } };
 * applyEvent(state, event, options);
 * ```
 */
export interface MachineOptions {
  /** The current time, in milliseconds since the epoch. */
  readonly now: number;
  /** Leases an attempt may lose before it fails as a system error. */
  readonly maxSystemAttempts: number;
  /** Waits between user retries (`rules/retry.ts`). */
  readonly backoff: Backoff;
}

import { DEFAULT_MAX_PARALLELISM } from "../rules/parallelism.js";
import { EngineInvariantError } from "./errors.js";

export { DEFAULT_MAX_PARALLELISM };

/**
 * The key of an identifier for the registry.
 *
 * @example
 * ```ts
 * entityKey({ resourceType: "TASK", project: "p", domain: "d", name: "slope", version: "1" }); // { project: "p", domain: "d", name: "slope", version: "1" }
 * ```
 */
export function entityKey(id: Identifier): EntityKey {
  return { project: id.project ?? "", domain: id.domain ?? "", name: id.name ?? "", version: id.version ?? "" };
}

/**
 * Deterministic id of a child execution started by node `path`.
 *
 * @example
 * ```ts
 * childExecutionId("a1b2", "n2/n0"); // "a1b2-n2-n0"
 * ```
 */
export function childExecutionId(parentId: string, path: string): string {
  return `${parentId}-${path.replace(/[^A-Za-z0-9]+/g, "-")}`;
}

/**
 * Collects the changes of one step and keeps the loaded state in step with
 * them, so later decisions in the same step see earlier ones.
 *
 * @example
 * ```ts
 * const step = new Step(state, { now: Date.now(), maxSystemAttempts: 3, backoff });
 * step.patchNode("n0", { phase: "succeeded" });
 * await store.commit(step.toCommit([event.id]));
 * ```
 */
export class Step {
  readonly changedNodes = new Map<string, NodeRow>();
  readonly enqueue: TaskItem[] = [];
  readonly cancel: { executionId: string; path: string }[] = [];
  readonly events: NewEvent[] = [];
  readonly createExecutions: ExecutionRow[] = [];
  readonly cachePut: CacheEntry[] = [];
  execChanged = false;

  constructor(
    readonly state: ExecState,
    readonly options: MachineOptions,
  ) {}

  get now(): number {
    return this.options.now;
  }

  get execId(): string {
    return this.state.exec.id;
  }

  /** The commit of this step (without the consumed event ids). */
  toCommit(consumed: readonly number[]): StepCommit {
    return {
      consumed,
      createExecutions: this.createExecutions,
      executions: this.execChanged ? [this.state.exec] : [],
      nodes: [...this.changedNodes.values()],
      enqueue: this.enqueue,
      cancelTasks: this.cancel,
      events: this.events,
      cachePut: this.cachePut,
    };
  }

  // ---- rows -------------------------------------------------------------

  row(path: string): NodeRow | undefined {
    return this.state.nodes.get(path);
  }

  /** Creates or replaces a node row. */
  putNode(row: NodeRow): NodeRow {
    this.state.nodes.set(row.path, row);
    this.changedNodes.set(row.path, row);
    return row;
  }

  /** Changes fields of a node row. */
  patchNode(path: string, patch: Partial<Omit<NodeRow, "executionId" | "path" | "data">> & { readonly data?: NodeDataPatch }): NodeRow {
    const old = this.row(path);
    if (!old) throw new EngineInvariantError(`no node ${path} in execution ${this.execId}`);
    return this.putNode({ ...old, ...patch, data: patch.data ? patchNodeData(old.data, patch.data) : old.data, updatedAt: this.now });
  }

  /**
   * Changes a map's running counts in memory only: a store counts them from the map's elements
   * (`store/map-elements.ts`), so the map's row is not written again each time an element starts or ends.
   * Its `updatedAt` stays that of its last write, as a reload reads it.
   */
  setCounts(path: string, counts: Partial<MapCounts>): NodeRow {
    const old = this.row(path);
    if (!old) throw new EngineInvariantError(`no node ${path} in execution ${this.execId}`);
    const row = { ...old, data: patchNodeData(old.data, counts) };
    this.state.nodes.set(path, row);
    // Written by this step anyway: with its counts as they are now.
    if (this.changedNodes.has(path)) this.changedNodes.set(path, row);
    return row;
  }

  /** Creates the row of a node that starts now. */
  newNode(path: string, entity: string, inputs: LiteralMap | undefined, data: NodeData, phase: NodePhase = "running"): NodeRow {
    return this.putNode({
      executionId: this.execId,
      path,
      entity,
      phase,
      attempts: 0,
      systemAttempts: 0,
      cacheStatus: "disabled",
      inputs,
      outputs: undefined,
      error: undefined,
      startedAt: this.now,
      endedAt: undefined,
      updatedAt: this.now,
      data,
    });
  }

  patchExec(patch: Partial<ExecutionRow>): void {
    this.state.exec = { ...this.state.exec, ...patch, updatedAt: this.now };
    this.execChanged = true;
  }

  // ---- scopes -----------------------------------------------------------

  scopeOf(path: string): ScopeState | undefined {
    return this.state.scopes.get(splitPath(path)[0]);
  }

  /** Reads promises inside scope `prefix`: workflow inputs and node outputs of that scope. */
  reader(prefix: string): PromiseReader {
    return (nodeId, name) => {
      if (nodeId === "") return this.scopeInputs(prefix).literals?.[name];
      const row = this.row(prefix + nodeId);
      return (row?.outputs)?.literals?.[name];
    };
  }

  /** The inputs of a scope: the execution's, or those of the node that opened it. */
  scopeInputs(prefix: string): LiteralMap {
    if (prefix === "") return (this.state.exec.inputs) ?? {};
    const parent = this.row(prefix.slice(0, -1));
    return (parent?.inputs) ?? {};
  }

  /** Opens a scope for a subworkflow or dynamic sub-workflow and starts its roots. */
  openScope(prefix: string, template: WorkflowTemplate, startNode: (prefix: string, node: Node) => void): void {
    const nodes = template.nodes ?? [];
    const scope: ScopeState = { prefix, template, remaining: nodes.length, active: 0, failure: undefined, ended: false };
    this.state.scopes.set(prefix, scope);
    if (nodes.length === 0) {
      this.scopeSucceeded(scope);
      return;
    }
    const ix = this.state.specs.index(template);
    for (const id of ix.roots) {
      if (scope.ended) return;
      startNode(prefix, ix.byId.get(id)!);
    }
  }

  /** The outputs of a scope, from its template's output bindings. */
  scopeOutputs(scope: ScopeState): LiteralMap {
    const literals: Record<string, Literal> = {};
    const read = this.reader(scope.prefix);
    for (const b of scope.template.outputs ?? []) literals[b.var ?? ""] = resolveBinding(b.binding ?? {}, read);
    return { literals };
  }

  /** Hook set by the machine: what to do when a scope succeeds or fails. */
  scopeSucceeded: (scope: ScopeState) => void = () => {};

  // ---- slots --------------------------------------------------------------

  maxParallelism(): number {
    const mp = this.state.exec.settings.maxParallelism;
    return mp !== undefined && mp > 0 ? mp : DEFAULT_MAX_PARALLELISM;
  }

  hasSlot(): boolean {
    return this.state.running < this.maxParallelism();
  }

  /** Adds a task attempt to the queue and counts it as running. */
  dispatch(item: Omit<TaskItem, "id" | "executionId" | "systemAttempts" | "maxSystemAttempts">): void {
    this.state.running++;
    this.enqueue.push({
      ...item,
      id: `${this.execId}|${item.path}|${item.attempt}`,
      executionId: this.execId,
      // Lost attempts count across re-dispatches of one attempt (a crashed task process, `taskLost`).
      systemAttempts: this.row(item.path)?.systemAttempts ?? 0,
      maxSystemAttempts: this.options.maxSystemAttempts,
    });
  }

  /**
   * The task attempt of node `path` left the queue (finished or withdrawn):
   * frees its slot and clears its `dispatched` mark. Idempotent, so the
   * handlers of a result and of the node's end cannot free one slot twice.
   */
  release(path: string): void {
    if (this.row(path)?.data.dispatched !== true) return;
    if (this.state.running > 0) this.state.running--;
    this.patchNode(path, { data: { dispatched: false } });
  }

  /**
   * Puts node `path` at the end of the queue for a parallelism slot. Its mark
   * is a ticket one above the last in the queue, so that a reload rebuilds
   * the queue in the same order (see `deriveState`).
   */
  enterWaiting(path: string): void {
    const last = this.state.waiting.at(-1);
    const ticket = last === undefined ? 1 : (this.row(last)?.data.waitingSlot || 0) + 1;
    this.patchNode(path, { data: { waitingSlot: ticket } });
    this.state.waiting.push(path);
  }

  /** Takes node `path` out of the queue for a slot, if it is there. */
  leaveWaiting(path: string): void {
    if (this.row(path)?.data.waitingSlot === undefined || this.row(path)?.data.waitingSlot === false) return;
    this.patchNode(path, { data: { waitingSlot: false } });
    const i = this.state.waiting.indexOf(path);
    if (i >= 0) this.state.waiting.splice(i, 1);
  }

  /** Withdraws the queued or leased attempt of a node. */
  withdraw(path: string): void {
    this.cancel.push({ executionId: this.execId, path });
  }

  /** Aborts every active node under `prefix` (withdrawing attempts, aborting child executions). */
  abortActive(prefix: string, reason: string): void {
    for (const row of [...this.state.nodes.values()]) {
      if (!row.path.startsWith(prefix) || !isNodeActive(row.phase)) continue;
      if (row.data.dispatched === true) {
        this.withdraw(row.path);
        this.release(row.path);
      }
      this.leaveWaiting(row.path);
      if (row.data.kind === "launchPlan") this.events.push({ executionId: row.data.childId, body: { type: "abort", reason } });
      this.patchNode(row.path, { phase: "aborted", endedAt: this.now, error: reason });
      const el = elementOf(row.path);
      // An aborted element is no longer in flight, as a store counts it.
      const map = el && this.row(el[0]);
      if (map?.data.kind === "array") this.setCounts(map.path, { inFlight: map.data.inFlight - 1 });
      const opened = this.state.scopes.get(`${row.path}/`);
      if (opened) opened.ended = true;
      if (!el) {
        const scope = this.scopeOf(row.path);
        if (scope) scope.active--;
      }
    }
  }
}
