/**
 * The runner conformance suite: every scenario runs through the local
 * runner and through the durable engine with the real worker's attempt code,
 * and both must show a user the same thing (outputs or error class, message,
 * fields and causes; the nodes that ran with their phases, attempts, cache
 * status, labels and errors), and what the scenario itself expects.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { observeEngine, observeLocal, startEngine, type EngineSetup } from "./harness.js";
import { entities, scenarios } from "./scenarios.js";

// Through the store's task queue (a worker that claims and reports), and through the direct path of a worker
// in the engine's own process (work leased in the commits that enqueue it, results taken into the next ones:
// `Engine.attachWorker`), as the embedded setup runs: retries, timeouts, caching and aborts must agree either way.
describe.each([
  ["a worker that claims and reports", false],
  ["the engine's own worker, handed work directly", true],
])("runner conformance: the local runner and the engine agree (%s)", (_how, direct) => {
  let setup: EngineSetup;
  beforeAll(async () => {
    setup = await startEngine(entities, { direct });
  });
  afterAll(async () => {
    await setup.stop();
  });

  it("has at least 60 scenarios", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(60);
  });

  for (const s of scenarios) {
    it(s.name, async () => {
      const local = await observeLocal(s);
      if ("outputs" in s.expect) expect(local.outputs, JSON.stringify(local.error)).toEqual(s.expect.outputs);
      else expect(local.error?.map((e) => e.name)).toEqual(s.expect.error);
      const engine = await observeEngine(s, setup.engine);
      expect(engine).toEqual(local);
    });
  }
});
