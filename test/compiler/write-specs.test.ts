/**
 * writeSpecs: one file per entity, named as Flyte's packaging names them, in
 * binary protobuf or JSON, all or nothing.
 */
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileBundle, DEFAULT_IMAGE, LaunchPlan, SpecWriteError, t, task, Workflow, workflow, writeSpecs, WorkflowNotReadyError } from "aloft";
import imperative from "../../examples/imperative.js";
import { asJson, asWritten, decodeIndependently, roundTrip } from "../helpers/flyteidl.js";
import { idOf, TARGET } from "./expect-spec.js";

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "aloft-write-specs-"));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const add = task({ name: "wsp_add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const inner = workflow({ name: "wsp_inner", inputs: { a: t.int } }, ({ a }) => add({ a, b: 1 }));
const innerPlan = LaunchPlan.create("wsp_inner_lp", inner, { defaultInputs: { a: 2 } });
const outer = workflow({ name: "wsp_outer", inputs: { a: t.int } }, ({ a }) => innerPlan({ a: add({ a, b: a }) }));

describe("writeSpecs, binary", () => {
  it("writes the imperative example as pyflyte package would: <index>_<name>_<1|2|3>.pb, tasks first, and the workflow's default launch plan", async () => {
    const out = path.join(scratch, "_pb_output");
    const files = await writeSpecs(imperative, out, { format: "pb", ...TARGET });
    const names = ["0_slope_1.pb", "1_intercept_1.pb", "2_imperative_workflow_2.pb", "3_imperative_workflow_3.pb"];
    expect(files).toEqual(names.map((f) => path.join(out, f)));
    expect((await readdir(out)).sort()).toEqual(names);
    // writeSpecs gives every task a container, with DEFAULT_IMAGE when no image is given.
    const bundle = compileBundle(imperative, { ...TARGET, image: DEFAULT_IMAGE });
    const [slope, intercept] = [...bundle.tasks.values()];
    expect(decodeIndependently("flyteidl.admin.TaskSpec", await readFile(files[0] ?? ""))).toStrictEqual(asJson(slope));
    expect(decodeIndependently("flyteidl.admin.TaskSpec", await readFile(files[1] ?? ""))).toStrictEqual(asJson(intercept));
    expect(decodeIndependently("flyteidl.admin.WorkflowSpec", await readFile(files[2] ?? ""))).toStrictEqual(asWritten("flyteidl.admin.WorkflowSpec", asJson([...bundle.workflows.values()][0]!)));
    // flytekit core/launch_plan.py LaunchPlan.get_or_create: the default launch plan is named after the workflow, its inputs required.
    const listOfInts = { collectionType: { simple: "INTEGER" } };
    expect(decodeIndependently("flyteidl.admin.LaunchPlan", await readFile(files[3] ?? ""))).toStrictEqual({
      id: idOf("LAUNCH_PLAN", "imperative_workflow"),
      spec: {
        workflowId: idOf("WORKFLOW", "imperative_workflow"),
        entityMetadata: {},
        defaultInputs: { parameters: { x: { var: { type: listOfInts, description: "x" }, required: true }, y: { var: { type: listOfInts, description: "y" }, required: true } } },
        fixedInputs: {},
      },
    });
  });

  it("writes a launch plan as flyteidl.admin.LaunchPlan (its id and spec) after the workflow it launches", async () => {
    const files = await writeSpecs(innerPlan, path.join(scratch, "lp"), TARGET);
    expect(files.map((f) => path.basename(f))).toEqual(["0_wsp_add_1.pb", "1_wsp_inner_2.pb", "2_wsp_inner_lp_3.pb", "3_wsp_inner_3.pb"]);
    const plan = decodeIndependently("flyteidl.admin.LaunchPlan", await readFile(files[2] ?? ""));
    expect(plan).toStrictEqual({ id: idOf("LAUNCH_PLAN", "wsp_inner_lp"), spec: asJson([...compileBundle(innerPlan, TARGET).launchPlans.values()][0]) });
  });

  it("orders a workflow after the launch plans its nodes reference", async () => {
    const files = await writeSpecs(outer, path.join(scratch, "ordered"), TARGET);
    expect(files.map((f) => path.basename(f))).toEqual(["0_wsp_add_1.pb", "1_wsp_inner_2.pb", "2_wsp_inner_lp_3.pb", "3_wsp_outer_2.pb", "4_wsp_inner_3.pb", "5_wsp_outer_3.pb"]);
    const spec = decodeIndependently("flyteidl.admin.WorkflowSpec", await readFile(files[3] ?? ""));
    expect(spec).toMatchObject({ template: { id: idOf("WORKFLOW", "wsp_outer"), nodes: [{ id: "n0" }, { id: "n1", workflowNode: { launchplanRef: idOf("LAUNCH_PLAN", "wsp_inner_lp") } }] } });
  });

  it("pads the index to as many digits as the last index needs", async () => {
    const make = (count: number, prefix: string) => {
      const wf = new Workflow(`${prefix}_wf`);
      for (let i = 0; i < count; i++) wf.addEntity(task({ name: `${prefix}_t${i}` }, () => {}));
      return wf;
    };
    // Each writes its tasks, the workflow and the workflow's default launch plan.
    const ten = await writeSpecs(make(8, "wsp_pad8"), path.join(scratch, "ten"), TARGET);
    expect(ten.map((f) => path.basename(f).split("_")[0])).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    const eleven = await writeSpecs(make(9, "wsp_pad9"), path.join(scratch, "eleven"), TARGET);
    expect(eleven.map((f) => path.basename(f).split("_")[0])).toEqual(["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]);
    expect(path.basename(eleven[9] ?? "")).toBe("09_wsp_pad9_wf_2.pb");
    expect(path.basename(eleven[10] ?? "")).toBe("10_wsp_pad9_wf_3.pb");
  });

  it("makes a file name of an entity name with path separators and spaces", async () => {
    const odd = task({ name: "wsp odd/name\\here" }, () => {});
    const files = await writeSpecs(odd, path.join(scratch, "odd"), TARGET);
    expect(files.map((f) => path.basename(f))).toEqual(["0_wsp_odd_name_here_1.pb"]);
    expect(decodeIndependently("flyteidl.admin.TaskSpec", await readFile(files[0] ?? ""))).toMatchObject({ template: { id: { name: "wsp odd/name\\here" } } });
  });

  it("compiles with a default version when none is given, the same in every file", async () => {
    const files = await writeSpecs(innerPlan, path.join(scratch, "default-version"));
    const plan = decodeIndependently("flyteidl.admin.LaunchPlan", await readFile(files[2] ?? "")) as { id: { version: string }; spec: { workflowId: { version: string } } };
    expect(plan.id.version).toMatch(/^[0-9a-f]{16}$/);
    expect(plan.spec.workflowId.version).toBe(plan.id.version);
  });
});

describe("writeSpecs, JSON", () => {
  it("writes the same messages as JSON in protobufjs object form, which fromObject accepts", async () => {
    const files = await writeSpecs(outer, path.join(scratch, "json"), { format: "json", ...TARGET });
    expect(files.map((f) => path.basename(f))).toEqual(["0_wsp_add_1.json", "1_wsp_inner_2.json", "2_wsp_inner_lp_3.json", "3_wsp_outer_2.json", "4_wsp_inner_3.json", "5_wsp_outer_3.json"]);
    const messages = ["flyteidl.admin.TaskSpec", "flyteidl.admin.WorkflowSpec", "flyteidl.admin.LaunchPlan", "flyteidl.admin.WorkflowSpec", "flyteidl.admin.LaunchPlan", "flyteidl.admin.LaunchPlan"] as const;
    const bundle = compileBundle(outer, TARGET);
    for (const [i, file] of files.entries()) {
      const text = await readFile(file, "utf8");
      expect(text.endsWith("}\n")).toBe(true);
      const body = JSON.parse(text) as object;
      expect(roundTrip(messages[i] ?? "", body)).toStrictEqual(asWritten(messages[i] ?? "", body));
    }
    expect(JSON.parse(await readFile(files[3] ?? "", "utf8"))).toStrictEqual(asJson(bundle.workflows.get("WORKFLOW:flytesnacks/development/wsp_outer@v1")));
    expect(JSON.parse(await readFile(files[2] ?? "", "utf8"))).toStrictEqual({ id: idOf("LAUNCH_PLAN", "wsp_inner_lp"), spec: asJson([...bundle.launchPlans.values()][0]) });
  });
});

describe("writeSpecs, the output directory", () => {
  it("creates it, with its missing parents", async () => {
    const out = path.join(scratch, "a", "b", "c");
    const files = await writeSpecs(add, out, TARGET);
    expect(await readdir(out)).toEqual(["0_wsp_add_1.pb"]);
    expect(files).toEqual([path.join(out, "0_wsp_add_1.pb")]);
  });

  it("writes into an existing empty directory, and resolves a relative path", async () => {
    const out = path.join(scratch, "empty");
    await mkdir(out);
    const relative = path.relative(process.cwd(), out);
    const files = await writeSpecs(add, relative, TARGET);
    expect(files).toEqual([path.join(out, "0_wsp_add_1.pb")]);
    expect(await readdir(out)).toEqual(["0_wsp_add_1.pb"]);
  });

  it("refuses a path that is a file", async () => {
    const file = path.join(scratch, "not-a-dir");
    await writeFile(file, "x");
    await expect(writeSpecs(add, file, TARGET)).rejects.toThrow(SpecWriteError);
    await expect(writeSpecs(add, file, TARGET)).rejects.toThrow(/is not a directory/);
    expect(await readFile(file, "utf8")).toBe("x");
  });

  it("refuses a directory it cannot create, because a parent is a file", async () => {
    const file = path.join(scratch, "blocker");
    await writeFile(file, "x");
    const error = await writeSpecs(add, path.join(file, "out"), TARGET).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecWriteError);
    expect((error as SpecWriteError).outDir).toBe(path.join(file, "out"));
    expect(await readdir(scratch)).toEqual(["blocker"]);
  });

  it("refuses an empty path and an unknown format", async () => {
    await expect(writeSpecs(add, "", TARGET)).rejects.toThrow(SpecWriteError);
    await expect(writeSpecs(add, path.join(scratch, "x"), { format: "yaml" as never })).rejects.toThrow(/format must be "pb" or "json"/);
    expect(await readdir(scratch)).toEqual([]);
  });

  it("refuses a directory that holds spec files unless overwrite is given, then replaces them all", async () => {
    const out = path.join(scratch, "again");
    await writeSpecs(outer, out, TARGET);
    await expect(writeSpecs(add, out, TARGET)).rejects.toThrow(/already holds spec files.*overwrite: true/);
    expect(await readdir(out)).toHaveLength(6);
    const files = await writeSpecs(add, out, { ...TARGET, overwrite: true });
    expect(files).toEqual([path.join(out, "0_wsp_add_1.pb")]);
    expect(await readdir(out)).toEqual(["0_wsp_add_1.pb"]);
  });

  it("never writes into a directory that holds other files, even with overwrite", async () => {
    const out = path.join(scratch, "mixed");
    await mkdir(out);
    await writeFile(path.join(out, "README.md"), "mine");
    await expect(writeSpecs(add, out, { ...TARGET, overwrite: true })).rejects.toThrow(/not spec files \(README\.md\)/);
    expect(await readdir(out)).toEqual(["README.md"]);
  });
});

describe("writeSpecs writes every file or none", () => {
  // A file name longer than any file system allows makes the second file fail after the first was written.
  const tooLong = task({ name: `wsp_${"x".repeat(300)}` }, () => {});
  const failing = workflow({ name: "wsp_failing" }, () => {
    add({ a: 1, b: 2 });
    tooLong();
  });

  it("leaves no directory and no temporary files behind when a new directory cannot be filled", async () => {
    const out = path.join(scratch, "fresh");
    await expect(writeSpecs(failing, out, TARGET)).rejects.toThrow(/nothing was written/);
    expect(await readdir(scratch)).toEqual([]);
  });

  it("keeps the earlier files of an existing directory when replacing them fails", async () => {
    const out = path.join(scratch, "kept");
    const before = await writeSpecs(outer, out, TARGET);
    const contents = await Promise.all(before.map((f) => readFile(f)));
    await expect(writeSpecs(failing, out, { ...TARGET, overwrite: true })).rejects.toThrow(/nothing was changed/);
    expect((await readdir(out)).sort()).toEqual(before.map((f) => path.basename(f)).sort());
    expect(await Promise.all(before.map((f) => readFile(f)))).toEqual(contents);
  });

  it("writes nothing when the entity does not compile", async () => {
    const unfinished = new Workflow("wsp_unfinished");
    unfinished.addWorkflowInput("a", t.int);
    const out = path.join(scratch, "never");
    await expect(writeSpecs(unfinished, out, TARGET)).rejects.toThrow(WorkflowNotReadyError);
    expect(await readdir(scratch)).toEqual([]);
  });
});
