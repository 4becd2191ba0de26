/**
 * Aloft's pipeline format: the examples run, every part of the format
 * builds what it says, and every mistake is an error at its file, line and
 * column. The printed JSON Schema is the one in schemas/ and accepts the examples.
 */
import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { compile, loadWorkflows, MissingTasksError, SpecInvalidError, task, t, type WorkflowSpec } from "aloft";
import { pipelineSchema } from "../../src/text/pipeline/schema.js";
import * as regression from "../../examples/regression-tasks.js";
import * as featureTasks from "../../examples/pipeline-tasks.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const example = (name: string) => path.join(root, "examples", name);

async function file(name: string, text: string): Promise<string> {
  const p = path.join(await mkdtemp(path.join(os.tmpdir(), "aloft-pipeline-")), name);
  await writeFile(p, text);
  return p;
}

const double = task({ name: "pl_double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => 2 * x);
const negate = task({ name: "pl_negate", inputs: { x: t.int }, outputs: t.int }, ({ x }) => -x);
const addAll = task({ name: "pl_add_all", inputs: { xs: t.list(t.int), weights: t.map(t.float) }, outputs: t.float }, ({ xs, weights }) => xs.reduce((a, b) => a + b, 0) * (weights["w"] ?? 1));
const tasks = [double, negate, addAll];

async function load(text: string, name = "p.yaml") {
  return loadWorkflows(await file(name, text), { tasks });
}

async function failure(text: string, name = "p.yaml"): Promise<Error> {
  const e = await load(text, name).catch((x: unknown) => x);
  if (!(e instanceof Error)) throw new Error("expected the pipeline to be refused");
  return e;
}

describe("the pipeline examples", () => {
  it("examples/pipeline.yaml is the linear regression of examples/imperative.ts", async () => {
    const loaded = await loadWorkflows(example("pipeline.yaml"), { tasks: regression });
    expect(await loaded.get("imperative_workflow").run({ x: [-3, 0, 3], y: [7, 4, -2] })).toEqual({ wf_output: 3 });
    expect(await loaded.get("regression_lp").run({ x: [-3, 0, 3] })).toEqual({ wf_output: 3 });
    const spec = compile(loaded.get("imperative_workflow") as never) as WorkflowSpec;
    expect(spec.template!.nodes!.map((n) => n.taskNode?.referenceId?.name)).toEqual(["slope", "intercept"]);
  });

  it("examples/pipeline-features.yaml: map task, subworkflow, ordering, conditional, enum input, fixed launch plan", async () => {
    const loaded = await loadWorkflows(example("pipeline-features.yaml"), { tasks: featureTasks });
    expect(await loaded.get("report").run({ readings: [3, -1, 4], unit: "celsius" })).toEqual({ text: "7 celsius", amount: 7 });
    expect(await loaded.get("report").run({ readings: [1, -1], unit: "celsius" })).toEqual({ text: "low: 1 celsius", amount: 1 });
    expect(await loaded.get("report_kelvin").run({})).toEqual({ text: "570 kelvin", amount: 570 });
    const nodes = (compile(loaded.get("report") as never) as WorkflowSpec).template!.nodes!;
    expect(nodes.find((n) => n.arrayNode)?.upstreamNodeIds).toEqual(["n0"]);
  });

  it("the README shows examples/pipeline.yaml", async () => {
    const readme = await readFile(path.join(root, "README.md"), "utf8");
    const block = /### Aloft's pipeline format[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(parseYaml(block!)).toEqual(parseYaml(await readFile(example("pipeline.yaml"), "utf8")));
  });

  it("the JSON Schema printed is the one in schemas/, and accepts both examples", async () => {
    const kept = JSON.parse(await readFile(path.join(root, "schemas", "pipeline.schema.json"), "utf8")) as unknown;
    expect(kept).toEqual(pipelineSchema());
    const validate = new Ajv2020({ strict: false }).compile(pipelineSchema());
    for (const name of ["pipeline.yaml", "pipeline-features.yaml"]) {
      const doc = parseYaml(await readFile(example(name), "utf8")) as unknown;
      expect(validate(doc), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

describe("the pipeline format", () => {
  it("constants, lists and maps of references, types as people write them, a condition with a constant on the left, else fail", async () => {
    const loaded = await load(`pipeline: 1
workflows:
  w:
    inputs:
      a: int
      b: optional[int]
      w: "map[str, float]"
    nodes:
      - id: s
        task: pl_add_all
        inputs: { xs: [$inputs.a, 2, 3], weights: $inputs.w }
      - id: pick
        if: 0 <= $inputs.a and ($inputs.b is none or $inputs.a > 100)
        then: { task: pl_double, inputs: { x: $inputs.a } }
        else: { fail: "a must be at least 0" }
    outputs: { total: $s, picked: $pick.o0 }
`);
    const wf = loaded.get("w");
    expect(await wf.run({ a: 1, w: { w: 2 } })).toEqual({ total: 12, picked: 2 });
    await expect(wf.run({ a: -1, w: {} })).rejects.toThrow(/a must be at least 0/);
    await expect(wf.run({ a: 5, b: 1, w: {} })).rejects.toThrow(/a must be at least 0/);
  });

  it("JSON works the same, with positions", async () => {
    const wf = (await load(JSON.stringify({ pipeline: 1, workflows: { j: { inputs: { x: "int" }, nodes: [{ id: "d", task: "pl_double", inputs: { x: "$inputs.x" } }], outputs: { y: "$d.o0" } } } }, null, 2), "p.json")).get();
    expect(await wf.run({ x: 4 })).toEqual({ y: 8 });
    const e = await failure('{\n  "pipeline": 1,\n  "workflows": { "j": { "nodes": [ { "id": "d", "task": "pl_double", "inputs": { "x": "$nope.o0" } } ] } }\n}\n', "p.json");
    expect(e.message).toMatch(/p\.json:3:\d+: node "d" of workflow "j" refers to node "nope", which does not exist/);
  });
});

describe("every mistake is an error at its file, line and column", () => {
  const head = "pipeline: 1\nworkflows:\n  w:\n    inputs: { x: int }\n    nodes:\n";
  const cases: [string, string, RegExp][] = [
    ["an unknown task (all listed)", "      - id: a\n        task: nope\n      - id: b\n        task: nada\n", /p\.yaml:\d+:\d+|tasks that no --tasks module exports: "nada", "nope".*"nope" at .*p\.yaml:7:15/],
    ["a binding to a missing output", "      - id: a\n        task: pl_double\n        inputs: { x: $inputs.x }\n      - id: b\n        task: pl_double\n        inputs: { x: $a.o7 }\n", /p\.yaml:11:22: \$a\.o7: node "a" has no output "o7" \(outputs: o0\)/],
    ["a type that does not fit", '      - id: a\n        task: pl_double\n        inputs: { x: "three" }\n', /p\.yaml:8:\d+: .*input "x".*expects int/],
    ["a cycle", "      - id: a\n        task: pl_double\n        inputs: { x: $b.o0 }\n      - id: b\n        task: pl_double\n        inputs: { x: $a.o0 }\n", /p\.yaml:\d+:\d+: workflow "w" has a cycle: a -> b -> a/],
    ["a duplicate node id", "      - id: a\n        task: pl_double\n        inputs: { x: $inputs.x }\n      - id: a\n        task: pl_negate\n        inputs: { x: $inputs.x }\n", /p\.yaml:9:13: two nodes have id "a" \(the first at .*p\.yaml:6:13\)/],
    ["an unknown field", "      - id: a\n        taks: pl_double\n", /p\.yaml:7:9: a node has an unknown field "taks"/],
    ["a bad type", "      - id: a\n        task: pl_double\n        inputs: { x: $inputs.x }\n", /./],
    ["a condition that does not parse", "      - id: a\n        if: $inputs.x >>= 3\n        then: { task: pl_double, inputs: { x: $inputs.x } }\n        else: { fail: no }\n", /p\.yaml:7:\d+: condition "\$inputs\.x >>= 3": expected/],
  ];
  it.each(cases)("%s", async (what, nodes, message) => {
    const text = what === "a bad type" ? head.replace("{ x: int }", '{ x: "lst[int]" }') + nodes : head + nodes;
    const e = await failure(text);
    expect(e instanceof SpecInvalidError || e instanceof MissingTasksError, String(e)).toBe(true);
    if (what === "a bad type") expect(e.message).toMatch(/p\.yaml:4:19: input "x": unknown type "lst"/);
    else expect(e.message).toMatch(message);
  });

  it("a file that is not a pipeline version 1", async () => {
    expect((await failure("pipeline: 2\nworkflows: {}\n")).message).toMatch(/p\.yaml:1:11: pipeline: must be 1/);
  });
});
