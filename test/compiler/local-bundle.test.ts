/**
 * The bundle a local run compiles (`compileForLocalRun`): the specs of
 * `compileBundle`, field for field, with the task nodes of one task that set
 * nothing of their own sharing their metadata and task reference objects.
 */
import { describe, expect, it } from "vitest";
import { compileBundle, mapTask, task, t, Workflow, workflow } from "aloft";
import { definitionOf } from "../../src/sdk/entity.js";
import { compileForLocalRun } from "../../src/compiler/compile.js";

const inc = task({ name: "lb_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const patient = task({ name: "lb_patient", inputs: { x: t.int }, outputs: t.int, retries: 2, timeout: "1m", interruptible: true }, ({ x }) => x);
const sub = workflow({ name: "lb_sub", inputs: { x: t.int } }, ({ x }) => inc({ x: inc({ x }) }));
const incAll = mapTask(inc);

function build(): Workflow {
  const wf = new Workflow("lb_wf");
  wf.addWorkflowInput("x", t.int);
  const a = wf.addEntity(inc, { x: wf.inputs.x });
  const b = wf.addEntity(inc, { x: a.outputs.o0 });
  const c = wf.addEntity(patient, { x: b.outputs.o0 });
  const d = wf.addEntity(patient, { x: c.outputs.o0 });
  d.outputs.o0.withOverrides({ name: "renamed", retries: 5, resources: { cpu: "2" } });
  const e = wf.addEntity(inc, { x: d.outputs.o0 });
  e.outputs.o0.withOverrides({ cache: { version: "1" } });
  const s = wf.addEntity(sub, { x: e.outputs.o0 });
  const m = wf.addEntity(incAll, { x: [s.outputs.o0, a.outputs.o0] });
  a.outputs.o0.runsBefore(e.outputs.o0);
  wf.addWorkflowOutput("y", m.outputs.o0);
  return wf;
}

describe("a local run's bundle", () => {
  it("holds the specs compileBundle makes, serialized the same", () => {
    const def = definitionOf(build())!;
    const shared = compileForLocalRun(def, "local");
    const plain = compileBundle(def, { version: "local" });
    expect(shared.root).toEqual(plain.root);
    for (const key of ["tasks", "workflows", "launchPlans"] as const) {
      expect([...shared[key].keys()]).toEqual([...plain[key].keys()]);
      for (const [k, spec] of plain[key]) expect(JSON.stringify(shared[key].get(k))).toBe(JSON.stringify(spec));
    }
    expect([...shared.implementations.keys()]).toEqual([...plain.implementations.keys()]);
  });

  it("shares the metadata and task reference of the nodes of one task that set nothing of their own, and only theirs", () => {
    const bundle = compileForLocalRun(definitionOf(build())!, "local");
    const nodes = bundle.workflows.get([...bundle.workflows.keys()][0]!)!.template!.nodes!;
    const [a, b, c, d, e] = nodes;
    expect(b!.metadata).toBe(a!.metadata);
    expect(b!.taskNode).toBe(a!.taskNode);
    expect(d!.metadata).not.toBe(c!.metadata);
    expect(d!.taskNode).not.toBe(c!.taskNode);
    expect(d!.metadata).toEqual({ name: "renamed", retries: { retries: 5 }, timeout: { seconds: "60" }, interruptible: true });
    expect(c!.metadata).toEqual({ name: "lb_patient", retries: { retries: 2 }, timeout: { seconds: "60" }, interruptible: true });
    expect(e!.metadata).not.toBe(a!.metadata);
    expect(a!.metadata).toEqual({ name: "lb_inc" });
  });

  it("runs the workflow as before", async () => {
    await expect(build().run({ x: 1 })).resolves.toEqual({ y: [7, 3] });
  });
});
