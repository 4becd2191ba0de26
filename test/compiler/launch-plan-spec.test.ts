/**
 * LaunchPlanSpec: the workflow it launches, its parameters (default and
 * required inputs) and its fixed inputs.
 */
import { describe, expect, it } from "vitest";
import { compile, compileBundle, LaunchPlan, t, task, workflow, type LaunchPlanSpec } from "aloft";
import { expectProtoForm, idOf, TARGET } from "./expect-spec.js";

const int = (n: number) => ({ scalar: { primitive: { integer: String(n) } } });
const INT = { simple: "INTEGER" };
const OPTIONAL_INT = { unionType: { variants: [{ simple: "INTEGER", structure: { tag: "int" } }, { simple: "NONE", structure: { tag: "none" } }] } };

const combine = task({ name: "lps_combine", inputs: { a: t.int, b: t.int, c: t.optional(t.int), xs: t.list(t.int), m: t.map(t.str) }, outputs: t.int }, ({ a, b }) => a + b);
const base = workflow({ name: "lps_base", inputs: { a: t.int, b: t.int, c: t.optional(t.int), xs: t.list(t.int), m: t.map(t.str) } }, (inputs) => combine(inputs));

function launchPlanSpec(entity: Parameters<typeof compile>[0]): LaunchPlanSpec {
  const spec = compile(entity, TARGET) as LaunchPlanSpec;
  expectProtoForm("flyteidl.admin.LaunchPlanSpec", spec);
  return spec;
}

describe("LaunchPlanSpec", () => {
  it("points at its workflow by a WORKFLOW identifier and lists every input as a parameter", () => {
    const lp = LaunchPlan.create("lps_plain", base);
    expect(launchPlanSpec(lp)).toStrictEqual({
      workflowId: idOf("WORKFLOW", "lps_base"),
      entityMetadata: {},
      defaultInputs: {
        parameters: {
          a: { var: { type: INT, description: "a" }, required: true },
          b: { var: { type: INT, description: "b" }, required: true },
          c: { var: { type: OPTIONAL_INT, description: "c" }, default: { scalar: { union: { value: { scalar: { noneType: {} } }, type: { simple: "NONE", structure: { tag: "none" } } } } } },
          xs: { var: { type: { collectionType: INT }, description: "xs" }, required: true },
          m: { var: { type: { mapValueType: { simple: "STRING" } }, description: "m" }, required: true },
        },
      },
      fixedInputs: {},
    });
  });

  it("writes default inputs as parameter defaults and fixed inputs as literals, leaving fixed inputs out of the parameters", () => {
    const lp = LaunchPlan.create("lps_defaults_and_fixed", base, { defaultInputs: { b: 0, c: 5, xs: [1, 2] }, fixedInputs: { a: 7, m: { k: "v" } } });
    const spec = launchPlanSpec(lp);
    expect(spec.defaultInputs?.parameters).toStrictEqual({
      b: { var: { type: INT, description: "b" }, default: int(0) },
      c: { var: { type: OPTIONAL_INT, description: "c" }, default: { scalar: { union: { value: int(5), type: { simple: "INTEGER", structure: { tag: "int" } } } } } },
      xs: { var: { type: { collectionType: INT }, description: "xs" }, default: { collection: { literals: [int(1), int(2)] } } },
    });
    expect(spec.fixedInputs).toStrictEqual({ literals: { a: int(7), m: { map: { literals: { k: { scalar: { primitive: { stringValue: "v" } } } } } } } });
  });

  it("writes empty list and map defaults without an empty literals field (regression: protobuf dropped it)", () => {
    const lp = LaunchPlan.create("lps_empty_defaults", base, { defaultInputs: { xs: [] }, fixedInputs: { m: {} } });
    const spec = launchPlanSpec(lp);
    expect(spec.defaultInputs?.parameters?.xs?.default).toStrictEqual({ collection: {} });
    expect(spec.fixedInputs).toStrictEqual({ literals: { m: { map: {} } } });
  });

  it("writes maxParallelism", () => {
    const lp = LaunchPlan.create("lps_parallelism", base, { maxParallelism: 4 });
    expect(launchPlanSpec(lp).maxParallelism).toBe(4);
  });

  it("of a workflow with no inputs has empty default and fixed inputs", () => {
    const tick = task({ name: "lps_tick", outputs: t.int }, () => 1);
    const wf = workflow({ name: "lps_no_inputs" }, () => tick());
    const spec = launchPlanSpec(LaunchPlan.getOrCreate(wf));
    expect(spec).toStrictEqual({ workflowId: idOf("WORKFLOW", "lps_no_inputs"), entityMetadata: {}, defaultInputs: {}, fixedInputs: {} });
  });

  it("compiles in a bundle with its workflow and tasks, all of one version", () => {
    const lp = LaunchPlan.create("lps_bundled", base, { defaultInputs: { a: 1 } });
    const bundle = compileBundle(lp, TARGET);
    expect(bundle.root).toStrictEqual(idOf("LAUNCH_PLAN", "lps_bundled"));
    expect([...bundle.launchPlans.keys()]).toEqual(["LAUNCH_PLAN:flytesnacks/development/lps_bundled@v1"]);
    expect([...bundle.workflows.keys()]).toEqual(["WORKFLOW:flytesnacks/development/lps_base@v1"]);
    expect([...bundle.tasks.keys()]).toEqual(["TASK:flytesnacks/development/lps_combine@v1"]);
    for (const spec of bundle.workflows.values()) expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("of a plan called inside another workflow is compiled once, under its own name", () => {
    const lp = LaunchPlan.create("lps_inner", base, { fixedInputs: { c: null, xs: [], m: {} } });
    const outer = workflow({ name: "lps_outer", inputs: { a: t.int } }, ({ a }) => lp({ a, b: lp({ a, b: a }) }));
    const bundle = compileBundle(outer, TARGET);
    expect([...bundle.launchPlans.keys()]).toEqual(["LAUNCH_PLAN:flytesnacks/development/lps_inner@v1"]);
    const spec = [...bundle.launchPlans.values()][0];
    expect(spec?.fixedInputs?.literals?.c).toStrictEqual({ scalar: { union: { value: { scalar: { noneType: {} } }, type: { simple: "NONE", structure: { tag: "none" } } } } });
    expectProtoForm("flyteidl.admin.LaunchPlanSpec", spec ?? {});
  });
});
