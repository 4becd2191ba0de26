/**
 * The compiler: SDK entities to flyteidl admin specs (`TaskSpec`,
 * `WorkflowSpec`, `LaunchPlanSpec`), the contract every runner reads.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Binding, Identifier, LiteralMap } from "../idl/core.js";
import type { LaunchPlanSpec, Node, NodeMetadata, Parameter, Schedule, TaskSpec, TaskTemplate, WorkflowSpec, WorkflowTemplate } from "../idl/specs.js";
import { CompileError, WorkflowNotReadyError } from "../errors.js";
import { toLiteral, protoDuration } from "../types/literal.js";
import { writeCanonicalJson } from "../types/canonical.js";
import { definitionOf, describeEntity, entityOrDefinition, type AnyEntity, type EntityDefinition, type LaunchPlanDefinition, type MapTaskDefinition, type TaskDefinition, type WorkflowDefinition } from "../sdk/entity.js";
import type { GraphNode } from "../sdk/graph.js";
import type { NodeOverrides } from "../sdk/overrides.js";
import { assertConditionalsComplete } from "../sdk/conditional.js";
import { acceptsNone, type OutputShape } from "../sdk/interface.js";
import type { Workflow } from "../sdk/workflow-builder.js";
import { compileBinding, compileInterface, literalToBindingData } from "./bindings.js";
import { DEFAULT_DOMAIN, DEFAULT_PROJECT, identifier, idKey, type CompileTarget } from "./identifiers.js";
import { taskTemplate, type ContainerOptions } from "./task.js";
import { applyOverrides, compileConstruct } from "./constructs.js";
import { arrayNodeOf, arrayNodeTaskName } from "./map-task.js";
import { assertFlyteAccepts } from "./flyte-checks.js";
import { taskCodeText } from "./code-digest.js";
import { keepShape } from "../shapes.js";

/**
 * The launch-plan label that asks the scheduler to run every missed tick (Flyte's schedule has no field for it).
 *
 * @example
 * ```ts
 * const catchUp = spec.labels?.values?.[MISSED_TICKS_LABEL] === "catchUp";
 * ```
 */
export const MISSED_TICKS_LABEL = "aloft.schedule.missed";

/**
 * Where to compile to; every field has a default.
 *
 * @example
 * ```ts
 * compile(wf, { project: "flytesnacks", domain: "development", version: "v1" });
 * ```
 */
export interface CompileOptions {
  /** Flyte project (default `"aloft"`). */
  readonly project?: string;
  /** Flyte domain (default `"development"`). */
  readonly domain?: string;
  /** Version of every entity compiled (default: a hash of the specs and the task code). */
  readonly version?: string;
  /**
   * The image of tasks that name none. With it, every task gets a container
   * that runs `aloft execute` (see `DEFAULT_IMAGE`); without it, only tasks
   * with an image or resources of their own do.
   */
  readonly image?: string;
  /** The module a task's container loads when the file that defines the task is unknown. */
  readonly module?: string;
}

/**
 * The values `flytectl register files` replaces with its own `--project`,
 * `--domain` and `--version` (flytectl `cmd/register/register_util.go`,
 * `hydrateIdentifier`), as `pyflyte package` writes them. Give them as
 * compile options to leave the choice to registration.
 *
 * @example
 * ```ts
 * compile(wf, { project: REGISTRATION_PLACEHOLDERS.project, domain: REGISTRATION_PLACEHOLDERS.domain });
 * ```
 */
export const REGISTRATION_PLACEHOLDERS = {
  project: "{{ registration.project }}",
  domain: "{{ registration.domain }}",
  version: "{{ registration.version }}",
} as const;

/**
 * Options of `compileBundle`: the target, and what else to compile.
 *
 * @example
 * ```ts
 * compileBundle(wf, { defaultLaunchPlans: true }).launchPlans.size; // 1: the workflow's default launch plan
 * ```
 */
export interface BundleOptions extends CompileOptions {
  /** Add a launch plan named after every workflow that has none, as `pyflyte package` does (default `false`). */
  readonly defaultLaunchPlans?: boolean;
}

/**
 * Everything an entity needs to run or register: its spec and every spec it references.
 *
 * @example
 * ```ts
 * const bundle: CompiledBundle = compileBundle(wf, { version: "v1" });
 * [...bundle.tasks.keys()]; // ["TASK:aloft/development/slope@v1", ...]
 * ```
 */
export interface CompiledBundle {
  /** The identifier of the entity compiled. */
  readonly root: Identifier;
  /** Task specs by `idKey`. */
  readonly tasks: ReadonlyMap<string, TaskSpec>;
  /** Workflow specs by `idKey` (the root's, and those of launch plans it calls). */
  readonly workflows: ReadonlyMap<string, WorkflowSpec>;
  /** Launch plan specs by `idKey`. */
  readonly launchPlans: ReadonlyMap<string, LaunchPlanSpec>;
  /** Task functions (and how they return outputs) by the `idKey` of their task. */
  readonly implementations: ReadonlyMap<string, TaskImplementation>;
}

/**
 * A task's code: its function, and how it returns its outputs; a dynamic task also builds its sub-graph.
 *
 * @example
 * ```ts
 * const impl: TaskImplementation = bundle.implementations.get(idKey(taskId))!;
 * await impl.fn({ x: [1, 2], y: [2, 4] }, ctx);
 * ```
 */
export interface TaskImplementation {
  readonly fn: TaskDefinition["fn"];
  readonly shape: OutputShape;
  /** Retry every error of the code, not only `RecoverableError`s and timeouts (the task's `retryAllErrors`). */
  readonly retryAllErrors: boolean;
  readonly dynamic?: TaskDefinition["dynamic"];
  /** The file that defines the task (found from the call stack), whose text a computed version hashes. */
  readonly source?: string | undefined;
  /**
   * Set when the function runs one element of a map task: the template is the
   * map's (its list interface, as flytekit's `-arraynode` templates), and the
   * inputs in `bound` are given whole to every element. Runners run an
   * element with `elementTemplate` (`rules/map-task.ts`).
   */
  readonly mapElement?: { readonly bound: readonly string[] };
}

/**
 * The admin spec `compile` returns for each kind of entity.
 *
 * @example
 * ```ts
 * type Spec = SpecOf<typeof slope>; // TaskSpec
 * ```
 */
export type SpecOf<E> = E extends { readonly kind: "task" } ? TaskSpec : E extends { readonly kind: "launchPlan" } ? LaunchPlanSpec : WorkflowSpec;

class Compiler {
  readonly tasks = new Map<string, TaskSpec>();
  readonly workflows = new Map<string, WorkflowSpec>();
  readonly launchPlans = new Map<string, LaunchPlanSpec>();
  readonly implementations = new Map<string, TaskImplementation>();
  /** Workflows built by dynamic tasks, which may have no nodes. */
  readonly dynamicBodies = new Set<WorkflowTemplate>();
  private readonly templates = new Map<unknown, { template: WorkflowTemplate; subs: Map<string, WorkflowTemplate> }>();
  private readonly inProgress = new Set<unknown>();
  private readonly owners = new Map<string, unknown>();
  private readonly taskIds = new Map<TaskDefinition, Identifier>();
  /** For `shareNodeParts`: the metadata and task reference of the task nodes of each task that set nothing of their own. */
  private readonly sharedParts = new Map<TaskDefinition, { metadata: NodeMetadata; taskNode: { referenceId: Identifier } }>();
  /** The task of the last task node compiled, its input names in binding order and its shared parts: consecutive nodes mostly run one task. */
  private lastTask: TaskDefinition | undefined = undefined;
  private lastTaskInputs: readonly string[] = [];
  private lastTaskParts: { metadata: NodeMetadata; taskNode: { referenceId: Identifier } } | undefined = undefined;

  /**
   * @param shareNodeParts Task nodes without overrides of one task share one `metadata` and one `taskNode`
   *   object (equal, so the specs serialize the same): for a local run, whose bundle is only read, and
   *   read once, on a first run, where a node's every object costs (`compileForLocalRun`).
   */
  constructor(
    readonly target: CompileTarget,
    readonly containers: ContainerOptions = {},
    private readonly shareNodeParts = false,
  ) {}

  /**
   * Re-keys the specs of a draft compiled with version `""` once its
   * identifiers were given `version`: every key then ends in `@` + `version`,
   * as if compiled with that version from the start.
   */
  rekey(version: string): void {
    for (const m of [this.tasks, this.workflows, this.launchPlans, this.implementations] as Map<string, unknown>[]) {
      const entries = [...m];
      m.clear();
      for (const [key, value] of entries) m.set(`${key}${version}`, value);
    }
  }

  /** Claims `key` for `owner`; two different entities of one kind and name cannot be compiled together. */
  private claim(id: Identifier, owner: unknown, def: EntityDefinition): boolean {
    const key = idKey(id);
    const existing = this.owners.get(key);
    if (existing === undefined) {
      this.owners.set(key, owner);
      return true;
    }
    if (existing === owner) return false;
    throw new CompileError(
      `two different ${def.kind === "launchPlan" ? "launch plans" : `${def.kind}s`} are named ${JSON.stringify(def.name)} in what is being compiled; rename one (names identify entities once registered)`,
    );
  }

  task(def: TaskDefinition): Identifier {
    const known = this.taskIds.get(def);
    if (known) return known;
    const id = identifier("TASK", def.name, this.target);
    if (this.claim(id, def, def)) {
      const template: TaskTemplate = taskTemplate(def, id, this.containers);
      const spec: TaskSpec = def.options.description ? { template, description: { shortDescription: def.options.description } } : { template };
      this.tasks.set(idKey(id), spec);
      const retryAllErrors = def.options.retryAllErrors;
      this.implementations.set(idKey(id), def.dynamic ? { fn: def.fn, shape: def.interface.shape, retryAllErrors, dynamic: def.dynamic, source: def.source } : { fn: def.fn, shape: def.interface.shape, retryAllErrors, source: def.source });
    }
    this.taskIds.set(def, id);
    return id;
  }

  /**
   * Registers the task template a map task's elements run, as flytekit's
   * `ArrayNodeMapTask` does (not the mapped task's own): named by
   * `arrayNodeTaskName`, with the map's list interface.
   */
  mapTask(def: MapTaskDefinition): Identifier {
    const id = identifier("TASK", arrayNodeTaskName(def), this.target);
    const task = def.task;
    // One task and one set of map settings make one name: maps of the same task with the same settings share it.
    if (this.claim(id, task, task)) {
      const template = taskTemplate(task, id, this.containers, { inputs: def.interface.inputs, outputs: def.interface.outputs, bound: def.fixed });
      this.tasks.set(idKey(id), task.options.description ? { template, description: { shortDescription: task.options.description } } : { template });
      this.implementations.set(idKey(id), { fn: task.fn, shape: task.interface.shape, retryAllErrors: task.options.retryAllErrors, mapElement: { bound: [...def.fixed] }, source: task.source });
    }
    return id;
  }

  workflowTemplate(def: WorkflowDefinition, subWorkflows: Map<string, WorkflowTemplate>): WorkflowTemplate {
    const cached = this.templates.get(def.graph);
    if (cached) {
      for (const [k, v] of cached.subs) subWorkflows.set(k, v);
      return cached.template;
    }
    if (this.inProgress.has(def.graph)) throw new CompileError(`workflow ${JSON.stringify(def.name)} contains itself through its subworkflows; a workflow cannot be its own subworkflow`);
    if (!def.ready()) throw new WorkflowNotReadyError(`workflow ${JSON.stringify(def.name)} is not ready to compile: it needs at least one node and every input bound`, { entity: def.name });
    this.inProgress.add(def.graph);
    const own = new Map<string, WorkflowTemplate>();
    assertConditionalsComplete(def.graph);
    const id = identifier("WORKFLOW", def.name, this.target);
    this.claim(id, def.graph, def);
    const g = def.graph;
    const nodes: Node[] = new Array<Node>(g.nodes.length);
    for (let i = 0; i < g.nodes.length; i++) nodes[i] = this.node(g.nodes[i]!, own);
    const outputs = [...g.outputs].map(([name, o]) => ({ var: name, binding: compileBinding(o.binding) }));
    const template: WorkflowTemplate = {
      id,
      metadata: def.failurePolicy === "failAfterExecutableNodesComplete" ? { onFailure: "FAIL_AFTER_EXECUTABLE_NODES_COMPLETE" } : {},
      interface: compileInterface(def.interface.inputs, def.interface.outputs),
      nodes,
    };
    if (outputs.length > 0) template.outputs = outputs;
    if (g.failureNode) template.failureNode = this.node(g.failureNode, own);
    if (def.dynamic === true) this.dynamicBodies.add(template);
    template.metadataDefaults = def.interruptible ? { interruptible: true } : {};
    this.templates.set(def.graph, { template, subs: own });
    this.inProgress.delete(def.graph);
    for (const [k, v] of own) subWorkflows.set(k, v);
    return template;
  }

  workflowSpec(def: WorkflowDefinition): WorkflowSpec {
    const subs = new Map<string, WorkflowTemplate>();
    const template = this.workflowTemplate(def, subs);
    const key = idKey(template.id ?? {});
    subs.delete(key);
    const spec: WorkflowSpec = subs.size > 0 ? { template, subWorkflows: [...subs.values()] } : { template };
    this.workflows.set(key, spec);
    return spec;
  }

  launchPlan(def: LaunchPlanDefinition): { id: Identifier; spec: LaunchPlanSpec } {
    const id = identifier("LAUNCH_PLAN", def.name, this.target);
    const wdef = definitionOf(def.workflow) as WorkflowDefinition;
    const workflowSpec = this.workflowSpec(wdef);
    const existing = this.launchPlans.get(idKey(id));
    if (!this.claim(id, def, def) && existing) return { id, spec: existing };
    const parameters: Record<string, Parameter> = {};
    for (const [name, type] of Object.entries(def.interface.inputs)) {
      const variable = { type: type.literalType, description: name };
      if (Object.prototype.hasOwnProperty.call(def.defaults, name)) parameters[name] = { var: variable, default: toLiteral(type.literalType, def.defaults[name]) };
      else if (def.interface.required.has(name)) parameters[name] = { var: variable, required: true };
      else parameters[name] = { var: variable, default: toLiteral(type.literalType, null) };
    }
    const fixed: LiteralMap = {};
    const fixedNames = Object.keys(def.fixed);
    if (fixedNames.length > 0) {
      fixed.literals = {};
      for (const name of fixedNames) fixed.literals[name] = toLiteral(wdef.interface.inputs[name]!.literalType, def.fixed[name]);
    }
    const spec: LaunchPlanSpec = {
      workflowId: workflowSpec.template?.id ?? {},
      entityMetadata: {},
      defaultInputs: Object.keys(parameters).length > 0 ? { parameters } : {},
      fixedInputs: fixed,
    };
    if (def.maxParallelism !== undefined) spec.maxParallelism = def.maxParallelism;
    if (def.schedule) {
      const s = def.schedule;
      const schedule: Schedule = "cron" in s ? { cronSchedule: { schedule: s.cron } } : { rate: { value: s.rate.value, unit: s.rate.unit === "minute" ? "MINUTE" : s.rate.unit === "hour" ? "HOUR" : "DAY" } };
      if (s.kickoffTimeInput !== undefined) schedule.kickoffTimeInputArg = s.kickoffTimeInput;
      spec.entityMetadata = { schedule };
      if (s.missed === "catchUp") spec.labels = { values: { [MISSED_TICKS_LABEL]: "catchUp" } };
    }
    this.launchPlans.set(idKey(id), spec);
    return { id, spec };
  }

  /**
   * Adds a launch plan named after every workflow compiled that has none of
   * that name, as `pyflyte package` writes one for each workflow (flytekit
   * `core/launch_plan.py`, `LaunchPlan.get_or_create`, `tools/translator.py`):
   * every input without a value is required, an optional one defaults to none.
   */
  defaultLaunchPlans(): void {
    for (const spec of [...this.workflows.values()]) {
      const template = spec.template;
      if (!template?.id) continue;
      const id = identifier("LAUNCH_PLAN", template.id.name ?? "", this.target);
      const key = idKey(id);
      if (this.owners.has(key)) continue;
      this.owners.set(key, template);
      const parameters: Record<string, Parameter> = {};
      for (const [name, variable] of Object.entries(template.interface?.inputs?.variables ?? {})) {
        const type = variable.type ?? {};
        const optional = (type.unionType?.variants ?? []).some((v) => v.simple === "NONE");
        parameters[name] = optional ? { var: { type, description: name }, default: toLiteral(type, null) } : { var: { type, description: name }, required: true };
      }
      this.launchPlans.set(key, { workflowId: template.id, entityMetadata: {}, defaultInputs: Object.keys(parameters).length > 0 ? { parameters } : {}, fixedInputs: {} });
    }
  }

  private node(n: GraphNode, subWorkflows: Map<string, WorkflowTemplate>): Node {
    const def = n.entity;
    if (def?.kind === "task") return this.taskNode(n, def);
    const node: Node = { id: n.id, metadata: { name: def?.name ?? n.label } };
    const bindings = nodeBindings(n);
    if (bindings.length > 0) node.inputs = bindings;
    if (n.upstream.length > 0) node.upstreamNodeIds = n.upstream.slice();
    if (def) this.entityTarget(node, def, subWorkflows);
    else if (n.construct) compileConstruct(node, n.construct, (inner) => this.node(inner, subWorkflows));
    applyOverrides(node, n.overrides);
    return node;
  }

  /**
   * A task node, the kind most nodes are: made as one object literal of its
   * final shape (the fields in the order `node` adds them), so that its
   * fields live in the object, not in a property array of their own.
   */
  private taskNode(n: GraphNode, def: TaskDefinition): Node {
    if (def !== this.lastTask) {
      this.lastTask = def;
      this.lastTaskInputs = sortedNames(def.interface.inputs);
      this.lastTaskParts = undefined;
    }
    const inputs = nodeBindings(n, this.lastTaskInputs);
    if (this.shareNodeParts && setsNothing(n.overrides)) return this.sharedTaskNode(n, def, inputs);
    const metadata = taskNodeMetadata(def);
    const taskNode = { referenceId: this.task(def) };
    const ups = n.upstream;
    let node: Node;
    if (inputs.length > 0) node = ups.length > 0 ? { id: n.id, metadata, inputs, upstreamNodeIds: ups.slice(), taskNode } : { id: n.id, metadata, inputs, taskNode };
    else node = ups.length > 0 ? { id: n.id, metadata, upstreamNodeIds: ups.slice(), taskNode } : { id: n.id, metadata, taskNode };
    applyOverrides(node, n.overrides);
    return node;
  }

  /** A task node without overrides whose metadata and task reference are those of the other nodes of its task. */
  private sharedTaskNode(n: GraphNode, def: TaskDefinition, inputs: Binding[]): Node {
    let parts = this.lastTaskParts ?? this.sharedParts.get(def);
    if (parts === undefined) {
      parts = { metadata: taskNodeMetadata(def), taskNode: { referenceId: this.task(def) } };
      this.sharedParts.set(def, parts);
    }
    this.lastTaskParts = parts;
    const { metadata, taskNode } = parts;
    const ups = n.upstream;
    if (inputs.length > 0) return ups.length > 0 ? { id: n.id, metadata, inputs, upstreamNodeIds: ups.slice(), taskNode } : { id: n.id, metadata, inputs, taskNode };
    return ups.length > 0 ? { id: n.id, metadata, upstreamNodeIds: ups.slice(), taskNode } : { id: n.id, metadata, taskNode };
  }

  /** Fills in what a node that runs a workflow, launch plan or map task runs (task nodes are made by `taskNode`). */
  private entityTarget(node: Node, def: Exclude<EntityDefinition, TaskDefinition>, subWorkflows: Map<string, WorkflowTemplate>): void {
    switch (def.kind) {
      case "workflow": {
        const template = this.workflowTemplate(def, subWorkflows);
        subWorkflows.set(idKey(template.id ?? {}), template);
        node.workflowNode = { subWorkflowRef: template.id ?? {} };
        return;
      }
      case "launchPlan":
        node.workflowNode = { launchplanRef: this.launchPlan(def).id };
        return;
      case "mapTask": {
        const id = this.mapTask(def);
        // The array node is named after the map's template, as flytekit's ArrayNodeMapTask.construct_node_metadata names it.
        node.metadata!.name = id.name ?? def.name;
        node.arrayNode = arrayNodeOf(def, id, node.inputs);
        return;
      }
    }
  }
}

/** The metadata of a node running task `def`, before the node's overrides: its name and the task's retries, timeout and interruptibility. */
function taskNodeMetadata(def: TaskDefinition): NodeMetadata {
  const metadata: NodeMetadata = { name: def.name };
  const o = def.options;
  if (o.retries > 0) metadata.retries = { retries: o.retries };
  if (o.timeoutMs !== undefined) metadata.timeout = protoDuration(o.timeoutMs);
  if (o.interruptible !== undefined) metadata.interruptible = o.interruptible;
  return metadata;
}

/** Whether `applyOverrides` would write nothing for these overrides (constructs.ts). */
function setsNothing(o: NodeOverrides): boolean {
  return o.name === undefined && o.retries === undefined && o.timeoutMs === undefined && o.interruptible === undefined && o.cache === undefined && o.resources === undefined;
}

/**
 * A node's bindings as flytekit writes them (`core/promise.py`,
 * `create_and_link_node`): sorted by variable name, and every input left
 * unbound that may be (an optional type, or a launch plan's default) bound to
 * its value: `none`, or the default. Propeller delivers a failure node's
 * error only into a bound `err` input (`controller/nodes/resolve.go`,
 * `ResolveErrorInputLiteralData`), so a failure handler's `err` is bound to
 * `none` here too.
 */
function nodeBindings(n: GraphNode, sorted?: readonly string[]): Binding[] {
  const def = n.entity;
  const names = sorted ?? (def && def.kind !== "mapTask" ? sortedNames(def.interface.inputs) : Object.keys(n.bindings).sort(codePointOrder));
  // Sized up front: the spec keeps this array, and a push onto an empty one reserves 17 slots.
  const out = new Array<Binding>(names.length);
  let k = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const b = n.bindings[name];
    if (b) out[k++] = { var: name, binding: compileBinding(b) };
    else if (def && def.kind !== "mapTask") {
      const type = def.interface.inputs[name]!;
      if (def.kind === "launchPlan" && Object.prototype.hasOwnProperty.call(def.defaults, name)) out[k++] = { var: name, binding: literalToBindingData(toLiteral(type.literalType, def.defaults[name])) };
      else if (acceptsNone(type)) out[k++] = { var: name, binding: literalToBindingData(toLiteral(type.literalType, null)) };
    }
  }
  // Setting the length is a call into the runtime, even to the length the array has: most nodes bind every input.
  if (k !== out.length) out.length = k;
  return out;
}

/** An entity's input names in binding order, sorted once per interface: nodes running one entity share them. */
const sortedInputNames = new WeakMap<object, readonly string[]>();

function sortedNames(inputs: object): readonly string[] {
  let names = sortedInputNames.get(inputs);
  if (names === undefined) {
    names = Object.keys(inputs).sort(codePointOrder);
    sortedInputNames.set(inputs, names);
  }
  return names;
}

/** Python's `sorted` order for strings (by code point), which flytekit sorts bindings in. */
function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkOption(value: unknown, name: "project" | "domain" | "version"): void {
  if (value === REGISTRATION_PLACEHOLDERS[name]) return;
  if (value !== undefined && (typeof value !== "string" || value === "" || /[\s/]/.test(value))) {
    throw new CompileError(`compile option ${name} must be a non-empty string without spaces or slashes, or REGISTRATION_PLACEHOLDERS.${name} (${JSON.stringify(REGISTRATION_PLACEHOLDERS[name])}), got ${JSON.stringify(value)}`);
  }
}

type RunResult = { compiler: Compiler; root: Identifier; spec: TaskSpec | WorkflowSpec | LaunchPlanSpec };

function run(def: EntityDefinition, target: CompileTarget, options: BundleOptions, shareNodeParts = false): RunResult {
  const result = runRoot(def, target, { image: options.image, module: options.module }, shareNodeParts);
  if (options.defaultLaunchPlans === true) result.compiler.defaultLaunchPlans();
  assertFlyteAccepts(result.compiler);
  return result;
}

function runRoot(def: EntityDefinition, target: CompileTarget, containers: ContainerOptions, shareNodeParts: boolean): RunResult {
  const c = new Compiler(target, containers, shareNodeParts);
  switch (def.kind) {
    case "task": {
      const id = c.task(def);
      return { compiler: c, root: id, spec: c.tasks.get(idKey(id))! };
    }
    case "workflow": {
      const spec = c.workflowSpec(def);
      return { compiler: c, root: spec.template!.id!, spec };
    }
    case "launchPlan": {
      const { id, spec } = c.launchPlan(def);
      return { compiler: c, root: id, spec };
    }
    case "mapTask": {
      // Alone, a map task compiles to a workflow of one array node (a map task registers no task of its own).
      const spec = c.workflowSpec(def.asWorkflow());
      return { compiler: c, root: spec.template!.id!, spec };
    }
  }
}

function resolveTarget(def: EntityDefinition, options: BundleOptions, shareNodeParts = false): { target: CompileTarget; result: RunResult } {
  checkOption(options.project, "project");
  checkOption(options.domain, "domain");
  checkOption(options.version, "version");
  for (const name of ["image", "module"] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== "string" || value.trim() === "")) throw new CompileError(`compile option ${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  const base = { project: options.project ?? DEFAULT_PROJECT, domain: options.domain ?? DEFAULT_DOMAIN };
  if (options.version !== undefined) {
    const target = { ...base, version: options.version };
    return { target, result: run(def, target, options, shareNodeParts) };
  }
  const issued: Identifier[] = [];
  const draft = run(def, { ...base, version: "", issued }, options, shareNodeParts);
  const hash = createHash("sha256");
  const c = draft.compiler;
  const update = (chunk: string) => hash.update(chunk);
  for (const m of [c.tasks, c.workflows, c.launchPlans]) {
    for (const [k, v] of [...m].sort(([a], [b]) => (a < b ? -1 : 1))) {
      hash.update(k);
      writeCanonicalJson(v, update);
    }
  }
  for (const [k, fn] of [...c.implementations].sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(k).update(taskCodeText(fn.fn, fn.source));
  const target = { ...base, version: hash.digest("hex").slice(0, 16) };
  // Compiling again with this version would build the same specs: give the draft's identifiers the version instead.
  for (const id of issued) id.version = target.version;
  c.rekey(target.version);
  return { target, result: draft };
}

function entityDefinition(entity: unknown, read: (value: unknown) => EntityDefinition | undefined = definitionOf): EntityDefinition {
  const def = read(entity);
  if (!def) throw new CompileError(`compile() takes a task, workflow or launch plan, got ${String(entity)}`);
  return def;
}

/**
 * Compiles an entity to its flyteidl admin spec: a `WorkflowSpec` (template
 * and every subworkflow template), a `TaskSpec` or a `LaunchPlanSpec`, as a
 * plain object in protobufjs form (`flyteidl.admin.WorkflowSpec.fromObject(spec)`).
 *
 * @example
 * ```ts
 * const spec = compile(wf, { project: "flytesnacks", domain: "development", version: "v1" });
 * spec.template.nodes[0].taskNode.referenceId.name; // "slope"
 * ```
 */
export function compile(entity: AnyEntity & { readonly kind: "task" }, options?: CompileOptions): TaskSpec;
export function compile(entity: AnyEntity & { readonly kind: "launchPlan" }, options?: CompileOptions): LaunchPlanSpec;
export function compile(entity: (AnyEntity & { readonly kind: "workflow" | "mapTask" }) | Workflow, options?: CompileOptions): WorkflowSpec;
export function compile(entity: AnyEntity | Workflow, options?: CompileOptions): WorkflowSpec | TaskSpec | LaunchPlanSpec;
export function compile(entity: AnyEntity | Workflow, options: CompileOptions = {}): WorkflowSpec | TaskSpec | LaunchPlanSpec {
  return resolveTarget(entityDefinition(entity), options).result.spec;
}

/**
 * Compiles an entity and everything it references: what a runner needs to
 * execute it, or a registry to register it.
 *
 * @example
 * ```ts
 * const bundle = compileBundle(regression, { version: "v1" });
 * bundle.workflows.get(idKey(bundle.root)); // the WorkflowSpec; bundle.tasks holds slope's and intercept's
 * ```
 */
export function compileBundle(entity: AnyEntity | Workflow | EntityDefinition, options: BundleOptions = {}): CompiledBundle {
  const { result } = resolveTarget(entityDefinition(entity, entityOrDefinition), options);
  const c = result.compiler;
  return { root: result.root, tasks: c.tasks, workflows: c.workflows, launchPlans: c.launchPlans, implementations: c.implementations };
}

/**
 * Compiles an entity for a local run: `compileBundle(def, { version })`, and
 * the specs serialize the same, but the task nodes of one task that set
 * nothing of their own share one `metadata` and one `taskNode` object. The
 * local runner only reads its bundle, once (it plans it and drops it), and on
 * a program's first run every object a node costs counts.
 *
 * @internal
 * @example
 * ```ts
 * const bundle = compileForLocalRun(definitionOf(wf)!, "local");
 * const plan = new Planner(bundle).workflow(bundle.root);
 * ```
 */
export function compileForLocalRun(def: EntityDefinition, version: string): CompiledBundle {
  const { result } = resolveTarget(def, { version }, true);
  const c = result.compiler;
  return { root: result.root, tasks: c.tasks, workflows: c.workflows, launchPlans: c.launchPlans, implementations: c.implementations };
}

/**
 * A readable one-liner naming an entity, for messages.
 *
 * @example
 * ```ts
 * entityLabel(slope); // 'task "slope"'
 * ```
 */
export function entityLabel(entity: unknown): string {
  const def = definitionOf(entity);
  return def ? describeEntity(def) : String(entity);
}

// A compiler is garbage once its bundle is made: one sample keeps its shape across major GCs (shapes.ts).
keepShape(new Compiler({ project: "", domain: "", version: "" }));
