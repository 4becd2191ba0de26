import { describe, expect, it } from "vitest";
import { LaunchPlan, Workflow, workflow, t, LaunchPlanError, InputValueError, UnknownInputError } from "aloft";
import { add } from "../fixtures.js";

const base = workflow({ name: "lp_base", inputs: { a: t.int, b: t.int } }, ({ a, b }) => add({ a, b }));

describe("LaunchPlan", () => {
  it("merges defaults, then the given inputs", async () => {
    const lp = LaunchPlan.create("lp_defaults", base, { defaultInputs: { a: 1, b: 2 } });
    await expect(lp.run()).resolves.toEqual({ o0: 3 });
    await expect(lp.run({ b: 10 })).resolves.toEqual({ o0: 11 });
  });

  it("fixes inputs that callers cannot override", async () => {
    const lp = LaunchPlan.create("lp_fixed", base, { fixedInputs: { a: 100 } });
    await expect(lp.run({ b: 1 })).resolves.toEqual({ o0: 101 });
    await expect(lp.run({ a: 1, b: 1 } as never)).rejects.toThrow(InputValueError);
    await expect(lp.run({ a: 1, b: 1 } as never)).rejects.toThrow('launch plan "lp_fixed" fixes input "a"; it cannot be overridden');
    expect(Object.keys(lp.interface.inputs)).toEqual(["b"]);
  });

  it("is an entity: added with no bindings it uses its defaults", async () => {
    const lp = LaunchPlan.create("lp_node", base, { defaultInputs: { a: 2, b: 3 } });
    const wf = new Workflow("uses_lp");
    const n = wf.addLaunchPlan(lp);
    wf.addWorkflowOutput("r", n.outputs.o0);
    await expect(wf.run()).resolves.toEqual({ r: 5 });
  });

  it("refuses binding a fixed input in a node", () => {
    const lp = LaunchPlan.create("lp_fixed_node", base, { fixedInputs: { a: 1 } });
    const wf = new Workflow("w");
    expect(() => wf.addLaunchPlan(lp, { a: 1, b: 2 } as never)).toThrow(UnknownInputError);
    expect(() => wf.addLaunchPlan(lp, { a: 1, b: 2 } as never)).toThrow('launch plan "lp_fixed_node" fixes that input');
  });

  it("requires the inputs without defaults", async () => {
    const lp = LaunchPlan.create("lp_partial", base, { defaultInputs: { a: 1 } });
    await expect(lp.run({} as never)).rejects.toThrow('launch plan "lp_partial" is missing input "b" (int)');
  });

  it("rejects a second plan under the same name with different settings", () => {
    const first = LaunchPlan.create("lp_same", base, { defaultInputs: { a: 1 } });
    expect(LaunchPlan.create("lp_same", base, { defaultInputs: { a: 1 } })).toBe(first);
    expect(() => LaunchPlan.create("lp_same", base, { defaultInputs: { a: 2 } })).toThrow(LaunchPlanError);
    expect(() => LaunchPlan.create("lp_same", base, { defaultInputs: { a: 2 } })).toThrow('a launch plan named "lp_same" already exists with different settings');
  });

  it("checks defaults and fixed inputs against the workflow's interface", () => {
    expect(() => LaunchPlan.create("lp_bad1", base, { defaultInputs: { c: 1 } as never })).toThrow('launch plan "lp_bad1": defaultInputs names "c", which is not an input of the workflow (inputs: a, b)');
    expect(() => LaunchPlan.create("lp_bad2", base, { fixedInputs: { a: "x" } as never })).toThrow(/fixedInputs value of "a" does not fit int/);
    expect(() => LaunchPlan.create("lp_bad3", base, { fixedInputs: { a: 1 }, defaultInputs: { a: 2 } })).toThrow(/both a default and a fixed input/);
  });

  it("getOrCreate gives the default plan, named after the workflow", async () => {
    const lp = LaunchPlan.getOrCreate(base);
    expect(lp.name).toBe("lp_base");
    expect(LaunchPlan.getOrCreate(base)).toBe(lp);
    await expect(lp.run({ a: 1, b: 1 })).resolves.toEqual({ o0: 2 });
  });
});
