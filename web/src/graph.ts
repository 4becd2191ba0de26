/**
 * The DAG of an execution as the console draws it: the workflow's nodes from
 * its flyteidl spec, each with the state of its node execution (by path), and
 * the nodes inside the expanded ones (subworkflows, branches with the taken
 * one marked, dynamic workflows with the edges of the workflow they built,
 * launch plans with their child execution's nodes), laid out by dagre. No
 * workflow rule is decided here: phases, the branch taken and map progress
 * come from the API.
 */
import { Graph, layout } from "@dagrejs/dagre";
import { nodeDisplayName, thenNodeId } from "../../src/rules/node-ids.js";
import type { NodeExecutionInfo } from "./api.js";

/** The parts of flyteidl's `Node` the console reads. */
export interface SpecNode {
  id?: string;
  metadata?: { name?: string };
  upstreamNodeIds?: string[];
  taskNode?: { referenceId?: { name?: string } };
  workflowNode?: { subWorkflowRef?: SpecId; launchplanRef?: SpecId };
  branchNode?: { ifElse?: { case?: { thenNode?: SpecNode }; other?: { thenNode?: SpecNode }[]; elseNode?: SpecNode; error?: { message?: string } } };
  gateNode?: { signal?: { signalId?: string }; approve?: { signalId?: string }; sleep?: unknown };
  arrayNode?: { node?: SpecNode };
}
export interface SpecId {
  project?: string;
  domain?: string;
  name?: string;
  version?: string;
}
export interface SpecTemplate {
  id?: SpecId;
  nodes?: SpecNode[];
}
export interface WorkflowSpecJson {
  template?: SpecTemplate;
  subWorkflows?: SpecTemplate[];
}

export type Kind = "task" | "workflow" | "launchPlan" | "branch" | "gate" | "array" | "dynamic" | "case";

/** A node as drawn. */
export interface DrawnNode {
  readonly path: string;
  readonly label: string;
  readonly kind: Kind;
  readonly state: NodeExecutionInfo | undefined;
  /** The node this one is drawn inside (an expanded node). */
  readonly parent: string | undefined;
  readonly expandable: boolean;
  readonly expanded: boolean;
  /** For a node of a launch plan's child execution: that execution and the node's path in it. */
  readonly child?: { readonly executionId: string; readonly path: string };
  /** For the nodes of a branch: `if`, `elif 1`, `else`, and whether it is the one taken. */
  readonly branchCase?: { readonly label: string; readonly taken: boolean; readonly decided: boolean };
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A launch plan's child execution, once read: its workflow's spec and its node executions (by path in the child). */
export interface ChildDrawing {
  readonly executionId: string;
  readonly spec: WorkflowSpecJson;
  readonly states: ReadonlyMap<string, NodeExecutionInfo>;
}

/** What the console read for expanded nodes beyond the execution's own spec. */
export interface Inner {
  /** The workflow each dynamic node built (by the dynamic node's path). */
  readonly dynamic?: ReadonlyMap<string, WorkflowSpecJson>;
  /** The child execution of each launch-plan node (by the node's path). */
  readonly children?: ReadonlyMap<string, ChildDrawing>;
}

export interface DrawnEdge {
  readonly from: string;
  readonly to: string;
  points: { x: number; y: number }[];
}

export interface Drawing {
  readonly nodes: DrawnNode[];
  readonly edges: DrawnEdge[];
  readonly width: number;
  readonly height: number;
}

const NODE_W = 224;
const NODE_H = 58;

function idKey(id: SpecId | undefined): string {
  return `${id?.project ?? ""}/${id?.domain ?? ""}/${id?.name ?? ""}/${id?.version ?? ""}`;
}

function kindOf(n: SpecNode, state: NodeExecutionInfo | undefined): Kind {
  if (n.branchNode) return "branch";
  if (n.gateNode) return "gate";
  if (n.arrayNode) return "array";
  if (n.workflowNode?.launchplanRef) return "launchPlan";
  if (n.workflowNode) return "workflow";
  return state?.kind === "dynamic" ? "dynamic" : "task";
}

function labelOf(n: SpecNode): string {
  const name = n.metadata?.name ?? n.taskNode?.referenceId?.name ?? n.id;
  return name === undefined ? "?" : nodeDisplayName(name);
}

/** Where node states are read while drawing one workflow: the execution's own, or a child execution's (paths in it relative to `base`). */
interface Scope {
  readonly states: ReadonlyMap<string, NodeExecutionInfo>;
  readonly base: string;
  readonly executionId: string | undefined;
  readonly subs: ReadonlyMap<string, SpecTemplate>;
}

/**
 * The drawing of a workflow with its node executions (by path), the set of
 * expanded paths, and what was read for expanded dynamic and launch-plan nodes.
 */
export function draw(spec: WorkflowSpecJson, states: ReadonlyMap<string, NodeExecutionInfo>, expanded: ReadonlySet<string>, inner: Inner = {}): Drawing {
  const subsOf = (w: WorkflowSpecJson, more?: ReadonlyMap<string, SpecTemplate>): Map<string, SpecTemplate> => new Map([...(more ?? []), ...(w.subWorkflows ?? []).map((t): [string, SpecTemplate] => [idKey(t.id), t])]);
  const nodes: DrawnNode[] = [];
  const edges: { from: string; to: string }[] = [];
  // For edges into and out of expanded nodes: their first and last inner nodes.
  const entries = new Map<string, string[]>();
  const exits = new Map<string, string[]>();
  const own: Scope = { states, base: "", executionId: undefined, subs: subsOf(spec) };

  const add = (n: SpecNode, prefix: string, parent: string | undefined, scope: Scope, branchCase?: DrawnNode["branchCase"]): string => {
    const path = prefix ? `${prefix}/${n.id ?? ""}` : (n.id ?? "");
    const local = scope.base ? path.slice(scope.base.length + 1) : path;
    const state = scope.states.get(local);
    const kind = kindOf(n, state);
    const sub = n.workflowNode?.subWorkflowRef ? scope.subs.get(idKey(n.workflowNode.subWorkflowRef)) : undefined;
    const built = kind === "dynamic" && scope.executionId === undefined ? inner.dynamic?.get(path) : undefined;
    const dynamicChildren =
      kind === "dynamic" && !built ? [...scope.states.values()].filter((s) => s.path.startsWith(`${local}/`) && !s.path.slice(local.length + 1).includes("/") && !s.path.includes("[", local.length)) : [];
    const child = kind === "launchPlan" && scope.executionId === undefined ? inner.children?.get(path) : undefined;
    const expandable = (kind === "workflow" && sub !== undefined) || kind === "branch" || built !== undefined || dynamicChildren.length > 0 || (kind === "launchPlan" && state?.childExecutionId !== undefined && scope.executionId === undefined);
    const isOpen = expandable && expanded.has(path);
    const link = scope.executionId !== undefined ? { child: { executionId: scope.executionId, path: local } } : {};
    nodes.push({ path, label: labelOf(n), kind, state, parent, expandable, expanded: isOpen, ...link, ...(branchCase ? { branchCase } : {}), x: 0, y: 0, width: NODE_W, height: NODE_H });
    if (!isOpen) return path;
    const open = (t: SpecTemplate, inScope: Scope): void => {
      const drawn = template(t, path, path, inScope);
      entries.set(path, drawn.roots);
      exits.set(path, drawn.leaves);
    };
    if (kind === "workflow" && sub) {
      open(sub, scope);
    } else if (kind === "branch") {
      const ie = n.branchNode?.ifElse;
      const cases: [string, SpecNode | undefined][] = [["if", ie?.case?.thenNode], ...(ie?.other ?? []).map((o, i): [string, SpecNode | undefined] => [`elif ${i + 1}`, o.thenNode]), ["else", ie?.elseNode]];
      const taken = state?.branch;
      const inside: string[] = [];
      for (const [label, spec] of cases) {
        if (!spec) continue;
        // A then-node runs as `<branch id>-<then-node id>`, as flytepropeller names it.
        const then = { ...spec, id: thenNodeId(path.slice(path.lastIndexOf("/") + 1), spec.id ?? "") };
        inside.push(add(then, path, path, scope, { label, taken: taken === then.id, decided: taken !== undefined }));
      }
      entries.set(path, inside);
      exits.set(path, inside);
    } else if (built?.template) {
      // The workflow the dynamic task built, with its edges (its node paths are the dynamic node's path / node id).
      open(built.template, { ...scope, subs: subsOf(built, scope.subs) });
    } else if (kind === "dynamic") {
      const inside = dynamicChildren.map((c) => {
        const p = c.path;
        nodes.push({ path: p, label: c.entity.replace(/^task /, "").replace(/"/g, ""), kind: c.kind === "array" ? "array" : "task", state: c, parent: path, expandable: false, expanded: false, x: 0, y: 0, width: NODE_W, height: NODE_H });
        return p;
      });
      entries.set(path, inside);
      exits.set(path, inside);
    } else if (child?.spec.template) {
      open(child.spec.template, { states: child.states, base: path, executionId: child.executionId, subs: subsOf(child.spec) });
    }
    return path;
  };

  const template = (t: SpecTemplate, prefix: string, parent: string | undefined, scope: Scope): { roots: string[]; leaves: string[] } => {
    const list = t.nodes ?? [];
    const hasDownstream = new Set<string>();
    for (const n of list) for (const u of n.upstreamNodeIds ?? []) hasDownstream.add(u);
    const roots: string[] = [];
    const leaves: string[] = [];
    const at = (id: string): string => (prefix ? `${prefix}/${id}` : id);
    for (const n of list) {
      const p = add(n, prefix, parent, scope);
      if ((n.upstreamNodeIds ?? []).length === 0) roots.push(p);
      if (!hasDownstream.has(n.id ?? "")) leaves.push(p);
      for (const u of n.upstreamNodeIds ?? []) edges.push({ from: at(u), to: p });
    }
    return { roots, leaves };
  };

  if (spec.template) template(spec.template, "", undefined, own);

  const g = new Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: "LR", nodesep: 22, ranksep: 56, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) {
    g.setNode(n.path, n.expanded ? { paddingTop: 34 } : { width: n.width, height: n.height });
    if (n.parent) g.setParent(n.path, n.parent);
  }
  // An edge to or from an expanded node goes to its inner nodes instead (dagre lays out edges between leaves).
  const ends = (p: string, map: Map<string, string[]>): string[] => {
    const inner = map.get(p);
    return inner && inner.length > 0 ? inner.flatMap((q) => ends(q, map)) : [p];
  };
  const drawn: DrawnEdge[] = [];
  const seen = new Set<string>();
  for (const e of edges) {
    if (!g.hasNode(e.from) || !g.hasNode(e.to)) continue;
    for (const from of ends(e.from, exits)) {
      for (const to of ends(e.to, entries)) {
        const k = `${from}\u0000${to}`;
        if (seen.has(k)) continue;
        seen.add(k);
        g.setEdge(from, to);
        drawn.push({ from, to, points: [] });
      }
    }
  }
  layout(g);
  for (const n of nodes) {
    const l = g.node(n.path) as { x: number; y: number; width: number; height: number };
    n.width = l.width;
    n.height = l.height;
    n.x = l.x - l.width / 2;
    n.y = l.y - l.height / 2;
  }
  for (const e of drawn) e.points = ((g.edge(e.from, e.to) as { points?: { x: number; y: number }[] } | undefined)?.points ?? []).map((p) => ({ x: p.x, y: p.y }));
  const gl = g.graph() as { width?: number; height?: number };
  return { nodes, edges: drawn, width: gl.width ?? 0, height: gl.height ?? 0 };
}
