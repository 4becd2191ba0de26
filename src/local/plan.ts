/**
 * Execution plans: a compiled `WorkflowSpec` turned into arrays and closures
 * the local executor walks with little work per node. Built once per spec.
 *
 * @module
 */
import type { BindingData, Identifier, Literal, LiteralType, TypedInterface } from "../idl/core.js";
import type { LaunchPlanSpec, Node, NodeMetadata, WorkflowTemplate } from "../idl/specs.js";
import { CompileError } from "../errors.js";
import { fromLiteral } from "../types/literal.js";
import { idKey } from "../compiler/identifiers.js";
import type { CompiledBundle } from "../compiler/compile.js";
import { variableChecks, type VariableCheck } from "../rules/values.js";
import { failsFast } from "../rules/failure.js";
import { nodeLabel } from "../rules/labels.js";
import { nodeIdNumber } from "../rules/node-ids.js";
import type { InnerBinding, NodeTarget } from "./target.js";
import { planTask, taskTarget, type PlannedTask } from "./targets/task.js";
import { launchPlanTarget, subworkflowTarget } from "./targets/workflow.js";
import { gateTarget } from "./targets/gate.js";
import { branchTarget } from "./targets/branch.js";
import { mapTarget } from "./targets/map.js";
import { keepRecordShape, keepShape } from "../shapes.js";

/** Reads a value for a binding from the workflow inputs and the node results. */
export type Getter = (inputs: Readonly<Record<string, unknown>>, results: readonly (Record<string, unknown> | undefined)[]) => unknown;

/** `PlannedNode.inputFrom` of an input read from the workflow's inputs. */
export const FROM_INPUTS = -1;
/** `PlannedNode.inputFrom` of an input read by its getter (a constant, a list or a map). */
export const FROM_GETTER = -2;

/**
 * The nodes of a plan, as parallel arrays: node `i` has id `ids[i]`, runs
 * `targets[i]` with `metadata[i]` and waits on `upstreamCount[i]` nodes. Its
 * inputs are `inputStart[i]` up to `inputStart[i + 1]` (exclusive): input
 * `k` is named `inputNames[k]` and read as output `inputVars[k]` of node
 * `inputFrom[k]`, as workflow input `inputVars[k]` when `inputFrom[k]` is
 * `FROM_INPUTS`, or by `inputGetters.get(k)` when it is `FROM_GETTER`.
 * Plans are built on a workflow's first run: arrays, not an object a node,
 * keep that cheap (a few stores a node, nothing more for the garbage
 * collector to copy).
 */
export interface PlannedNodes {
  readonly ids: readonly string[];
  readonly targets: readonly NodeTarget[];
  readonly metadata: readonly (NodeMetadata | undefined)[];
  readonly upstreamCount: Int32Array;
  readonly inputStart: Int32Array;
  readonly inputNames: readonly string[];
  readonly inputFrom: readonly number[];
  readonly inputVars: readonly string[];
  /** Undefined when every input is read from a node or the workflow's inputs. */
  readonly inputGetters: ReadonlyMap<number, Getter> | undefined;
}

/** A launch plan's workflow, with its defaults and fixed inputs as values. */
export interface PlannedLaunchPlan {
  readonly label: string;
  readonly plan: () => WorkflowPlan;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly fixed: Readonly<Record<string, unknown>>;
}

/** A workflow ready to execute. */
export interface WorkflowPlan {
  readonly name: string;
  /**
   * The workflow's interface. A plan keeps no reference to its template's
   * nodes: once a workflow is planned, its spec can be collected (unless a
   * node plans more later, as a subworkflow node does).
   */
  readonly interface: TypedInterface | undefined;
  readonly inputs: readonly VariableCheck[];
  /** How many nodes the workflow runs: `nodes` has them at `0 .. size - 1`, then the failure node, when there is one. */
  readonly size: number;
  readonly nodes: PlannedNodes;
  readonly roots: readonly number[];
  /** The nodes downstream of node `i` are `downstream[downstreamStart[i]]` up to `downstream[downstreamStart[i + 1]]` (exclusive). */
  readonly downstreamStart: Int32Array;
  readonly downstream: Int32Array;
  readonly outputNames: readonly string[];
  readonly outputGetters: readonly Getter[];
  readonly outputs: readonly VariableCheck[];
  readonly failFast: boolean;
  /** The failure node's index in `nodes` (`size`), or -1 when there is none. */
  readonly failureNode: number;
  /** Whether the failure node declares the `err` input. */
  readonly failureAcceptsError: boolean;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function bindingToLiteral(b: BindingData): Literal | undefined {
  if (b.scalar) return { scalar: b.scalar };
  if (b.collection) {
    const items = (b.collection.bindings ?? []).map(bindingToLiteral);
    return items.every((x) => x !== undefined) ? { collection: { literals: items as Literal[] } } : undefined;
  }
  if (b.map) {
    const literals: Record<string, Literal> = {};
    for (const [k, v] of Object.entries(b.map.bindings ?? {})) {
      const l = bindingToLiteral(v);
      if (!l) return undefined;
      literals[k] = l;
    }
    return { map: { literals } };
  }
  return undefined;
}

/**
 * Plans the workflows of one compiled bundle, memoising each template.
 *
 * @example
 * ```ts
 * const plan = new Planner(compileBundle(wf)).workflow(rootId);
 * ```
 */
export class Planner {
  private readonly plans = new Map<string, WorkflowPlan>();
  private readonly templates = new Map<string, WorkflowTemplate>();
  private readonly tasks = new Map<string, PlannedTask>();
  /** Tasks by the identifier object of a node's reference: the nodes running one task share it. */
  private readonly tasksByRef = new Map<Identifier, PlannedTask>();
  private readonly taskTargets = new Map<PlannedTask, NodeTarget>();
  /**
   * The task reference and metadata of the last task node planned, and its target: consecutive nodes mostly run
   * one task, and in a local run's bundle they share one metadata object (`compileForLocalRun`).
   */
  private lastRef: Identifier | undefined = undefined;
  private lastMetadata: NodeMetadata | undefined = undefined;
  private lastTarget: NodeTarget | undefined = undefined;
  /** Where the binding being planned is, for messages: set before each is planned, read only when one is thrown. */
  private where: { workflow: string; what: string; node: string; name: string } = { workflow: "", what: "", node: "", name: "" };
  /** The list indices and map keys inside the binding being planned, for messages. */
  private readonly wherePath: (string | number)[] = [];

  constructor(readonly bundle: CompiledBundle) {
    for (const spec of bundle.workflows.values()) {
      for (const t of [spec.template, ...(spec.subWorkflows ?? [])]) if (t?.id) this.templates.set(idKey(t.id), t);
    }
  }

  /** The plan of a workflow by identifier. */
  workflow(id: Identifier): WorkflowPlan {
    const key = idKey(id);
    const known = this.plans.get(key);
    if (known) return known;
    const template = this.templates.get(key);
    if (!template) throw new CompileError(`the bundle has no workflow ${key}`);
    const plan = this.build(template);
    this.plans.set(key, plan);
    return plan;
  }

  /** The plan of a launch plan's workflow, with its defaults and fixed inputs as values. */
  launchPlan(id: Identifier): PlannedLaunchPlan {
    const spec: LaunchPlanSpec | undefined = this.bundle.launchPlans.get(idKey(id));
    if (!spec?.workflowId) throw new CompileError(`the bundle has no launch plan ${idKey(id)}`);
    const wfId = spec.workflowId;
    const defaults: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(spec.defaultInputs?.parameters ?? {})) {
      if (p.default && p.var?.type) defaults[name] = deepFreeze(fromLiteral(p.var.type, p.default));
    }
    const fixed: Record<string, unknown> = {};
    const plan = this.workflow(wfId);
    const inputTypes = plan.interface?.inputs?.variables ?? {};
    for (const [name, l] of Object.entries(spec.fixedInputs?.literals ?? {})) {
      const type = inputTypes[name]?.type;
      if (!type) throw new CompileError(`launch plan ${id.name ?? ""} fixes ${JSON.stringify(name)}, which its workflow does not declare`);
      fixed[name] = deepFreeze(fromLiteral(type, l));
    }
    return { label: `launch plan ${JSON.stringify(id.name ?? "")}`, plan: () => plan, defaults, fixed };
  }

  /** The plan of a task by identifier. */
  task(id: Identifier): PlannedTask {
    const key = idKey(id);
    const known = this.tasks.get(key);
    if (known) return known;
    const spec = this.bundle.tasks.get(key);
    const impl = this.bundle.implementations.get(key);
    if (!spec?.template || !impl) throw new CompileError(`the bundle has no task ${key}`);
    const planned = planTask(id, spec.template, impl);
    this.tasks.set(key, planned);
    return planned;
  }

  /** The binding being planned, for messages: `workflow "wf": input "x" of node n3[0]`. */
  private whereText(): string {
    const w = this.where;
    const path = this.wherePath.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
    if (w.what === "output") return `workflow ${JSON.stringify(w.workflow)}: output ${JSON.stringify(w.name)}${path}`;
    if (w.what === "input") return `workflow ${JSON.stringify(w.workflow)}: input ${JSON.stringify(w.name)} of node ${w.node}${path}`;
    return `workflow ${JSON.stringify(w.workflow)}: binding ${w.name} in node ${w.node}${path}`;
  }

  private setWhere(workflow: string, what: "input" | "binding" | "output", node: string, name: string): void {
    const w = this.where;
    w.workflow = workflow;
    w.what = what;
    w.node = node;
    w.name = name;
    // Setting an array's length is a call into the runtime, even to the length it has: once a binding, it showed in profiles.
    if (this.wherePath.length !== 0) this.wherePath.length = 0;
  }

  /** The node index a promise reads, or `FROM_INPUTS`. */
  private source(nodeId: string, index: NodeIndex): number {
    if (nodeId === "") return FROM_INPUTS;
    const i = index.get(nodeId);
    if (i === undefined) throw new CompileError(`${this.whereText()} is bound to unknown node ${JSON.stringify(nodeId)}`);
    return i;
  }

  /**
   * A getter for a binding that is not a plain promise (those are read as
   * data: `PlannedNode.inputFrom`). No closure made here captures the
   * planner or the index, so a plan keeps only what it reads.
   */
  private getter(b: BindingData, type: LiteralType | undefined, index: NodeIndex): Getter {
    if (b.promise) {
      const from = this.source(b.promise.nodeId ?? "", index);
      return readerOf(from, b.promise.var ?? "");
    }
    const literal = bindingToLiteral(b);
    if (literal) {
      if (!type) throw new CompileError(`${this.whereText()} has no type to read its constant with`);
      return constantGetter(deepFreeze(fromLiteral(type, literal)));
    }
    if (b.collection) {
      const items = b.collection.bindings ?? [];
      const elem = type?.collectionType;
      // A list of promises (a gather of many nodes' outputs) is read as data too.
      if (items.every((x) => x.promise !== undefined)) {
        const from = new Array<number>(items.length);
        const vars = new Array<string>(items.length);
        for (let i = 0; i < items.length; i++) {
          this.wherePath.push(i);
          from[i] = this.source(items[i]!.promise!.nodeId ?? "", index);
          vars[i] = items[i]!.promise!.var ?? "";
          this.wherePath.pop();
        }
        return listReader(from, vars);
      }
      const parts = new Array<Getter>(items.length);
      for (let i = 0; i < items.length; i++) {
        this.wherePath.push(i);
        parts[i] = this.getter(items[i]!, elem, index);
        this.wherePath.pop();
      }
      return listGetter(parts);
    }
    if (b.map) {
      const vt = type?.mapValueType;
      const keys = Object.keys(b.map.bindings ?? {});
      const parts = new Array<Getter>(keys.length);
      for (let i = 0; i < keys.length; i++) {
        this.wherePath.push(keys[i]!);
        parts[i] = this.getter(b.map.bindings![keys[i]!]!, vt, index);
        this.wherePath.pop();
      }
      return mapGetter(keys, parts);
    }
    throw new CompileError(`${this.whereText()} has an empty binding`);
  }

  /**
   * The target of a task node. Nodes without overrides of the task's policy
   * (retries, timeout, caching: most of them) share one target per task.
   */
  private taskNodeTarget(task: PlannedTask, metadata: NodeMetadata | undefined): NodeTarget {
    if (metadata?.retries !== undefined || metadata?.timeout !== undefined || metadata?.cacheable !== undefined) return taskTarget(task, metadata);
    let target = this.taskTargets.get(task);
    if (!target) {
      target = taskTarget(task, undefined);
      this.taskTargets.set(task, target);
    }
    return target;
  }

  /** The target of a spec node: what it runs. */
  target(node: Node): NodeTarget {
    const ref = node.taskNode?.referenceId;
    if (ref) {
      const metadata = node.metadata;
      if (ref === this.lastRef && metadata === this.lastMetadata && this.lastTarget !== undefined) return this.lastTarget;
      let task = this.tasksByRef.get(ref);
      if (!task) {
        task = this.task(ref);
        this.tasksByRef.set(ref, task);
      }
      const target = this.taskNodeTarget(task, metadata);
      this.lastRef = ref;
      this.lastMetadata = metadata;
      this.lastTarget = target;
      return target;
    }
    const wn = node.workflowNode;
    if (wn?.subWorkflowRef) {
      const ref = wn.subWorkflowRef;
      return subworkflowTarget(nodeLabel(node), () => this.workflow(ref));
    }
    if (wn?.launchplanRef) {
      const lp = this.launchPlan(wn.launchplanRef);
      return launchPlanTarget(nodeLabel(node), lp.plan, lp.defaults, lp.fixed);
    }
    if (node.gateNode) return gateTarget(node);
    if (node.branchNode) return branchTarget(node, (inner) => this.target(inner));
    if (node.arrayNode) return mapTarget(node, (id) => this.task(id));
    throw new CompileError(`node ${JSON.stringify(node.id ?? "")} has a kind of target the local runner does not run yet`);
  }

  /**
   * Plans node `i` into `out`: its target and metadata, and its inputs
   * appended to the input arrays. Returns the target.
   */
  private planNode(node: Node, i: number, index: NodeIndex, wfName: string, out: NodesDraft): NodeTarget {
    const target = this.target(node);
    const id = node.id ?? "";
    out.ids[i] = id;
    out.targets[i] = target;
    out.metadata[i] = node.metadata;
    const bindings = node.inputs ?? NO_BINDINGS;
    const inner = target.innerBindings ?? NO_INNER;
    const count = bindings.length + inner.length;
    const names = out.inputNames;
    const from = out.inputFrom;
    const vars = out.inputVars;
    const first = names.length;
    for (let k = 0; k < count; k++) {
      const own = k < bindings.length;
      const name = own ? (bindings[k]!.var ?? "") : inner[k - bindings.length]!.name;
      const b = own ? (bindings[k]!.binding ?? {}) : inner[k - bindings.length]!.binding;
      names.push(name);
      const promise = b.promise;
      if (promise) {
        const nodeId = promise.nodeId ?? "";
        let j = nodeId === "" ? FROM_INPUTS : index.get(nodeId);
        if (j === undefined) {
          this.setWhere(wfName, own ? "input" : "binding", id, name);
          j = this.source(nodeId, index);
        }
        from.push(j);
        vars.push(promise.var ?? "");
      } else {
        this.setWhere(wfName, own ? "input" : "binding", id, name);
        from.push(FROM_GETTER);
        vars.push("");
        (out.inputGetters ??= new Map()).set(first + k, this.getter(b, own ? target.inputTypes[name] : inner[k - bindings.length]!.type, index));
      }
    }
    out.inputStart[i + 1] = names.length;
    out.keepInputShape(names, first);
    return target;
  }

  private build(template: WorkflowTemplate): WorkflowPlan {
    const name = template.id?.name ?? "";
    const specNodes = template.nodes ?? [];
    const n = specNodes.length;
    const index = new NodeIndex(specNodes);
    const failureNode = template.failureNode;
    const count = n + (failureNode ? 1 : 0);
    const draft = new NodesDraft(count);
    const upstreamCount = new Int32Array(count);
    // The edges, upstream to downstream, as one array sorted by upstream node (counted, then placed).
    const roots: number[] = [];
    const downstreamStart = new Int32Array(n + 1);
    let edges = 0;
    for (let i = 0; i < n; i++) edges += specNodes[i]!.upstreamNodeIds?.length ?? 0;
    // The upstream node of each edge, in spec order, found while each node is planned (a node's upstream nodes are
    // mostly those its inputs read, just found); the fill below reads them again.
    const upstream = new Int32Array(edges);
    let e = 0;
    // An unknown upstream node is reported once every node's bindings were planned, as a separate pass would.
    let unknownUpstream: string | undefined;
    for (let i = 0; i < n; i++) {
      const node = specNodes[i]!;
      this.planNode(node, i, index, name, draft);
      const ups = node.upstreamNodeIds ?? NO_IDS;
      upstreamCount[i] = ups.length;
      if (ups.length === 0) roots.push(i);
      for (let k = 0; k < ups.length; k++) {
        const u = ups[k]!;
        const j = index.get(u);
        if (j === undefined) {
          unknownUpstream ??= `workflow ${JSON.stringify(name)}: node ${node.id ?? ""} depends on unknown node ${JSON.stringify(u)}`;
          e++;
          continue;
        }
        downstreamStart[j + 1]!++;
        upstream[e++] = j;
      }
    }
    if (unknownUpstream !== undefined) throw new CompileError(unknownUpstream);
    for (let j = 0; j < n; j++) downstreamStart[j + 1]! += downstreamStart[j]!;
    const downstream = new Int32Array(edges);
    const fill = downstreamStart.slice(0, n);
    e = 0;
    for (let i = 0; i < n; i++) {
      const c = upstreamCount[i]!;
      for (let k = 0; k < c; k++) downstream[fill[upstream[e++]!]!++] = i;
    }
    const outputTypes = template.interface?.outputs?.variables ?? {};
    const outputNames: string[] = [];
    const outputGetters: Getter[] = [];
    for (const b of template.outputs ?? []) {
      const out = b.var ?? "";
      outputNames.push(out);
      this.setWhere(name, "output", "", out);
      outputGetters.push(this.getter(b.binding ?? {}, outputTypes[out]?.type, index));
    }
    let failureAcceptsError = false;
    if (failureNode) {
      const target = this.planNode(failureNode, n, index, name, draft);
      upstreamCount[n] = failureNode.upstreamNodeIds?.length ?? 0;
      failureAcceptsError = failureNode.taskNode?.referenceId !== undefined && "err" in target.inputTypes;
    }
    return {
      name,
      interface: template.interface,
      inputs: variableChecks(template.interface?.inputs),
      size: n,
      nodes: {
        ids: draft.ids,
        targets: draft.targets,
        metadata: draft.metadata,
        upstreamCount,
        inputStart: draft.inputStart,
        inputNames: draft.inputNames,
        inputFrom: draft.inputFrom,
        inputVars: draft.inputVars,
        inputGetters: draft.inputGetters,
      },
      roots,
      downstreamStart,
      downstream,
      outputNames,
      outputGetters,
      outputs: variableChecks(template.interface?.outputs),
      failFast: failsFast(template),
      failureNode: failureNode ? n : -1,
      failureAcceptsError,
    };
  }
}

const NO_BINDINGS: NonNullable<Node["inputs"]> = [];
const NO_INNER: readonly InnerBinding[] = [];
const NO_IDS: readonly string[] = [];

/** The arrays of a plan's nodes while they are planned. */
class NodesDraft {
  readonly ids: string[];
  readonly targets: NodeTarget[];
  readonly metadata: (NodeMetadata | undefined)[];
  readonly inputStart: Int32Array;
  readonly inputNames: string[] = [];
  readonly inputFrom: number[] = [];
  readonly inputVars: string[] = [];
  inputGetters: Map<number, Getter> | undefined = undefined;
  /** The input names of the last node whose inputs record's shape was kept, from `lastStart` to `lastEnd`. */
  private lastStart = -1;
  private lastEnd = -1;

  constructor(count: number) {
    this.ids = new Array<string>(count);
    this.targets = new Array<NodeTarget>(count);
    this.metadata = new Array<NodeMetadata | undefined>(count);
    this.inputStart = new Int32Array(count + 1);
  }

  /**
   * Keeps the shape of the inputs records of a node whose input names are
   * `names[first..]` (`shapes.ts`), unless the node before bound the same
   * names: most nodes of a workflow running one task do.
   */
  keepInputShape(names: readonly string[], first: number): void {
    const end = names.length;
    const count = end - first;
    if (count === this.lastEnd - this.lastStart) {
      let same = true;
      for (let k = 0; k < count && same; k++) same = names[first + k] === names[this.lastStart + k];
      if (same) return;
    }
    this.lastStart = first;
    this.lastEnd = end;
    keepRecordShape(names.slice(first, end));
  }
}

/**
 * The positions of a workflow's nodes by id. The SDK names node `i`
 * `<prefix>n<i>`, so an id is first read as its trailing number and checked
 * against the node there; a Map of every id is built only for ids that are
 * not where their number says (specs written by other tools).
 */
export class NodeIndex {
  private byId: Map<string, number> | undefined;
  /** The last id found by its number, and its position: a node's upstream node is mostly the one its input just read. */
  private lastId = "";
  private lastPosition = -1;

  constructor(private readonly nodes: readonly Node[]) {}

  get(id: string): number | undefined {
    if (id === this.lastId && this.lastPosition >= 0) return this.lastPosition;
    const i = nodeIdNumber(id);
    if (i >= 0 && i < this.nodes.length && this.nodes[i]!.id === id) {
      this.lastId = id;
      this.lastPosition = i;
      return i;
    }
    if (!this.byId) {
      this.byId = new Map();
      for (let k = 0; k < this.nodes.length; k++) this.byId.set(this.nodes[k]!.id ?? "", k);
    }
    return this.byId.get(id);
  }
}

/** Reads output `name` of node `from`, or workflow input `name` (`FROM_INPUTS`). */
function readerOf(from: number, name: string): Getter {
  if (from === FROM_INPUTS) return (inputs) => inputs[name];
  return (_inputs, results) => results[from]![name];
}

function constantGetter(value: unknown): Getter {
  return () => value;
}

/** Reads a list of promises: item `i` is output `vars[i]` of node `from[i]` (or a workflow input). */
function listReader(from: readonly number[], vars: readonly string[]): Getter {
  return (inputs, results) => {
    const out = new Array<unknown>(from.length);
    for (let i = 0; i < from.length; i++) {
      const j = from[i]!;
      out[i] = j === FROM_INPUTS ? inputs[vars[i]!] : results[j]![vars[i]!];
    }
    return out;
  };
}

function listGetter(parts: readonly Getter[]): Getter {
  return (inputs, results) => parts.map((g) => g(inputs, results));
}

function mapGetter(keys: readonly string[], parts: readonly Getter[]): Getter {
  return (inputs, results) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) out[keys[i]!] = parts[i]!(inputs, results);
    return out;
  };
}

// A planner and its index are garbage once a workflow is planned: one sample of each keeps their shapes, and the
// optimized planner, across major GCs (shapes.ts).
keepShape(new Planner({ root: {}, tasks: new Map(), workflows: new Map(), launchPlans: new Map(), implementations: new Map() }));
keepShape(new NodeIndex([]));
keepShape(new NodesDraft(0));
