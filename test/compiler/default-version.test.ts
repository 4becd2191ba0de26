/**
 * The default version is computed from a draft compiled without a version;
 * the draft then takes the version instead of being compiled again. The
 * result must be exactly what compiling with that version gives.
 */
import { describe, expect, it } from "vitest";
import { compile, compileBundle, LaunchPlan, t, task, workflow, Workflow, type CompiledBundle } from "aloft";
import { asWorkflowSpec } from "./expect-spec.js";

function application() {
  const step = task({ name: "dv_step", inputs: { a: t.int }, outputs: t.int, retries: 1 }, ({ a }) => a + 1);
  const sub = workflow({ name: "dv_sub", inputs: { a: t.int } }, ({ a }) => step({ a }));
  const inner = workflow({ name: "dv_inner", inputs: { a: t.int } }, ({ a }) => step({ a }));
  const lp = LaunchPlan.create("dv_inner_lp", inner, { defaultInputs: { a: 2 } });
  const wf = new Workflow("dv_app");
  const a = wf.addWorkflowInput("a", t.int);
  const n0 = wf.addEntity(step, { a });
  const n1 = wf.addEntity(sub, { a: n0.outputs.o0 });
  const n2 = wf.addEntity(lp, { a: n0.outputs.o0 });
  wf.addWorkflowOutput("out", [n1.outputs["o0"], n2.outputs["o0"]], t.list(t.int));
  return { wf, lp: LaunchPlan.create("dv_app_lp", wf), step };
}

const asData = (bundle: CompiledBundle) => ({
  root: bundle.root,
  tasks: [...bundle.tasks],
  workflows: [...bundle.workflows],
  launchPlans: [...bundle.launchPlans],
  implementations: [...bundle.implementations.keys()],
});

describe("the default version", () => {
  it("gives the specs and keys that compiling with that version explicitly gives", () => {
    const { wf, lp, step } = application();
    const version = asWorkflowSpec(compile(wf, { project: "p", domain: "d" })).template.id?.version;
    expect(version).toMatch(/^[0-9a-f]{16}$/);
    for (const entity of [wf, lp, step]) {
      const byDefault = compileBundle(entity, { project: "p", domain: "d" });
      const explicit = compileBundle(entity, { project: "p", domain: "d", version: byDefault.root.version });
      expect(asData(byDefault)).toEqual(asData(explicit));
      expect(JSON.stringify(asData(byDefault))).toBe(JSON.stringify(asData(explicit)));
      expect(JSON.stringify(asData(byDefault))).not.toContain('@"');
    }
  });
});
