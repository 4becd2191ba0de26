/**
 * The local executor: runs a workflow plan in process. Nodes start as soon as
 * their inputs are ready; independent nodes run concurrently, up to
 * `maxParallelism`. Synchronous tasks complete inline, so a node costs a few
 * array operations and no promise.
 *
 * @module
 */
import { AbortedError, AloftError, type ExecutionError } from "../errors.js";
import { makeEnvironment, type RunEnvironment } from "./environment.js";
import { checkOutput, checkRunInputs } from "../rules/values.js";
import { failureHandlerInput, scopeFailure, withHandlerError } from "../rules/failure.js";
import { isThenable, type Outputs } from "./target.js";
import { FROM_INPUTS, type WorkflowPlan } from "./plan.js";
import { sinceOrigin, type NodeRecord } from "./recorder.js";
import { keepShape } from "../shapes.js";

class WorkflowRun {
  private readonly results: (Outputs | undefined)[];
  private readonly pending: Int32Array;
  /** Nodes ready to start, in order; each node is queued once, so `nodes.length` slots suffice. */
  private readonly queue: Int32Array;
  private head = 0;
  private tail = 0;
  private running = 0;
  private done = 0;
  private failure: ExecutionError | undefined;
  private settled = false;
  private resolve!: (outputs: Outputs) => void;
  private reject!: (error: unknown) => void;
  /** The scope's own environment: its signal also fires when the scope fails fast, aborting the nodes still running. */
  private readonly env: RunEnvironment;
  private readonly scope = new AbortController();
  /** Records of the nodes running asynchronously, to mark them aborted when the scope fails fast. */
  private readonly inFlight = new Set<NodeRecord>();
  /** Aborts the scope when the outer signal aborts; removed when the scope settles. */
  private onOuterAbort: (() => void) | undefined;

  constructor(
    private readonly plan: WorkflowPlan,
    private readonly inputs: Outputs,
    private readonly outer: RunEnvironment,
    private readonly prefix: string,
  ) {
    if (plan.failFast && plan.size > 1) {
      // The scope's signal follows the outer one through a listener removed when the scope settles. Not
      // AbortSignal.any: its WeakRefs keep their targets, and with them this run's records, alive until the
      // microtask queue drains, which a program awaiting one run after another may not let it do.
      const outerSignal = outer.signal;
      if (outerSignal.aborted) this.scope.abort(outerSignal.reason);
      else {
        this.onOuterAbort = () => this.scope.abort(outerSignal.reason);
        outerSignal.addEventListener("abort", this.onOuterAbort, { once: true });
      }
      this.env = { ...outer, signal: this.scope.signal };
    } else this.env = outer;
    const n = plan.size;
    this.results = new Array<Outputs | undefined>(n);
    this.pending = plan.nodes.upstreamCount.slice(0, n);
    this.queue = new Int32Array(n);
    for (const r of plan.roots) this.queue[this.tail++] = r;
  }

  start(): Promise<Outputs> {
    return new Promise<Outputs>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.drain();
    });
  }

  /** The inputs of node `i`. */
  private nodeInputs(i: number): Outputs {
    const inputs: Outputs = {};
    const nodes = this.plan.nodes;
    const names = nodes.inputNames;
    const from = nodes.inputFrom;
    const vars = nodes.inputVars;
    const end = nodes.inputStart[i + 1]!;
    for (let k = nodes.inputStart[i]!; k < end; k++) {
      const j = from[k]!;
      inputs[names[k]!] = j >= 0 ? this.results[j]![vars[k]!] : j === FROM_INPUTS ? this.inputs[vars[k]!] : nodes.inputGetters!.get(k)!(this.inputs, this.results);
    }
    return inputs;
  }

  private drain(): void {
    const nodes = this.plan.nodes;
    const env = this.env;
    // The clock is read once between two synchronous nodes: the end of one is the start of the next (-1: read it).
    let now = -1;
    // Task attempts wait for a slot of the run's maxParallelism (`TaskSlots`); other nodes start at once.
    while (this.head < this.tail && !this.settled && (this.failure === undefined || !this.plan.failFast)) {
      if (env.signal.aborted) {
        this.fail(this.queue[this.head]!, env.signal.reason, undefined);
        break;
      }
      const node = this.queue[this.head++]!;
      const id = nodes.ids[node]!;
      const target = nodes.targets[node]!;
      const path = this.prefix === "" ? id : this.prefix + id;
      const record = env.recorder.start(path, target.label, now < 0 ? sinceOrigin() : now);
      let out: Outputs | Promise<Outputs>;
      try {
        out = target.run(this.nodeInputs(node), { env, path, metadata: nodes.metadata[node], record });
      } catch (e) {
        now = -1;
        this.fail(node, e, record);
        continue;
      }
      if (isThenable(out)) {
        // An asynchronous target may have run synchronously for a while before it returned its promise.
        now = -1;
        this.running++;
        this.inFlight.add(record);
        out.then(
          (o) => {
            this.running--;
            this.inFlight.delete(record);
            this.complete(node, o, record);
            this.drain();
          },
          (e: unknown) => {
            this.running--;
            this.inFlight.delete(record);
            this.fail(node, e, record);
            this.drain();
          },
        );
      } else {
        now = sinceOrigin();
        this.complete(node, out, record, now);
      }
    }
    this.settleIfDone();
  }

  /** `at`: when the node ended (a `sinceOrigin()` reading; now, when not given). */
  private complete(node: number, outputs: Outputs, record: NodeRecord, at?: number): void {
    if (this.settled) return;
    record.end("succeeded", undefined, at);
    this.results[node] = outputs;
    this.done++;
    const down = this.plan.downstream;
    const end = this.plan.downstreamStart[node + 1]!;
    for (let k = this.plan.downstreamStart[node]!; k < end; k++) {
      const d = down[k]!;
      if (--this.pending[d]! === 0) this.queue[this.tail++] = d;
    }
  }

  private fail(node: number, error: unknown, record: NodeRecord | undefined): void {
    if (record) record.end(record.phase === "timedOut" ? "timedOut" : this.env.signal.aborted && !this.failure ? "aborted" : "failed", error);
    if (this.settled || this.failure) return;
    const id = this.plan.nodes.ids[node]!;
    this.failure = scopeFailure(this.plan.name, id, this.plan.nodes.targets[node]!.label, error);
    if (this.plan.failFast && !this.env.signal.aborted) this.abortSiblings(this.prefix + id);
  }

  /**
   * Fails fast (`failImmediately`): the nodes still running are aborted, and
   * marked so, before the failure handler starts, as the engine does.
   */
  private abortSiblings(failedPath: string): void {
    const reason = `another node failed: ${failedPath}`;
    for (const r of this.inFlight) r.end("aborted", reason);
    this.inFlight.clear();
    if (this.env !== this.outer) this.scope.abort(new AbortedError(reason));
  }

  /** Marks the scope settled: nothing of it runs any more, so it stops following the outer signal. */
  private settle(): void {
    this.settled = true;
    if (this.onOuterAbort) {
      this.outer.signal.removeEventListener("abort", this.onOuterAbort);
      this.onOuterAbort = undefined;
    }
  }

  private settleIfDone(): void {
    if (this.settled) return;
    const idle = this.running === 0 && this.head >= this.tail;
    if (this.failure) {
      if (this.plan.failFast || idle) this.settleFailure(this.failure);
      return;
    }
    if (this.done === this.plan.size) {
      this.settle();
      try {
        this.resolve(this.collectOutputs());
      } catch (e) {
        this.reject(e);
      }
      return;
    }
    if (idle) {
      this.settle();
      this.reject(new AloftError(`workflow ${JSON.stringify(this.plan.name)} cannot make progress: ${this.plan.size - this.done} nodes wait on each other (the spec has a cycle)`));
    }
  }

  private collectOutputs(): Outputs {
    const out: Outputs = {};
    const checks = this.plan.outputs;
    for (let i = 0; i < this.plan.outputNames.length; i++) {
      const name = this.plan.outputNames[i]!;
      const value = this.plan.outputGetters[i]!(this.inputs, this.results);
      const check = checks.find((c) => c.name === name);
      out[name] = check ? checkOutput(check, value, `workflow ${JSON.stringify(this.plan.name)}`) : value;
    }
    return out;
  }

  private settleFailure(failure: ExecutionError): void {
    this.settle();
    const handler = this.plan.failureNode;
    const env = this.outer;
    if (handler < 0 || env.signal.aborted) {
      this.reject(failure);
      return;
    }
    const inputs = this.nodeInputs(handler);
    if (this.plan.failureAcceptsError) inputs["err"] = failureHandlerInput(failure);
    const path = this.prefix + this.plan.nodes.ids[handler]!;
    const target = this.plan.nodes.targets[handler]!;
    const record = env.recorder.start(path, target.label);
    const report = (e: unknown) => {
      record.end("failed", e);
      this.reject(withHandlerError(failure, e));
    };
    try {
      const r = target.run(inputs, { env, path, metadata: this.plan.nodes.metadata[handler], record });
      if (isThenable(r)) {
        r.then(() => {
          record.end("succeeded");
          this.reject(failure);
        }, report);
      } else {
        record.end("succeeded");
        this.reject(failure);
      }
    } catch (e) {
      report(e);
    }
  }
}

/** A plan of no nodes, for the sample below. */
const EMPTY_PLAN: WorkflowPlan = {
  name: "",
  interface: undefined,
  inputs: [],
  size: 0,
  nodes: { ids: [], targets: [], metadata: [], upstreamCount: new Int32Array(0), inputStart: new Int32Array(1), inputNames: [], inputFrom: [], inputVars: [], inputGetters: undefined },
  roots: [],
  downstreamStart: new Int32Array(1),
  downstream: new Int32Array(0),
  outputNames: [],
  outputGetters: [],
  outputs: [],
  failFast: false,
  failureNode: -1,
  failureAcceptsError: false,
};

// A run's scopes are garbage once it ends: one sample keeps their shape, and the optimized executor, across major GCs (shapes.ts).
keepShape(new WorkflowRun(EMPTY_PLAN, {}, makeEnvironment({}, new AbortController().signal), ""));

/**
 * Executes a workflow plan with inputs that were already checked, resolving
 * to its outputs record or rejecting with an `ExecutionError` naming the
 * failed node. Node paths are prefixed with `prefix` (`""` for the root).
 */
export function executeWorkflow(plan: WorkflowPlan, inputs: Outputs, env: RunEnvironment, prefix = ""): Promise<Outputs> {
  return new WorkflowRun(plan, inputs, env, prefix).start();
}

/** Checks the inputs of a workflow run against its plan, then executes it. */
export function runWorkflowPlan(plan: WorkflowPlan, given: unknown, env: RunEnvironment, label: string, defaults: Readonly<Record<string, unknown>> = {}): Promise<Outputs> {
  return executeWorkflow(plan, checkRunInputs(plan.inputs, given, label, defaults), env);
}
