/**
 * The engine's state machine: `(execution state, event) → changes`. It decides
 * which nodes start, retries, waits, succeeds or fails, and what work becomes
 * ready; the engine loop performs nothing here but commits the result.
 *
 * @module
 */
import type { LiteralMap, Literal } from "../idl/core.js";
import type { Node } from "../idl/specs.js";
import { durationMs, taskPolicy } from "../compiler/task-policy.js";
import { DYNAMIC_TASK_TYPE } from "../compiler/task.js";
import { requiredSuccesses } from "../compiler/map-task.js";
import type { EngineEvent } from "./events.js";
import { indexOf } from "./spec-index.js";
import { elementOf, FAILURE_NODE_ID, isActive, isFailureNode, nodeSpecOf, splitPath, type ExecState, type ScopeState } from "./state.js";
import { evaluate, listItems, NONE_LITERAL, resolveInputs, type PromiseReader } from "./literal-ops.js";
import { Step, childExecutionId, entityKey, type MachineOptions } from "./step.js";
import { specDigest } from "./digest.js";

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Lists read back from the blob store, by the reference literal (read once per engine process). */
const readBack = new WeakMap<Literal, Literal[]>();

function labelOf(node: Node): string {
  if (node.taskNode) return `task ${JSON.stringify(node.taskNode.referenceId?.name ?? "")}`;
  if (node.workflowNode?.subWorkflowRef) return `workflow ${JSON.stringify(node.workflowNode.subWorkflowRef.name ?? "")}`;
  if (node.workflowNode?.launchplanRef) return `launch plan ${JSON.stringify(node.workflowNode.launchplanRef.name ?? "")}`;
  if (node.branchNode) return `branch ${JSON.stringify(node.metadata?.name ?? node.id ?? "")}`;
  if (node.gateNode?.sleep) return "sleep";
  if (node.gateNode?.signal) return `gate ${JSON.stringify(node.gateNode.signal.signalId ?? "")}`;
  if (node.gateNode?.approve) return `approval ${JSON.stringify(node.gateNode.approve.signalId ?? "")}`;
  if (node.arrayNode) return `map task ${JSON.stringify(node.metadata?.name ?? node.arrayNode.node?.taskNode?.referenceId?.name ?? "")}`;
  return `node ${node.id ?? ""}`;
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

class Machine {
  constructor(readonly step: Step) {
    step.scopeSucceeded = (scope) => this.scopeSucceeded(scope);
  }

  private get s(): ExecState {
    return this.step.state;
  }

  private ended(): boolean {
    return !["queued", "running", "failing"].includes(this.s.exec.phase);
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
        if (e.cacheStatus) this.step.patchNode(e.path, { cacheStatus: e.cacheStatus });
        const cacheKey = e.cacheKey;
        if (e.cacheStatus === "populated" && typeof cacheKey === "string") {
          const task = row.data["task"] as { name?: string } | undefined;
          this.step.cachePut.push({ key: cacheKey, task: task?.name ?? "", version: String(row.data["cacheVersion"] ?? ""), outputs: e.outputs, createdAt: this.step.now });
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
        const retries = Number(row.data["retries"] ?? 0);
        if (e.retryable && e.attempt <= retries) {
          this.step.patchNode(e.path, { error: e.message });
          const b = this.step.options.backoff;
          const wait = Math.min(b.maxMs, b.initialMs * b.multiplier ** (e.attempt - 1));
          this.dispatchAttempt(e.path, e.attempt + 1, this.step.now + wait);
        } else this.nodeFailed(e.path, e.message, e.timedOut === true ? "timedOut" : "failed");
        break;
      }
      case "taskSystemFailed": {
        const row = this.step.row(e.path);
        if (!row || row.phase !== "running" || row.attempts !== e.attempt) return;
        this.step.release(e.path);
        this.step.patchNode(e.path, { systemAttempts: e.systemAttempts });
        this.nodeFailed(e.path, `system error after ${e.systemAttempts} lost attempts: ${e.message}`, "failed");
        break;
      }
      case "timer":
        return this.timer(e.path, e.purpose);
      case "signal":
        return this.signal(e.name, e.value);
      case "approval":
        return this.approval(e.name, e.approved, e.reason);
      case "abort":
        return this.abort(e.reason);
      case "childEnded": {
        const row = this.step.row(e.path);
        if (!row || !isActive(row.phase) || row.data["childId"] !== e.childId) return;
        if (e.succeeded) this.nodeSucceeded(e.path, e.outputs ?? {});
        else this.nodeFailed(e.path, `child execution ${e.childId} failed: ${e.message ?? "failed"}`, "failed");
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
    const ix = indexOf(root.template);
    for (const id of ix.roots) {
      if (root.ended) break;
      this.startNode("", ix.byId.get(id)!);
    }
    this.fillSlots();
  }

  private endExecution(phase: "succeeded" | "failed" | "aborted", outputs: LiteralMap | undefined, error: { message: string; nodeId?: string } | undefined): void {
    this.step.patchExec({ phase, endedAt: this.step.now, outputs, error });
    const parent = this.s.exec.parent;
    if (parent) {
      this.step.events.push({
        executionId: parent.executionId,
        body: { type: "childEnded", path: parent.path, childId: this.s.exec.id, succeeded: phase === "succeeded", ...(outputs ? { outputs } : {}), ...(error ? { message: error.message } : {}) },
      });
    }
  }

  private abort(reason: string): void {
    this.step.abortActive("", reason);
    this.s.waiting.length = 0;
    for (const scope of this.s.scopes.values()) scope.ended = true;
    this.endExecution("aborted", undefined, { message: reason });
  }

  // ---- starting nodes ---------------------------------------------------

  private readerFor(prefix: string, node: Node): PromiseReader {
    // A branch's inner node reads the scope the branch node is in.
    const parentPath = prefix.slice(0, -1);
    const parentRow = prefix === "" ? undefined : this.step.row(parentPath);
    if (parentRow?.data["kind"] === "branch") return this.step.reader(splitPath(parentPath)[0]);
    void node;
    return this.step.reader(prefix);
  }

  private startNode(prefix: string, node: Node): void {
    const path = prefix + (node.id ?? "");
    const scope = this.s.scopes.get(prefix);
    if (scope) scope.active++;
    let inputs: LiteralMap;
    try {
      inputs = resolveInputs(node.inputs, this.readerFor(prefix, node));
    } catch (e) {
      this.step.newNode(path, labelOf(node), undefined, { kind: "unknown" });
      return this.nodeFailed(path, `cannot resolve its inputs: ${message(e)}`, "failed");
    }
    try {
      if (node.taskNode?.referenceId) return this.startTask(path, node, inputs);
      if (node.workflowNode?.subWorkflowRef) {
        this.step.newNode(path, labelOf(node), inputs, { kind: "workflow" });
        return this.step.openScope(`${path}/`, this.s.specs.template(node.workflowNode.subWorkflowRef), (p, n) => this.startNode(p, n));
      }
      if (node.workflowNode?.launchplanRef) return this.startLaunchPlan(path, node, inputs);
      if (node.branchNode) return this.startBranch(path, node, inputs);
      if (node.gateNode) return this.startGate(path, node, inputs);
      if (node.arrayNode) return this.startArray(path, node, inputs);
      throw new Error("the node has no target");
    } catch (e) {
      if (!this.step.row(path)) this.step.newNode(path, labelOf(node), inputs, { kind: "unknown" });
      this.nodeFailed(path, message(e), "failed");
    }
  }

  private taskData(node: Node): Record<string, unknown> {
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
      ...(policy.cache ? { cacheVersion: policy.cache.version, cache: policy.cache } : {}),
    };
  }

  private startTask(path: string, node: Node, inputs: LiteralMap): void {
    const recovered = this.s.recovered.get(path);
    const data = this.taskData(node);
    if (recovered && data["kind"] === "task") {
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
      if (!row || !isActive(row.phase)) {
        this.s.waiting.shift();
        continue;
      }
      if (row.data["kind"] === "array") {
        this.fillArray(path);
        // Still wanting more with a free slot: the map's own concurrency holds it back until an element ends.
        if (this.step.hasSlot() || !this.arrayWantsMore(path)) this.step.leaveWaiting(path);
        if (!this.step.hasSlot()) return;
        continue;
      }
      this.step.leaveWaiting(path);
      this.dispatchAttempt(path, 1, this.step.now);
    }
  }

  private dispatchAttempt(path: string, attempt: number, readyAt: number): void {
    const row = this.step.row(path)!;
    const d = row.data;
    this.step.patchNode(path, { phase: "running", attempts: attempt, data: { dispatched: true } });
    this.step.dispatch({
      path,
      attempt,
      task: d["task"] as never,
      inputs: row.inputs,
      readyAt,
      options: {
        taskDigest: d["taskDigest"],
        ...(d["timeoutMs"] !== undefined ? { timeoutMs: d["timeoutMs"] } : {}),
        ...(d["cache"] ? { cache: d["cache"], overwriteCache: this.s.exec.options["overwriteCache"] === true } : {}),
        ...(d["kind"] === "dynamic" ? { dynamic: true } : {}),
      },
    });
  }

  private startLaunchPlan(path: string, node: Node, inputs: LiteralMap): void {
    const lpId = node.workflowNode!.launchplanRef!;
    const lp = this.s.specs.launchPlan(lpId);
    const childId = childExecutionId(this.s.exec.id, path);
    const literals: Record<string, Literal> = {};
    for (const [k, p] of Object.entries(lp.defaultInputs?.parameters ?? {})) if (p.default) literals[k] = p.default;
    Object.assign(literals, inputs.literals ?? {}, lp.fixedInputs?.literals ?? {});
    this.step.newNode(path, labelOf(node), inputs, { kind: "launchPlan", childId });
    const now = this.step.now;
    this.step.createExecutions.push({
      id: childId,
      project: lp.workflowId?.project ?? "",
      domain: lp.workflowId?.domain ?? "",
      workflow: entityKey(lp.workflowId ?? {}),
      launchPlan: entityKey(lpId),
      phase: "queued",
      inputs: { literals },
      outputs: undefined,
      error: undefined,
      parent: { executionId: this.s.exec.id, path },
      options: { ...(lp.maxParallelism ? { maxParallelism: lp.maxParallelism } : {}), overwriteCache: this.s.exec.options["overwriteCache"] === true },
      createdAt: now,
      startedAt: undefined,
      endedAt: undefined,
      updatedAt: now,
    });
    this.step.events.push({ executionId: childId, body: { type: "start" } });
  }

  private startBranch(path: string, node: Node, inputs: LiteralMap): void {
    const ie = node.branchNode?.ifElse;
    this.step.newNode(path, labelOf(node), inputs, { kind: "branch" });
    if (!ie) return this.nodeFailed(path, "the branch has no cases", "failed");
    let chosen: Node | undefined;
    for (const block of [ie.case, ...(ie.other ?? [])]) {
      if (block && evaluate(block.condition, inputs)) {
        chosen = block.thenNode;
        break;
      }
    }
    chosen ??= ie.elseNode;
    if (!chosen) {
      const msg = ie.error?.message ?? "no branch matched and there is no else";
      this.step.patchNode(path, { data: { chosen: null } });
      return this.nodeFailed(path, msg, "failed");
    }
    this.step.patchNode(path, { data: { chosen: chosen.id ?? "" } });
    this.startNode(`${path}/`, chosen);
  }

  private startGate(path: string, node: Node, inputs: LiteralMap): void {
    const gate = node.gateNode!;
    const timeoutMs = durationMs(node.metadata?.timeout);
    if (gate.sleep) {
      this.step.newNode(path, labelOf(node), inputs, { kind: "gate" }, "waiting");
      this.step.events.push({ executionId: this.s.exec.id, dueAt: this.step.now + (durationMs(gate.sleep.duration) ?? 0), body: { type: "timer", path, purpose: "sleep" } });
      return;
    }
    const name = gate.signal?.signalId ?? gate.approve?.signalId ?? "";
    const kind = gate.signal ? "signal" : "approve";
    this.step.newNode(path, labelOf(node), inputs, { kind: "gate", [kind]: name, ...(gate.signal ? { output: gate.signal.outputVariableName ?? "o0" } : {}) }, "waiting");
    if (timeoutMs !== undefined) this.step.events.push({ executionId: this.s.exec.id, dueAt: this.step.now + timeoutMs, body: { type: "timer", path, purpose: "gateTimeout" } });
    const pending = (this.s.exec.options["pendingSignals"] ?? {}) as Record<string, unknown>;
    if (name in pending) {
      const value = pending[name];
      const rest = { ...pending };
      delete rest[name];
      this.step.patchExec({ options: { ...this.s.exec.options, pendingSignals: rest } });
      if (kind === "signal") this.signal(name, value as Literal);
      else {
        const v = value as { approved: boolean; reason?: string };
        this.approval(name, v.approved, v.reason);
      }
    }
  }

  private waitingGate(kind: "signal" | "approve", name: string): string | undefined {
    for (const row of this.s.nodes.values()) if (row.phase === "waiting" && row.data[kind] === name) return row.path;
    return undefined;
  }

  private signal(name: string, value: Literal): void {
    const path = this.waitingGate("signal", name);
    if (!path) {
      const pending = { ...((this.s.exec.options["pendingSignals"] ?? {}) as Record<string, unknown>), [name]: value };
      return this.step.patchExec({ options: { ...this.s.exec.options, pendingSignals: pending } });
    }
    const out = String(this.step.row(path)!.data["output"] ?? "o0");
    this.nodeSucceeded(path, { literals: { [out]: value } });
  }

  private approval(name: string, approved: boolean, reason: string | undefined): void {
    const path = this.waitingGate("approve", name);
    if (!path) {
      const pending = { ...((this.s.exec.options["pendingSignals"] ?? {}) as Record<string, unknown>), [name]: { approved, ...(reason ? { reason } : {}) } };
      return this.step.patchExec({ options: { ...this.s.exec.options, pendingSignals: pending } });
    }
    if (!approved) return this.nodeFailed(path, `approval ${JSON.stringify(name)} was rejected: ${reason ?? "rejected"}`, "failed");
    const inputs = (this.step.row(path)!.inputs as LiteralMap | undefined)?.literals ?? {};
    this.nodeSucceeded(path, { literals: inputs["o0"] ? { o0: inputs["o0"] } : {} });
  }

  private timer(path: string, purpose: "sleep" | "gateTimeout"): void {
    const row = this.step.row(path);
    if (!row || row.phase !== "waiting") return;
    if (purpose === "sleep") return this.nodeSucceeded(path, {});
    const name = String(row.data["signal"] ?? row.data["approve"] ?? "");
    this.nodeFailed(path, `gate ${JSON.stringify(name)} timed out without ${row.data["approve"] !== undefined ? "an approval" : "a value"}`, "timedOut");
  }

  // ---- map tasks ----------------------------------------------------------

  /** The items of a map input, reading an offloaded list back once. */
  private items(l: Literal | undefined): Literal[] {
    if (!l?.offloadedMetadata) return listItems(l);
    let items = readBack.get(l);
    if (!items) {
      const read = this.step.options.readLiteral;
      if (!read) throw new Error("a map task input is in the blob store, but the engine has no blob store to read it");
      items = listItems(read(l));
      readBack.set(l, items);
    }
    return items;
  }

  private startArray(path: string, node: Node, inputs: LiteralMap): void {
    const an = node.arrayNode!;
    const inner = an.node!;
    const bound = new Set(an.boundInputs ?? []);
    let total: number | undefined;
    for (const [name, l] of Object.entries(inputs.literals ?? {})) {
      if (bound.has(name)) continue;
      const n = this.items(l).length;
      if (total !== undefined && n !== total) {
        this.step.newNode(path, labelOf(node), inputs, { kind: "array" });
        return this.nodeFailed(path, `map task inputs have different lengths (${Object.keys(inputs.literals ?? {}).filter((k) => !bound.has(k)).map((k) => `${k}: ${this.items(inputs.literals![k]).length}`).join(", ")})`, "failed");
      }
      total = n;
    }
    const n = total ?? 0;
    const minSuccesses = requiredSuccesses(an, n);
    const parallelism = an.parallelism && an.parallelism > 0 ? an.parallelism : n;
    this.step.newNode(path, labelOf(node), inputs, { ...this.taskData(inner), kind: "array", total: n, next: 0, inFlight: 0, succeeded: 0, failed: 0, minSuccesses, parallelism });
    if (n === 0) return this.finishArray(path);
    this.step.enterWaiting(path);
  }

  private arrayWantsMore(path: string): boolean {
    const d = this.step.row(path)!.data;
    return Number(d["next"]) < Number(d["total"]);
  }

  private fillArray(path: string): void {
    let row = this.step.row(path)!;
    const inputs = (row.inputs as LiteralMap | undefined)?.literals ?? {};
    const spec = nodeSpecOf(this.s, path)?.arrayNode;
    const bound = new Set(spec?.boundInputs ?? []);
    while (this.step.hasSlot() && Number(row.data["next"]) < Number(row.data["total"]) && Number(row.data["inFlight"]) < Number(row.data["parallelism"])) {
      const i = Number(row.data["next"]);
      const literals: Record<string, Literal> = {};
      for (const [k, l] of Object.entries(inputs)) literals[k] = bound.has(k) ? l : this.items(l)[i]!;
      const elementPath = `${path}[${i}]`;
      const { total: _t, next: _n, inFlight: _f, succeeded: _s, failed: _x, minSuccesses: _m, parallelism: _p, waitingSlot: _w, ...taskData } = row.data;
      this.step.newNode(elementPath, row.entity, { literals }, { ...taskData, kind: "element" }, "queued");
      row = this.step.patchNode(path, { data: { next: i + 1, inFlight: Number(row.data["inFlight"]) + 1 } });
      this.dispatchAttempt(elementPath, 1, this.step.now);
    }
  }

  private elementEnded(elementPath: string, arrayPath: string, ok: boolean): void {
    const row = this.step.row(arrayPath);
    if (!row || !isActive(row.phase)) return;
    const d = row.data;
    const succeeded = Number(d["succeeded"]) + (ok ? 1 : 0);
    const failed = Number(d["failed"]) + (ok ? 0 : 1);
    this.step.patchNode(arrayPath, { data: { succeeded, failed, inFlight: Number(d["inFlight"]) - 1 } });
    void elementPath;
    const total = Number(d["total"]);
    if (total - failed < Number(d["minSuccesses"])) {
      this.step.abortActive(`${arrayPath}[`, "the map task failed");
      return this.nodeFailed(arrayPath, `${failed} of ${total} elements failed; at least ${Number(d["minSuccesses"])} had to succeed`, "failed");
    }
    if (succeeded + failed === total) return this.finishArray(arrayPath);
    if (this.arrayWantsMore(arrayPath) && !row.data["waitingSlot"]) this.step.enterWaiting(arrayPath);
  }

  private finishArray(path: string): void {
    const row = this.step.row(path)!;
    const spec = nodeSpecOf(this.s, path);
    const taskId = spec?.arrayNode?.node?.taskNode?.referenceId;
    const outNames = Object.keys(taskId ? (this.s.specs.task(taskId).template?.interface?.outputs?.variables ?? {}) : {});
    const total = Number(row.data["total"]);
    const literals: Record<string, Literal> = {};
    for (const name of outNames) {
      const items: Literal[] = new Array<Literal>(total);
      for (let i = 0; i < total; i++) {
        const el = this.step.row(`${path}[${i}]`);
        items[i] = el?.phase === "succeeded" ? ((el.outputs as LiteralMap).literals?.[name] ?? NONE_LITERAL) : NONE_LITERAL;
      }
      literals[name] = { collection: { literals: items } };
    }
    this.nodeSucceeded(path, { literals });
  }

  // ---- dynamic ------------------------------------------------------------

  private dynamicBuilt(path: string, dyn: NonNullable<Extract<EngineEvent, { type: "taskSucceeded" }>["dynamic"]>): void {
    this.s.specs.addWorkflow(dyn.workflow);
    for (const t of dyn.tasks) this.s.specs.addTask(t);
    this.step.patchNode(path, { data: { dynamicSpec: dyn } });
    const template = dyn.workflow.template;
    if (!template) return this.nodeFailed(path, "the dynamic workflow built no sub-workflow", "failed");
    this.step.openScope(`${path}/`, template, (p, n) => this.startNode(p, n));
  }

  // ---- ending nodes -------------------------------------------------------

  private nodeSucceeded(path: string, outputs: LiteralMap): void {
    const row = this.step.row(path);
    if (!row || !isActive(row.phase)) return;
    this.step.release(path);
    this.step.leaveWaiting(path);
    this.step.patchNode(path, { phase: "succeeded", outputs, endedAt: this.step.now });
    const el = elementOf(path);
    if (el) return this.elementEnded(path, el[0], true);
    if (isFailureNode(path)) return this.failureHandlerEnded(path);
    const [prefix, id] = splitPath(path);
    const scope = this.s.scopes.get(prefix);
    if (!scope) {
      // The inner node of a branch: the branch node succeeds with its outputs.
      const parent = prefix.slice(0, -1);
      if (parent !== "" && this.step.row(parent)?.data["kind"] === "branch") return this.nodeSucceeded(parent, outputs);
      return;
    }
    scope.active--;
    scope.remaining--;
    if (scope.ended) return;
    // A scope with a failure is still running only with failAfterExecutableNodesComplete: what can run, runs.
    const ix = indexOf(scope.template);
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

  private nodeFailed(path: string, why: string, phase: "failed" | "timedOut"): void {
    const row = this.step.row(path);
    if (!row || !isActive(row.phase)) return;
    this.step.release(path);
    this.step.leaveWaiting(path);
    this.step.patchNode(path, { phase, error: why, endedAt: this.step.now });
    const el = elementOf(path);
    if (el) return this.elementEnded(path, el[0], false);
    if (isFailureNode(path)) return this.failureHandlerEnded(path);
    const [prefix] = splitPath(path);
    const scope = this.s.scopes.get(prefix);
    if (!scope) {
      const parent = prefix.slice(0, -1);
      if (parent !== "" && this.step.row(parent)?.data["kind"] === "branch") return this.nodeFailed(parent, `node ${path} failed: ${why}`, "failed");
      return;
    }
    scope.active--;
    if (scope.ended) return;
    if (!scope.failure) {
      // Marked on the row, so that a reload knows which failure came first.
      scope.failure = { path, message: why };
      this.step.patchNode(path, { data: { failedScope: true } });
    }
    const failFast = scope.template.metadata?.onFailure !== "FAIL_AFTER_EXECUTABLE_NODES_COMPLETE";
    if (failFast) {
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
    const error = { message: `node ${failure.path} failed: ${failure.message}`, nodeId: failure.path };
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
        inputs.literals = { ...inputs.literals, err: { scalar: { error: { failedNodeId: error.nodeId, message: error.message } } } };
      }
      this.step.newNode(path, labelOf(handler), inputs, { ...this.taskData(handler), failure: error }, "queued");
      this.dispatchAttempt(path, 1, this.step.now);
    } else if (workflowId) {
      this.step.newNode(path, labelOf(handler), inputs, { kind: "workflow", failure: error });
      this.step.openScope(`${path}/`, this.s.specs.template(workflowId), (p, n) => this.startNode(p, n));
    } else this.failScope(scope.prefix, error);
  }

  /** A failure handler ended (succeeded or not): its scope fails with the error it handled. */
  private failureHandlerEnded(path: string): void {
    const error = this.step.row(path)?.data["failure"] as { message: string; nodeId: string } | undefined;
    const prefix = splitPath(path)[0];
    this.failScope(prefix, error ?? this.s.exec.error ?? { message: "failed", nodeId: "" });
  }

  /** Fails the node that opened scope `prefix`, or the execution for the root. */
  private failScope(prefix: string, error: { message: string; nodeId?: string }): void {
    if (prefix === "") return this.endExecution("failed", undefined, error);
    this.nodeFailed(prefix.slice(0, -1), error.message, "failed");
  }
}
