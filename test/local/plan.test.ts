/**
 * The local runner's plans: a compiled workflow turned into data the executor
 * walks (inputs read by node index, edges as one array). Specs that reach the
 * planner passed Flyte's checks; these are the planner's own guards, for specs
 * changed after compiling, and the plan's shape.
 */
import { describe, expect, it } from "vitest";
import { compileBundle, task, workflow, t, CompileError, type CompiledBundle, type WorkflowSpec } from "aloft";
import { FROM_GETTER, FROM_INPUTS, Planner } from "../../src/local/plan.js";

const inc = task({ name: "plan_inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const total = task({ name: "plan_total", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
const wf = workflow({ name: "plan_wf", inputs: { x: t.int } }, ({ x }) => {
  const a = inc({ x });
  const b = inc({ x: a });
  return total({ xs: [a, b, 3] });
});

function bundle(change: (spec: WorkflowSpec) => void = () => {}): CompiledBundle {
  const b = compileBundle(wf, { version: "v1" });
  for (const spec of b.workflows.values()) change(spec);
  return b;
}

describe("local plans", () => {
  it("reads inputs as data: the node index and output read, the workflow's inputs, a getter for constants", () => {
    const b = bundle();
    const plan = new Planner(b).workflow(b.root);
    const nodes = plan.nodes;
    const inputsOf = (i: number) => {
      const k = [nodes.inputStart[i]!, nodes.inputStart[i + 1]!] as const;
      return { from: nodes.inputFrom.slice(...k), vars: nodes.inputVars.slice(...k), names: nodes.inputNames.slice(...k), first: k[0] };
    };
    expect(plan.size).toBe(3);
    expect(nodes.ids).toEqual(["n0", "n1", "n2"]);
    const [n0, n1, n2] = [inputsOf(0), inputsOf(1), inputsOf(2)];
    expect([n0.from, n0.vars, n0.names]).toEqual([[FROM_INPUTS], ["x"], ["x"]]);
    expect([n1.from, n1.vars, n1.names]).toEqual([[0], ["o0"], ["x"]]);
    expect(n2.from).toEqual([FROM_GETTER]);
    expect(nodes.inputGetters!.get(n2.first)!({ x: 0 }, [{ o0: 1 }, { o0: 2 }])).toEqual([1, 2, 3]);
    // Nodes wait on their upstream nodes.
    expect([...nodes.upstreamCount]).toEqual([0, 1, 2]);
    // Edges: n0 → n1, n0 → n2, n1 → n2.
    const down = (i: number) => [...plan.downstream.subarray(plan.downstreamStart[i], plan.downstreamStart[i + 1])];
    expect([down(0), down(1), down(2)]).toEqual([[1, 2], [2], []]);
    expect(plan.roots).toEqual([0]);
  });

  it("names the binding that reads an unknown node: an input, an item of a list, an output", () => {
    const unknownInput = bundle((s) => (s.template!.nodes![1]!.inputs![0]!.binding!.promise!.nodeId = "n9"));
    expect(() => new Planner(unknownInput).workflow(unknownInput.root)).toThrow(new CompileError('workflow "plan_wf": input "x" of node n1 is bound to unknown node "n9"'));
    const unknownItem = bundle((s) => (s.template!.nodes![2]!.inputs![0]!.binding!.collection!.bindings![1]!.promise!.nodeId = "n9"));
    expect(() => new Planner(unknownItem).workflow(unknownItem.root)).toThrow(new CompileError('workflow "plan_wf": input "xs" of node n2[1] is bound to unknown node "n9"'));
    const unknownOutput = bundle((s) => (s.template!.outputs![0]!.binding!.promise!.nodeId = "n9"));
    expect(() => new Planner(unknownOutput).workflow(unknownOutput.root)).toThrow(new CompileError('workflow "plan_wf": output "o0" is bound to unknown node "n9"'));
    const unknownUpstream = bundle((s) => (s.template!.nodes![1]!.upstreamNodeIds = ["n9"]));
    expect(() => new Planner(unknownUpstream).workflow(unknownUpstream.root)).toThrow(new CompileError('workflow "plan_wf": node n1 depends on unknown node "n9"'));
  });

  it("runs a chain of nodes in order, each read by index", async () => {
    const chain = workflow({ name: "plan_chain", inputs: { x: t.int } }, ({ x }) => {
      let h = inc({ x });
      for (let i = 1; i < 50; i++) h = inc({ x: h });
      return h;
    });
    await expect(chain.run({ x: 1 })).resolves.toEqual({ o0: 51 });
  });
});
