/**
 * The engine's state machine: `(execution state, event) → changes`. It decides
 * which nodes start, retries, waits, succeeds or fails, and what work becomes
 * ready; the engine loop performs nothing here but commits the result.
 *
 * @module
 */
import type { LiteralMap } from "../idl/core.js";
import type { Node } from "../idl/specs.js";
import { taskPolicy } from "../compiler/task-policy.js";
import { DYNAMIC_TASK_TYPE } from "../compiler/task.js";
import type { EngineEvent } from "./events.js";
import type { TaskItemRoot } from "../store/events.js";
import { isExecutionEnded, isNodeActive } from "../phases.js";
import { runsTask, type DynamicNodeData, type TaskNodeData } from "../store/node-data.js";
import { elementOf, FAILURE_NODE_ID, isFailureNode, nodeSpecOf, splitPath, type ExecState, type ScopeState } from "./state.js";
import { hasListInterface, mapSettings } from "../rules/map-task.js";
import type { MapSettings } from "../store/events.js";
import { resolveInputs, type PromiseReader } from "./literal-ops.js";
import { Step, entityKey, type MachineOptions } from "./step.js";
import { specDigest } from "./digest.js";
import { labelOf, type NodeHost } from "./nodes/host.js";
import { approveGate, gateTimer, signalGate, startGate } from "./nodes/gate.js";
import { arrayWantsMore, elementEnded, fillArray, startArray } from "./nodes/map.js";
import { startLaunchPlan } from "./nodes/launch-plan.js";
import { startBranch } from "./nodes/branch.js";
import { AbortedError, AloftError } from "../errors.js";
import { branchFailure, errorInfo, failsFast, failureHandlerInput, reviveError, scopeFailure, type ErrorInfo } from "../rules/failure.js";
import { backoffDelay, mayRetry } from "../rules/retry.js";
import { EngineInvariantError } from "./errors.js";

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An error of the engine itself (not of a node's code), as plain data. */
function engineError(text: string): ErrorInfo {
  return errorInfo(new AloftError(text));
}

/** The error of a scope or execution: its message, the node that failed, and the error `result()` throws. */
interface ScopeError {
  readonly message: string;
  readonly nodeId?: string;
  readonly failure?: ErrorInfo;
}

/**
 * Applies one event to an execution and returns the step with every change.
 *
 * @example
 * ```ts
 * const step = applyEvent(state, { type: "start" }, { now: Date.now(), maxSystemAttempts: 3, backoff });
 * await store.commit(step.toCommit([event.id]));
 * ```
 */
export function applyEvent(state: ExecState, event: EngineEvent, options: MachineOptions): Step {
  const m = new Machine(new Step(state, options));
  m.apply(event);
  return m.step;
}

/**
 * The machine of one step. What every kind of node shares lives here (the
 * events, starting nodes and their inputs, slots, ending nodes and scopes);
 * each kind's own rules live in `nodes/`.
 */
class Machine implements NodeHost {
  constructor(readonly step: Step) {
    step.scopeSucceeded = (scope) => this.scopeSucceeded(scope);
  }

  private get s(): ExecState {
    return this.step.state;
  }

  private ended(): boolean {
    return isExecutionEnded(this.s.exec.phase);
  }

  apply(e: EngineEvent): void {
    if (e.type === "start") return this.start();
    if (this.ended()) return; // late results of an execution that already ended are ignored
    switch (e.type) {
      case "taskSucceeded": {
        const row = this.step.row(e.path);
        if (!row || row.phase !== "running" || row.attempts !== e.attempt) return;
        this.step.release(e.path);
        if (e.systemAttempts) this.step.patchNode(e.path, { systemAttempts: row.systemAttempts + e.systemAttempts });
        // A cache hit ran no attempt of the task's code (the local runner reports 0 attempts too).
        if (e.cacheStatus) this.step.patchNode(e.path, e.cacheStatus === "hit" ? { cacheStatus: e.cacheStatus, attempts: 0 } : { cacheStatus: e.cacheStatus });
        const cacheKey = e.cacheKey;
        if (e.cacheStatus === "populated" && typeof cacheKey === "string" && runsTask(row.data)) {
          this.step.cachePut.push({ key: cacheKey, task: row.data.task.name, version: row.data.cache?.version ?? "", outputs: e.outputs, createdAt: this.step.now });
        }
        if (e.dynamic) this.dynamicBuilt(e.path, e.dynamic);
        else this.nodeSucceeded(e.path, e.outputs);
        break;
      }
      case "taskFailed": {
        const row = this.step.row(e.path);
        if (!row || row.phase !== "running" || row.attempts !== e.attempt) return;
        this.step.release(e.path);
        if (e.systemAttempts) this.step.patchNode(e.path, { systemAttempts: row.systemAttempts + e.systemAttempts });
        const retries = runsTask(row.data) ? row.data.retries : 0;
        if (mayRetry(e.attempt, retries, e.retryable)) {
          this.step.patchNode(e.path, { error: e.message });
          this.dispatchAttempt(e.path, e.attempt + 1, this.step.now + backoffDelay(this.step.options.backoff, e.attempt));
        } else this.nodeFailed(e.path, e.error ?? { name: "Error", message: e.message }, e.timedOut === true ? "timedOut" : "failed");
        break;
      }
      case "taskSystemFailed": {
        const row = this.step.row(e.path);
        if (!row || row.phase !== "running" || row.attempts !== e.attempt) return;
        this.step.release(e.path);
        this.step.patchNode(e.path, { systemAttempts: e.systemAttempts });
        this.nodeFailed(e.path, engineError(`system error after ${e.systemAttempts} lost attempts: ${e.message}`), "failed");
        break;
      }
      case "taskLost": {
        // The process running the attempt died (a kill -9, an OOM kill): a system retry, as a lost lease is.
        const row = this.step.row(e.path);
        if (!row || row.phase !== "running" || row.attempts !== e.attempt) return;
        this.step.release(e.path);
        const lost = row.systemAttempts + 1;
        this.step.patchNode(e.path, { systemAttempts: lost, error: e.message });
        if (lost >= this.step.options.maxSystemAttempts) this.nodeFailed(e.path, engineError(`system error after ${lost} lost attempts: ${e.message}`), "failed");
        else this.dispatchAttempt(e.path, e.attempt, this.step.now);
        break;
      }
      case "timer":
        return gateTimer(this, e.path, e.purpose);
      case "signal":
        return signalGate(this, e.name, e.value);
      case "approval":
        return approveGate(this, e.name, e.approved, e.reason);
      case "abort":
        return this.abort(e.reason);
      case "childEnded": {
        const row = this.step.row(e.path);
        if (!row || !isNodeActive(row.phase) || row.data.kind !== "launchPlan" || row.data.childId !== e.childId) return;
        if (e.succeeded) this.nodeSucceeded(e.path, e.outputs ?? {});
        else this.nodeFailed(e.path, e.error ?? engineError(`child execution ${e.childId} failed: ${e.message ?? "failed"}`), "failed");
        break;
      }
    }
    this.fillSlots();
  }

  // ---- execution --------------------------------------------------------

  private start(): void {
    if (this.s.exec.phase !== "queued") return;
    this.step.patchExec({ phase: "running", startedAt: this.step.now });
    const root = this.s.scopes.get("")!;
    if ((root.template.nodes ?? []).length === 0) return this.scopeSucceeded(root);
    const ix = this.s.specs.index(root.template);
    for (const id of ix.roots) {
      if (root.ended) break;
      this.startNode("", ix.byId.get(id)!);
    }
    this.fillSlots();
  }

  private endExecution(phase: "succeeded" | "failed" | "aborted", outputs: LiteralMap | undefined, error: ScopeError | undefined): void {
    this.step.patchExec({ phase, endedAt: this.step.now, outputs, error });
    const parent = this.s.exec.lineage.parent;
    if (parent) {
      this.step.events.push({
        executionId: parent.executionId,
        body: {
          type: "childEnded",
          path: parent.path,
          childId: this.s.exec.id,
          succeeded: phase === "succeeded",
          ...(outputs ? { outputs } : {}),
          ...(error ? { message: error.message } : {}),
          ...(error?.failure ? { error: error.failure } : {}),
        },
      });
    }
  }

  private abort(reason: string): void {
    this.step.abortActive("", reason);
    this.s.waiting.length = 0;
    for (const scope of this.s.scopes.values()) scope.ended = true;
    this.endExecution("aborted", undefined, { message: reason, failure: errorInfo(new AbortedError(`the run was aborted: ${reason}`)) });
  }

  // ---- starting nodes ---------------------------------------------------

  private readerFor(prefix: string): PromiseReader {
    // A branch's inner node reads the scope the branch node is in.
    const parentPath = prefix.slice(0, -1);
    const parentRow = prefix === "" ? undefined : this.step.row(parentPath);
    if (parentRow?.data.kind === "branch") return this.step.reader(splitPath(parentPath)[0]);
    return this.step.reader(prefix);
  }

  startNode(prefix: string, node: Node): void {
    const path = prefix + (node.id ?? "");
    const scope = this.s.scopes.get(prefix);
    if (scope) scope.active++;
    let inputs: LiteralMap;
    try {
      inputs = resolveInputs(node.inputs, this.readerFor(prefix));
    } catch (e) {
      this.step.newNode(path, labelOf(node), undefined, { kind: "unknown" });
      return this.nodeFailed(path, engineError(`cannot resolve its inputs: ${message(e)}`), "failed");
    }
    try {
      if (node.taskNode?.referenceId) return this.startTask(path, node, inputs);
      if (node.workflowNode?.subWorkflowRef) {
        this.step.newNode(path, labelOf(node), inputs, { kind: "workflow" });
        return this.step.openScope(`${path}/`, this.s.specs.template(node.workflowNode.subWorkflowRef), (p, n) => this.startNode(p, n));
      }
      if (node.workflowNode?.launchplanRef) return startLaunchPlan(this, path, node, inputs);
      if (node.branchNode) return startBranch(this, path, node, inputs);
      if (node.gateNode) return startGate(this, path, node, inputs);
      if (node.arrayNode) return startArray(this, path, node, inputs);
      throw new EngineInvariantError(`node ${path} has no target (task, workflow, branch, gate or array node)`);
    } catch (e) {
      if (!this.step.row(path)) this.step.newNode(path, labelOf(node), inputs, { kind: "unknown" });
      this.nodeFailed(path, errorInfo(e), "failed");
    }
  }

  taskData(node: Node): TaskNodeData | DynamicNodeData {
    const id = node.taskNode!.referenceId!;
    const spec = this.s.specs.task(id);
    const template = spec.template ?? {};
    const policy = taskPolicy(template, node.metadata);
    return {
      kind: template.type === DYNAMIC_TASK_TYPE ? "dynamic" : "task",
      task: entityKey(id),
      taskDigest: specDigest(spec),
      retries: policy.retries,
      ...(policy.timeoutMs !== undefined ? { timeoutMs: policy.timeoutMs } : {}),
      ...(policy.cache ? { cache: policy.cache } : {}),
    };
  }

  private startTask(path: string, node: Node, inputs: LiteralMap): void {
    const recovered = this.s.recovered.get(path);
    const data = this.taskData(node);
    if (recovered && data.kind === "task") {
      this.step.newNode(path, labelOf(node), inputs, { ...data, recovered: true });
      return this.nodeSucceeded(path, recovered);
    }
    this.step.newNode(path, labelOf(node), inputs, data, "queued");
    this.requestSlot(path);
  }

  /** Dispatches now if a slot is free, else queues the node for one. */
  private requestSlot(path: string): void {
    if (this.step.hasSlot() && this.s.waiting.length === 0) this.dispatchAttempt(path, 1, this.step.now);
    else this.step.enterWaiting(path);
  }

  /** Gives free slots to waiting nodes and map tasks, in order. */
  private fillSlots(): void {
    while (this.step.hasSlot() && this.s.waiting.length > 0 && !this.ended()) {
      const path = this.s.waiting[0]!;
      const row = this.step.row(path);
      if (!row || !isNodeActive(row.phase)) {
        this.s.waiting.shift();
        continue;
      }
      if (row.data.kind === "array") {
        fillArray(this, path);
        // Still wanting more with a free slot: the map's own concurrency holds it back until an element ends.
        if (this.step.hasSlot() || !arrayWantsMore(this, path)) this.step.leaveWaiting(path);
        if (!this.step.hasSlot()) return;
        continue;
      }
      this.step.leaveWaiting(path);
      this.dispatchAttempt(path, 1, this.step.now);
    }
  }

  dispatchAttempt(path: string, attempt: number, readyAt: number): void {
    const row = this.step.row(path)!;
    const d = row.data;
    if (!runsTask(d)) throw new EngineInvariantError(`node ${path} (${d.kind}) runs no task attempt`);
    this.step.patchNode(path, { phase: "running", attempts: attempt, data: { dispatched: true } });
    this.step.dispatch({
      path,
      attempt,
      task: d.task,
      inputs: row.inputs ?? {},
      readyAt,
      options: {
        taskDigest: d.taskDigest,
        ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}),
        ...(d.cache ? { cache: d.cache, overwriteCache: this.s.exec.settings.overwriteCache } : {}),
        ...(d.kind === "dynamic" ? { dynamic: true } : {}),
        ...(d.kind === "element" ? this.elementOptions(path) : {}),
        root: this.rootOfExecution(),
      },
    });
  }

  /** A map element of a list-interface (`-arraynode`) template: the map's settings, for the worker to compile the template. */
  private elementOptions(path: string): { mapElement?: MapSettings } {
    const array = nodeSpecOf(this.s, path.slice(0, path.lastIndexOf("[")))?.arrayNode;
    return array && hasListInterface(array) ? { mapElement: mapSettings(array) } : {};
  }

  /** The entity the execution was started as: its launch plan, else its workflow. */
  private rootOfExecution(): TaskItemRoot {
    const { launchPlan, workflow } = this.s.exec;
    return launchPlan ? { kind: "launchPlan", name: launchPlan.name, version: launchPlan.version } : { kind: "workflow", name: workflow.name, version: workflow.version };
  }

  // ---- dynamic ------------------------------------------------------------

  private dynamicBuilt(path: string, dyn: NonNullable<Extract<EngineEvent, { type: "taskSucceeded" }>["dynamic"]>): void {
    this.s.specs.addWorkflow(dyn.workflow);
    for (const t of dyn.tasks) this.s.specs.addTask(t);
    this.step.patchNode(path, { data: { dynamicSpec: dyn } });
    const template = dyn.workflow.template;
    if (!template) return this.nodeFailed(path, engineError("the dynamic workflow built no sub-workflow"), "failed");
    this.step.openScope(`${path}/`, template, (p, n) => this.startNode(p, n));
  }

  // ---- ending nodes -------------------------------------------------------

  nodeSucceeded(path: string, outputs: LiteralMap): void {
    const row = this.step.row(path);
    if (!row || !isNodeActive(row.phase)) return;
    this.step.release(path);
    this.step.leaveWaiting(path);
    this.step.patchNode(path, { phase: "succeeded", outputs, endedAt: this.step.now });
    const el = elementOf(path);
    if (el) return elementEnded(this, el[0], el[1], true);
    if (isFailureNode(path)) return this.failureHandlerEnded(path, undefined);
    const [prefix, id] = splitPath(path);
    const scope = this.s.scopes.get(prefix);
    if (!scope) {
      // The inner node of a branch: the branch node succeeds with its outputs.
      const parent = prefix.slice(0, -1);
      if (parent !== "" && this.step.row(parent)?.data.kind === "branch") return this.nodeSucceeded(parent, outputs);
      return;
    }
    scope.active--;
    scope.remaining--;
    if (scope.ended) return;
    // A scope with a failure is still running only with failAfterExecutableNodesComplete: what can run, runs.
    const ix = this.s.specs.index(scope.template);
    for (const d of ix.downstream.get(id) ?? []) {
      const dpath = prefix + d;
      let pending = this.s.pending.get(dpath);
      if (pending === undefined) {
        const spec = ix.byId.get(d)!;
        pending = (spec.upstreamNodeIds ?? []).filter((u) => this.step.row(prefix + u)?.phase !== "succeeded").length + 1;
      }
      pending--;
      if (pending === 0) {
        this.s.pending.delete(dpath);
        if (!this.step.row(dpath)) this.startNode(prefix, ix.byId.get(d)!);
      } else this.s.pending.set(dpath, pending);
      if (scope.ended) return;
    }
    if (scope.failure) this.maybeFinishFailure(scope);
    else if (scope.remaining === 0) this.scopeSucceeded(scope);
  }

  private scopeSucceeded(scope: ScopeState): void {
    if (scope.ended) return;
    scope.ended = true;
    let outputs: LiteralMap;
    try {
      outputs = this.step.scopeOutputs(scope);
    } catch (e) {
      return this.scopeFailed(scope, { path: scope.prefix, message: `cannot resolve the outputs: ${message(e)}` });
    }
    if (scope.prefix === "") return this.endExecution("succeeded", outputs, undefined);
    this.nodeSucceeded(scope.prefix.slice(0, -1), outputs);
  }

  nodeFailed(path: string, error: ErrorInfo, phase: "failed" | "timedOut"): void {
    const row = this.step.row(path);
    if (!row || !isNodeActive(row.phase)) return;
    this.step.release(path);
    this.step.leaveWaiting(path);
    this.step.patchNode(path, { phase, error: error.message, endedAt: this.step.now, data: { errorInfo: error } });
    const el = elementOf(path);
    if (el) return elementEnded(this, el[0], el[1], false);
    if (isFailureNode(path)) return this.failureHandlerEnded(path, error);
    const [prefix, id] = splitPath(path);
    const scope = this.s.scopes.get(prefix);
    if (!scope) {
      const parent = prefix.slice(0, -1);
      if (parent !== "" && this.step.row(parent)?.data.kind === "branch") return this.nodeFailed(parent, errorInfo(branchFailure(id, row.entity, reviveError(error))), "failed");
      return;
    }
    scope.active--;
    if (scope.ended) return;
    if (!scope.failure) {
      // Marked on the row, so that a reload knows which failure came first.
      scope.failure = { path, message: error.message };
      this.step.patchNode(path, { data: { failedScope: true } });
    }
    if (failsFast(scope.template)) {
      this.step.abortActive(prefix, `another node failed: ${path}`);
      scope.active = 0;
    }
    this.maybeFinishFailure(scope);
  }

  private maybeFinishFailure(scope: ScopeState): void {
    if (scope.active > 0 || scope.ended || !scope.failure) return;
    this.scopeFailed(scope, scope.failure);
  }

  /** Ends a scope that failed: through its failure handler when it has one, as the local runner does. */
  private scopeFailed(scope: ScopeState, failure: { path: string; message: string }): void {
    scope.ended = true;
    const failed = this.step.row(failure.path);
    const cause = reviveError((failed?.data["errorInfo"] as ErrorInfo | undefined) ?? { name: "AloftError", message: failure.message });
    const nodeId = splitPath(failure.path)[1];
    const err = scopeFailure(scope.template.id?.name ?? "", nodeId, failed?.entity ?? `node ${nodeId}`, cause);
    const error: ScopeError = { message: err.message, nodeId, failure: errorInfo(err) };
    const handler = scope.template.failureNode;
    if (!handler) return this.failScope(scope.prefix, error);
    const path = scope.prefix + FAILURE_NODE_ID;
    let inputs: LiteralMap;
    try {
      inputs = resolveInputs(handler.inputs, this.step.reader(scope.prefix));
    } catch (e) {
      return this.failScope(scope.prefix, { ...error, message: `${error.message} (the failure handler could not start: ${message(e)})` });
    }
    // The root's error is the execution's while its handler runs; a subworkflow's waits on the handler's row.
    if (scope.prefix === "") this.step.patchExec({ phase: "failing", error });
    const taskId = handler.taskNode?.referenceId;
    const workflowId = handler.workflowNode?.subWorkflowRef;
    if (taskId) {
      if ("err" in (this.s.specs.task(taskId).template?.interface?.inputs?.variables ?? {})) {
        inputs.literals = { ...inputs.literals, err: { scalar: { error: failureHandlerInput(err) } } };
      }
      this.step.newNode(path, labelOf(handler), inputs, { ...this.taskData(handler), failure: { ...error, nodeId: error.nodeId ?? "" } }, "queued");
      this.dispatchAttempt(path, 1, this.step.now);
    } else if (workflowId) {
      this.step.newNode(path, labelOf(handler), inputs, { kind: "workflow", failure: { ...error, nodeId: error.nodeId ?? "" } });
      this.step.openScope(`${path}/`, this.s.specs.template(workflowId), (p, n) => this.startNode(p, n));
    } else this.failScope(scope.prefix, error);
  }

  /** A failure handler ended (succeeded, or failed with `handlerError`): its scope fails with the error it handled. */
  private failureHandlerEnded(path: string, handlerError: ErrorInfo | undefined): void {
    const handled = (this.step.row(path)?.data.failure as ScopeError | undefined) ?? this.s.exec.error ?? { message: "failed", nodeId: "" };
    const error = handlerError && handled.failure ? { ...handled, failure: { ...handled.failure, handlerError } } : handled;
    this.failScope(splitPath(path)[0], error);
  }

  /** Fails the node that opened scope `prefix`, or the execution for the root. */
  private failScope(prefix: string, error: ScopeError): void {
    if (prefix === "") return this.endExecution("failed", undefined, error);
    this.nodeFailed(prefix.slice(0, -1), error.failure ?? { name: "AloftError", message: error.message }, "failed");
  }
}
