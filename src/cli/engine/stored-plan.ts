/**
 * What the command line reads from a stored execution's workflow spec, when
 * it has no module to compile: its gates (to parse signal values by type)
 * and its size (for the live view), and its title.
 *
 * @module
 */
import type { WorkflowSpec } from "../../idl/specs.js";
import type { ExecutionRow, Store } from "../../store/store.js";
import { collectGates, type GateInfo, type PlanInfo } from "../run/plan-info.js";

/**
 * The plan of a workflow spec (`undefined` for a spec that is not stored).
 *
 * @example
 * ```ts
 * planOfSpec(spec).gates.get("publish"); // { name: "publish", kind: "approve", type: { simple: "BOOLEAN" } }
 * ```
 */
export function planOfSpec(spec: WorkflowSpec | undefined): PlanInfo {
  const gates = new Map<string, GateInfo>();
  collectGates([spec ?? {}], gates);
  return { gates, dynamic: false, topLevelNodes: spec?.template?.nodes?.length ?? 0 };
}

/**
 * What an execution runs, as the live view names it: `workflow "wf"`, `launch plan "lp"`.
 *
 * @example
 * ```ts
 * executionTitle({ workflow: { name: "wf" }, launchPlan: undefined }); // 'workflow "wf"'
 * ```
 */
export function executionTitle(e: { readonly workflow: { readonly name: string }; readonly launchPlan?: { readonly name: string } | undefined }): string {
  return e.launchPlan ? `launch plan ${JSON.stringify(e.launchPlan.name)}` : `workflow ${JSON.stringify(e.workflow.name)}`;
}

/**
 * The plan of a stored execution's workflow.
 *
 * @example
 * ```ts
 * (await storedPlan(store, row)).gates; // the gates of the workflow it runs
 * ```
 */
export async function storedPlan(store: Store, row: ExecutionRow): Promise<PlanInfo> {
  const wf = await store.getEntity("workflow", row.workflow);
  return planOfSpec(wf?.spec as WorkflowSpec | undefined);
}
