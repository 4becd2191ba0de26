/**
 * The graph builder shared by the imperative `Workflow` and declarative
 * `workflow()`: workflow inputs, nodes with checked bindings, and outputs.
 * It builds a graph and nothing else: no I/O, no execution.
 *
 * @module
 */
import { isAloftType, type AnyType, type TypeRecord } from "../types/type.js";
import type { OutputShape } from "./interface.js";
import { checkOverrides, type NodeOverrides, type OverridesOption } from "./overrides.js";
import {
  DuplicateNameError,
  InvalidNameError,
  MissingInputError,
  TypeMismatchError,
  UnknownInputError,
  UnknownOutputError,
  DefinitionError,
  InvalidOptionError,
} from "../errors.js";
import { isIdentifier } from "../types/names.js";
import { describeType } from "../types/describe.js";
import { Handle, type HandleOwner } from "./handle.js";
import { describeEntity, entityOrDefinition, type AnyEntity, type EntityDefinition } from "./entity.js";
import { resolveBinding, type BindingSite, type BindingValue } from "./bindings.js";
import { strictRecord, strictRecordOf, strictPrototype, setStrictContext, addToStrictRecord } from "./strict-record.js";
import { keepShape } from "../shapes.js";

/**
 * A node that runs no entity: a gate or a branch. The SDK module that makes
 * it describes it; the compiler compiles it by `kind`.
 */
export interface NodeConstruct {
  readonly kind: "gate" | "branch";
}

/** A node of a workflow graph. */
export interface GraphNode {
  /** `n0`, `n1`, ... in insertion order; `efn` for the failure handler. */
  readonly id: string;
  /** The name of the workflow whose graph it is in, for messages. */
  readonly workflow: string;
  /** The entity the node runs, or undefined for a gate or branch. */
  readonly entity: EntityDefinition | undefined;
  /** The gate or branch the node is, when it runs no entity. */
  readonly construct: NodeConstruct | undefined;
  /** What the node runs, for messages: `task "slope"`, `approval "publish"`. */
  readonly label: string;
  /** Checked bindings by input name. */
  readonly bindings: Readonly<Record<string, BindingValue>>;
  /** Ids of the nodes this node runs after: those its bindings use, in first-use order, then explicit dependencies. */
  readonly upstream: string[];
  /** One handle per output. */
  readonly outputs: Readonly<Record<string, Handle<unknown>>>;
  /** Output types by name. */
  readonly outputTypes: TypeRecord;
  /** How the outputs are shaped for a call (`o0`, `o0..oN`, named, none). */
  readonly shape: OutputShape;
  /** Node overrides (`withOverrides`), already validated. */
  overrides: NodeOverrides;
}

/** The overrides of a node that has none; `Graph.override` replaces it, never changes it, so every node can share it. */
const NO_OVERRIDES: NodeOverrides = Object.freeze({});

/** `describeEntity(def)`, made once per entity: a workflow of many nodes running one task shares the label. */
const labels = new WeakMap<EntityDefinition, string>();

function labelOf(def: EntityDefinition): string {
  let label = labels.get(def);
  if (label === undefined) {
    label = describeEntity(def);
    labels.set(def, label);
  }
  return label;
}

/** The error for reading output `key` of `node`, which it does not have. */
function unknownOutput(key: string, node: GraphNode): UnknownOutputError {
  const names = Object.keys(node.outputTypes);
  const wf = JSON.stringify(node.workflow);
  return new UnknownOutputError(
    names.length === 0
      ? `workflow ${wf}: node ${node.id} (${node.label}) has no outputs, so there is no output ${JSON.stringify(key)} to bind`
      : `workflow ${wf}: node ${node.id} (${node.label}) has no output ${JSON.stringify(key)} (outputs: ${names.join(", ")})`,
    { entity: node.workflow, node: node.id },
    key,
  );
}

/**
 * The prototype of every node's outputs record: one handler, told which node's
 * record was read (one prototype for all graphs, so that code reading outputs
 * sees one shape of record whatever the workflow).
 */
const OUTPUTS_PROTOTYPE = strictPrototype((key, node) => unknownOutput(key, node as GraphNode));

/** Where a node's inputs come from: its types and which must be bound. */
interface InputsSpec {
  readonly inputs: TypeRecord;
  readonly required: ReadonlySet<string>;
}

/**
 * Where the bindings of one node are resolved. It collects the ids of upstream
 * nodes (each once, in first-use order) and describes the input being bound
 * only when a message asks for it.
 */
class NodeBindingSite implements BindingSite {
  /** The input being bound; set before each binding is resolved. */
  variable = "";
  /** Upstream node ids, in first-use order. The graph keeps this array, so the first id makes an array of one (a push would reserve 17 slots). */
  upstreamIds: string[] = [];
  private seen: Set<string> | undefined;

  constructor(
    readonly owner: HandleOwner,
    readonly node: string,
    private readonly who: string,
  ) {}

  get target(): string {
    return `input ${JSON.stringify(this.variable)} of ${this.who}`;
  }

  upstream(nodeId: string): void {
    const ids = this.upstreamIds;
    if (ids.length === 0) {
      this.upstreamIds = [nodeId];
      return;
    }
    // A scan is cheapest for the few upstream nodes most nodes have; a set keeps wide gathers linear.
    if (ids.length < 8) {
      if (!ids.includes(nodeId)) ids.push(nodeId);
      return;
    }
    this.seen ??= new Set(ids);
    if (!this.seen.has(nodeId)) {
      this.seen.add(nodeId);
      ids.push(nodeId);
    }
  }
}

/** A workflow output: its binding and type. */
export interface GraphOutput {
  readonly binding: BindingValue;
  readonly type: AnyType;
}

/**
 * A workflow graph under construction.
 *
 * @example
 * ```ts
 * const g = new Graph("wf");
 * const x = g.addInput("x", t.list(t.int));
 * const n = g.addNode(slope, { x, y: x });
 * g.addOutput("out", n.outputs.o0);
 * ```
 */
export class Graph implements HandleOwner {
  /** Input types by name, in declaration order. */
  readonly inputTypes: Record<string, AnyType> = {};
  /** Input handles by name; reading an unknown name throws. */
  readonly inputs: Readonly<Record<string, Handle<never>>>;
  /** Nodes in insertion order. */
  readonly nodes: GraphNode[] = [];
  /** Outputs by name, in declaration order. */
  readonly outputs = new Map<string, GraphOutput>();
  /** The failure handler node (`efn`), if any. */
  failureNode: GraphNode | undefined;
  /** Inputs bound by at least one node or output. */
  readonly usedInputs = new Set<string>();
  /** Called after a change made through a node (overrides, dependencies), so the workflow drops what it derived from the graph. */
  onChange: () => void = () => {};

  /**
   * @param idPrefix Prefixes the node ids, `<prefix>n0, <prefix>n1, …`: `"d"` in a dynamic workflow's
   *   graph, whose node ids flytekit writes as `dn0, dn1, …` (`core/python_function_task.py`,
   *   `compile_into_workflow`: a compilation state with prefix `"d"`).
   */
  constructor(
    readonly name: string,
    readonly idPrefix = "",
  ) {
    this.inputs = strictRecord({}, (key) => new UnknownInputError(this.unknownInputMessage(key), { entity: name }, key));
  }

  private unknownInputMessage(key: string): string {
    const names = Object.keys(this.inputTypes);
    return `workflow ${JSON.stringify(this.name)} has no input ${JSON.stringify(key)} (inputs: ${names.length ? names.join(", ") : "none"}); add it with addWorkflowInput first`;
  }

  /** Declares a workflow input and returns its handle. */
  addInput<T>(name: string, type: AnyType): Handle<T> {
    if (!isIdentifier(name)) throw new InvalidNameError(`workflow ${JSON.stringify(this.name)}: input name ${JSON.stringify(name)} is not an identifier`, { entity: this.name });
    if (Object.prototype.hasOwnProperty.call(this.inputTypes, name)) throw new DuplicateNameError(`workflow ${JSON.stringify(this.name)} already has an input named ${JSON.stringify(name)}`, { entity: this.name });
    if (!isAloftType(type)) {
      throw new DefinitionError(`workflow ${JSON.stringify(this.name)}: input ${JSON.stringify(name)} needs an Aloft type such as t.int, got ${String(type)}`, { entity: this.name });
    }
    this.inputTypes[name] = type;
    const handle = new Handle<T>(this, "", name, type);
    addToStrictRecord(this.inputs, name, handle);
    return handle;
  }

  /** Adds a node running `entity` with the given bindings; every binding is checked now. */
  addNode(entity: AnyEntity | EntityDefinition, bindings: unknown, id = this.nextNodeId()): GraphNode {
    const def = entityOrDefinition(entity);
    if (!def) {
      throw new DefinitionError(`workflow ${JSON.stringify(this.name)}: node ${id} must run a task, workflow or launch plan, got ${String(entity)}`, { entity: this.name, node: id });
    }
    const site = { entity: this.name, node: id };
    if (def.kind === "workflow" && def.graph === this) {
      throw new DefinitionError(`workflow ${JSON.stringify(this.name)}: node ${id} cannot run the workflow itself`, site);
    }
    const who = labelOf(def);
    const fixedBy = def.kind === "launchPlan" ? def.fixed : undefined;
    return this.place(id, def, undefined, who, def.interface, bindings, def.interface.outputs, def.interface.shape, fixedBy);
  }

  /**
   * Builds a node running `entity`, checked like `addNode`, that is not one of
   * the graph's nodes: a branch's then-node (`n3-n0`), which its branch runs.
   */
  innerNode(entity: AnyEntity | EntityDefinition, bindings: unknown, id: string): GraphNode {
    const node = this.addNode(entity, bindings, id);
    this.nodes.pop();
    return node;
  }

  /**
   * Adds a gate or branch node: its inputs are bound and checked like an
   * entity's; `after` adds nodes it must run after without using their outputs.
   */
  addConstruct(construct: NodeConstruct, label: string, inputs: InputsSpec, bindings: unknown, outputTypes: TypeRecord, shape: OutputShape, after: readonly string[] = []): GraphNode {
    const node = this.place(this.nextNodeId(), undefined, construct, label, inputs, bindings, outputTypes, shape, undefined);
    for (const u of after) if (!node.upstream.includes(u)) node.upstream.push(u);
    return node;
  }

  /** The id the next node added gets. */
  nextNodeId(): string {
    return `${this.idPrefix}n${this.nodes.length}`;
  }

  /** The node with id `id`, or undefined. */
  node(id: string): GraphNode | undefined {
    if (id === "efn") return this.failureNode;
    const m = id.startsWith(this.idPrefix) ? /^n(\d+)$/.exec(id.slice(this.idPrefix.length)) : null;
    const node = m ? this.nodes[Number(m[1])] : undefined;
    return node?.id === id ? node : this.nodes.find((n) => n.id === id);
  }

  /** Sets overrides on node `id`, checked for the kind of node it is. */
  override(id: string, raw: OverridesOption): void {
    const node = this.node(id);
    if (!node) throw new DefinitionError(`workflow ${JSON.stringify(this.name)} has no node ${JSON.stringify(id)} to override`, { entity: this.name });
    const kind = node.entity?.kind ?? node.construct?.kind ?? "task";
    const inputs = node.entity ? Object.keys(node.entity.interface.inputs) : [];
    try {
      node.overrides = checkOverrides(raw, kind, `workflow ${JSON.stringify(this.name)}: node ${id} (${node.label})`, inputs, node.overrides);
    } catch (e) {
      if (e instanceof InvalidOptionError) throw new InvalidOptionError(e.message, { entity: this.name, node: id });
      throw e;
    }
    this.onChange();
  }

  /**
   * Makes node `after` run after node `before` without using its outputs
   * (Flyte's `before >> after`). Refuses a dependency that would make a cycle.
   */
  addDependency(before: string, after: string): void {
    const a = this.node(before);
    const b = this.node(after);
    if (!a || !b || a === this.failureNode || b === this.failureNode) {
      throw new DefinitionError(`workflow ${JSON.stringify(this.name)}: runsBefore needs two nodes of this workflow, got ${JSON.stringify(before)} and ${JSON.stringify(after)}`, { entity: this.name });
    }
    if (before === after || this.dependsOn(before, after)) {
      throw new DefinitionError(`workflow ${JSON.stringify(this.name)}: node ${before} cannot run before node ${after}, which it already depends on (that would be a cycle)`, { entity: this.name, node: before });
    }
    if (!b.upstream.includes(before)) b.upstream.push(before);
    this.onChange();
  }

  /** True when node `a` runs after node `b`, directly or through other nodes. */
  private dependsOn(a: string, b: string): boolean {
    const seen = new Set<string>();
    const stack = [a];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === b) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(this.node(id)?.upstream ?? []));
    }
    return false;
  }

  private place(
    id: string,
    def: EntityDefinition | undefined,
    construct: NodeConstruct | undefined,
    who: string,
    spec: InputsSpec,
    bindings: unknown,
    outputTypes: TypeRecord,
    shape: OutputShape,
    fixedBy: Readonly<Record<string, unknown>> | undefined,
  ): GraphNode {
    const site = { entity: this.name, node: id };
    // Descriptions are built only when a message needs them: adding a node is on the hot path of large workflows.
    const given = bindings ?? {};
    if (typeof given !== "object" || Array.isArray(given)) {
      throw new DefinitionError(`workflow ${JSON.stringify(this.name)}: the bindings of node ${id} (${who}) must be a record of input names, like { x: wf.inputs.x }`, site);
    }
    const inputs = spec.inputs;
    const resolved: Record<string, BindingValue> = {};
    const bindingSite = new NodeBindingSite(this, id, who);
    for (const name of Object.keys(given)) {
      const expected = Object.prototype.hasOwnProperty.call(inputs, name) ? inputs[name] : undefined;
      if (!expected) {
        const names = Object.keys(inputs);
        if (fixedBy && Object.prototype.hasOwnProperty.call(fixedBy, name)) {
          throw new UnknownInputError(`workflow ${JSON.stringify(this.name)}: node ${id} binds ${JSON.stringify(name)}, but ${who} fixes that input; it cannot be bound`, site, name);
        }
        throw new UnknownInputError(
          `workflow ${JSON.stringify(this.name)}: node ${id} binds ${JSON.stringify(name)}, but ${who} has no such input (inputs: ${names.length ? names.join(", ") : "none"})`,
          site,
          name,
        );
      }
      const value = (given as Record<string, unknown>)[name];
      if (value === undefined) continue;
      bindingSite.variable = name;
      const binding = resolveBinding(value, expected.literalType, bindingSite);
      resolved[name] = binding;
      this.markUsed(binding);
    }
    for (const name of spec.required) {
      if (!(name in resolved)) {
        throw new MissingInputError(
          `workflow ${JSON.stringify(this.name)}: node ${id} does not bind input ${JSON.stringify(name)} (${describeType(inputs[name]?.literalType ?? {})}) of ${who}`,
          site,
          name,
        );
      }
    }
    const outputs: Record<string, Handle<unknown>> = {};
    for (const name of Object.keys(outputTypes)) outputs[name] = new Handle(this, id, name, outputTypes[name]!);
    const node: GraphNode = {
      id,
      workflow: this.name,
      entity: def,
      construct,
      label: who,
      bindings: resolved,
      upstream: bindingSite.upstreamIds,
      outputTypes,
      shape,
      overrides: NO_OVERRIDES,
      outputs: strictRecordOf(OUTPUTS_PROTOTYPE, outputs),
    };
    // The record tells the graph's handler which node it belongs to: no closure a node.
    setStrictContext(node.outputs, node);
    if (id === "efn") this.failureNode = node;
    else this.nodes.push(node);
    return node;
  }

  /** Declares a workflow output bound to a handle, or to a list or record of handles with an explicit type. */
  addOutput(name: string, value: unknown, type?: AnyType): void {
    if (!isIdentifier(name)) throw new InvalidNameError(`workflow ${JSON.stringify(this.name)}: output name ${JSON.stringify(name)} is not an identifier`, { entity: this.name });
    if (this.outputs.has(name)) throw new DuplicateNameError(`workflow ${JSON.stringify(this.name)} already has an output named ${JSON.stringify(name)}`, { entity: this.name });
    let outType = type;
    if (outType === undefined) {
      if (!(value instanceof Handle)) {
        throw new TypeMismatchError(
          `workflow ${JSON.stringify(this.name)}: output ${JSON.stringify(name)} is bound to a list, record or constant, so its type must be given: addWorkflowOutput(${JSON.stringify(name)}, value, t.list(t.int))`,
          { entity: this.name },
          name,
          "a declared type",
          "none given",
        );
      }
      outType = value.type;
    }
    const binding = resolveBinding(value, outType.literalType, {
      owner: this,
      node: undefined,
      target: `output ${JSON.stringify(name)}`,
      variable: name,
      upstream: () => {},
    });
    this.markUsed(binding);
    this.outputs.set(name, { binding, type: outType });
  }

  private markUsed(binding: BindingValue): void {
    switch (binding.kind) {
      case "promise":
        if (binding.nodeId === "") this.usedInputs.add(binding.var);
        return;
      case "list":
        binding.items.forEach((b) => this.markUsed(b));
        return;
      case "map":
        Object.values(binding.entries).forEach((b) => this.markUsed(b));
        return;
      default:
        return;
    }
  }
}

// A binding site is garbage once its node is placed, and a workflow's graph and handles once the workflow is: one
// sample of each keeps their shapes, and the optimized builder, across major GCs (shapes.ts).
const sampleGraph = keepShape(new Graph(""));
keepShape(new NodeBindingSite(sampleGraph, "", ""));
keepShape(new Handle(sampleGraph, "", "", undefined as never));
