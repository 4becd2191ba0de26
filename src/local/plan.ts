/**
 * Execution plans: a compiled `WorkflowSpec` turned into arrays and closures
 * the local executor walks with little work per node. Built once per spec.
 *
 * @module
 */
import type { BindingData, Identifier, Literal, LiteralType } from "../idl/core.js";
import type { LaunchPlanSpec, Node, NodeMetadata, WorkflowTemplate } from "../idl/specs.js";
import { CompileError } from "../errors.js";
import { fromLiteral } from "../types/literal.js";
import { idKey } from "../compiler/identifiers.js";
import type { CompiledBundle } from "../compiler/compile.js";
import { variableChecks, type VariableCheck } from "../rules/values.js";
import { failsFast } from "../rules/failure.js";
import { nodeLabel } from "../rules/labels.js";
import type { NodeTarget } from "./target.js";
import { planTask, taskTarget, type PlannedTask } from "./targets/task.js";
import { launchPlanTarget, subworkflowTarget } from "./targets/workflow.js";
import { gateTarget } from "./targets/gate.js";
import { branchTarget } from "./targets/branch.js";
import { mapTarget } from "./targets/map.js";

/** Reads a value for a binding from the workflow inputs and the node results. */
export type Getter = (inputs: Readonly<Record<string, unknown>>, results: readonly (Record<string, unknown> | undefined)[]) => unknown;

/** A node of a plan. */
export interface PlannedNode {
  readonly index: number;
  readonly id: string;
  readonly target: NodeTarget;
  readonly metadata: NodeMetadata | undefined;
  readonly inputNames: readonly string[];
  readonly inputGetters: readonly Getter[];
  readonly upstreamCount: number;
  readonly downstream: number[];
  /** For a failure handler: whether it declares the `err` input. */
  readonly acceptsError: boolean;
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
  readonly template: WorkflowTemplate;
  readonly inputs: readonly VariableCheck[];
  readonly nodes: readonly PlannedNode[];
  readonly roots: readonly number[];
  readonly outputNames: readonly string[];
  readonly outputGetters: readonly Getter[];
  readonly outputs: readonly VariableCheck[];
  readonly failFast: boolean;
  readonly failureNode: PlannedNode | undefined;
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
  private readonly taskTargets = new Map<PlannedTask, NodeTarget>();

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
    const inputTypes = plan.template.interface?.inputs?.variables ?? {};
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

  /** `where` names the binding in messages; it is built only when one is thrown. */
  private getter(b: BindingData, type: LiteralType | undefined, index: ReadonlyMap<string, number>, where: () => string): Getter {
    if (b.promise) {
      const nodeId = b.promise.nodeId ?? "";
      const name = b.promise.var ?? "";
      if (nodeId === "") return (inputs) => inputs[name];
      const i = index.get(nodeId);
      if (i === undefined) throw new CompileError(`${where()} is bound to unknown node ${JSON.stringify(nodeId)}`);
      return (_inputs, results) => results[i]![name];
    }
    const literal = bindingToLiteral(b);
    if (literal) {
      if (!type) throw new CompileError(`${where()} has no type to read its constant with`);
      const value = deepFreeze(fromLiteral(type, literal));
      return () => value;
    }
    if (b.collection) {
      const elem = type?.collectionType;
      const parts = (b.collection.bindings ?? []).map((x, i) => this.getter(x, elem, index, () => `${where()}[${i}]`));
      return (inputs, results) => parts.map((g) => g(inputs, results));
    }
    if (b.map) {
      const vt = type?.mapValueType;
      const parts = Object.entries(b.map.bindings ?? {}).map(([k, x]) => [k, this.getter(x, vt, index, () => `${where()}.${k}`)] as const);
      return (inputs, results) => {
        const out: Record<string, unknown> = {};
        for (const [k, g] of parts) out[k] = g(inputs, results);
        return out;
      };
    }
    throw new CompileError(`${where()} has an empty binding`);
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
    if (node.taskNode?.referenceId) return this.taskNodeTarget(this.task(node.taskNode.referenceId), node.metadata);
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

  private plannedNode(node: Node, i: number, index: ReadonlyMap<string, number>, wfName: string): PlannedNode {
    const target = this.target(node);
    const types = target.inputTypes;
    const names: string[] = [];
    const getters: Getter[] = [];
    for (const b of node.inputs ?? []) {
      const name = b.var ?? "";
      names.push(name);
      getters.push(this.getter(b.binding ?? {}, types[name], index, () => `workflow ${JSON.stringify(wfName)}: input ${JSON.stringify(name)} of node ${node.id ?? ""}`));
    }
    for (const b of target.innerBindings ?? []) {
      names.push(b.name);
      getters.push(this.getter(b.binding, b.type, index, () => `workflow ${JSON.stringify(wfName)}: binding ${b.name} in node ${node.id ?? ""}`));
    }
    const acceptsError = node.taskNode?.referenceId !== undefined && "err" in types;
    return { index: i, id: node.id ?? "", target, metadata: node.metadata, inputNames: names, inputGetters: getters, upstreamCount: (node.upstreamNodeIds ?? []).length, downstream: [], acceptsError };
  }

  private build(template: WorkflowTemplate): WorkflowPlan {
    const name = template.id?.name ?? "";
    const specNodes = template.nodes ?? [];
    const index = new Map<string, number>();
    specNodes.forEach((n, i) => index.set(n.id ?? "", i));
    const nodes = specNodes.map((n, i) => this.plannedNode(n, i, index, name));
    const roots: number[] = [];
    specNodes.forEach((n, i) => {
      const ups = n.upstreamNodeIds ?? [];
      if (ups.length === 0) roots.push(i);
      for (const u of ups) {
        const j = index.get(u);
        if (j === undefined) throw new CompileError(`workflow ${JSON.stringify(name)}: node ${n.id ?? ""} depends on unknown node ${JSON.stringify(u)}`);
        nodes[j]!.downstream.push(i);
      }
    });
    const outputTypes = template.interface?.outputs?.variables ?? {};
    const outputNames: string[] = [];
    const outputGetters: Getter[] = [];
    for (const b of template.outputs ?? []) {
      const out = b.var ?? "";
      outputNames.push(out);
      outputGetters.push(this.getter(b.binding ?? {}, outputTypes[out]?.type, index, () => `workflow ${JSON.stringify(name)}: output ${JSON.stringify(out)}`));
    }
    return {
      name,
      template,
      inputs: variableChecks(template.interface?.inputs),
      nodes,
      roots,
      outputNames,
      outputGetters,
      outputs: variableChecks(template.interface?.outputs),
      failFast: failsFast(template),
      failureNode: template.failureNode ? this.plannedNode(template.failureNode, -1, index, name) : undefined,
    };
  }
}
