/**
 * What the CLI needs to know about an entity's compiled spec before it runs:
 * its gates (to parse `--signal` values by type) and how many nodes its
 * top-level workflow has (for the live view's "left" count).
 *
 * @module
 */
import { compileBundle } from "../../compiler/compile.js";
import { idKey } from "../../compiler/identifiers.js";
import type { LiteralType } from "../../idl/core.js";
import type { WorkflowSpec } from "../../idl/specs.js";
import { specGates } from "../../rules/gates.js";
import { describeError, UsageError } from "../errors.js";
import { describeFound, type FoundEntity } from "../load/entities.js";

/** A gate of the entity: what its signal waits for. */
export interface GateInfo {
  readonly name: string;
  readonly kind: "approve" | "signal";
  /** The type of the value; `bool` for approvals. */
  readonly type: LiteralType;
}

/** What the CLI reads from an entity's compiled spec. */
export interface PlanInfo {
  /** The gates of every workflow the entity runs, by signal name. */
  readonly gates: ReadonlyMap<string, GateInfo>;
  /** Whether a dynamic workflow may add gates only known when it runs. */
  readonly dynamic: boolean;
  /** The number of nodes of the top-level workflow (1 for a task). */
  readonly topLevelNodes: number;
}

/**
 * Adds the gates found anywhere in `value` (specs, or lists of them) to `out`, by signal name.
 *
 * @example
 * ```ts
 * const gates = new Map<string, GateInfo>();
 * collectGates([workflowSpec], gates);
 * ```
 */
export function collectGates(value: readonly (WorkflowSpec | undefined)[], out: Map<string, GateInfo>): void {
  // One walker for the engine, the server and the CLI (`rules/gates.ts`).
  for (const g of specGates(value).values()) out.set(g.name, { name: g.name, kind: g.kind, type: g.type });
}

function nodeCount(spec: WorkflowSpec | undefined): number {
  return spec?.template?.nodes?.length ?? 0;
}

/**
 * Compiles the entity (as the local runner does) and reads its gates and size.
 *
 * @throws UsageError when the entity does not compile.
 *
 * @example
 * ```ts
 * planInfo(found).gates.get("publish"); // { name: "publish", kind: "approve", type: { simple: "BOOLEAN" } }
 * ```
 */
export function planInfo(found: FoundEntity): PlanInfo {
  let bundle;
  try {
    bundle = compileBundle(found.def, { version: "local" });
  } catch (e) {
    throw new UsageError(`${describeFound(found)} does not compile: ${describeError(e)}`, { cause: e });
  }
  const gates = new Map<string, GateInfo>();
  collectGates([...bundle.workflows.values()], gates);
  const dynamic = [...bundle.implementations.values()].some((impl) => impl.dynamic !== undefined);
  let topLevelNodes = 1;
  if (found.def.kind === "workflow") topLevelNodes = nodeCount(bundle.workflows.get(idKey(bundle.root)));
  else if (found.def.kind === "launchPlan") {
    const wid = bundle.launchPlans.get(idKey(bundle.root))?.workflowId;
    topLevelNodes = wid ? nodeCount(bundle.workflows.get(idKey(wid))) : 0;
  }
  return { gates, dynamic, topLevelNodes };
}
