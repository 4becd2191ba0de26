/**
 * Subworkflow and launch-plan nodes in the local runner: the child workflow
 * runs with the parent's environment, its nodes reported under the node's path.
 *
 * @module
 */
import type { LiteralType } from "../../idl/core.js";
import type { NodeTarget } from "../target.js";
import { executeWorkflow } from "../execute-workflow.js";
import type { WorkflowPlan } from "../plan.js";
import { launchPlanInputs } from "../../rules/values.js";

function inputTypesOf(plan: WorkflowPlan): Record<string, LiteralType | undefined> {
  return Object.fromEntries(Object.entries(plan.interface?.inputs?.variables ?? {}).map(([k, v]) => [k, v.type]));
}

/** The target of a node that runs a subworkflow. */
export function subworkflowTarget(label: string, plan: () => WorkflowPlan): NodeTarget {
  return {
    label,
    get inputTypes() {
      return inputTypesOf(plan());
    },
    run: (inputs, call) => executeWorkflow(plan(), inputs, call.env, `${call.path}/`),
  };
}

/** The target of a node that runs a launch plan: its defaults, then the bound inputs, then its fixed inputs. */
export function launchPlanTarget(label: string, plan: () => WorkflowPlan, defaults: Readonly<Record<string, unknown>>, fixed: Readonly<Record<string, unknown>>): NodeTarget {
  return {
    label,
    get inputTypes() {
      return inputTypesOf(plan());
    },
    run: (inputs, call) => executeWorkflow(plan(), launchPlanInputs(defaults, inputs, fixed), call.env, `${call.path}/`),
  };
}
