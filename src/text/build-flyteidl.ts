/**
 * flyteidl workflow templates to Aloft entities, built through the public
 * imperative builder (`new Workflow`, `addWorkflowInput`, `addEntity`,
 * `conditional`, `mapTask`, `LaunchPlan.create`) with the TypeScript tasks
 * bound by name. Everything flytekit writes is read as flytekit means it
 * (flytekit `core/workflow.py`, `core/condition.py`, `core/array_node_map_task.py`;
 * flytepropeller `pkg/compiler`):
 *
 * - a promise with node id `""` or `start-node` is a workflow input;
 * - nodes run in the order their bindings and `upstreamNodeIds` give;
 *   ordering-only edges become `runsBefore`;
 * - a branch node's condition operands name its own inputs (`.x`, `n0.o0`),
 *   which bind to the outer scope, as do its then-nodes (whose ids restart
 *   at `n0`); an absent operator is `EQ`, an absent conjunction `AND`;
 *   a then-node that is itself a branch becomes a subworkflow holding it;
 * - `error` of a branch (flytekit's `.fail(...)`) fails the run;
 * - old-style map tasks (`container_array`) name the mapped task in their
 *   container args (`task-module M task-name N`, the task `M.N`); ArrayNodes
 *   name it in their sub-node;
 * - `failureNode` becomes the failure handler.
 *
 * @module
 */
import type { BindingData, Binding, Literal, LiteralType, Primitive, Scalar } from "../idl/core.js";
import type { BooleanExpression, LaunchPlanSpec, Node, Operand, TaskTemplate, WorkflowTemplate } from "../idl/specs.js";
import { Workflow } from "../sdk/workflow-builder.js";
import { LaunchPlan } from "../sdk/launch-plan.js";
import { mapTask } from "../sdk/map-task.js";
import { Handle } from "../sdk/handle.js";
import type { Condition } from "../sdk/condition.js";
import type { NodeRef } from "../sdk/node-ref.js";
import type { OverridesOption } from "../sdk/overrides.js";
import { definitionOf, type EntityLike } from "../sdk/entity.js";
import type { OutputsSpec } from "../sdk/interface.js";
import type { AnyType } from "../types/type.js";
import { fromLiteral } from "../types/literal.js";
import { describeType } from "../types/describe.js";
import { SpecInvalidError, SpecUnsupportedError, asSpecError, type TextPosition } from "./errors.js";
import { compare } from "./compare.js";
import type { SpecSet } from "./read-specs.js";
import { interfaceFits, typeOfLiteral } from "./types.js";
import { hasListInterface } from "../rules/map-task.js";
import { DYNAMIC_TASK_TYPE, TASK_TYPE } from "../compiler/task.js";
import { mappedTaskName as mappedTaskOf } from "../rules/node-ids.js";

/** The TypeScript entities the specs' tasks are bound to, by task name. */
export type TaskBindings = ReadonlyMap<string, EntityLike>;

/** What a node's outputs are in its scope. */
type Outputs = Readonly<Record<string, Handle<unknown>>>;

/** Resolves promises (`nodeId`, `var`) to handles of the workflow being built. */
interface Scope {
  readonly wf: Workflow;
  readonly inputs: Readonly<Record<string, Handle<never>>>;
  readonly nodes: Map<string, Outputs>;
  /** Maps an outer promise to an input of a wrapper workflow (nested branches). */
  readonly remap?: (nodeId: string, v: string) => Handle<unknown> | undefined;
}

/** A node added to the builder: its outputs, and what orders it (its reference, or a gate's handle). */
interface Added {
  readonly outputs: Outputs;
  readonly like: NodeRef<OutputsSpec> | Handle<unknown>;
}

function added(ref: NodeRef<OutputsSpec>): Added {
  return { outputs: ref.outputs as Outputs, like: ref };
}

/** Makes `before` run before `after` (Flyte's ordering-only edge, `>>`). */
function order(before: Added["like"], after: Added["like"]): void {
  if (before instanceof Handle) {
    if (after instanceof Handle) before.runsBefore(after);
    else before.runsBefore({ id: after.id });
  }
  else before.runsBefore(after);
}

/** The workflow input id flytekit and flytepropeller use. */
const START = "start-node";
const END = "end-node";

/** Sorts `o0, o1, ..., o10` by number, other names alphabetically. */
export function outputOrder(a: string, b: string): number {
  const ma = /^o(\d+)$/.exec(a);
  const mb = /^o(\d+)$/.exec(b);
  if (ma && mb) return Number(ma[1]) - Number(mb[1]);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The name of the task a `container_array` map task maps: `task-module M task-name N` in its args is `M.N`. */
export function mappedTaskName(tpl: TaskTemplate): string | undefined {
  const args = tpl.container?.args ?? [];
  const mod = args[args.indexOf("task-module") + 1];
  const name = args[args.indexOf("task-name") + 1];
  if (!args.includes("task-name") || name === undefined) return undefined;
  return args.includes("task-module") && mod !== undefined ? `${mod}.${name}` : name;
}

/** The task types Aloft binds to TypeScript tasks: flytekit's that run your code, and Aloft's own (specs it compiled load back). */
const RUNNABLE_TYPES = new Set(["python-task", "container", "sidecar", "container_array", "dynamic", "python-dynamic", "array", TASK_TYPE, DYNAMIC_TASK_TYPE]);

/** One place a task is used. */
export interface TaskUse {
  /** The name a TypeScript task must have. */
  readonly task: string;
  /** The spec task that names it (for a map task, the `container_array` task). */
  readonly specTask: string;
  /** `workflow/node`. */
  readonly site: string;
  /** The file the workflow came from. */
  readonly at: TextPosition;
  /** How the spec task's interface relates to the TypeScript one. */
  readonly role: "task" | "mapped-list" | "mapped";
  /** For a map's list interface: the inputs given whole to every element. */
  readonly bound?: readonly string[];
}

/**
 * The task an ArrayNode's sub-node maps, by the task it references: a
 * flytekit `-arraynode` template names it in its container args (as a
 * `container_array` task does) and in its name
 * (`<module>.map_<function>_<md5>-arraynode`); any other task is itself.
 */
function arraySubTask(name: string, spec: TaskTemplate | undefined): string {
  return (spec && mappedTaskName(spec)) ?? mappedTaskOf(name);
}

function nodesIn(node: Node): Node[] {
  const out: Node[] = [node];
  const ie = node.branchNode?.ifElse;
  if (ie) {
    const inner = [ie.case?.thenNode, ...(ie.other ?? []).map((o) => o.thenNode), ie.elseNode].filter((n): n is Node => n !== undefined);
    for (const n of inner) out.push(...nodesIn(n));
  }
  return out;
}

/**
 * Every task the workflows use, with where: task nodes (also inside
 * branches and array nodes), failure nodes, and the tasks old-style map tasks map.
 *
 * @throws SpecUnsupportedError for a task of a type Aloft cannot run (raw-container, sensor, a plugin).
 */
export function taskUses(set: SpecSet): TaskUse[] {
  const uses: TaskUse[] = [];
  for (const [wfName, { value: tpl, at }] of set.workflows) {
    const all = [...(tpl.nodes ?? []), ...(tpl.failureNode ? [tpl.failureNode] : [])].flatMap(nodesIn);
    for (const node of all) {
      const array = node.arrayNode;
      const name = (array ? array.node : node)?.taskNode?.referenceId?.name;
      if (name === undefined) continue;
      const site = `${wfName}/${node.id ?? "?"}`;
      if (array) {
        const spec = set.tasks.get(name)?.value;
        // flytekit's ArrayNodeMapTask: the sub-node runs an -arraynode template with the map's list interface.
        uses.push({ task: arraySubTask(name, spec), specTask: name, site, at, role: hasListInterface(array) ? "mapped-list" : "task", bound: array.boundInputs ?? [] });
        continue;
      }
      const spec = set.tasks.get(name)?.value;
      const type = spec?.type ?? "python-task";
      if (!RUNNABLE_TYPES.has(type)) {
        const why =
          type === "raw-container"
            ? "which runs a container image, not code Aloft can bind"
            : /sensor/i.test(type)
              ? "a sensor, which waits on an outside system Aloft does not watch"
              : "a plugin of flytekit that runs only in Python";
        throw new SpecUnsupportedError(`task ${JSON.stringify(name)} (used by node ${site}) is of type ${JSON.stringify(type)}, ${why}; write the step as a TypeScript task and reference it from a python-task spec`, at);
      }
      if (type === "container_array" && spec) {
        const inner = mappedTaskName(spec);
        if (inner === undefined) throw new SpecInvalidError(`map task ${JSON.stringify(name)} (used by node ${site}) names no task in its container args (expected "task-module <module> task-name <name>")`, at);
        uses.push({ task: inner, specTask: name, site, at, role: "mapped-list" });
      } else {
        uses.push({ task: name, specTask: name, site, at, role: "task" });
      }
    }
  }
  return uses;
}

function failAt(at: TextPosition, site: string, e: unknown): never {
  return asSpecError(e, at, `${site}: `);
}

/** Builds the entities of a set of specs, each once. */
export class FlyteidlBuilder {
  private readonly workflows = new Map<string, Workflow>();
  private readonly plans = new Map<string, EntityLike>();
  private readonly building = new Set<string>();

  constructor(
    private readonly set: SpecSet,
    private readonly tasks: TaskBindings,
  ) {}

  /** The workflow of this name, built with its subworkflows. */
  workflow(name: string): Workflow {
    const done = this.workflows.get(name);
    if (done) return done;
    const found = this.set.workflows.get(name);
    if (!found) throw new SpecInvalidError(`workflow ${JSON.stringify(name)} is referenced but not in the specs (they hold: ${[...this.set.workflows.keys()].join(", ") || "none"})`);
    if (this.building.has(name)) throw new SpecInvalidError(`workflow ${JSON.stringify(name)} contains itself (through ${[...this.building].join(" -> ")})`, found.at);
    this.building.add(name);
    try {
      const wf = this.buildWorkflow(name, found.value, found.at);
      this.workflows.set(name, wf);
      return wf;
    } finally {
      this.building.delete(name);
    }
  }

  /** The launch plan of this name. */
  launchPlan(name: string): EntityLike {
    const done = this.plans.get(name);
    if (done) return done;
    const found = this.set.launchPlans.get(name);
    if (!found) throw new SpecInvalidError(`launch plan ${JSON.stringify(name)} is referenced but not in the specs (they hold: ${[...this.set.launchPlans.keys()].join(", ") || "none"})`);
    const lp = this.buildLaunchPlan(name, found.value, found.at);
    this.plans.set(name, lp);
    return lp;
  }

  private buildLaunchPlan(name: string, spec: LaunchPlanSpec, at: TextPosition): EntityLike {
    const wfName = spec.workflowId?.name ?? "";
    const wf = this.workflow(wfName);
    const inputs = definitionOf(wf)!.interface.inputs;
    const value = (k: string, lit: Literal, what: string): unknown => {
      const type = inputs[k];
      if (!type) throw new SpecInvalidError(`launch plan ${JSON.stringify(name)}: ${what} ${JSON.stringify(k)} is not an input of workflow ${JSON.stringify(wfName)}`, at);
      try {
        return fromLiteral(type.literalType, lit);
      } catch (e) {
        throw new SpecInvalidError(`launch plan ${JSON.stringify(name)}: ${what} ${JSON.stringify(k)} does not fit ${type.name}: ${(e as Error).message}`, at);
      }
    };
    const defaults: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(spec.defaultInputs?.parameters ?? {})) if (p.default !== undefined) defaults[k] = value(k, p.default, "default input");
    const fixed: Record<string, unknown> = {};
    for (const [k, lit] of Object.entries(spec.fixedInputs?.literals ?? {})) fixed[k] = value(k, lit, "fixed input");
    for (const k of Object.keys(fixed)) delete defaults[k];
    try {
      return LaunchPlan.create(name, wf, { defaultInputs: defaults, fixedInputs: fixed, ...(spec.maxParallelism ? { maxParallelism: spec.maxParallelism } : {}) }) as unknown as EntityLike;
    } catch (e) {
      return failAt(at, `launch plan ${JSON.stringify(name)}`, e);
    }
  }

  private task(name: string, site: string, at: TextPosition): EntityLike {
    const entity = this.tasks.get(name);
    if (!entity) throw new SpecInvalidError(`node ${site} runs task ${JSON.stringify(name)}, which no --tasks module exports`, at);
    return entity;
  }

  private buildWorkflow(name: string, tpl: WorkflowTemplate, at: TextPosition): Workflow {
    const wf = new Workflow({
      name,
      ...(tpl.metadata?.onFailure === "FAIL_AFTER_EXECUTABLE_NODES_COMPLETE" ? { failurePolicy: "failAfterExecutableNodesComplete" as const } : {}),
      ...(tpl.metadataDefaults?.interruptible ? { interruptible: true } : {}),
    });
    const nodes = (tpl.nodes ?? []).filter((n) => n.id !== START && n.id !== END);
    const inputTypes = this.workflowInputTypes(tpl, nodes);
    for (const k of Object.keys(inputTypes).sort()) wf.addWorkflowInput(k, inputTypes[k]!);
    const scope: Scope = { wf, inputs: wf.inputs, nodes: new Map() };
    const refs = new Map<string, Added>();
    for (const node of orderNodes(name, nodes, at)) {
      const site = `${name}/${node.id}`;
      try {
        const ref = this.addNode(scope, node, site, at);
        refs.set(node.id!, ref);
        scope.nodes.set(node.id!, ref.outputs);
      } catch (e) {
        failAt(at, `node ${site}`, e);
      }
    }
    for (const node of nodes) {
      const data = new Set(dataDeps(node));
      for (const up of node.upstreamNodeIds ?? []) {
        if (data.has(up) || up === START) continue;
        try {
          order(refs.get(up)!.like, refs.get(node.id!)!.like);
        } catch (e) {
          failAt(at, `node ${name}/${node.id}`, e);
        }
      }
    }
    const outputTypes = tpl.interface?.outputs?.variables ?? {};
    const outputs = [...(tpl.outputs ?? [])].sort((a, b) => outputOrder(a.var ?? "", b.var ?? ""));
    for (const b of outputs) {
      const v = b.var ?? "";
      const declared = outputTypes[v]?.type;
      try {
        const value = this.bindingValue(scope, b.binding ?? {}, declared ? typeOfLiteral(declared) : undefined, `${name} output ${v}`, at);
        if (value instanceof Handle) wf.addWorkflowOutput(v, value);
        else {
          if (!declared) throw new SpecInvalidError(`workflow ${JSON.stringify(name)}: output ${JSON.stringify(v)} is not in its interface`, at);
          wf.addWorkflowOutput(v, value, typeOfLiteral(declared));
        }
      } catch (e) {
        failAt(at, `workflow ${JSON.stringify(name)} output ${JSON.stringify(v)}`, e);
      }
    }
    if (tpl.failureNode) {
      const ref = tpl.failureNode.taskNode?.referenceId?.name;
      try {
        if (ref !== undefined) wf.addOnFailureHandler(this.task(ref, `${name}/${tpl.failureNode.id ?? "efn"}`, at));
        else if (tpl.failureNode.workflowNode?.subWorkflowRef?.name) wf.addOnFailureHandler(this.workflow(tpl.failureNode.workflowNode.subWorkflowRef.name));
        else throw new SpecUnsupportedError(`workflow ${JSON.stringify(name)}: its failure node runs neither a task nor a subworkflow`, at);
      } catch (e) {
        failAt(at, `the failure node of ${JSON.stringify(name)}`, e);
      }
    }
    return wf;
  }

  /**
   * The workflow's input types: those of its interface, except that an input
   * typed loosely (an untyped dict, a dataframe without columns) takes the
   * type of the TypeScript task input it feeds, so the builder's check passes.
   */
  private workflowInputTypes(tpl: WorkflowTemplate, nodes: readonly Node[]): Record<string, AnyType> {
    const out: Record<string, AnyType> = {};
    for (const [k, v] of Object.entries(tpl.interface?.inputs?.variables ?? {})) {
      const lt = v.type ?? {};
      let type = typeOfLiteral(lt);
      for (const node of nodes.flatMap(nodesIn)) {
        const taskName = node.taskNode?.referenceId?.name;
        const entity = taskName === undefined ? undefined : this.tasks.get(taskName);
        const def = entity ? definitionOf(entity) : undefined;
        if (!def) continue;
        for (const b of node.inputs ?? []) {
          const p = b.binding?.promise;
          const target = def.interface.inputs[b.var ?? ""];
          if (!p || !target || (p.nodeId ?? "") !== "" && p.nodeId !== START || p.var !== k) continue;
          if (!isExactlyCastable(lt, target.literalType) && interfaceFits(lt, target.literalType, "input")) type = target;
        }
      }
      out[k] = type;
    }
    return out;
  }

  private overrides(node: Node): OverridesOption {
    const m = node.metadata;
    const o: { retries?: number; timeout?: number; interruptible?: boolean } = {};
    if (m?.retries?.retries) o.retries = m.retries.retries;
    if (m?.timeout && (Number(m.timeout.seconds ?? 0) > 0 || (m.timeout.nanos ?? 0) > 0)) o.timeout = Number(m.timeout.seconds ?? 0) * 1000 + Math.round((m.timeout.nanos ?? 0) / 1e6);
    if (m?.interruptible === true) o.interruptible = true;
    return o;
  }

  private addNode(scope: Scope, node: Node, site: string, at: TextPosition): Added {
    const wf = scope.wf;
    if (node.branchNode) return added(this.addBranch(scope, node, site, at));
    if (node.gateNode) return this.addGate(scope, node, site, at);
    const { entity, kind } = this.entityOf(node, site, at);
    const bindings = this.bindingsFor(scope, node.inputs ?? [], entity, site, at);
    const ref = wf.addEntity(entity as Workflow, bindings);
    const o = this.overrides(node);
    if (Object.keys(o).length > 0 && (kind === "task" || kind === "map")) ref.withOverrides(o);
    else if (o.interruptible && kind !== "task") ref.withOverrides({ interruptible: true });
    return added(ref);
  }

  /** The entity a node runs (not branches and gates). */
  private entityOf(node: Node, site: string, at: TextPosition): { entity: EntityLike; kind: "task" | "map" | "workflow" | "launchPlan" } {
    if (node.taskNode) {
      const name = node.taskNode.referenceId?.name ?? "";
      const spec = this.set.tasks.get(name)?.value;
      if (spec?.type === "container_array") {
        const inner = this.task(mappedTaskName(spec) ?? "", site, at);
        const custom = spec.custom?.fields ?? {};
        const num = (k: string): number | undefined => {
          const v = custom[k];
          return v && "numberValue" in v ? v.numberValue : v && "stringValue" in v && !Number.isNaN(Number(v.stringValue)) ? Number(v.stringValue) : undefined;
        };
        const ratio = num("minSuccessRatio");
        const parallelism = num("parallelism");
        return {
          entity: mapTask(inner as never, { ...(ratio !== undefined && ratio < 1 ? { minSuccessRatio: ratio } : {}), ...(parallelism ? { concurrency: parallelism } : {}) }) as unknown as EntityLike,
          kind: "map",
        };
      }
      return { entity: this.task(name, site, at), kind: "task" };
    }
    if (node.arrayNode) {
      const sub = node.arrayNode.node;
      const name = sub?.taskNode?.referenceId?.name;
      if (name === undefined) throw new SpecUnsupportedError(`node ${site} is an array node over something other than a task; Aloft maps tasks`, at);
      const inner = this.task(arraySubTask(name, this.set.tasks.get(name)?.value), site, at);
      const a = node.arrayNode;
      const options = {
        ...(a.parallelism ? { concurrency: a.parallelism } : {}),
        ...(a.minSuccessRatio !== undefined && a.minSuccessRatio < 1 ? { minSuccessRatio: a.minSuccessRatio } : {}),
        ...((a.boundInputs ?? []).length > 0 ? { fixed: a.boundInputs } : {}),
      };
      return { entity: mapTask(inner as never, options as never) as unknown as EntityLike, kind: "map" };
    }
    if (node.workflowNode?.subWorkflowRef) return { entity: this.workflow(node.workflowNode.subWorkflowRef.name ?? ""), kind: "workflow" };
    if (node.workflowNode?.launchplanRef) return { entity: this.launchPlan(node.workflowNode.launchplanRef.name ?? ""), kind: "launchPlan" };
    throw new SpecUnsupportedError(`node ${site} runs nothing Aloft knows (no task, workflow, launch plan, branch, gate or array node)`, at);
  }

  private bindingsFor(scope: Scope, inputs: readonly Binding[], entity: EntityLike, site: string, at: TextPosition): Record<string, unknown> {
    const types = definitionOf(entity)!.interface.inputs;
    const out: Record<string, unknown> = {};
    for (const b of inputs) {
      const v = b.var ?? "";
      out[v] = this.bindingValue(scope, b.binding ?? {}, types[v], `${site} input ${v}`, at);
    }
    return out;
  }

  /** A binding as the builder takes it: a handle, a constant, or lists and records of them. */
  private bindingValue(scope: Scope, b: BindingData, type: AnyType | undefined, where: string, at: TextPosition): unknown {
    if (b.promise) return resolvePromise(scope, b.promise.nodeId ?? "", b.promise.var ?? "", where, at);
    if (b.collection) {
      const elem = type?.literalType.collectionType;
      return (b.collection.bindings ?? []).map((x, i) => this.bindingValue(scope, x, elem ? typeOfLiteral(elem) : undefined, `${where}[${i}]`, at));
    }
    if (b.map) {
      const vt = type?.literalType.mapValueType;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(b.map.bindings ?? {})) out[k] = this.bindingValue(scope, x, vt ? typeOfLiteral(vt) : undefined, `${where}[${JSON.stringify(k)}]`, at);
      return out;
    }
    if (b.scalar) return scalarValue(b.scalar, type, where, at);
    throw new SpecInvalidError(`${where}: the binding holds no value, promise, list or map`, at);
  }

  private addGate(scope: Scope, node: Node, site: string, at: TextPosition): Added {
    const g = node.gateNode!;
    const wf = scope.wf;
    if (g.sleep) {
      const d = g.sleep.duration ?? {};
      return added(wf.sleep(Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6)) as NodeRef<OutputsSpec>);
    }
    const gateRef = (h: Handle<unknown>, outVar: string): Added => ({ outputs: { [outVar]: h }, like: h });
    if (g.signal) {
      const h = wf.waitForInput(g.signal.signalId ?? "", typeOfLiteral(g.signal.type ?? {}));
      return gateRef(h, g.signal.outputVariableName || "o0");
    }
    if (g.approve) {
      const first = (node.inputs ?? [])[0];
      const value = first ? this.bindingValue(scope, first.binding ?? {}, undefined, `${site} input ${first.var ?? ""}`, at) : undefined;
      if (!(value instanceof Handle)) throw new SpecInvalidError(`node ${site}: an approve gate needs the value it approves bound as its input`, at);
      return gateRef(wf.approve(value, g.approve.signalId ?? ""), "o0");
    }
    throw new SpecUnsupportedError(`node ${site}: a gate node with no sleep, signal or approve`, at);
  }

  private addBranch(scope: Scope, node: Node, site: string, at: TextPosition): NodeRef<OutputsSpec> {
    const ie = node.branchNode?.ifElse;
    if (!ie?.case?.thenNode || !ie.case.condition) throw new SpecInvalidError(`node ${site}: a branch node needs a case with a condition and a then-node`, at);
    const operand = (o: Operand | undefined): unknown => this.operand(scope, node, o, site, at);
    const cond = (e: BooleanExpression | undefined): Condition => condition(e, operand, site, at);
    type Chain = { elif(c: Condition): { then(e: unknown, b?: unknown): Chain }; else(): { then(e: unknown, b?: unknown): unknown; fail(m: string): unknown } };
    const thenArgs = (n: Node): [unknown, Record<string, unknown>] => this.thenTarget(scope, n, `${site} (then-node ${n.id ?? "?"})`, at);
    const start = scope.wf.conditional(node.metadata?.name || node.id || "branch") as unknown as { if(c: Condition): { then(e: unknown, b?: unknown): Chain } };
    let chain = start.if(cond(ie.case.condition)).then(...thenArgs(ie.case.thenNode));
    for (const o of ie.other ?? []) {
      if (!o.thenNode || !o.condition) throw new SpecInvalidError(`node ${site}: an elif needs a condition and a then-node`, at);
      chain = chain.elif(cond(o.condition)).then(...thenArgs(o.thenNode));
    }
    if (ie.elseNode) return chain.else().then(...thenArgs(ie.elseNode)) as NodeRef<OutputsSpec>;
    const message = ie.error?.message || (ie.error ? `branch ${ie.error.failedNodeId ?? node.id ?? ""} failed` : undefined);
    if (message === undefined) throw new SpecInvalidError(`node ${site}: a branch node needs an else-node or an error`, at);
    return chain.else().fail(message) as NodeRef<OutputsSpec>;
  }

  /** What a then-node runs and its bindings; a nested branch runs as a subworkflow that holds it. */
  private thenTarget(scope: Scope, n: Node, site: string, at: TextPosition): [unknown, Record<string, unknown>] {
    if (!n.branchNode) {
      const { entity } = this.entityOf(n, site, at);
      return [entity, this.bindingsFor(scope, n.inputs ?? [], entity, site, at)];
    }
    const refs = promisesIn(n);
    const inner = new Workflow(`${scope.wf.name}.${site.split("/").pop()!.replace(/[^A-Za-z0-9_.-]/g, "_")}`);
    const bindings: Record<string, unknown> = {};
    const names = new Map<string, Handle<unknown>>();
    let i = 0;
    for (const { nodeId, v } of refs) {
      const key = `${nodeId}\u0000${v}`;
      if (names.has(key)) continue;
      const outer = resolvePromise(scope, nodeId, v, site, at);
      const inputName = `p${i++}`;
      names.set(key, inner.addWorkflowInput(inputName, outer.type));
      bindings[inputName] = outer;
    }
    const innerScope: Scope = { wf: inner, inputs: inner.inputs, nodes: new Map(), remap: (nodeId, v) => names.get(`${nodeId}\u0000${v}`) };
    const ref = this.addBranch(innerScope, n, site, at);
    for (const [k, h] of Object.entries(ref.outputs as Outputs)) inner.addWorkflowOutput(k, h);
    return [inner, bindings];
  }

  private operand(scope: Scope, node: Node, o: Operand | undefined, site: string, at: TextPosition): unknown {
    if (!o) throw new SpecInvalidError(`node ${site}: a comparison is missing an operand`, at);
    const p = (o as { primitive?: Primitive }).primitive ?? o.scalar?.primitive;
    if (p) return primitiveValue(p);
    if (o.scalar?.noneType) return null;
    if (o.var !== undefined) {
      const bound = (node.inputs ?? []).find((b) => b.var === o.var);
      if (bound?.binding?.promise) return resolvePromise(scope, bound.binding.promise.nodeId ?? "", bound.binding.promise.var ?? "", site, at);
      // flytekit names a branch input after its source: ".x" (workflow input x), "n0.o0" (output o0 of n0)
      const dot = o.var.lastIndexOf(".");
      if (dot >= 0) return resolvePromise(scope, o.var.slice(0, dot), o.var.slice(dot + 1), site, at);
      return resolvePromise(scope, "", o.var, site, at);
    }
    throw new SpecUnsupportedError(`node ${site}: a comparison operand of a kind Aloft does not compare`, at);
  }
}

function isExactlyCastable(a: LiteralType, b: LiteralType): boolean {
  return describeType(a) === describeType(b);
}

function resolvePromise(scope: Scope, nodeId: string, v: string, where: string, at: TextPosition): Handle<unknown> {
  const remapped = scope.remap?.(nodeId, v);
  if (remapped) return remapped;
  if (nodeId === "" || nodeId === START) {
    const h = Object.prototype.hasOwnProperty.call(scope.inputs, v) ? scope.inputs[v] : undefined;
    if (!h) throw new SpecInvalidError(`${where}: binds workflow input ${JSON.stringify(v)}, which workflow ${JSON.stringify(scope.wf.name)} does not declare (inputs: ${Object.keys(scope.inputs).join(", ") || "none"})`, at);
    return h;
  }
  const outs = scope.nodes.get(nodeId);
  if (!outs) throw new SpecInvalidError(`${where}: binds an output of node ${JSON.stringify(nodeId)}, which workflow ${JSON.stringify(scope.wf.name)} does not have before it`, at);
  const h = Object.prototype.hasOwnProperty.call(outs, v) ? outs[v] : undefined;
  if (!h) throw new SpecInvalidError(`${where}: binds output ${JSON.stringify(v)} of node ${nodeId}, which has ${Object.keys(outs).join(", ") || "no outputs"}`, at);
  return h;
}

function primitiveValue(p: Primitive): unknown {
  if (p.integer !== undefined) return Number(p.integer);
  if (p.floatValue !== undefined) return p.floatValue;
  if (p.stringValue !== undefined) return p.stringValue;
  if (p.boolean !== undefined) return p.boolean;
  if (p.datetime) return new Date(Number(p.datetime.seconds ?? 0) * 1000 + Math.round((p.datetime.nanos ?? 0) / 1e6));
  if (p.duration) return Number(p.duration.seconds ?? 0) * 1000 + Math.round((p.duration.nanos ?? 0) / 1e6);
  // protobuf leaves a zero value out: an empty primitive is 0, "" or false, which the spec cannot tell apart
  return 0;
}

function scalarValue(s: Scalar, type: AnyType | undefined, where: string, at: TextPosition): unknown {
  if (!type) {
    if (s.primitive) return primitiveValue(s.primitive);
    if (s.noneType) return null;
    throw new SpecInvalidError(`${where}: a constant whose type is not known here`, at);
  }
  try {
    return fromLiteral(type.literalType, { scalar: s });
  } catch (e) {
    throw new SpecInvalidError(`${where}: the constant does not fit ${type.name}: ${(e as Error).message}`, at);
  }
}

function condition(e: BooleanExpression | undefined, operand: (o: Operand | undefined) => unknown, site: string, at: TextPosition): Condition {
  if (!e) throw new SpecInvalidError(`node ${site}: a condition is empty`, at);
  if (e.conjunction) {
    const left = condition(e.conjunction.leftExpression, operand, site, at);
    const right = condition(e.conjunction.rightExpression, operand, site, at);
    return (e.conjunction.operator ?? "AND") === "OR" ? left.or(right) : left.and(right);
  }
  const c = e.comparison;
  if (!c) throw new SpecInvalidError(`node ${site}: a condition with neither a comparison nor a conjunction`, at);
  const made = compare(operand(c.leftValue), c.operator ?? "EQ", operand(c.rightValue));
  if (typeof made === "string") throw new SpecUnsupportedError(`node ${site}: ${made}`, at);
  return made;
}

/** Every (node id, var) a node's bindings promise, inside branches too. */
function promisesIn(node: Node): { nodeId: string; v: string }[] {
  const out: { nodeId: string; v: string }[] = [];
  const walk = (b: BindingData | undefined): void => {
    if (!b) return;
    if (b.promise) out.push({ nodeId: b.promise.nodeId ?? "", v: b.promise.var ?? "" });
    for (const x of b.collection?.bindings ?? []) walk(x);
    for (const x of Object.values(b.map?.bindings ?? {})) walk(x);
  };
  for (const n of nodesIn(node)) for (const b of n.inputs ?? []) walk(b.binding);
  return out;
}

/** The node ids a node's bindings depend on. */
function dataDeps(node: Node): string[] {
  return [...new Set(promisesIn(node).map((p) => p.nodeId).filter((id) => id !== "" && id !== START))];
}

/**
 * The nodes in an order where each comes after those it depends on (by
 * binding or by `upstreamNodeIds`), keeping the spec's order otherwise.
 *
 * @throws SpecInvalidError for a duplicate id, a dependency on a missing node, or a cycle.
 */
export function orderNodes(wfName: string, nodes: readonly Node[], at: TextPosition): Node[] {
  const byId = new Map<string, Node>();
  for (const n of nodes) {
    if (!n.id) throw new SpecInvalidError(`workflow ${JSON.stringify(wfName)} has a node without an id`, at);
    if (byId.has(n.id)) throw new SpecInvalidError(`workflow ${JSON.stringify(wfName)} has two nodes with id ${JSON.stringify(n.id)}`, at);
    byId.set(n.id, n);
  }
  const deps = new Map<string, string[]>();
  for (const n of nodes) {
    // inside a branch, then-node ids restart at n0: only the branch node's own bindings and the then-nodes' promises count
    const all = [...new Set([...dataDeps(n), ...(n.upstreamNodeIds ?? []).filter((u) => u !== START)])];
    for (const d of all) if (!byId.has(d)) throw new SpecInvalidError(`workflow ${JSON.stringify(wfName)}: node ${n.id} depends on node ${JSON.stringify(d)}, which does not exist`, at);
    deps.set(n.id!, all);
  }
  const out: Node[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]): void => {
    const s = state.get(id);
    if (s === "done") return;
    if (s === "visiting") throw new SpecInvalidError(`workflow ${JSON.stringify(wfName)} has a cycle: ${[...path.slice(path.indexOf(id)), id].join(" -> ")}`, at);
    state.set(id, "visiting");
    for (const d of deps.get(id) ?? []) visit(d, [...path, id]);
    state.set(id, "done");
    out.push(byId.get(id)!);
  };
  for (const n of nodes) visit(n.id!, []);
  return out;
}
