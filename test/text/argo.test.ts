/**
 * Importing Argo Workflows: the dag and steps examples run with their
 * TypeScript tasks; what the importer does not read is an error naming the
 * field at its line and column.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile, loadWorkflows, MissingTasksError, SpecInvalidError, SpecUnsupportedError, type WorkflowSpec } from "aloft";
import * as tasks from "../../examples/argo-tasks.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

async function load(text: string) {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), "aloft-argo-")), "wf.yaml");
  await writeFile(file, text);
  return loadWorkflows(file, { tasks });
}

async function failure(text: string): Promise<Error> {
  const e = await load(text).catch((x: unknown) => x);
  if (!(e instanceof Error)) throw new Error("expected the workflow to be refused");
  return e;
}

const dag = (tasksYaml: string, extraTemplates = "") => `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: wf }
spec:
  entrypoint: main
  arguments: { parameters: [{ name: message, value: hi }] }
  templates:
    - name: main
      dag:
        tasks:
${tasksYaml}
    - name: echo
      inputs: { parameters: [{ name: message }] }
      container: { image: alpine }
${extraTemplates}`;

describe("Argo Workflows import", () => {
  it("examples/argo-dag.yaml: dependencies, depends, arguments, withParam as a map task, template outputs", async () => {
    const loaded = await loadWorkflows(path.join(root, "examples/argo-dag.yaml"), { tasks });
    expect(loaded.names).toEqual(["squares"]);
    const wf = loaded.get();
    expect(await wf.run({ count: 4 })).toEqual({ total: 30 });
    expect(await wf.run({})).toEqual({ total: 14 }); // spec.arguments: count "3"
    const nodes = (compile(loaded.workflows.get("squares")!) as WorkflowSpec).template!.nodes!;
    expect(nodes.map((n) => n.metadata?.name)).toEqual(["gen", "squares", "total"]);
    expect(nodes[1]!.arrayNode).toBeDefined();
  });

  it("examples/argo-steps.yaml: each group after the one before, steps of a group in parallel", async () => {
    const loaded = await loadWorkflows(path.join(root, "examples/argo-steps.yaml"), { tasks });
    expect(await loaded.get().run({ message: "hey" })).toEqual({ loud: "HEY!", again: "hey" });
    expect(await loaded.get().run({})).toEqual({ loud: "HELLO!", again: "hello" });
    const nodes = (compile(loaded.workflows.get("hello-steps")!) as WorkflowSpec).template!.nodes!;
    expect(nodes.map((n) => [n.metadata?.name, n.upstreamNodeIds ?? []])).toEqual([
      ["first", []],
      ["loud", ["n0"]],
      ["again", ["n0"]],
    ]);
  });

  it("withItems over constants is a map task", async () => {
    const wf = (
      await load(`apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: each }
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - name: loud
            template: shout
            withItems: [a, b]
            arguments: { parameters: [{ name: message, value: "{{item}}" }] }
      outputs:
        parameters: [{ name: all, valueFrom: { parameter: "{{tasks.loud.outputs.parameters.said}}" } }]
    - name: shout
      container: { image: alpine }
`)
    ).get();
    expect(await wf.run({})).toEqual({ all: ["A!", "B!"] });
  });

  const refused: [string, string, string, RegExp, typeof SpecUnsupportedError | typeof SpecInvalidError | typeof MissingTasksError][] = [
    ["a script template", "          - { name: a, template: run }", "    - name: run\n      script: { image: python, source: print(1) }\n", /wf\.yaml:16:7: script: a script template runs code inline/, SpecUnsupportedError],
    ["artifacts", "          - { name: a, template: echo, arguments: { artifacts: [{ name: x }] } }", "", /wf\.yaml:11:\d+: arguments\.artifacts of "a"/, SpecUnsupportedError],
    ["{{item.field}}", "          - { name: a, template: echo, withItems: [{ m: 1 }], arguments: { parameters: [{ name: message, value: '{{item.m}}' }] } }", "", /wf\.yaml:11:\d+: .*\{\{item\.<field>\}\} .* is beyond a map task/, SpecUnsupportedError],
    ["text around a reference", "          - { name: a, template: echo, arguments: { parameters: [{ name: message, value: 'say {{workflow.parameters.message}}' }] } }", "", /wf\.yaml:11:\d+: "say \{\{workflow\.parameters\.message\}\}": the importer reads a value that is one/, SpecUnsupportedError],
    ["depends with ||", "          - { name: a, template: echo, arguments: { parameters: [{ name: message, value: x }] } }\n          - { name: b, template: echo, depends: 'a || a', arguments: { parameters: [{ name: message, value: x }] } }", "", /wf\.yaml:12:\d+: depends "a \|\| a": the importer reads "A && B"/, SpecUnsupportedError],
    ["when", "          - { name: a, template: echo, when: '1 == 1', arguments: { parameters: [{ name: message, value: x }] } }", "", /wf\.yaml:11:\d+: when of "a": the importer does not read when/, SpecUnsupportedError],
    ["a missing task", "          - { name: a, template: nope }", "    - name: nope\n      container: { image: alpine }\n", /that no --tasks module exports: "nope".*wf\.yaml:11:/, MissingTasksError],
    ["an unknown dependency", "          - { name: a, template: echo, dependencies: [zz], arguments: { parameters: [{ name: message, value: x }] } }", "", /wf\.yaml:11:\d+: "a" depends on "zz", which template "main" does not have/, SpecInvalidError],
  ];
  it.each(refused)("refuses %s, naming the field at its line and column", async (_what, tasksYaml, extra, message, cls) => {
    const e = await failure(dag(tasksYaml, extra));
    expect(e).toBeInstanceOf(cls);
    expect(e.message).toMatch(message);
  });
});
