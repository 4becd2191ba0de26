/**
 * The local runner: compiles an entity once, then executes its spec in
 * process. This is what `entity.run(...)` and `entity.start(...)` use.
 *
 * @module
 */
import { AbortedError } from "../errors.js";
import { compileForLocalRun } from "../compiler/compile.js";
import { describeEntity, type EntityDefinition } from "../sdk/entity.js";
import type { EntityRunner, RunOptions } from "../sdk/runner-port.js";
import { Planner, type PlannedLaunchPlan, type WorkflowPlan } from "./plan.js";
import { executeWorkflow, runWorkflowPlan } from "./execute-workflow.js";
import { makeEnvironment, type RunEnvironment } from "./environment.js";
import { LocalExecution } from "./execution.js";
import { taskTarget, type PlannedTask } from "./targets/task.js";
import { checkRunInputs, launchPlanInputs, refuseFixedInputs } from "../rules/values.js";
import type { Outputs } from "./target.js";

/** The version local runs compile with; nothing is registered. */
const LOCAL_VERSION = "local";

/**
 * What a run of an entity starts from, planned on its first run. It keeps the
 * plans, not the bundle: a workflow's specs can then be collected (unless a
 * node plans more later: subworkflows and launch plans keep their planner).
 */
type Prepared =
  | { readonly kind: "task"; readonly task: PlannedTask }
  | { readonly kind: "workflow" | "mapTask"; readonly plan: WorkflowPlan }
  | { readonly kind: "launchPlan"; readonly launchPlan: PlannedLaunchPlan };

const prepared = new WeakMap<EntityDefinition, Prepared>();

function prepare(def: EntityDefinition): Prepared {
  let p = prepared.get(def);
  if (!p) {
    const bundle = compileForLocalRun(def, LOCAL_VERSION);
    const planner = new Planner(bundle);
    switch (def.kind) {
      case "task":
        p = { kind: "task", task: planner.task(bundle.root) };
        break;
      case "workflow":
      case "mapTask":
        p = { kind: def.kind, plan: planner.workflow(bundle.root) };
        break;
      case "launchPlan":
        p = { kind: "launchPlan", launchPlan: planner.launchPlan(bundle.root) };
        break;
    }
    prepared.set(def, p);
  }
  return p;
}

function labelOf(def: EntityDefinition): string {
  return describeEntity(def);
}

async function execute(def: EntityDefinition, inputs: Record<string, unknown>, env: RunEnvironment): Promise<Outputs> {
  const p = prepare(def);
  const label = labelOf(def);
  switch (p.kind) {
    case "task": {
      const task = p.task;
      const checked = checkRunInputs(task.inputs, inputs, label);
      const record = env.recorder.start(def.name, label);
      try {
        const out = await taskTarget(task, undefined).run(checked, { env, path: def.name, metadata: undefined, record });
        record.end("succeeded");
        return out;
      } catch (e) {
        record.end(record.phase === "timedOut" ? "timedOut" : "failed", e);
        throw e;
      }
    }
    case "workflow":
      return runWorkflowPlan(p.plan, inputs, env, label);
    case "launchPlan": {
      const lp = p.launchPlan;
      refuseFixedInputs(label, inputs, lp.fixed);
      const plan = lp.plan();
      const open = plan.inputs.filter((c) => !Object.prototype.hasOwnProperty.call(lp.fixed, c.name));
      const checked = checkRunInputs(open, inputs, label, lp.defaults);
      return executeWorkflow(plan, launchPlanInputs({}, checked, lp.fixed), env);
    }
    case "mapTask": {
      // The map compiles alone to a workflow of its one array node; that node runs alone, recorded under the map's name.
      const plan = p.plan;
      const target = plan.nodes.targets[0]!;
      const checked = checkRunInputs(plan.inputs, inputs, label);
      const record = env.recorder.start(def.name, target.label);
      try {
        const out = await target.run(checked, { env, path: def.name, metadata: plan.nodes.metadata[0], record });
        record.end("succeeded");
        return out;
      } catch (e) {
        record.end("failed", e);
        throw e;
      }
    }
  }
}

/**
 * Runs entities in process.
 *
 * @example
 * ```ts
 * const run = new LocalRunner().start(definitionOf(wf)!, { x: [1, 2], y: [3, 4] }, { maxParallelism: 4 });
 * await run.result;
 * ```
 */
export class LocalRunner implements EntityRunner {
  start(def: EntityDefinition, inputs: Record<string, unknown>, options: RunOptions): LocalExecution {
    const controller = new AbortController();
    let env: RunEnvironment | undefined;
    let problem: unknown;
    try {
      env = makeEnvironment(options, controller.signal);
    } catch (e) {
      problem = e;
      env = makeEnvironment({}, controller.signal);
    }
    const ready = env;
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason instanceof Error ? controller.signal.reason : new AbortedError(String(controller.signal.reason))), { once: true });
    });
    aborted.catch(() => {});
    return new LocalExecution(ready, controller, () => {
      if (problem !== undefined) return Promise.reject(problem);
      return Promise.race([execute(def, inputs, ready), aborted]);
    });
  }
}
