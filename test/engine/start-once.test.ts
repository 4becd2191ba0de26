/**
 * `engine.start` of the same entity again neither recompiles nor re-registers
 * it (the W3 spent its time there), while a `Workflow` builder, which
 * can still change, is registered at every start.
 */
import { describe, expect, it } from "vitest";
import { task, workflow, Workflow, t } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";

const inc = task({ name: "so_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const wf = workflow({ name: "so_wf", inputs: { x: t.int } }, ({ x }) => ({ y: inc({ x }) }));

function counting(): { store: MemoryStore; registrations: () => number } {
  const store = new MemoryStore();
  let n = 0;
  const register = store.registerEntity.bind(store);
  store.registerEntity = (e) => {
    n++;
    return register(e);
  };
  return { store, registrations: () => n };
}

describe("engine.start registers an entity once", () => {
  it("writes the specs of a workflow at its first start only, and again for other options", async () => {
    const { store, registrations } = counting();
    const engine = await Engine.open({ store, schedules: false });
    await engine.start(wf, { x: 1 });
    const first = registrations();
    expect(first).toBeGreaterThan(0);
    await engine.start(wf, { x: 2 });
    await engine.start(wf, { x: 3 });
    expect(registrations()).toBe(first);
    await engine.start(wf, { x: 4 }, { version: "v2" });
    expect(registrations()).toBe(2 * first);
    expect((await engine.list({}, { limit: 10 })).items.length).toBe(4);
  });

  it("registers a Workflow builder at every start (it may have changed)", async () => {
    const { store, registrations } = counting();
    const engine = await Engine.open({ store, schedules: false });
    const b = new Workflow("so_builder");
    b.addWorkflowOutput("y", b.addEntity(inc, { x: b.addWorkflowInput("x", t.int) }).outputs.o0);
    await engine.start(b, { x: 1 });
    const first = registrations();
    await engine.start(b, { x: 1 });
    expect(registrations()).toBe(2 * first);
  });
});
