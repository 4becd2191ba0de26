/**
 * Options shared by imperative and declarative workflows.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import type { FailurePolicy } from "./entity.js";

/** Options of a workflow. */
export interface WorkflowOptions {
  /** `"failImmediately"` (default) or `"failAfterExecutableNodesComplete"`, as in Flyte. */
  readonly failurePolicy?: FailurePolicy;
  /** Default `interruptible` for the workflow's nodes. */
  readonly interruptible?: boolean;
}

/** Validates workflow options. */
export function checkWorkflowOptions(options: WorkflowOptions, name: string): { failurePolicy: FailurePolicy; interruptible: boolean | undefined } {
  const policy = options.failurePolicy ?? "failImmediately";
  if (policy !== "failImmediately" && policy !== "failAfterExecutableNodesComplete") {
    throw new InvalidOptionError(`workflow ${JSON.stringify(name)}: failurePolicy must be "failImmediately" or "failAfterExecutableNodesComplete", got ${JSON.stringify(policy)}`, { entity: name });
  }
  if (options.interruptible !== undefined && typeof options.interruptible !== "boolean") {
    throw new InvalidOptionError(`workflow ${JSON.stringify(name)}: interruptible must be a boolean`, { entity: name });
  }
  return { failurePolicy: policy, interruptible: options.interruptible };
}
