/**
 * Array nodes (map tasks) in the local runner: one run of the task per
 * element, through the task target (retries, timeout, cache per element), a
 * bounded number at once. As in Flyte, the array node itself is not cached
 * (its `cacheStatus` stays `disabled`); its elements are, and the node's
 * record counts their cache hits.
 *
 * Memory stays on the order of the results: the outputs are preallocated
 * lists, an element's inputs record lives only while it runs, and what an
 * element in flight needs (its record, its call, its callbacks) is a slot
 * reused by later elements, so there are at most `parallelism` of them. A
 * synchronous task costs no promise per element; the map yields to the event
 * loop every few thousand elements so that aborts, timers and other nodes
 * can run.
 *
 * @module
 */
import type { Identifier, LiteralType } from "../../idl/core.js";
import type { ArrayNode, Node } from "../../idl/specs.js";
import { AbortedError, CompileError } from "../../errors.js";
import type { RunEnvironment } from "../environment.js";
import { NodeRecord } from "../recorder.js";
import { isThenable, type NodeCall, type NodeTarget, type Outputs } from "../target.js";
import { planTask as planElementTask, taskTarget, type PlannedTask } from "./task.js";
import { hasListInterface, mapElementError, mapFailure, mapHasFailed, mapInputs, mapLength, mapStartError, requiredSuccesses } from "../../rules/map-task.js";
import { mapLabel } from "../../rules/labels.js";

/** Elements started in one turn of the event loop before the map lets others run. */
const ELEMENTS_PER_TURN = 4096;

/** What every element of one array node shares. */
interface MapPlan {
  readonly label: string;
  readonly element: NodeTarget;
  readonly mapped: readonly string[];
  readonly fixed: readonly string[];
  readonly outputs: readonly string[];
  readonly array: ArrayNode;
}


function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One element in flight: reused by the next element once this one is done. */
class Slot {
  index = 0;
  readonly record: NodeRecord;
  readonly call: NodeCall;
  readonly resolved: (out: Outputs) => void;
  readonly rejected: (e: unknown) => void;

  constructor(run: MapRun, env: RunEnvironment, path: string, plan: MapPlan) {
    this.record = new NodeRecord(path, plan.element.label);
    this.call = { env, path, metadata: plan.array.node?.metadata, record: this.record };
    this.resolved = (out) => run.settledLater(this, true, out);
    this.rejected = (e) => run.settledLater(this, false, e);
  }
}

class MapRun {
  private readonly n: number;
  private readonly lists: (readonly unknown[])[];
  private readonly fixedValues: unknown[];
  private readonly outs: unknown[][];
  private readonly required: number;
  private readonly limit: number;
  private readonly controller = new AbortController();
  private readonly env: RunEnvironment;
  private readonly progress: { total: number; succeeded: number; failed: number; cacheHits: number; retries: number };
  private readonly free: Slot[] = [];
  private next = 0;
  private running = 0;
  private completed = 0;
  private scheduled = false;
  private firstError: unknown;
  private firstIndex = -1;
  private settled = false;
  private outcome: { ok: true; value: Outputs } | { ok: false; error: unknown } | undefined;
  private resolve: ((out: Outputs) => void) | undefined;
  private reject: ((e: unknown) => void) | undefined;

  constructor(
    private readonly plan: MapPlan,
    inputs: Outputs,
    private readonly call: NodeCall,
  ) {
    const { label, mapped } = plan;
    call.record.attempts = 1;
    this.lists = mapped.map((name) => inputs[name] as unknown[]);
    const n = mapLength(
      label,
      mapped.map((name, k) => [name, Array.isArray(this.lists[k]) ? this.lists[k].length : undefined]),
    );
    this.n = n;
    this.fixedValues = plan.fixed.map((name) => inputs[name]);
    this.outs = plan.outputs.map(() => new Array<unknown>(n));
    this.required = requiredSuccesses(plan.array, n);
    const parallelism = plan.array.parallelism;
    // Each element takes one of the run's task slots; more in flight than slots would only wait.
    this.limit = Math.min(parallelism === undefined || parallelism === 0 ? n : parallelism, call.env.maxParallelism);
    this.env = { ...call.env, signal: this.controller.signal };
    this.progress = { total: n, succeeded: 0, failed: 0, cacheHits: 0, retries: 0 };
    call.record.attempts = 1;
    call.record.elements = this.progress;
  }

  /** Runs every element; the outputs directly when they all completed synchronously. */
  run(): Outputs | Promise<Outputs> {
    const outer = this.call.env.signal;
    if (outer.aborted) throw outer.reason as Error;
    const impossible = mapStartError(this.plan.label, this.n, this.required);
    if (impossible) throw impossible;
    outer.addEventListener("abort", this.onAbort, { once: true });
    this.pump();
    const outcome = this.outcome;
    if (outcome) {
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    }
    return new Promise<Outputs>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  private readonly onAbort = (): void => {
    const reason: unknown = this.call.env.signal.reason;
    this.settle({ ok: false, error: reason instanceof Error ? reason : new AbortedError(String(reason)) });
  };

  private readonly pumpLater = (): void => {
    this.scheduled = false;
    this.pump();
  };

  /** Starts elements while there are some left and room for them. */
  private pump(): void {
    let budget = ELEMENTS_PER_TURN;
    while (!this.settled && this.next < this.n && this.running < this.limit) {
      this.start(this.next++);
      if (--budget === 0 && this.next < this.n && !this.settled) {
        this.scheduled = true;
        setImmediate(this.pumpLater);
        return;
      }
    }
    if (!this.settled && this.completed === this.n) this.finish();
  }

  private start(i: number): void {
    const slot = this.free.pop() ?? new Slot(this, this.env, this.call.path, this.plan);
    slot.index = i;
    const r = slot.record;
    r.attempts = 0;
    r.error = undefined;
    r.phase = "running";
    r.cacheStatus = "disabled";
    const inputs: Outputs = {};
    const { fixed, mapped } = this.plan;
    for (let k = 0; k < fixed.length; k++) inputs[fixed[k]!] = this.fixedValues[k];
    for (let k = 0; k < mapped.length; k++) inputs[mapped[k]!] = this.lists[k]![i];
    let out: Outputs | Promise<Outputs>;
    try {
      out = this.plan.element.run(inputs, slot.call);
    } catch (e) {
      this.failed(slot, e);
      return;
    }
    if (isThenable(out)) {
      this.running++;
      out.then(slot.resolved, slot.rejected);
    } else this.finished(slot, out);
  }

  /** An asynchronous element settled: count it, then start more. */
  settledLater(slot: Slot, ok: boolean, value: unknown): void {
    this.running--;
    if (ok) this.finished(slot, value as Outputs);
    else this.failed(slot, value);
    if (!this.scheduled) this.pump();
  }

  /** An element succeeded. */
  private finished(slot: Slot, out: Outputs): void {
    const p = this.progress;
    this.release(slot);
    if (this.settled) return;
    p.succeeded++;
    if (slot.record.cacheStatus === "hit") p.cacheHits++;
    const names = this.plan.outputs;
    for (let k = 0; k < names.length; k++) this.outs[k]![slot.index] = out[names[k]!];
    this.completed++;
  }

  /** An element failed after its retries. */
  private failed(slot: Slot, e: unknown): void {
    const p = this.progress;
    this.release(slot);
    if (this.settled) return;
    p.failed++;
    const names = this.plan.outputs;
    for (let k = 0; k < names.length; k++) this.outs[k]![slot.index] = null;
    if (this.firstIndex < 0) {
      this.firstIndex = slot.index;
      this.firstError = e;
      this.call.record.error = mapElementError(slot.index, message(e));
    }
    this.completed++;
    if (mapHasFailed(this.n, p.failed, this.required)) this.settle({ ok: false, error: mapFailure(this.plan.label, this.n, p.failed, this.required, this.firstIndex, this.firstError) });
  }

  /**
   * Counts an element's retries and frees its slot. Only the next element to
   * start reuses it, after the caller has read the slot's index and record.
   */
  private release(slot: Slot): void {
    const attempts = slot.record.attempts;
    if (attempts > 1) this.progress.retries += attempts - 1;
    this.free.push(slot);
  }

  private finish(): void {
    const value: Outputs = {};
    const names = this.plan.outputs;
    for (let k = 0; k < names.length; k++) value[names[k]!] = this.outs[k];
    this.settle({ ok: true, value });
  }

  private settle(outcome: NonNullable<MapRun["outcome"]>): void {
    if (this.settled) return;
    this.settled = true;
    this.outcome = outcome;
    this.call.env.signal.removeEventListener("abort", this.onAbort);
    if (!outcome.ok) this.controller.abort(outcome.error);
    if (outcome.ok) this.resolve?.(outcome.value);
    else this.reject?.(outcome.error);
  }
}

function planElement(task: PlannedTask, bound: readonly string[]): PlannedTask {
  return planElementTask(task.template.id ?? {}, task.template, { ...task.impl, mapElement: { bound } });
}

/**
 * The target of an array node: checks what the spec maps (a task node),
 * plans the task once, and runs it per element.
 *
 * @example
 * ```ts
 * const target = mapTarget(node, (id) => planner.task(id)); // node.arrayNode is set
 * ```
 */
export function mapTarget(node: Node, planTask: (id: Identifier) => PlannedTask): NodeTarget {
  const nodeId = node.id ?? "";
  const array: ArrayNode = node.arrayNode ?? {};
  const sub = array.node;
  const ref = sub?.taskNode?.referenceId;
  if (!ref) throw new CompileError(`array node ${JSON.stringify(nodeId)} maps a kind of node the local runner does not run; it runs array nodes of a task node`);
  const planned = planTask(ref);
  // A template with the map's list interface whose code does not say so (flytekit's, written by hand): run its elements.
  const task = hasListInterface(array) && !planned.impl.mapElement ? planElement(planned, array.boundInputs ?? []) : planned;
  const variables = task.template.interface?.inputs?.variables ?? {};
  for (const name of array.boundInputs ?? []) {
    if (!(name in variables)) throw new CompileError(`array node ${JSON.stringify(nodeId)} binds ${JSON.stringify(name)} for every element, but ${task.label} has no such input`);
  }
  const inputTypes: Record<string, LiteralType | undefined> = {};
  const io = mapInputs(array, task.template.interface);
  for (const [name, type] of io.bound) inputTypes[name] = type;
  for (const [name, type] of io.mapped) inputTypes[name] = type && { collectionType: type };
  const mapped = io.mapped.map(([name]) => name);
  const fixed = io.bound.map(([name]) => name);
  const plan: MapPlan = {
    label: mapLabel(node),
    element: taskTarget(task, sub.metadata),
    mapped,
    fixed,
    outputs: task.outputs.map((c) => c.name),
    array,
  };
  return { label: plan.label, inputTypes, run: (inputs, call) => new MapRun(plan, inputs, call).run() };
}
