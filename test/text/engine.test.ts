/**
 * Workflows loaded from flytekit-shaped specs run on the durable engine (the
 * embedded SQLite setup, whose worker process loads the tasks module) with
 * the same outputs as in process.
 */
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorkflows, startEmbedded, type Embedded, type LoadedEntity } from "aloft";
import * as tasks from "./snacks-tasks.js";
import { writePackage, type Package } from "./flytekit-specs.js";
import { arrayNodeAndLaunchPlanNode, basicBoolean, dynamics, launchPlans, mapTasks, nestedConditions, subworkflows } from "./snacks-packages.js";

const TASKS = fileURLToPath(new URL("./snacks-tasks.ts", import.meta.url));
let setup: Embedded;

beforeAll(async () => {
  setup = await startEmbedded({ dir: await mkdtemp(path.join(os.tmpdir(), "aloft-text-engine-")), modules: [TASKS], workers: 2, schedules: false });
});
afterAll(async () => {
  await setup?.stop();
});

async function entity(pkg: Package, name?: string): Promise<LoadedEntity> {
  return (await loadWorkflows(await writePackage(pkg), { tasks })).get(name);
}

async function onEngine(e: LoadedEntity, inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const exec = await setup.engine.start(e as never, inputs as never);
  return exec.result({ timeoutMs: 60_000 });
}

describe("loaded workflows on the engine", () => {
  it("gives the outputs the local runner gives", async () => {
    const cases: [LoadedEntity, Record<string, unknown>][] = [
      [await entity(basicBoolean()), { seed: 4 }],
      [await entity(nestedConditions()), { my_input: 0.4 }],
      [await entity(nestedConditions()), { my_input: 5 }],
      [await entity(launchPlans(), "core.flyte_basics.lp.my_wf"), {}],
      [await entity(launchPlans(), "core.flyte_basics.lp.square_3"), {}],
      [await entity(mapTasks()), { a: [1, 2, 3] }],
      [await entity(subworkflows()), { a: 3 }],
      [await entity(dynamics()), { words: ["ab", "c"] }],
      [await entity(arrayNodeAndLaunchPlanNode(), "core.control_flow.map_task.parent_wf"), { a: [1, 2] }],
    ];
    for (const [e, inputs] of cases) {
      const local = await (e as { run(i: Record<string, unknown>): Promise<Record<string, unknown>> }).run(inputs);
      expect(await onEngine(e, inputs), e.name).toEqual(local);
    }
  });

  it("fails a run with the branch's error, as Flyte does", async () => {
    await expect(onEngine(await entity(nestedConditions()), { my_input: 0.8 })).rejects.toThrow(/Only <0\.7 allowed/);
  });
});
