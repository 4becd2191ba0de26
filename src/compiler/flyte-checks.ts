/**
 * The checks Flyte runs when specs are registered, run by Aloft's compiler so
 * that `compile()` and `aloft compile` fail where registration would:
 * flytepropeller's workflow compiler (`pkg/compiler/validators/*.go`: node
 * ids, bindings and their types, edges derived from bindings, branch
 * conditions, workflows with no nodes) and flyteadmin's validators
 * (`pkg/manager/impl/validation`: launch plan schedules, task resources).
 * Each problem carries Flyte's own error code (propeller's
 * `pkg/compiler/errors/compiler_errors.go`; flyteadmin answers
 * `InvalidArgument`).
 *
 * @module
 */
import type { BindingData, Identifier, LiteralType, Scalar, TypedInterface, Variable } from "../idl/core.js";
import type { BooleanExpression, LaunchPlanSpec, Node, Operand, TaskSpec, WorkflowSpec, WorkflowTemplate } from "../idl/specs.js";
import { CompileError } from "../errors.js";
import { isCastable } from "../types/castable.js";
import { describeType } from "../types/describe.js";
import { idKey } from "./identifiers.js";
import { parseQuantity } from "./quantity.js";
import { nodeIdNumber } from "../rules/node-ids.js";
import { keepShape } from "../shapes.js";

/**
 * The error codes of Flyte's registration checks that Aloft reports: those of
 * flytepropeller's compiler, and flyteadmin's `InvalidArgument`.
 *
 * @example
 * ```ts
 * const code: FlyteErrorCode = "NoNodesFound";
 * ```
 */
export type FlyteErrorCode =
  | "NoNodesFound"
  | "DuplicateId"
  | "ValueRequired"
  | "NodeReferenceNotFound"
  | "TaskReferenceNotFound"
  | "WorkflowReferenceNotFound"
  | "VariableNameNotFound"
  | "ParameterBoundMoreThanOnce"
  | "ParameterNotBound"
  | "MismatchingTypes"
  | "MismatchingBindings"
  | "IllegalEnumValue"
  | "InvalidArgument";

/**
 * One thing Flyte would refuse, and where.
 *
 * @example
 * ```ts
 * const p: FlyteProblem = { code: "NoNodesFound", entity: "WORKFLOW:p/d/wf@v1", message: "..." };
 * ```
 */
export interface FlyteProblem {
  readonly code: FlyteErrorCode;
  /** The entity refused (`idKey` form). */
  readonly entity: string;
  /** The node, when the problem is in one. */
  readonly node?: string;
  readonly message: string;
}

/**
 * Specs Flyte would refuse to register. `problems` lists each, with Flyte's
 * error code; `code` is the first one's.
 *
 * @example
 * ```ts
 * try {
 *   compile(wf);
 * } catch (e) {
 *   if (e instanceof FlyteValidationError) console.log(e.code, e.problems.length);
 * }
 * ```
 */
export class FlyteValidationError extends CompileError {
  override name = "FlyteValidationError";
  readonly code: FlyteErrorCode;
  readonly problems: readonly FlyteProblem[];
  constructor(problems: readonly FlyteProblem[]) {
    super(
      problems.length === 1
        ? `Flyte would refuse this: ${format(problems[0]!)}`
        : `Flyte would refuse this, for ${problems.length} reasons:\n${problems.map((p) => `  - ${format(p)}`).join("\n")}`,
    );
    this.code = problems[0]!.code;
    this.problems = problems;
  }
}

function format(p: FlyteProblem): string {
  return `[${p.code}] ${p.message}`;
}

/**
 * The specs to check: what `compileBundle` returns.
 *
 * @example
 * ```ts
 * const specs: CheckedSpecs = compileBundle(wf);
 * ```
 */
export interface CheckedSpecs {
  readonly tasks: ReadonlyMap<string, TaskSpec>;
  readonly workflows: ReadonlyMap<string, WorkflowSpec>;
  readonly launchPlans: ReadonlyMap<string, LaunchPlanSpec>;
  /** Workflows built by dynamic tasks: they may have no nodes (the task then returns its outputs). */
  readonly dynamicBodies?: ReadonlySet<WorkflowTemplate>;
}

type Vars = Readonly<Record<string, Variable>>;
interface NodeInterface {
  /** Expected inputs; undefined when they are whatever the node binds (branch and approve nodes). */
  readonly inputs: Vars | undefined;
  readonly outputs: Vars;
  /** True when the entity could not be found: what reads its outputs is not checked. */
  readonly unresolved?: boolean;
  /** `requiredInputs(inputs)`, when found once for the interface (the nodes running one task share it). */
  readonly required?: readonly string[];
}

const UNRESOLVED: NodeInterface = { inputs: undefined, outputs: {}, unresolved: true };
const NONE_INTERFACE: NodeInterface = { inputs: {}, outputs: {} };

class Checker {
  readonly problems: FlyteProblem[] = [];
  private entity = "";
  private templates = new Map<string, WorkflowTemplate>();
  /** The interfaces of the tasks nodes run, by the identifier object of their reference (the specs are not changed while checked). */
  private readonly taskInterfaces = new Map<Identifier, NodeInterface>();
  /** The last task reference looked up, and its interface: consecutive nodes mostly run one task. */
  private lastTaskRef: Identifier | undefined = undefined;
  private lastTaskInterface: NodeInterface = UNRESOLVED;

  constructor(private readonly specs: CheckedSpecs) {}

  private report(code: FlyteErrorCode, message: string, node?: string): void {
    this.problems.push(node === undefined ? { code, entity: this.entity, message } : { code, entity: this.entity, node, message });
  }

  workflow(key: string, spec: WorkflowSpec): void {
    this.templates = new Map();
    for (const t of [spec.template, ...(spec.subWorkflows ?? [])]) if (t?.id) this.templates.set(idKey(t.id), t);
    for (const t of this.templates.values()) this.template(t);
    this.entity = key;
  }

  private template(t: WorkflowTemplate): void {
    this.entity = idKey(t.id ?? {});
    const nodes = t.nodes ?? [];
    // compiler/workflow_compiler.go ValidateWorkflow: a workflow must have nodes.
    if (nodes.length === 0 && this.specs.dynamicBodies?.has(t) !== true) this.report("NoNodesFound", `workflow ${JSON.stringify(t.id?.name ?? "")} has no nodes; Flyte registers only workflows that run at least one node`);
    const scope = new Scope(t.interface?.inputs?.variables ?? NO_VARS, nodes);
    // The nodes, then the failure node: index `nodes.length` is the failure node, when there is one.
    const count = nodes.length + (t.failureNode ? 1 : 0);
    // Ids found by position are distinct (each names its own position): no duplicate to look for.
    for (let i = scope.addAllAt(); i < count; i++) {
      const id = (i < nodes.length ? nodes[i]! : t.failureNode!).id ?? "";
      if (scope.has(id)) this.report("DuplicateId", `node id ${JSON.stringify(id)} is used twice`, id);
      scope.add(id, i);
    }
    for (let i = 0; i < count; i++) {
      const n = i < nodes.length ? nodes[i]! : t.failureNode!;
      const id = n.id ?? "";
      const iface = this.node(n, scope, id);
      if (iface.unresolved !== true && !(i < nodes.length && scope.setOutputsAt(i, iface.outputs))) scope.setOutputs(id, i, iface.outputs);
    }
    for (const b of t.outputs ?? []) {
      const name = b.var ?? "";
      const want = t.interface?.outputs?.variables?.[name];
      if (!want) this.report("VariableNameNotFound", `the workflow binds output ${JSON.stringify(name)}, which its interface does not declare`);
      else this.binding(b.binding, want.type ?? {}, scope, "", "output", name);
    }
  }

  /**
   * Checks one node (a then-node's id is given as propeller makes it, `<branch>-<id>`); returns its interface.
   * Run on every node of every workflow compiled, local runs included: it allocates nothing unless it reports.
   */
  private node(n: Node, scope: Scope, id: string): NodeInterface {
    const iface = this.interfaceOf(n, scope, id);
    const expected = iface.inputs;
    const bindings = n.inputs ?? NO_BINDINGS;
    for (let i = 0; i < bindings.length; i++) {
      const b = bindings[i]!;
      const name = b.var ?? "";
      if (boundBefore(bindings, i, name)) {
        this.report("ParameterBoundMoreThanOnce", `input ${JSON.stringify(name)} is bound more than once`, id);
        continue;
      }
      const want = expected === undefined ? undefined : Object.prototype.hasOwnProperty.call(expected, name) ? expected[name] : undefined;
      if (expected !== undefined && !want) {
        this.report("VariableNameNotFound", `binds input ${JSON.stringify(name)}, which its entity does not declare`, id);
        continue;
      }
      if (!b.binding) {
        this.report("ValueRequired", `input ${JSON.stringify(name)} has no binding`, id);
        continue;
      }
      this.binding(b.binding, want?.type, scope, id, "input", name);
    }
    // validators/bindings.go ValidateBindings: every input not of an optional type must be bound.
    // (Indexed loops: a for-of makes an iterator and a result object a step until the code is optimized, which a first run's is not.)
    if (expected !== undefined) {
      const required = iface.required ?? requiredInputs(expected);
      for (let i = 0; i < required.length; i++) {
        const name = required[i]!;
        if (!boundBefore(bindings, bindings.length, name)) this.report("ParameterNotBound", `input ${JSON.stringify(name)} is not bound`, id);
      }
    }
    const ups = n.upstreamNodeIds ?? NO_IDS;
    for (let i = 0; i < ups.length; i++) {
      if (!scope.has(ups[i]!)) this.report("NodeReferenceNotFound", `depends on node ${JSON.stringify(ups[i]!)}, which is not in the workflow`, id);
    }
    return iface;
  }

  private interfaceOf(n: Node, scope: Scope, id: string): NodeInterface {
    if (n.taskNode) {
      const ref = n.taskNode.referenceId ?? {};
      if (ref === this.lastTaskRef) return this.lastTaskInterface;
      // Nodes running one task share its identifier object: look it up once, not once a node.
      const known = this.taskInterfaces.get(ref);
      if (known) {
        this.lastTaskRef = ref;
        this.lastTaskInterface = known;
        return known;
      }
      const task = this.specs.tasks.get(idKey(ref));
      if (!task) {
        this.report("TaskReferenceNotFound", `runs task ${idKey(ref)}, which is not among the specs`, id);
        return UNRESOLVED;
      }
      const vars = varsOf(task.template?.interface);
      const iface: NodeInterface = { inputs: vars.inputs, outputs: vars.outputs, required: requiredInputs(vars.inputs!) };
      this.taskInterfaces.set(ref, iface);
      this.lastTaskRef = ref;
      this.lastTaskInterface = iface;
      return iface;
    }
    if (n.workflowNode) {
      const w = n.workflowNode;
      if (w.subWorkflowRef) {
        const sub = this.templates.get(idKey(w.subWorkflowRef)) ?? this.specs.workflows.get(idKey(w.subWorkflowRef))?.template;
        if (!sub) {
          this.report("WorkflowReferenceNotFound", `runs subworkflow ${idKey(w.subWorkflowRef)}, which is not among the specs`, id);
          return UNRESOLVED;
        }
        return varsOf(sub.interface);
      }
      const lp = this.specs.launchPlans.get(idKey(w.launchplanRef ?? {}));
      if (!lp) return UNRESOLVED; // a launch plan registered elsewhere: admin resolves it
      const workflow = this.specs.workflows.get(idKey(lp.workflowId ?? {}))?.template;
      const inputs: Record<string, Variable> = {};
      for (const [name, p] of Object.entries(lp.defaultInputs?.parameters ?? {})) inputs[name] = p.required ? { ...p.var } : { type: optionalOf(p.var?.type ?? {}) };
      return { inputs, outputs: workflow?.interface?.outputs?.variables ?? {} };
    }
    if (n.arrayNode) {
      const sub = n.arrayNode.node;
      if (!sub) {
        this.report("ValueRequired", "is an array node without a node to run", id);
        return NONE_INTERFACE;
      }
      // validators/interface.go: the array node's interface is its sub-node's, which flytekit writes as the map's list interface
      // (the -arraynode template); the mapped task's own interface there fails the bindings (MismatchingBindings).
      return this.interfaceOf(sub, scope, id);
    }
    if (n.gateNode) {
      const g = n.gateNode;
      if (g.signal) return { inputs: {}, outputs: { [g.signal.outputVariableName ?? "o0"]: { type: g.signal.type ?? {} } } };
      if (g.approve) return { inputs: undefined, outputs: Object.fromEntries((n.inputs ?? []).map((b) => [b.var ?? "", { type: this.typeOf(b.binding, scope) ?? {} }])) };
      return NONE_INTERFACE;
    }
    if (n.branchNode) return this.branch(n, scope, id);
    this.report("ValueRequired", "has no target (task, workflow, branch, gate or array node)", id);
    return NONE_INTERFACE;
  }

  /** validators/branch.go: then-nodes get ids `<branch>-<id>`, share outputs; conditions read the branch's inputs. */
  private branch(n: Node, scope: Scope, id: string): NodeInterface {
    const ie = n.branchNode?.ifElse;
    if (!ie?.case?.thenNode) {
      this.report("ValueRequired", "is a branch node without a first case and its then-node (Branch.IfElse.Case.ThenNode)", id);
      return { inputs: undefined, outputs: {} };
    }
    if (!ie.elseNode && !ie.error) this.report("ValueRequired", "is a branch node with neither an else node nor an error (BranchNodeHasNoDefault)", id);
    const inputs = new Map((n.inputs ?? []).map((b) => [b.var ?? "", this.typeOf(b.binding, scope)]));
    let outputs: Vars | undefined;
    const blocks = [ie.case, ...(ie.other ?? [])];
    for (const block of blocks) this.condition(block.condition, inputs, id);
    for (const inner of [...blocks.map((b) => b.thenNode), ie.elseNode]) {
      if (!inner) continue;
      const innerId = `${id}-${inner.id ?? ""}`;
      if (scope.has(innerId)) this.report("DuplicateId", `node id ${JSON.stringify(innerId)} is used twice`, innerId);
      scope.add(innerId, -1);
      const iface = this.node(inner, scope, innerId);
      if (!outputs) outputs = iface.outputs;
      else outputs = Object.fromEntries(Object.entries(outputs).filter(([k]) => k in iface.outputs));
    }
    return { inputs: undefined, outputs: outputs ?? {} };
  }

  /** validators/condition.go: operands are `primitive` constants or the branch node's inputs, compared at one type. */
  private condition(e: BooleanExpression | undefined, inputs: ReadonlyMap<string, LiteralType | undefined>, id: string): void {
    if (!e) return this.report("ValueRequired", "has a case without a condition (BranchNodeHasNoCondition)", id);
    if (e.conjunction) {
      this.condition(e.conjunction.leftExpression, inputs, id);
      this.condition(e.conjunction.rightExpression, inputs, id);
      return;
    }
    if (!e.comparison) return this.report("ValueRequired", "has a condition that is neither a comparison nor a conjunction (Expr)", id);
    const left = this.operand(e.comparison.leftValue, inputs, id, "LeftValue");
    const right = this.operand(e.comparison.rightValue, inputs, id, "RightValue");
    if (left && right && !comparable(left, right)) this.report("MismatchingTypes", `a condition compares a ${describeType(left)} with a ${describeType(right)}`, id);
  }

  private operand(o: (Operand & { primitive?: Scalar["primitive"] }) | undefined, inputs: ReadonlyMap<string, LiteralType | undefined>, id: string, side: string): LiteralType | undefined {
    if (o?.primitive) return primitiveType(o.primitive);
    if (o?.var !== undefined && o.var !== "") {
      if (!inputs.has(o.var)) this.report("VariableNameNotFound", `a condition reads ${JSON.stringify(o.var)}, which is not an input of the branch node`, id);
      return inputs.get(o.var);
    }
    // flytekit writes a comparison with None (is_none()) as a scalar operand; the comparison is typed by its other side.
    // Beyond propeller 1.16, which reads only primitive and var operands: Aloft's runners evaluate it.
    if (o?.scalar?.noneType) return undefined;
    if (o?.scalar) {
      this.report("ValueRequired", `a condition has a ${side} constant written as a scalar; flytepropeller reads constants only as primitive operands, as flytekit writes them (${side}.Val)`, id);
      return undefined;
    }
    this.report("ValueRequired", `a condition has a ${side} with no value (${side}.Val)`, id);
    return undefined;
  }

  /** The type a binding produces; reports references that do not resolve. */
  private typeOf(b: BindingData | undefined, scope: Scope): LiteralType | undefined {
    if (!b) return undefined;
    if (b.promise) {
      const nodeId = b.promise.nodeId ?? "";
      const name = b.promise.var ?? "";
      const vars = nodeId === "" ? scope.inputs : scope.outputsOf(nodeId);
      return vars?.[name]?.type;
    }
    if (b.scalar) return scalarType(b.scalar);
    if (b.collection) {
      const first = b.collection.bindings?.[0];
      const elem = first ? this.typeOf(first, scope) : undefined;
      return elem ? { collectionType: elem } : undefined;
    }
    if (b.map) {
      const first = Object.values(b.map.bindings ?? {})[0];
      const value = first ? this.typeOf(first, scope) : undefined;
      return value ? { mapValueType: value } : undefined;
    }
    return undefined;
  }

  /** validators/bindings.go validateBinding: promises resolve to a known output of the right type; constants fit. */
  private binding(b: BindingData | undefined, want: LiteralType | undefined, scope: Scope, id: string, side: "input" | "output", variable: string): void {
    if (!b) return;
    if (b.promise) {
      const nodeId = b.promise.nodeId ?? "";
      const name = b.promise.var ?? "";
      const vars = nodeId === "" ? scope.inputs : scope.outputsOf(nodeId);
      if (nodeId !== "" && !scope.has(nodeId)) return this.report("NodeReferenceNotFound", `${bound(side, variable)} reads node ${JSON.stringify(nodeId)}, which is not in the workflow`, id);
      if (!vars || !vars[name]) {
        const owner = nodeId === "" ? "the workflow's inputs" : `the outputs of node ${JSON.stringify(nodeId)}`;
        // Outputs of nodes checked later (a failure node's inputs, or a forward reference) are not known yet.
        if (nodeId === "" || scope.outputsOf(nodeId) !== undefined) this.report("VariableNameNotFound", `${bound(side, variable)} reads ${JSON.stringify(name)}, which is not among ${owner}`, id);
        return;
      }
      const from = vars[name]!.type ?? {};
      if (want && !isCastable(from, want)) this.report("MismatchingTypes", `${bound(side, variable)} expects a ${describeType(want)} but is bound to a ${describeType(from)} (${nodeId === "" ? "workflow input" : `output of ${nodeId}`} ${JSON.stringify(name)})`, id);
      return;
    }
    if (want?.unionType && !b.scalar) {
      // A list or map bound to a union: it must fit one of the variants.
      const fits = (want.unionType.variants ?? []).filter((v) => (b.collection ? v.collectionType : b.map ? v.mapValueType : undefined) !== undefined);
      if (fits.length === 0) this.report("MismatchingBindings", `${bound(side, variable)} expects a ${describeType(want)} but is bound to a ${b.collection ? "list" : "map"}`, id);
      else this.binding(b, fits[0], scope, id, side, variable);
      return;
    }
    // validators/bindings.go: a list or map bound where the type is neither is MismatchingBindings.
    if (b.collection) {
      if (want && !want.collectionType) return this.report("MismatchingBindings", `${bound(side, variable)} expects a ${describeType(want)} but is bound to a list`, id);
      const items = b.collection.bindings ?? [];
      for (let i = 0; i < items.length; i++) this.binding(items[i], want?.collectionType, scope, id, side, variable);
      return;
    }
    if (b.map) {
      if (want && !want.mapValueType) return this.report("MismatchingBindings", `${bound(side, variable)} expects a ${describeType(want)} but is bound to a map`, id);
      for (const item of Object.values(b.map.bindings ?? {})) this.binding(item, want?.mapValueType, scope, id, side, variable);
      return;
    }
    if (b.scalar && want) {
      const given = scalarType(b.scalar);
      // validators/typing.go trivialChecker: a string constant fits an enum (its value is checked below).
      const enumFromString = want.enumType !== undefined && given?.simple === "STRING";
      if (given && !enumFromString && !isCastable(given, want)) this.report("MismatchingTypes", `${bound(side, variable)} expects a ${describeType(want)} but is bound to a ${describeType(given)} constant`, id);
      if (want.enumType) {
        const v = b.scalar.primitive?.stringValue ?? "";
        if (!(want.enumType.values ?? []).includes(v)) this.report("IllegalEnumValue", `${bound(side, variable)} is bound to ${JSON.stringify(v)}, which is not one of ${(want.enumType.values ?? []).join(", ")}`, id);
      }
    }
  }

  /** flyteadmin launch_plan_validator.go validateSchedule. */
  launchPlan(key: string, lp: LaunchPlanSpec): void {
    this.entity = key;
    const schedule = lp.entityMetadata?.schedule;
    if (!schedule) return;
    const params = lp.defaultInputs?.parameters ?? {};
    const kickoff = schedule.kickoffTimeInputArg ?? "";
    for (const [name, p] of Object.entries(params)) {
      if (p.required && name !== kickoff) this.report("InvalidArgument", `cannot create a launch plan with a schedule if there is an unbound required input: ${JSON.stringify(name)} is required; give it a default or a fixed value`);
    }
    if (kickoff !== "") {
      const p = params[kickoff];
      if (!p) this.report("InvalidArgument", `the schedule's kickoff time input ${JSON.stringify(kickoff)} is not a free input of the launch plan`);
      else if (p.var?.type?.simple !== "DATETIME") this.report("InvalidArgument", `the schedule's kickoff time input ${JSON.stringify(kickoff)} must be a datetime, not a ${describeType(p.var?.type ?? {})}`);
    }
    const cron = schedule.cronSchedule?.schedule;
    if (cron !== undefined && !isStandardCron(cron)) {
      this.report("InvalidArgument", `invalid cron expression ${JSON.stringify(cron)}: Flyte takes five fields (minute hour day-of-month month day-of-week) or a descriptor such as @hourly`);
    }
  }

  /** flyteadmin task_validator.go validateTaskResources: parseable quantities, whole GPUs, requests within limits. */
  task(key: string, spec: TaskSpec): void {
    this.entity = key;
    const resources = spec.template?.container?.resources;
    if (!resources) return;
    const read = (entries: typeof resources.requests, side: string): Map<string, number> => {
      const out = new Map<string, number>();
      for (const e of entries ?? []) {
        const q = parseQuantity(e.value ?? "");
        if (q === undefined) this.report("InvalidArgument", `${side} ${e.name ?? ""} ${JSON.stringify(e.value ?? "")} is not a Kubernetes quantity (like "500m", "2", "4Gi")`);
        else out.set(e.name ?? "", q);
      }
      return out;
    };
    const requests = read(resources.requests, "requested");
    const limits = read(resources.limits, "limit of");
    for (const gpu of [requests.get("GPU"), limits.get("GPU")]) {
      if (gpu !== undefined && !Number.isInteger(gpu)) this.report("InvalidArgument", `gpu must be a whole number, got ${gpu}`);
    }
    for (const name of ["CPU", "MEMORY", "EPHEMERAL_STORAGE"]) {
      const r = requests.get(name);
      const l = limits.get(name);
      if (r !== undefined && l !== undefined && l < r) this.report("InvalidArgument", `requested ${name} (${r}) is greater than its limit (${l})`);
    }
  }
}

/**
 * The node ids of a workflow being checked, and the outputs of those checked
 * so far. When every node's id ends with its position (`n0`, `n1`, ... as
 * the SDK writes them) the workflow's own nodes are found by that number, in
 * arrays; other ids (a failure node's `efn`, then-nodes `n3-n0`, specs
 * written by other tools) are kept in a set and a map. Either way it answers
 * as one set of ids and one map of outputs (the last set for an id wins).
 */
class Scope {
  private readonly byPosition: boolean;
  private readonly known: Uint8Array;
  private readonly outputs: (Vars | undefined)[];
  private readonly otherIds = new Set<string>();
  private readonly otherOutputs = new Map<string, Vars>();

  constructor(
    readonly inputs: Vars,
    private readonly nodes: readonly Node[],
  ) {
    let byPosition = true;
    for (let i = 0; i < nodes.length && byPosition; i++) byPosition = nodeIdNumber(nodes[i]!.id ?? "") === i;
    this.byPosition = byPosition;
    this.known = new Uint8Array(byPosition ? nodes.length : 0);
    this.outputs = byPosition ? new Array<Vars | undefined>(nodes.length) : [];
  }

  /** The last id `position` was asked about, and its answer: a binding's node is asked about two or three times in a row. */
  private lastId: string | undefined = undefined;
  private lastPosition = -1;

  /** The position of the workflow node with this id, when found by its number; else -1. */
  private position(id: string): number {
    if (!this.byPosition) return -1;
    if (id === this.lastId) return this.lastPosition;
    const i = nodeIdNumber(id);
    const at = i >= 0 && i < this.nodes.length && this.nodes[i]!.id === id ? i : -1;
    this.lastId = id;
    this.lastPosition = at;
    return at;
  }

  /**
   * Adds the ids of every workflow node when ids are found by position, and
   * returns how many it added: all of them, or none.
   */
  addAllAt(): number {
    if (!this.byPosition) return 0;
    this.known.fill(1);
    return this.nodes.length;
  }

  /** Sets the outputs of the workflow node at position `at` when ids are found by position (then true). */
  setOutputsAt(at: number, vars: Vars): boolean {
    if (!this.byPosition) return false;
    this.outputs[at] = vars;
    return true;
  }

  has(id: string): boolean {
    const i = this.position(id);
    return (i >= 0 && this.known[i] === 1) || (this.otherIds.size > 0 && this.otherIds.has(id));
  }

  /** Adds the id of the node at position `at` (-1 for a node nested in another). */
  add(id: string, at: number): void {
    if (at >= 0 && this.position(id) === at) this.known[at] = 1;
    else this.otherIds.add(id);
  }

  setOutputs(id: string, at: number, vars: Vars): void {
    if (at >= 0 && this.position(id) === at) this.outputs[at] = vars;
    else this.otherOutputs.set(id, vars);
  }

  /** The outputs of the node with this id, once it was checked. */
  outputsOf(id: string): Vars | undefined {
    // Outputs set under another position (a failure node reusing a node's id) were set last: they win.
    if (this.otherOutputs.size > 0) {
      const other = this.otherOutputs.get(id);
      if (other !== undefined) return other;
    }
    const i = this.position(id);
    return i >= 0 ? this.outputs[i] : undefined;
  }
}

function varsOf(i: TypedInterface | undefined): NodeInterface {
  return { inputs: i?.inputs?.variables ?? NO_VARS, outputs: i?.outputs?.variables ?? NO_VARS };
}

const NO_VARS: Vars = Object.freeze({});
const NO_BINDINGS: readonly NonNullable<Node["inputs"]>[number][] = Object.freeze([]);
const NO_IDS: readonly string[] = Object.freeze([]);

/** The inputs of an interface that are not of an optional type, in declaration order; made once per interface. */
const requiredByVars = new WeakMap<Vars, readonly string[]>();

function requiredInputs(vars: Vars): readonly string[] {
  let names = requiredByVars.get(vars);
  if (names === undefined) {
    names = Object.keys(vars).filter((name) => !isOptional(vars[name]!.type));
    requiredByVars.set(vars, names);
  }
  return names;
}

/** What a binding binds, for messages (built only when one is reported): `input "x"`. */
function bound(side: "input" | "output", variable: string): string {
  return `${side} ${JSON.stringify(variable)}`;
}

/** Whether one of the first `end` bindings binds `name`: a scan, as nodes bind few inputs. */
function boundBefore(bindings: readonly { readonly var?: string }[], end: number, name: string): boolean {
  for (let i = 0; i < end; i++) if ((bindings[i]!.var ?? "") === name) return true;
  return false;
}

function isOptional(t: LiteralType | undefined): boolean {
  return (t?.unionType?.variants ?? []).some((v) => v.simple === "NONE");
}

function optionalOf(t: LiteralType): LiteralType {
  return isOptional(t) ? t : { unionType: { variants: [t, { simple: "NONE" }] } };
}

function primitiveType(p: NonNullable<Scalar["primitive"]>): LiteralType | undefined {
  if (p.integer !== undefined) return { simple: "INTEGER" };
  if (p.floatValue !== undefined) return { simple: "FLOAT" };
  if (p.stringValue !== undefined) return { simple: "STRING" };
  if (p.boolean !== undefined) return { simple: "BOOLEAN" };
  if (p.datetime) return { simple: "DATETIME" };
  if (p.duration) return { simple: "DURATION" };
  return undefined;
}

/** validators/utils.go literalTypeForScalar, for the scalars Aloft writes. */
function scalarType(s: Scalar): LiteralType | undefined {
  if (s.primitive) return primitiveType(s.primitive);
  if (s.noneType) return { simple: "NONE" };
  if (s.union) return s.union.type;
  if (s.generic) return { simple: "STRUCT" };
  if (s.error) return { simple: "ERROR" };
  if (s.blob) return { blob: s.blob.metadata?.type ?? {} };
  if (s.structuredDataset) return { structuredDatasetType: s.structuredDataset.metadata?.structuredDatasetType ?? {} };
  return undefined;
}

/**
 * Whether a condition may compare values of these types: the same type, once
 * an optional is read as its value's type and an enum as a string.
 * Propeller's `validators/condition.go` compares the two types whole, so it
 * refuses comparing an optional or an enum input with a constant; Aloft
 * allows it (and the runners evaluate it), going beyond Flyte there.
 */
function comparable(a: LiteralType, b: LiteralType): boolean {
  const plain = (t: LiteralType): string => {
    const variants = (t.unionType?.variants ?? []).filter((v) => v.simple !== "NONE");
    if (variants.length === 1) return plain(variants[0]!);
    if (t.enumType) return JSON.stringify({ simple: "STRING" });
    return JSON.stringify({ ...t, structure: undefined, metadata: undefined });
  };
  return plain(a) === plain(b);
}

const CRON_DESCRIPTORS = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/;

/**
 * What flyteadmin's `cron.ParseStandard` (robfig/cron v3) accepts: five
 * fields, optionally after `TZ=` or `CRON_TZ=`, or a descriptor
 * (`@hourly`, `@every 1h30m`).
 */
function isStandardCron(expr: string): boolean {
  let e = expr.trim();
  const tz = /^(CRON_)?TZ=\S+\s+/.exec(e);
  if (tz) e = e.slice(tz[0].length);
  if (e.startsWith("@")) return CRON_DESCRIPTORS.test(e) || /^@every\s+([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(e);
  const fields = e.split(/\s+/);
  return fields.length === 5 && fields.every((f) => /^[0-9A-Za-z*?/,-]+$/.test(f));
}

/**
 * Runs Flyte's registration checks over compiled specs and lists what Flyte
 * would refuse (nothing when all is well).
 *
 * @example
 * ```ts
 * flyteProblems(compileBundle(wf)); // []
 * ```
 */
export function flyteProblems(specs: CheckedSpecs): FlyteProblem[] {
  const c = new Checker(specs);
  for (const [key, spec] of specs.tasks) c.task(key, spec);
  for (const [key, spec] of specs.workflows) c.workflow(key, spec);
  for (const [key, spec] of specs.launchPlans) c.launchPlan(key, spec);
  return c.problems;
}

/**
 * Throws when Flyte would refuse to register the specs.
 *
 * @throws FlyteValidationError listing every problem, with Flyte's error codes.
 *
 * @example
 * ```ts
 * assertFlyteAccepts(compileBundle(wf));
 * ```
 */
export function assertFlyteAccepts(specs: CheckedSpecs): void {
  const problems = flyteProblems(specs);
  if (problems.length > 0) throw new FlyteValidationError(problems);
}

// A checker and its scopes are garbage once the specs are checked: one sample of each keeps their shapes, and the
// optimized checks, across major GCs (shapes.ts).
keepShape(new Checker({ tasks: new Map(), workflows: new Map(), launchPlans: new Map() }));
keepShape(new Scope(NO_VARS, []));
