/**
 * Loading an execution for stepping: its rows, every spec it runs (from the
 * registry), the outputs a recovery may reuse, and the derived bookkeeping.
 *
 * @module
 */
import type { Identifier, LiteralMap } from "../idl/core.js";
import type { LaunchPlanSpec, Node, TaskSpec, WorkflowSpec, WorkflowTemplate } from "../idl/specs.js";
import type { EntityKey, ExecutionRow, Store } from "../store/store.js";
import { SpecSet } from "./spec-index.js";
import type { BlobStore } from "../store/blob-store.js";
import { readOffloaded } from "./offload.js";
import { deriveState, nodeSpecOf, type ExecState } from "./state.js";
import { EntityNotRegisteredError, ExecutionNotFoundError } from "./errors.js";
import type { EntitySource } from "./entity-cache.js";

function idOf(kind: "TASK" | "WORKFLOW" | "LAUNCH_PLAN", key: EntityKey): Identifier {
  return { resourceType: kind, project: key.project, domain: key.domain, name: key.name, version: key.version };
}

function keyOf(id: Identifier): EntityKey {
  return { project: id.project ?? "", domain: id.domain ?? "", name: id.name ?? "", version: id.version ?? "" };
}

function innerNodes(node: Node): Node[] {
  const out: Node[] = [node];
  const ie = node.branchNode?.ifElse;
  if (ie) {
    for (const b of [ie.case, ...(ie.other ?? [])]) if (b?.thenNode) out.push(...innerNodes(b.thenNode));
    if (ie.elseNode) out.push(...innerNodes(ie.elseNode));
  }
  if (node.arrayNode?.node) out.push(...innerNodes(node.arrayNode.node));
  return out;
}

/** Loads every task and launch plan a workflow spec references into `specs`. */
export async function loadReferences(store: EntitySource, specs: SpecSet, templates: readonly (WorkflowTemplate | undefined)[]): Promise<void> {
  for (const t of templates) {
    for (const top of [...(t?.nodes ?? []), ...(t?.failureNode ? [t.failureNode] : [])]) {
      for (const n of innerNodes(top)) {
        const taskId = n.taskNode?.referenceId;
        if (taskId && !specs.hasTask(taskId)) {
          const e = await store.getEntity("task", keyOf(taskId));
          if (!e) throw EntityNotRegisteredError.of("task", keyOf(taskId));
          specs.addTask(e.spec as TaskSpec);
        }
        const lpId = n.workflowNode?.launchplanRef;
        if (lpId && !specs.hasLaunchPlan(lpId)) {
          const e = await store.getEntity("launchPlan", keyOf(lpId));
          if (!e) throw EntityNotRegisteredError.of("launchPlan", keyOf(lpId));
          specs.addLaunchPlan(lpId, e.spec as LaunchPlanSpec);
        }
      }
    }
  }
}

/** Loads a registered workflow's spec and everything it references. */
export async function loadWorkflowSpecs(store: EntitySource, key: EntityKey, specs = new SpecSet()): Promise<{ specs: SpecSet; spec: WorkflowSpec }> {
  const e = await store.getEntity("workflow", key);
  if (!e) throw EntityNotRegisteredError.of("workflow", key);
  const spec = e.spec as WorkflowSpec;
  specs.addWorkflow(spec);
  await loadReferences(store, specs, [spec.template, ...(spec.subWorkflows ?? [])]);
  return { specs, spec };
}

/**
 * Loads an execution for stepping.
 *
 * @example
 * ```ts
 * const state = await loadExecution(store, "exec-1", blobs); // blobs: where offloaded values are kept
 * ```
 */
export async function loadExecution(store: Store, id: string, blobs?: BlobStore, entities: EntitySource = store): Promise<ExecState> {
  const exec = await store.getExecution(id);
  if (!exec) throw new ExecutionNotFoundError(id);
  const { specs } = await loadWorkflowSpecs(entities, exec.workflow);
  const rows = await store.listNodes(id);
  for (const row of rows) {
    const dyn = row.data.kind === "dynamic" ? row.data.dynamicSpec : undefined;
    if (dyn) {
      specs.addWorkflow(dyn.workflow);
      for (const t of dyn.tasks) specs.addTask(t);
      await loadReferences(entities, specs, [dyn.workflow.template, ...(dyn.workflow.subWorkflows ?? [])]);
    }
  }
  const recovered = await recoveredOutputs(store, exec);
  const state: ExecState = {
    exec,
    nodes: new Map(rows.map((r) => [r.path, r])),
    specs,
    recovered,
    scopes: new Map(),
    running: 0,
    waiting: [],
    pending: new Map(),
    offloaded: new Map(),
  };
  // Offloaded values are read here, not by the machine: inputs and outputs kept in the blob store.
  // One that cannot be read fails the map node that needs it, with an OffloadedValueError.
  await readOffloaded([exec.inputs, ...rows.map((r) => r.outputs)], blobs, state.offloaded).catch(() => undefined);
  const root = specs.template(idOf("WORKFLOW", exec.workflow));
  deriveState(state, root, (prefix) => {
    const parentPath = prefix.slice(0, -1);
    const row = state.nodes.get(parentPath);
    const dyn = row?.data.kind === "dynamic" ? row.data.dynamicSpec : undefined;
    if (dyn?.workflow.template) return dyn.workflow.template;
    const ref = nodeSpecOf(state, parentPath)?.workflowNode?.subWorkflowRef;
    return ref ? specs.template(ref) : undefined;
  });
  return state;
}

async function recoveredOutputs(store: Store, exec: ExecutionRow): Promise<Map<string, LiteralMap>> {
  const out = new Map<string, LiteralMap>();
  const from = exec.lineage.recoverOf;
  if (from === undefined) return out;
  for (const row of await store.listNodes(from)) {
    if (row.phase === "succeeded" && (row.data.kind === "task" || row.data.kind === "element") && row.outputs) out.set(row.path, row.outputs);
  }
  return out;
}
