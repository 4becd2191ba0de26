/**
 * Registering specs compiled elsewhere: malformed specs give a clear error
 * and store nothing.
 */
import { describe, expect, it } from "vitest";
import { compile, compileBundle, idKey, task, workflow, t, CompileError, type WorkflowSpec } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import type { SpecToRegister } from "../../src/engine/spec-check.js";

const add = task({ name: "rs_add", inputs: { a: t.int }, outputs: t.int }, ({ a }) => a + 1);
const wf = workflow({ name: "rs_wf", inputs: { a: t.int } }, ({ a }) => add({ a: add({ a }) }));

function batch(): SpecToRegister[] {
  const b = compileBundle(wf, { version: "v1" });
  return [...[...b.tasks.values()].map((spec) => ({ kind: "task" as const, spec })), ...[...b.workflows.values()].map((spec) => ({ kind: "workflow" as const, spec }))];
}

async function engine() {
  const store = new MemoryStore();
  return { store, engine: await Engine.open({ store, schedules: false }) };
}

describe("registering specs from elsewhere", () => {
  it("stores a well-formed batch, and again is a no-op", async () => {
    const { engine: e, store } = await engine();
    expect((await e.registerSpecs(batch())).map((r) => r.created)).toEqual([true, true]);
    expect((await e.registerSpecs(batch())).map((r) => r.created)).toEqual([false, false]);
    expect(await store.listEntities("workflow")).toHaveLength(1);
  });

  const broken: [string, (b: SpecToRegister[]) => SpecToRegister[], RegExp][] = [
    ["an unknown field", (b) => b.map((s) => (s.kind === "workflow" ? { ...s, spec: { ...s.spec, colour: "red" } as WorkflowSpec } : s)), /field colour is unknown/],
    ["a bad enum value", (b) => b.map((s) => (s.kind === "workflow" ? { ...s, spec: JSON.parse(JSON.stringify(s.spec).replace('"INTEGER"', '"INTEGRAL"')) as WorkflowSpec } : s)), /is unknown or has a value of the wrong kind/],
    ["a missing task", (b) => b.filter((s) => s.kind !== "task"), /runs task TASK:aloft\/development\/rs_add@v1, which is neither registered nor being registered/],
    ["an unknown upstream node", (b) => mutate(b, (spec) => (spec.template!.nodes![1]!.upstreamNodeIds = ["n9"])), /node "n1" depends on unknown node "n9"/],
    [
      "a cycle",
      (b) =>
        mutate(b, (spec) => {
          spec.template!.nodes![0]!.upstreamNodeIds = ["n1"];
        }),
      /has a cycle among nodes n0, n1/,
    ],
    ["two targets (a oneof)", (b) => mutate(b, (spec) => (spec.template!.nodes![0]!.gateNode = { sleep: { duration: { seconds: "1" } } })), /not a valid flyteidl.admin.WorkflowSpec/],
  ];
  function mutate(b: SpecToRegister[], f: (spec: WorkflowSpec) => void): SpecToRegister[] {
    return b.map((s) => {
      if (s.kind !== "workflow") return s;
      const spec = JSON.parse(JSON.stringify(s.spec)) as WorkflowSpec;
      f(spec);
      return { ...s, spec };
    });
  }
  it.each(broken)("refuses %s, naming it, and stores nothing", async (_what, breakIt, message) => {
    const { engine: e, store } = await engine();
    const err = await e.registerSpecs(breakIt(batch())).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(CompileError);
    expect((err as Error).message).toMatch(message);
    expect(await store.listEntities("task")).toHaveLength(0);
    expect(await store.listEntities("workflow")).toHaveLength(0);
  });

  it("starts executions of what it registered", async () => {
    const { engine: e, store } = await engine();
    await e.registerSpecs(batch());
    const id = compile(wf, { version: "v1" }).template!.id!;
    expect(idKey(id)).toBe("WORKFLOW:aloft/development/rs_wf@v1");
    const exec = await e.startRegistered("workflow", { project: "aloft", domain: "development", name: "rs_wf", version: "v1" }, { a: 1 });
    expect((await store.getExecution(exec))?.phase).toBe("queued");
  });
});
