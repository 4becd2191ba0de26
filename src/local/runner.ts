/**
 * The local runner: compiles an entity once, then executes its spec in
 * process. This is what `entity.run(...)` uses.
 *
 * @module
 */
import { InputValueError } from "../errors.js";
import { compileBundle, type CompiledBundle } from "../compiler/compile.js";
import type { EntityDefinition } from "../sdk/entity.js";
import type { EntityRunner, RunOptions } from "../sdk/runner-port.js";
import { Planner } from "./plan.js";
import { runWorkflowPlan } from "./execute-workflow.js";
import { invokeTask, type Outputs } from "./invoke-task.js";
import { checkRunInputs } from "./values.js";

/** The version local runs compile with; nothing is registered. */
const LOCAL_VERSION = "local";

interface Prepared {
  readonly bundle: CompiledBundle;
  readonly planner: Planner;
}

const prepared = new WeakMap<EntityDefinition, Prepared>();

function prepare(def: EntityDefinition): Prepared {
  let p = prepared.get(def);
  if (!p) {
    const bundle = compileBundle(def, { version: LOCAL_VERSION });
    p = { bundle, planner: new Planner(bundle) };
    prepared.set(def, p);
  }
  return p;
}

function checkMaxParallelism(options: RunOptions): number {
  const mp = options.maxParallelism;
  if (mp === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(mp) || mp < 1) throw new InputValueError(`maxParallelism must be a whole number of at least 1, got ${String(mp)}`, "run", "maxParallelism");
  return mp;
}

/**
 * Runs entities in process.
 *
 * @example
 * ```ts
 * const runner = new LocalRunner();
 * await runner.run(definitionOf(wf)!, { x: [1, 2], y: [3, 4] }, { maxParallelism: 4 });
 * ```
 */
export class LocalRunner implements EntityRunner {
  async run(def: EntityDefinition, inputs: Record<string, unknown>, options: RunOptions): Promise<Outputs> {
    const maxParallelism = checkMaxParallelism(options);
    const { bundle, planner } = prepare(def);
    const controller = new AbortController();
    const env = { maxParallelism, signal: controller.signal };
    const label = `${def.kind === "launchPlan" ? "launch plan" : def.kind} ${JSON.stringify(def.name)}`;
    try {
      switch (def.kind) {
        case "task": {
          const task = planner.task(bundle.root);
          const checked = checkRunInputs(task.inputs, inputs, label);
          return await invokeTask(task, checked, { taskName: def.name, attempt: 1, signal: controller.signal });
        }
        case "workflow":
          return await runWorkflowPlan(planner.workflow(bundle.root), inputs, env, label);
        case "launchPlan": {
          const lp = planner.launchPlan(bundle.root);
          for (const name of Object.keys(inputs ?? {})) {
            if (Object.prototype.hasOwnProperty.call(lp.fixed, name)) throw new InputValueError(`${label} fixes input ${JSON.stringify(name)}; it cannot be overridden`, def.name, name);
          }
          const plan = lp.plan();
          const open = plan.inputs.filter((c) => !Object.prototype.hasOwnProperty.call(lp.fixed, c.name));
          const checked = checkRunInputs(open, inputs, label, lp.defaults);
          return await runWorkflowPlan(plan, { ...checked, ...lp.fixed }, env, label);
        }
      }
    } finally {
      controller.abort();
    }
  }
}
