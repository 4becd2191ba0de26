/**
 * Checks of specs that come from outside the SDK (files written by `aloft
 * compile`, or Flyte's own packaging) before the engine stores them: the
 * protobuf form, and what the engine relies on to run a workflow.
 *
 * @module
 */
import type { Identifier } from "../idl/core.js";
import type { LaunchPlanSpec, Node, TaskSpec, WorkflowSpec, WorkflowTemplate } from "../idl/specs.js";
import { CompileError } from "../errors.js";
import { checkedMessage } from "../compiler/proto.js";
import { idKey } from "../compiler/identifiers.js";

/** A spec to register, with its kind. */
export type SpecToRegister =
  | { readonly kind: "task"; readonly spec: TaskSpec }
  | { readonly kind: "workflow"; readonly spec: WorkflowSpec }
  | { readonly kind: "launchPlan"; readonly id: Identifier; readonly spec: LaunchPlanSpec };

const MESSAGE = { task: "flyteidl.admin.TaskSpec", workflow: "flyteidl.admin.WorkflowSpec", launchPlan: "flyteidl.admin.LaunchPlanSpec" } as const;

function requireId(id: Identifier | undefined, what: string, kind: Identifier["resourceType"]): Identifier {
  if (!id?.name || !id.project || !id.domain || !id.version) throw new CompileError(`${what} needs an id with project, domain, name and version`);
  if (id.resourceType !== kind) throw new CompileError(`${what} has an id of resource type ${id.resourceType ?? "UNSPECIFIED"}, expected ${kind ?? ""}`);
  return id;
}

function checkTemplate(t: WorkflowTemplate, known: (kind: "task" | "launchPlan" | "workflow", id: Identifier) => boolean): void {
  const name = `workflow ${JSON.stringify(t.id?.name ?? "")}`;
  const nodes = t.nodes ?? [];
  const ids = new Set<string>();
  for (const n of nodes) {
    if (!n.id) throw new CompileError(`${name} has a node without an id`);
    if (ids.has(n.id)) throw new CompileError(`${name} has two nodes with id ${JSON.stringify(n.id)}`);
    ids.add(n.id);
  }
  const checkNode = (n: Node, scope: ReadonlySet<string>): void => {
    const at = `${name}: node ${JSON.stringify(n.id ?? "")}`;
    for (const u of n.upstreamNodeIds ?? []) if (!scope.has(u)) throw new CompileError(`${at} depends on unknown node ${JSON.stringify(u)}`);
    for (const b of n.inputs ?? []) {
      const p = b.binding?.promise;
      if (p && p.nodeId && !scope.has(p.nodeId)) throw new CompileError(`${at}: input ${JSON.stringify(b.var ?? "")} is bound to unknown node ${JSON.stringify(p.nodeId)}`);
    }
    const targets = [n.taskNode, n.workflowNode, n.branchNode, n.gateNode, n.arrayNode].filter((x) => x !== undefined).length;
    if (targets !== 1) throw new CompileError(`${at} must have exactly one target (task, workflow, branch, gate or array node), has ${targets}`);
    if (n.taskNode && !known("task", n.taskNode.referenceId ?? {})) throw new CompileError(`${at} runs task ${idKey(n.taskNode.referenceId ?? {})}, which is neither registered nor being registered`);
    const wn = n.workflowNode;
    if (wn?.subWorkflowRef && !known("workflow", wn.subWorkflowRef)) throw new CompileError(`${at} runs subworkflow ${idKey(wn.subWorkflowRef)}, which the spec does not include`);
    if (wn?.launchplanRef && !known("launchPlan", wn.launchplanRef)) throw new CompileError(`${at} runs launch plan ${idKey(wn.launchplanRef)}, which is neither registered nor being registered`);
    const ie = n.branchNode?.ifElse;
    if (ie) for (const inner of [ie.case?.thenNode, ...(ie.other ?? []).map((o) => o.thenNode), ie.elseNode]) if (inner) checkNode(inner, scope);
    if (n.arrayNode?.node) checkNode(n.arrayNode.node, scope);
  };
  for (const n of nodes) checkNode(n, ids);
  if (t.failureNode) checkNode(t.failureNode, ids);
  // No cycles: every node must be reachable in an order that respects its upstream nodes.
  const indeg = new Map(nodes.map((n) => [n.id!, (n.upstreamNodeIds ?? []).length]));
  const down = new Map<string, string[]>(nodes.map((n) => [n.id!, []]));
  for (const n of nodes) for (const u of n.upstreamNodeIds ?? []) down.get(u)!.push(n.id!);
  const ready = [...indeg].filter(([, d]) => d === 0).map(([id]) => id);
  let seen = 0;
  while (ready.length > 0) {
    const id = ready.pop()!;
    seen++;
    for (const d of down.get(id) ?? []) {
      const left = indeg.get(d)! - 1;
      indeg.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (seen !== nodes.length) throw new CompileError(`${name} has a cycle among nodes ${[...indeg].filter(([, d]) => d > 0).map(([id]) => id).join(", ")}`);
}

/**
 * Checks a batch of specs; throws a `CompileError` naming the first problem.
 * `registered(kind, id)` says whether an entity is already in the registry.
 *
 * @example
 * ```ts
 * checkSpecs([{ kind: "task", spec }], () => false);
 * ```
 */
export function checkSpecs(batch: readonly SpecToRegister[], registered: (kind: "task" | "launchPlan" | "workflow", id: Identifier) => boolean): void {
  const keys = new Set<string>();
  for (const s of batch) {
    checkedMessage(MESSAGE[s.kind], s.spec);
    const id =
      s.kind === "task"
        ? requireId(s.spec.template?.id, "a task spec", "TASK")
        : s.kind === "workflow"
          ? requireId(s.spec.template?.id, "a workflow spec", "WORKFLOW")
          : requireId(s.id, "a launch plan", "LAUNCH_PLAN");
    keys.add(`${s.kind}|${idKey(id)}`);
    if (s.kind === "launchPlan") requireId(s.spec.workflowId, `launch plan ${JSON.stringify(id.name)}: its workflow`, "WORKFLOW");
  }
  const known = (kind: "task" | "launchPlan" | "workflow", id: Identifier) => keys.has(`${kind}|${idKey(id)}`) || registered(kind, id);
  for (const s of batch) {
    if (s.kind !== "workflow") continue;
    const subs = new Set((s.spec.subWorkflows ?? []).map((t) => idKey(t.id ?? {})));
    const knownHere = (kind: "task" | "launchPlan" | "workflow", id: Identifier) => (kind === "workflow" ? subs.has(idKey(id)) : known(kind, id));
    for (const t of [s.spec.template!, ...(s.spec.subWorkflows ?? [])]) checkTemplate(t, knownHere);
  }
}
