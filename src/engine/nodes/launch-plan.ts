/**
 * Launch-plan nodes in the engine: each starts a child execution of its own
 * (id derived from the parent's and the node's path), which reports back
 * with a `childEnded` event.
 *
 * @module
 */
import type { Literal, LiteralMap } from "../../idl/core.js";
import type { Node } from "../../idl/specs.js";
import { childExecutionId, entityKey } from "../step.js";
import { labelOf, type NodeHost } from "./host.js";
import { launchPlanInputs } from "../../rules/values.js";

/**
 * Starts launch-plan node `node` at `path`: the plan's defaults, then the
 * node's inputs, then the plan's fixed inputs make the child's inputs.
 *
 * @example
 * ```ts
 * startLaunchPlan(host, "n1", node, inputs); // creates execution "<id>-n1" and its start event
 * ```
 */
export function startLaunchPlan(host: NodeHost, path: string, node: Node, inputs: LiteralMap): void {
  const { step } = host;
  const exec = step.state.exec;
  const lpId = node.workflowNode!.launchplanRef!;
  const lp = step.state.specs.launchPlan(lpId);
  const childId = childExecutionId(exec.id, path);
  const defaults: Record<string, Literal> = {};
  for (const [k, p] of Object.entries(lp.defaultInputs?.parameters ?? {})) if (p.default) defaults[k] = p.default;
  const literals = launchPlanInputs(defaults, inputs.literals ?? {}, lp.fixedInputs?.literals ?? {});
  step.newNode(path, labelOf(node), inputs, { kind: "launchPlan", childId });
  const now = step.now;
  step.createExecutions.push({
    id: childId,
    project: lp.workflowId?.project ?? "",
    domain: lp.workflowId?.domain ?? "",
    workflow: entityKey(lp.workflowId ?? {}),
    launchPlan: entityKey(lpId),
    phase: "queued",
    inputs: { literals },
    outputs: undefined,
    error: undefined,
    settings: { ...(lp.maxParallelism ? { maxParallelism: lp.maxParallelism } : {}), overwriteCache: exec.settings.overwriteCache },
    lineage: { parent: { executionId: exec.id, path } },
    live: { pendingAnswers: {} },
    createdAt: now,
    startedAt: undefined,
    endedAt: undefined,
    updatedAt: now,
  });
  step.events.push({ executionId: childId, body: { type: "start" } });
}
