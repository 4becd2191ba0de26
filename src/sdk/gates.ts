/**
 * Gate nodes: `sleep`, `waitForInput` and `approve`, as in Flyte. A gate
 * pauses the workflow until time passes, a value arrives, or someone approves.
 *
 * @module
 */
import type { GateNode } from "../idl/specs.js";
import { isAloftType, type AloftType } from "../types/type.js";
import { DefinitionError, InvalidNameError, InvalidOptionError } from "../errors.js";
import { protoDuration } from "../types/literal.js";
import { currentGraph } from "./context.js";
import type { Graph, GraphNode, NodeConstruct } from "./graph.js";
import { Handle } from "./handle.js";
import { parseDuration, type DurationLike } from "./task-options.js";
import { nodeRef, type NodeRef } from "./node-ref.js";

/** A gate node as the compiler reads it. */
export interface GateConstruct extends NodeConstruct {
  readonly kind: "gate";
  readonly gate: GateNode;
}

/** True for a gate construct. */
export function isGateConstruct(c: NodeConstruct): c is GateConstruct {
  return c.kind === "gate";
}

/** Options of gates that wait. */
export interface GateOptions {
  /** How long to wait before the gate fails. */
  readonly timeout?: DurationLike;
}

function graphFor(fn: string, graph: Graph | undefined): Graph {
  const g = graph ?? currentGraph();
  if (!g) throw new DefinitionError(`${fn}() adds a gate node and can only be called inside a workflow body, or as wf.${fn}(...) on a Workflow`);
  return g;
}

/**
 * A signal's name: flytekit takes any string (`core/gate.py`, `wait_for_input(name: str, ...)`) and its
 * examples use names like `title-input`; Aloft takes letters, digits, `_`, `-` and `.`, which a command
 * line (`--signal name=value`), a URL and a console read as they are.
 */
const SIGNAL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function checkName(name: unknown, fn: string, graph: Graph): string {
  if (typeof name !== "string" || !SIGNAL_NAME.test(name)) {
    throw new InvalidNameError(`workflow ${JSON.stringify(graph.name)}: ${fn}() needs a signal name of letters, digits, "_", "-" and ".", like "title-input", got ${JSON.stringify(name)}`, { entity: graph.name });
  }
  return name;
}

function withTimeout(graph: Graph, node: GraphNode, options: GateOptions | undefined): void {
  if (options?.timeout !== undefined) graph.override(node.id, { timeout: options.timeout });
}

/** @internal Adds a sleep gate to `graph` (or the body being defined). */
export function addSleep(duration: DurationLike, graph?: Graph): NodeRef<undefined> {
  const g = graphFor("sleep", graph);
  let ms: number;
  try {
    ms = parseDuration(duration, "sleep(duration)");
  } catch (e) {
    throw new InvalidOptionError(`workflow ${JSON.stringify(g.name)}: ${(e as Error).message}`, { entity: g.name });
  }
  const construct: GateConstruct = { kind: "gate", gate: { sleep: { duration: protoDuration(ms) } } };
  return nodeRef(g, g.addConstruct(construct, `sleep ${ms} ms`, { inputs: {}, required: new Set() }, {}, {}, "none"));
}

/** @internal Adds a signal gate to `graph` (or the body being defined). */
export function addWaitForInput<T>(name: string, type: AloftType<T>, options: GateOptions | undefined, graph?: Graph): Handle<T> {
  const g = graphFor("waitForInput", graph);
  const signal = checkName(name, "waitForInput", g);
  if (!isAloftType(type)) {
    throw new InvalidOptionError(`workflow ${JSON.stringify(g.name)}: waitForInput(${JSON.stringify(name)}, type) needs an Aloft type such as t.int`, { entity: g.name });
  }
  const construct: GateConstruct = { kind: "gate", gate: { signal: { signalId: signal, type: type.literalType, outputVariableName: "o0" } } };
  const node = g.addConstruct(construct, `gate ${JSON.stringify(signal)}`, { inputs: {}, required: new Set() }, {}, { o0: type }, "single");
  withTimeout(g, node, options);
  return node.outputs["o0"] as Handle<T>;
}

/** @internal Adds an approval gate to `graph` (or the body being defined). */
export function addApprove<T>(value: Handle<T>, name: string, options: GateOptions | undefined, graph?: Graph): Handle<T> {
  const g = graphFor("approve", graph);
  const signal = checkName(name, "approve", g);
  if (!(value instanceof Handle)) throw new DefinitionError(`workflow ${JSON.stringify(g.name)}: approve(value, ${JSON.stringify(name)}) needs the handle whose value is approved`, { entity: g.name });
  // flytekit core/gate.py approve(): the gate's one input and output are named as the value's output is (o0, or a named output).
  const io = value.nodeId === "" ? "o0" : value.var;
  const construct: GateConstruct = { kind: "gate", gate: { approve: { signalId: signal } } };
  const node = g.addConstruct(construct, `approval ${JSON.stringify(signal)}`, { inputs: { [io]: value.type }, required: new Set([io]) }, { [io]: value }, { [io]: value.type }, "single");
  withTimeout(g, node, options);
  return node.outputs[io] as Handle<T>;
}

/**
 * Pauses the workflow for a while (Flyte's `sleep`). Order it with
 * `runsBefore`: `sleep("1m").runsBefore(next)`.
 *
 * @example
 * ```ts
 * workflow({ name: "wait_then_go" }, () => {
 *   const nap = sleep("10s");
 *   const result = go();
 *   nap.runsBefore(result);
 *   return result;
 * });
 * ```
 */
export function sleep(duration: DurationLike): NodeRef<undefined> {
  return addSleep(duration);
}

/**
 * Waits for a value of `type`, given to the run as signal `name`
 * (Flyte's `wait_for_input`); returns the value's handle.
 *
 * @example
 * ```ts
 * const title = waitForInput("title", t.str, { timeout: "1h" });
 * ```
 */
export function waitForInput<T>(name: string, type: AloftType<T>, options?: GateOptions): Handle<T> {
  return addWaitForInput(name, type, options);
}

/**
 * Waits until `value` is approved as signal `name` (Flyte's `approve`);
 * returns the same value. A rejection fails the run.
 *
 * @example
 * ```ts
 * const report = approve(makeReport({ data }), "publish_report", { timeout: "2h" });
 * ```
 */
export function approve<T>(value: Handle<T>, name: string, options?: GateOptions): Handle<T> {
  return addApprove(value, name, options);
}
