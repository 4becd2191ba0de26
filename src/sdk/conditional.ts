/**
 * `conditional(name)`: Flyte's conditionals. A chain of branches, each a
 * condition and the entity run when it holds, ended by an `else` that runs an
 * entity or fails the run. It becomes one branch node (`branchNode`), whose
 * outputs are those of the branch taken; only that branch runs.
 *
 * @module
 */
import type { AloftType, AnyType, TypeRecord } from "../types/type.js";
import { DefinitionError, InvalidNameError, TypeMismatchError } from "../errors.js";
import { isCastable } from "../types/castable.js";
import { describeValue } from "../types/describe.js";
import { callResultOf } from "./call.js";
import { Condition } from "./condition.js";
import type { BranchCondition, BranchConstruct } from "./branch-construct.js";
import { checkConditionExpr } from "./condition-check.js";
import { currentGraph } from "./context.js";
import { definitionOf, type AnyEntity, type CallArgs, type Entity, type EntityDefinition } from "./entity.js";
import type { Graph, GraphNode } from "./graph.js";
import type { Handle } from "./handle.js";
import type { CallResult, OutputShape, OutputsSpec, OutputTypes, OutputValues } from "./interface.js";
import { nodeRef, type NodeRef } from "./node-ref.js";
import type { Workflow } from "./workflow-builder.js";

/**
 * How a finished conditional gives back its outputs: like a call (`"call"`,
 * the free function in a declarative body) or as the node (`"node"`,
 * `wf.conditional` on the imperative builder).
 *
 * @example
 * ```ts
 * type InBody = ConditionalResult<typeof t.int, "call">;    // Handle<number>
 * type OnBuilder = ConditionalResult<typeof t.int, "node">; // NodeRef<AloftType<number>>
 * ```
 */
export type ConditionalMode = "call" | "node";

/**
 * What the final `then` or `fail` returns: the branch node's outputs shaped
 * like a call's (a handle, an array, a record, or the node when there are no
 * outputs), or the node itself on the builder.
 *
 * @example
 * ```ts
 * const r: ConditionalResult<typeof t.int, "call"> = conditional("c").if(x.gt(0)).then(double, { x }).else().then(negate, { x });
 * ```
 */
export type ConditionalResult<O extends OutputsSpec, M extends ConditionalMode> = M extends "node" ? NodeRef<O> : CallResult<O>;

/**
 * The outputs of an imperative `Workflow` run by a branch: named, of types
 * TypeScript does not know (they are checked when the branch is added).
 *
 * @example
 * ```ts
 * const r = conditional("c").if(x.gt(0)).then(imperativeWf, { x }).else().then(imperativeWf, { x }); // Record<string, Handle<never>>
 * ```
 */
export type UntypedOutputs = Readonly<Record<string, AloftType<never>>>;

/**
 * What TypeScript reports when a branch's outputs differ from the first
 * branch's: the outputs expected.
 *
 * @example
 * ```ts
 * // Argument of type 'Task<...>' is not assignable to ... BranchOutputsDiffer<{ o0: number }>
 * ```
 */
export interface BranchOutputsDiffer<Expected> {
  readonly "every branch of a conditional must have the outputs of its first branch": Expected;
}

/**
 * `unknown` when outputs `O2` are those of the first branch, `O`; otherwise a
 * type no entity has, which names the outputs expected. Outputs TypeScript
 * does not know (an imperative `Workflow`'s) are checked when the branch is
 * added instead.
 *
 * @example
 * ```ts
 * type Ok = SameOutputs<typeof t.int, typeof t.int>;  // unknown
 * type Bad = SameOutputs<typeof t.int, typeof t.str>; // BranchOutputsDiffer<{ o0: number }>
 * ```
 */
export type SameOutputs<O extends OutputsSpec, O2 extends OutputsSpec> = string extends keyof OutputTypes<O>
  ? unknown
  : string extends keyof OutputTypes<O2>
    ? unknown
    : [OutputValues<O>] extends [OutputValues<O2>]
      ? [OutputValues<O2>] extends [OutputValues<O>]
        ? unknown
        : BranchOutputsDiffer<OutputValues<O>>
      : BranchOutputsDiffer<OutputValues<O>>;

/**
 * A conditional just started: give its first condition.
 *
 * @example
 * ```ts
 * conditional("sign").if(x.gt(0)).then(positive, { x }).else().then(negative, { x });
 * ```
 */
export interface Conditional<M extends ConditionalMode> {
  /** The first branch: taken when `condition` holds. */
  if(condition: Condition): ConditionalFirstCase<M>;
}

/**
 * The first branch's condition is given: say what it runs.
 *
 * @example
 * ```ts
 * conditional("sign").if(x.gt(0)).then(positive, { x }); // then elif(...) or else()
 * ```
 */
export interface ConditionalFirstCase<M extends ConditionalMode> {
  /** Runs `entity` with `bindings` (checked like a call's) when the condition holds; later branches must have the same outputs. */
  then<I extends TypeRecord, O extends OutputsSpec, D extends PropertyKey>(entity: Entity<I, O, D>, ...bindings: CallArgs<I, D>): ConditionalChain<O, M>;
  /** Runs an imperative `Workflow` when the condition holds. */
  then(entity: Workflow, bindings?: Readonly<Record<string, unknown>>): ConditionalChain<UntypedOutputs, M>;
}

/**
 * A conditional with at least one branch: add an `elif`, or end it with `else`.
 *
 * @example
 * ```ts
 * const chain = conditional("size").if(n.lt(10)).then(small, { n });
 * chain.elif(n.lt(100)).then(medium, { n }).else().then(large, { n });
 * ```
 */
export interface ConditionalChain<O extends OutputsSpec, M extends ConditionalMode> {
  /** Another branch, taken when no earlier condition held and `condition` does. */
  elif(condition: Condition): ConditionalCase<O, M>;
  /** The last branch, taken when no condition held: `.else().then(entity, bindings)` or `.else().fail(message)`. */
  else(): ConditionalElse<O, M>;
}

/**
 * An `elif` whose condition is given: say what it runs, with the outputs of
 * the first branch.
 *
 * @example
 * ```ts
 * conditional("size").if(n.lt(10)).then(small, { n }).elif(n.lt(100)).then(medium, { n });
 * ```
 */
export interface ConditionalCase<O extends OutputsSpec, M extends ConditionalMode> {
  /** Runs `entity` with `bindings` when the condition holds. */
  then<I extends TypeRecord, O2 extends OutputsSpec, D extends PropertyKey>(entity: Entity<I, O2, D> & SameOutputs<O, O2>, ...bindings: CallArgs<I, D>): ConditionalChain<O, M>;
  /** Runs an imperative `Workflow` when the condition holds. */
  then(entity: Workflow, bindings?: Readonly<Record<string, unknown>>): ConditionalChain<O, M>;
}

/**
 * The `else` of a conditional: run an entity, or fail the run. Either ends
 * the conditional and returns the branch node's outputs.
 *
 * @example
 * ```ts
 * const y = conditional("sign").if(x.gt(0)).then(positive, { x }).else().fail("x must be positive");
 * ```
 */
export interface ConditionalElse<O extends OutputsSpec, M extends ConditionalMode> {
  /** Runs `entity` with `bindings` when no condition held; returns the branch node's outputs. */
  then<I extends TypeRecord, O2 extends OutputsSpec, D extends PropertyKey>(entity: Entity<I, O2, D> & SameOutputs<O, O2>, ...bindings: CallArgs<I, D>): ConditionalResult<O, M>;
  /** Runs an imperative `Workflow` when no condition held. */
  then(entity: Workflow, bindings?: Readonly<Record<string, unknown>>): ConditionalResult<O, M>;
  /** Fails the run with `message` when no condition held; returns the branch node's outputs. */
  fail(message: string): ConditionalResult<O, M>;
}

type BranchKind = "if" | "elif" | "else";

/** A branch added so far: what it runs, checked. */
interface Branch {
  readonly kind: BranchKind;
  readonly condition: BranchCondition | undefined;
  readonly entity: AnyEntity | EntityDefinition;
  readonly bindings: unknown;
  readonly label: string;
  readonly outputs: TypeRecord;
  readonly shape: OutputShape;
}

/** A conditional that has not added its node yet, and what it still needs. */
interface Pending {
  readonly name: string;
  need: string;
}

/** An immutable stage of a chain: every call returns a new one. */
interface ChainState {
  readonly graph: Graph;
  readonly name: string;
  readonly mode: ConditionalMode;
  readonly pending: Pending;
  readonly branches: readonly Branch[];
  /** The handles the conditions use, by the branch node's input name, in first-use order. */
  readonly vars: ReadonlyMap<string, Handle<unknown>>;
}

const pendingByGraph = new WeakMap<Graph, Set<Pending>>();

const NEEDS = {
  if: "has no branch: give it one with .if(condition).then(entity, bindings), and end it with .else()",
  then: "has a condition without then(entity, bindings)",
  else: "has no else: end it with .else().then(entity, bindings) or .else().fail(message) (a conditional must say what happens when no condition holds)",
  end: "has an else without then(entity, bindings) or fail(message)",
} as const;

/**
 * Throws when a conditional of `graph` was started and not ended with an
 * `else`; called when a declarative body returns and when a workflow is
 * compiled.
 *
 * @example
 * ```ts
 * assertConditionalsComplete(graph); // DefinitionError: workflow "wf": conditional "c" has no else: ...
 * ```
 */
export function assertConditionalsComplete(graph: Graph): void {
  for (const p of pendingByGraph.get(graph) ?? []) {
    throw new DefinitionError(`workflow ${JSON.stringify(graph.name)}: conditional ${JSON.stringify(p.name)} ${p.need}`, { entity: graph.name });
  }
}

/** The id the branch node gets if it is added now. */
function nextId(graph: Graph): string {
  return graph.nextNodeId();
}

function branchWhere(state: ChainState, index: number, kind: BranchKind): string {
  return `workflow ${JSON.stringify(state.graph.name)}: node ${nextId(state.graph)} (conditional ${JSON.stringify(state.name)}), branch ${index + 1} (${kind})`;
}

function siteOf(state: ChainState): { entity: string; node: string } {
  return { entity: state.graph.name, node: nextId(state.graph) };
}

function checkCondition(state: ChainState, condition: unknown, index: number, kind: BranchKind): { condition: BranchCondition; vars: Map<string, Handle<unknown>> } {
  const where = branchWhere(state, index, kind);
  if (!(condition instanceof Condition)) {
    throw new DefinitionError(`${where}: ${kind}() takes a condition made from a handle, like x.gt(0) or flag.isTrue(); got ${String(condition)}`, siteOf(state));
  }
  const vars = new Map(state.vars);
  return { condition: checkConditionExpr(condition.expr, { graph: state.graph, where, site: siteOf(state), vars }), vars };
}

/** Builds a branch's node (not one of the graph's); a definition error also names the branch. */
function innerNode(state: ChainState, entity: unknown, bindings: unknown, id: string, index: number, kind: BranchKind): GraphNode {
  if (!definitionOf(entity)) {
    throw new DefinitionError(`${branchWhere(state, index, kind)}: then() takes a task, workflow or launch plan and its bindings, got ${describeValue(entity)}`, siteOf(state));
  }
  try {
    return state.graph.innerNode(entity as AnyEntity, bindings, id);
  } catch (e) {
    if (e instanceof DefinitionError) e.message = `${e.message} (in branch ${index + 1} (${kind}) of conditional ${JSON.stringify(state.name)}, node ${nextId(state.graph)})`;
    throw e;
  }
}

function describeOutputs(outputs: TypeRecord): string {
  const names = Object.keys(outputs);
  return names.length === 0 ? "no outputs" : `outputs { ${names.map((n) => `${n}: ${outputs[n]!.name}`).join(", ")} }`;
}

function sameType(a: AnyType, b: AnyType): boolean {
  return isCastable(a.literalType, b.literalType) && isCastable(b.literalType, a.literalType);
}

function checkSameOutputs(state: ChainState, node: GraphNode, index: number, kind: BranchKind): void {
  const first = state.branches[0]!;
  const mine = node.outputTypes;
  const where = branchWhere(state, index, kind);
  const why = `${where}: ${node.label} has ${describeOutputs(mine)}, but branch 1 (if) runs ${first.label}, which has ${describeOutputs(first.outputs)}; every branch must yield the same outputs`;
  const a = Object.keys(first.outputs).sort();
  const b = Object.keys(mine).sort();
  if (a.length !== b.length || a.some((n, i) => n !== b[i])) throw new DefinitionError(why, siteOf(state));
  for (const name of a) {
    const expected = first.outputs[name]!;
    const actual = mine[name]!;
    if (!sameType(expected, actual)) throw new TypeMismatchError(why, siteOf(state), name, expected.name, actual.name);
  }
}

function addBranch(state: ChainState, kind: BranchKind, condition: BranchCondition | undefined, vars: ReadonlyMap<string, Handle<unknown>>, entity: unknown, bindings: unknown): ChainState {
  const index = state.branches.length;
  const node = innerNode(state, entity, bindings, `${nextId(state.graph)}-n${index}`, index, kind);
  if (index > 0) checkSameOutputs(state, node, index, kind);
  const branch: Branch = { kind, condition, entity: entity as AnyEntity, bindings, label: node.label, outputs: node.outputTypes, shape: node.shape };
  return { ...state, vars, branches: [...state.branches, branch] };
}

/** Adds the branch node: its then-nodes get their final ids (`n3-n0`, ...), its inputs are the handles the conditions use. */
function finish(state: ChainState, error: string | undefined): unknown {
  const graph = state.graph;
  const id = nextId(graph);
  const nodes = state.branches.map((b, i) => innerNode(state, b.entity, b.bindings, `${id}-n${i}`, i, b.kind));
  const last = state.branches[state.branches.length - 1]!;
  const hasElse = error === undefined;
  const cases = (hasElse ? state.branches.slice(0, -1) : state.branches).map((b, i) => ({ condition: b.condition!, node: nodes[i]! }));
  const construct: BranchConstruct = { kind: "branch", name: state.name, cases, elseNode: hasElse && last.kind === "else" ? nodes[nodes.length - 1] : undefined, error };
  const inputs: Record<string, AnyType> = {};
  const bindings: Record<string, Handle<unknown>> = {};
  for (const [name, h] of state.vars) {
    inputs[name] = h.type;
    bindings[name] = h;
  }
  const after: string[] = [];
  for (const n of nodes) for (const u of n.upstream) if (!after.includes(u)) after.push(u);
  const first = state.branches[0]!;
  const node = graph.addConstruct(construct, `conditional ${JSON.stringify(state.name)}`, { inputs, required: new Set(Object.keys(inputs)) }, bindings, first.outputs, first.shape, after);
  pendingByGraph.get(graph)?.delete(state.pending);
  return state.mode === "call" ? callResultOf(graph, node) : nodeRef(graph, node);
}

function describeStage(state: ChainState): string {
  return `conditional ${JSON.stringify(state.name)} of workflow ${JSON.stringify(state.graph.name)}, which ${state.pending.need}`;
}

function chainStage(state: ChainState): object {
  state.pending.need = NEEDS.else;
  return {
    elif(condition: unknown) {
      return caseStage(state, condition, "elif");
    },
    else() {
      return elseStage(state);
    },
    toString: () => describeStage(state),
  };
}

function caseStage(state: ChainState, raw: unknown, kind: "if" | "elif"): object {
  const index = state.branches.length;
  const { condition, vars } = checkCondition(state, raw, index, kind);
  state.pending.need = NEEDS.then;
  return {
    then(entity: unknown, bindings?: unknown) {
      return chainStage(addBranch(state, kind, condition, vars, entity, bindings));
    },
    toString: () => describeStage(state),
  };
}

function elseStage(state: ChainState): object {
  state.pending.need = NEEDS.end;
  return {
    then(entity: unknown, bindings?: unknown) {
      return finish(addBranch(state, "else", undefined, state.vars, entity, bindings), undefined);
    },
    fail(message: unknown) {
      if (typeof message !== "string" || message.trim() === "") {
        throw new DefinitionError(`${branchWhere(state, state.branches.length, "else")}: fail(message) needs a message saying why the run fails`, siteOf(state));
      }
      return finish(state, message);
    },
    toString: () => describeStage(state),
  };
}

/**
 * @internal Starts a conditional on `graph`; the final `then`/`fail` returns
 * call-shaped outputs (`"call"`) or the node (`"node"`).
 *
 * @example
 * ```ts
 * startConditional("sign", graph, "node").if(x.gt(0)).then(double, { x }).else().then(negate, { x });
 * ```
 */
export function startConditional<M extends ConditionalMode>(name: string, graph: Graph, mode: M): Conditional<M> {
  if (typeof name !== "string" || name.trim() === "") {
    throw new InvalidNameError(`workflow ${JSON.stringify(graph.name)}: a conditional needs a non-empty name, like conditional("fractions"); got ${JSON.stringify(name)}`, { entity: graph.name });
  }
  const pending: Pending = { name, need: NEEDS.if };
  let set = pendingByGraph.get(graph);
  if (!set) pendingByGraph.set(graph, (set = new Set()));
  set.add(pending);
  const state: ChainState = { graph, name, mode, pending, branches: [], vars: new Map() };
  const start = {
    if(condition: unknown) {
      return caseStage(state, condition, "if");
    },
    toString: () => describeStage(state),
  };
  return start as unknown as Conditional<M>;
}

/**
 * Starts a conditional in a declarative workflow body (flytekit's
 * `conditional`). Each branch is a condition and the entity run when it
 * holds; `else` ends the chain, running an entity or failing the run. The
 * final `then` (or `fail`) returns the branch node's outputs like a call;
 * every branch must have the same outputs, and only the branch taken runs.
 *
 * @example
 * ```ts
 * const classify = workflow({ name: "classify", inputs: { x: t.float } }, ({ x }) =>
 *   conditional("fraction")
 *     .if(x.gt(0).and(x.lt(1))).then(half, { x })
 *     .elif(x.ge(1)).then(double, { x })
 *     .else().fail("x must be positive"),
 * );
 * await classify.run({ x: 0.5 }); // { o0: 0.25 }
 * ```
 */
export function conditional(name: string): Conditional<"call"> {
  const graph = currentGraph();
  if (!graph) {
    throw new DefinitionError(`conditional(${JSON.stringify(name)}) adds a branch node and can only be called inside a workflow body, or as wf.conditional(...) on a Workflow`);
  }
  return startConditional(name, graph, "call");
}
