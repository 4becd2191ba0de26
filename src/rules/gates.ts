/**
 * Finding the gates of an execution: every signal and approval node of its
 * workflow, its subworkflows, the cases of its conditionals, and the
 * sub-workflows its dynamic nodes built. The one walker the engine, the HTTP
 * server and the CLI use.
 *
 * @module
 */
import type { LiteralType } from "../idl/core.js";
import type { Node, WorkflowSpec, WorkflowTemplate } from "../idl/specs.js";

/**
 * A gate that waits for an answer: a signal (a value of `type`) or an approval (a boolean).
 *
 * @example
 * ```ts
 * const g: GateInfo = { name: "publish", kind: "approve", type: { simple: "BOOLEAN" }, nodeId: "n3" };
 * ```
 */
export interface GateInfo {
  readonly name: string;
  readonly kind: "signal" | "approve";
  readonly type: LiteralType;
  /** The id of the gate node in its workflow. */
  readonly nodeId: string;
}

function* nodesOf(nodes: readonly Node[] | undefined): Generator<Node> {
  for (const n of nodes ?? []) {
    yield n;
    const ie = n.branchNode?.ifElse;
    if (ie) yield* nodesOf([ie.case?.thenNode, ...(ie.other ?? []).map((b) => b.thenNode), ie.elseNode].filter((x): x is Node => x !== undefined));
    if (n.arrayNode?.node) yield* nodesOf([n.arrayNode.node]);
  }
}

/**
 * The gates of some workflow templates, by name.
 *
 * @example
 * ```ts
 * templateGates([spec.template, ...(spec.subWorkflows ?? [])]).get("publish")?.kind; // "approve"
 * ```
 */
export function templateGates(templates: Iterable<WorkflowTemplate | undefined>): Map<string, GateInfo> {
  const out = new Map<string, GateInfo>();
  for (const t of templates) {
    for (const n of nodesOf(t?.nodes)) {
      const g = n.gateNode;
      const nodeId = n.id ?? "";
      if (g?.signal?.signalId) out.set(g.signal.signalId, { name: g.signal.signalId, kind: "signal", type: g.signal.type ?? {}, nodeId });
      if (g?.approve?.signalId) out.set(g.approve.signalId, { name: g.approve.signalId, kind: "approve", type: { simple: "BOOLEAN" }, nodeId });
    }
  }
  return out;
}

/**
 * The gates of workflow specs (each with its subworkflows): the workflow an
 * execution runs, then the sub-workflows its dynamic nodes built.
 *
 * @example
 * ```ts
 * specGates([spec, ...dynamicSpecs]).has("factor"); // true when some node waits for signal "factor"
 * ```
 */
export function specGates(specs: Iterable<WorkflowSpec | undefined>): Map<string, GateInfo> {
  const templates: (WorkflowTemplate | undefined)[] = [];
  for (const s of specs) templates.push(s?.template, ...(s?.subWorkflows ?? []));
  return templateGates(templates);
}
