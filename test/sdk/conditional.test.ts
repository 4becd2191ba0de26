/**
 * Conditionals in the SDK and the compiler: the chain in both styles, the
 * checks made while it is built, and the `branchNode` it compiles to, checked
 * against flyteidl's own `.proto` files.
 */
import { describe, expect, it } from "vitest";
import {
  compile,
  conditional,
  DefinitionError,
  ForeignHandleError,
  InvalidNameError,
  MissingInputError,
  t,
  task,
  TypeMismatchError,
  Workflow,
  workflow,
  type AnyType,
  type Condition,
  type Handle,
  type Node,
} from "aloft";
import { expectProtoForm, nodeById, nodesOf, TARGET } from "../compiler/expect-spec.js";
import { asWritten, roundTrip, throughWire } from "../helpers/flyteidl.js";

const double = task({ name: "cd_double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);
const negate = task({ name: "cd_negate", inputs: { x: t.int }, outputs: t.int }, ({ x }) => -x);
const add = task({ name: "cd_add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const toStr = task({ name: "cd_to_str", inputs: { x: t.int }, outputs: t.str }, ({ x }) => String(x));
const named = task({ name: "cd_named", inputs: { x: t.int }, outputs: { n: t.int } }, ({ x }) => ({ n: x }));
const maybe = task({ name: "cd_maybe", inputs: { x: t.int }, outputs: t.optional(t.int) }, ({ x }) => (x > 0 ? x : null));

// Constants are primitive operands, as flytekit writes them (core/condition.py) and propeller reads them (validators/condition.go).
const int = (n: number) => ({ primitive: { integer: String(n) } });
const input = (name: string) => ({ promise: { nodeId: "", var: name } });
const output = (nodeId: string, name: string) => ({ promise: { nodeId, var: name } });

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to throw");
}

function branchOf(node: Node) {
  const ifElse = node.branchNode?.ifElse;
  if (!ifElse) throw new Error(`node ${node.id ?? "?"} is not a branch node`);
  return ifElse;
}

const INPUTS = { x: t.int, y: t.int, f: t.float, s: t.str, b: t.bool, o: t.optional(t.int), when: t.datetime, d: t.duration, mode: t.enum("a", "b") };

/** The compiled branch node, and its first condition, of a conditional on inputs of every comparable type. */
function firstCondition(make: (h: Record<string, Handle<never>>) => Condition) {
  const wf = new Workflow("cd_cond");
  for (const [name, type] of Object.entries(INPUTS)) wf.addWorkflowInput(name, type as AnyType);
  const n = wf.conditional("c").if(make(wf.inputs)).then(double, { x: 1 }).else().then(double, { x: 2 });
  wf.addWorkflowOutput("o", n.outputs.o0);
  // Every input must be bound to something for the workflow to be ready.
  for (const name of Object.keys(INPUTS)) wf.addWorkflowOutput(`in_${name}`, wf.inputs[name]!);
  const spec = compile(wf, TARGET);
  expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  const node = nodeById(spec.template!, n.id);
  return { condition: branchOf(node).case?.condition, node };
}

describe("conditional in a declarative body", () => {
  const wf = workflow({ name: "cd_sign", inputs: { x: t.int } }, ({ x }) => {
    const base = double({ x });
    const y = conditional("sign").if(base.gt(0)).then(double, { x: base }).elif(x.eq(0)).then(add, { a: x, b: 1 }).else().then(negate, { x });
    return add({ a: y, b: base });
  });

  it("compiles to a branchNode whose cases, elif and else are full nodes", () => {
    const spec = compile(wf, TARGET);
    const nodes = nodesOf(spec);
    expect(nodes.map((n) => n.id)).toEqual(["n0", "n1", "n2"]);
    const branch = nodes[1]!;
    expect(branch).toMatchObject({
      id: "n1",
      metadata: { name: "sign" },
      // Sorted by name, as flytekit's ConditionalSection.end_branch writes them (core/condition.py).
      inputs: [
        { var: ".x", binding: input("x") },
        { var: "n0.o0", binding: output("n0", "o0") },
      ],
      upstreamNodeIds: ["n0"],
    });
    const ifElse = branchOf(branch);
    expect(ifElse.case).toEqual({
      condition: { comparison: { operator: "GT", leftValue: { var: "n0.o0" }, rightValue: int(0) } },
      thenNode: {
        // Then-node ids restart at n0 in each conditional, as flytekit writes them (core/condition.py);
        // flytepropeller runs them as n1-n0 (validators/node.go, branchNodeIDFormatter).
        id: "n0",
        metadata: { name: "cd_double" },
        inputs: [{ var: "x", binding: output("n0", "o0") }],
        upstreamNodeIds: ["n0"],
        taskNode: { referenceId: { resourceType: "TASK", ...TARGET, name: "cd_double" } },
      },
    });
    expect(ifElse.other).toEqual([
      {
        // EQ is the operator's zero value: Flyte's runtimes leave it out, and so does Aloft.
        condition: { comparison: { leftValue: { var: ".x" }, rightValue: int(0) } },
        thenNode: {
          id: "n1",
          metadata: { name: "cd_add" },
          inputs: [
            { var: "a", binding: input("x") },
            { var: "b", binding: { scalar: int(1) } },
          ],
          taskNode: { referenceId: { resourceType: "TASK", ...TARGET, name: "cd_add" } },
        },
      },
    ]);
    expect(ifElse.elseNode).toMatchObject({ id: "n2", inputs: [{ var: "x", binding: input("x") }], taskNode: { referenceId: { name: "cd_negate" } } });
    expect(ifElse.error).toBeUndefined();
    expect(nodes[2]).toMatchObject({ inputs: [{ var: "a", binding: output("n1", "o0") }, { var: "b", binding: output("n0", "o0") }], upstreamNodeIds: ["n1", "n0"] });
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("round-trips through flyteidl's protos, as an object and on the wire", () => {
    const spec = JSON.parse(JSON.stringify(compile(wf, TARGET))) as object;
    // protobufjs 8 gives back no zero field without presence (a workflow input's nodeId ""), as Go and Python do.
    expect(roundTrip("flyteidl.admin.WorkflowSpec", spec)).toStrictEqual(asWritten("flyteidl.admin.WorkflowSpec", spec));
    expect(throughWire("flyteidl.admin.WorkflowSpec", spec)).toStrictEqual(asWritten("flyteidl.admin.WorkflowSpec", spec));
  });

  it("returns the branch outputs like a call: a handle, a record, or the node", () => {
    workflow({ name: "cd_shapes", inputs: { x: t.int } }, ({ x }) => {
      const one = conditional("one").if(x.gt(0)).then(double, { x }).else().then(negate, { x });
      expect(one).toMatchObject({ nodeId: "n0", var: "o0" });
      const rec = conditional("rec").if(x.gt(0)).then(named, { x }).else().then(named, { x: 0 });
      expect(Object.keys(rec)).toEqual(["n"]);
      expect(rec.n).toMatchObject({ nodeId: "n1", var: "n" });
      return one;
    });
  });

  it("is an error outside a workflow body", () => {
    const e = thrown(() => conditional("nowhere"));
    expect(e).toBeInstanceOf(DefinitionError);
    expect(e.message).toBe('conditional("nowhere") adds a branch node and can only be called inside a workflow body, or as wf.conditional(...) on a Workflow');
  });
});

describe("conditional on the imperative builder", () => {
  it("compiles to the same nodes as the declarative style", () => {
    const imperative = new Workflow("cd_both");
    const x = imperative.addWorkflowInput("x", t.int);
    const n = imperative.conditional("sign").if(x.ge(0)).then(double, { x }).else().then(negate, { x });
    imperative.addWorkflowOutput("o", n.outputs.o0);
    const declarative = workflow({ name: "cd_both", inputs: { x: t.int } }, ({ x }) => ({
      o: conditional("sign").if(x.ge(0)).then(double, { x }).else().then(negate, { x }),
    }));
    expect(n.id).toBe("n0");
    expect(n.entityName).toBe('conditional "sign"');
    expect(nodesOf(compile(imperative, TARGET))).toEqual(nodesOf(compile(declarative, TARGET)));
  });

  it("gives then-nodes their final ids when other nodes are added while the chain is built", () => {
    const wf = new Workflow("cd_late_ids");
    const x = wf.addWorkflowInput("x", t.int);
    const chain = wf.conditional("late").if(x.gt(0)).then(double, { x });
    const other = wf.addEntity(negate, { x });
    const n = chain.else().then(double, { x: other.outputs.o0 });
    wf.addWorkflowOutput("o", n.outputs.o0);
    expect(n.id).toBe("n1");
    const branch = nodeById(compile(wf, TARGET).template!, "n1");
    expect(branch.upstreamNodeIds).toEqual(["n0"]);
    expect(branchOf(branch).case?.thenNode?.id).toBe("n0");
    expect(branchOf(branch).elseNode).toMatchObject({ id: "n1", upstreamNodeIds: ["n0"] });
  });

  it("takes overrides and ordering like any node", () => {
    const wf = new Workflow("cd_overrides");
    const x = wf.addWorkflowInput("x", t.int);
    const first = wf.addEntity(double, { x: 1 });
    const n = wf.conditional("c").if(x.gt(0)).then(double, { x }).else().then(negate, { x }).withOverrides({ name: "renamed" });
    first.runsBefore(n);
    wf.addWorkflowOutput("o", n.outputs.o0);
    expect(nodeById(compile(wf, TARGET).template!, "n1")).toMatchObject({ metadata: { name: "renamed" }, upstreamNodeIds: ["n0"] });
    expect(() => n.withOverrides({ retries: 2 })).toThrow(/override "retries" is not valid for a branch node/);
  });

  it("runs an imperative Workflow as a branch, compiled as a subworkflow", () => {
    const sub = new Workflow("cd_sub_branch");
    const sx = sub.addWorkflowInput("x", t.int);
    sub.addWorkflowOutput("o0", sub.addEntity(double, { x: sx }).outputs.o0);
    const wf = workflow({ name: "cd_uses_sub", inputs: { x: t.int } }, ({ x }) => conditional("c").if(x.gt(0)).then(sub, { x }).else().then(double, { x }));
    const spec = compile(wf, TARGET);
    expect(branchOf(nodesOf(spec)[0]!).case?.thenNode).toMatchObject({ id: "n0", workflowNode: { subWorkflowRef: { resourceType: "WORKFLOW", name: "cd_sub_branch" } } });
    expect(spec.subWorkflows?.map((s) => s.id?.name)).toEqual(["cd_sub_branch"]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });
});

describe("conditions", () => {
  const cases: [string, (h: Record<string, Handle<never>>) => Condition, object][] = [
    ["eq", (h) => h["x"]!.eq(3), { comparison: { leftValue: { var: ".x" }, rightValue: int(3) } }],
    ["ne", (h) => h["x"]!.ne(3), { comparison: { operator: "NEQ", leftValue: { var: ".x" }, rightValue: int(3) } }],
    ["gt", (h) => h["x"]!.gt(3), { comparison: { operator: "GT", leftValue: { var: ".x" }, rightValue: int(3) } }],
    ["ge", (h) => h["x"]!.ge(3), { comparison: { operator: "GTE", leftValue: { var: ".x" }, rightValue: int(3) } }],
    ["lt", (h) => h["x"]!.lt(3), { comparison: { operator: "LT", leftValue: { var: ".x" }, rightValue: int(3) } }],
    ["le", (h) => h["x"]!.le(3), { comparison: { operator: "LTE", leftValue: { var: ".x" }, rightValue: int(3) } }],
    ["a handle with a handle", (h) => h["x"]!.lt(h["y"]!), { comparison: { operator: "LT", leftValue: { var: ".x" }, rightValue: { var: ".y" } } }],
    ["an optional handle with its value type", (h) => h["o"]!.ge(h["x"]!), { comparison: { operator: "GTE", leftValue: { var: ".o" }, rightValue: { var: ".x" } } }],
    ["isTrue", (h) => h["b"]!.isTrue(), { comparison: { leftValue: { var: ".b" }, rightValue: { primitive: { boolean: true } } } }],
    ["isFalse", (h) => h["b"]!.isFalse(), { comparison: { leftValue: { var: ".b" }, rightValue: { primitive: { boolean: false } } } }],
    ["isNone", (h) => h["o"]!.isNone(), { comparison: { leftValue: { var: ".o" }, rightValue: { scalar: { noneType: {} } } } }],
    ["a float constant", (h) => h["f"]!.gt(0.5), { comparison: { operator: "GT", leftValue: { var: ".f" }, rightValue: { primitive: { floatValue: 0.5 } } } }],
    ["a whole float constant", (h) => h["f"]!.eq(2), { comparison: { leftValue: { var: ".f" }, rightValue: { primitive: { floatValue: 2 } } } }],
    ["a str constant", (h) => h["s"]!.ne("a"), { comparison: { operator: "NEQ", leftValue: { var: ".s" }, rightValue: { primitive: { stringValue: "a" } } } }],
    ["an enum constant", (h) => h["mode"]!.eq("b"), { comparison: { leftValue: { var: ".mode" }, rightValue: { primitive: { stringValue: "b" } } } }],
    [
      "a datetime constant",
      (h) => h["when"]!.lt(new Date("2024-01-02T03:04:05.500Z")),
      { comparison: { operator: "LT", leftValue: { var: ".when" }, rightValue: { primitive: { datetime: { seconds: "1704164645", nanos: 500000000 } } } } },
    ],
    ["a duration constant", (h) => h["d"]!.ge(90_000), { comparison: { operator: "GTE", leftValue: { var: ".d" }, rightValue: { primitive: { duration: { seconds: "90" } } } } }],
    [
      "and",
      (h) => h["x"]!.gt(0).and(h["x"]!.lt(10)),
      {
        // AND is the zero value too, left out.
        conjunction: {
          leftExpression: { comparison: { operator: "GT", leftValue: { var: ".x" }, rightValue: int(0) } },
          rightExpression: { comparison: { operator: "LT", leftValue: { var: ".x" }, rightValue: int(10) } },
        },
      },
    ],
    [
      "or of and",
      (h) => h["b"]!.isTrue().or(h["x"]!.ge(0).and(h["o"]!.isNone())),
      {
        conjunction: {
          operator: "OR",
          leftExpression: { comparison: { leftValue: { var: ".b" }, rightValue: { primitive: { boolean: true } } } },
          rightExpression: {
            conjunction: {
              leftExpression: { comparison: { operator: "GTE", leftValue: { var: ".x" }, rightValue: int(0) } },
              rightExpression: { comparison: { leftValue: { var: ".o" }, rightValue: { scalar: { noneType: {} } } } },
            },
          },
        },
      },
    ],
  ];
  for (const [what, make, expected] of cases) {
    it(`compiles ${what}`, () => {
      const { condition } = firstCondition(make);
      expect(condition).toEqual(expected);
    });
  }

  it("binds each handle the conditions use once, as the branch node's inputs", () => {
    const { node } = firstCondition((h) => h["x"]!.gt(0).and(h["x"]!.lt(h["y"]!)).or(h["x"]!.eq(5)));
    expect(node.inputs).toEqual([
      { var: ".x", binding: input("x") },
      { var: ".y", binding: input("y") },
    ]);
  });

  it("describes itself", () => {
    const wf = new Workflow("cd_describe");
    const x = wf.addWorkflowInput("x", t.int);
    expect(String(x.gt(0).and(x.lt(10).or(x.eq(20))))).toBe('Condition(workflow input "x" > 0 and (workflow input "x" < 10 or workflow input "x" == 20))');
  });

  it("refuses to combine with something that is not a condition", () => {
    const wf = new Workflow("cd_and_bad");
    const x = wf.addWorkflowInput("x", t.int);
    expect(() => x.gt(0).and(true as never)).toThrow("and() takes another condition, like x.gt(0).and(x.lt(10)); got true");
  });
});

describe("checks while the conditional is built", () => {
  function builder() {
    const wf = new Workflow("cd_checks");
    const x = wf.addWorkflowInput("x", t.int);
    const s = wf.addWorkflowInput("s", t.str);
    const f = wf.addWorkflowInput("f", t.float);
    const b = wf.addWorkflowInput("b", t.bool);
    const xs = wf.addWorkflowInput("xs", t.list(t.int));
    const n0 = wf.addEntity(double, { x });
    return { wf, x, s, f, b, xs, n0 };
  }

  it("rejects a constant of the wrong type, naming workflow, node and branch", () => {
    const { wf, x, n0 } = builder();
    const e = thrown(() => wf.conditional("c").if(x.gt(0)).then(double, { x }).elif(n0.outputs.o0.gt(1.5)));
    expect(e).toBeInstanceOf(TypeMismatchError);
    expect(e).toMatchObject({ entity: "cd_checks", node: "n1", input: "n0.o0" });
    expect(e.message).toBe('workflow "cd_checks": node n1 (conditional "c"), branch 2 (elif): condition n0.o0 > 1.5: n0.o0 is int, but the constant does not fit: expected int, got number 1.5');
    expect(() => wf.conditional("c").if(x.eq("1" as never))).toThrow(/branch 1 \(if\): condition workflow input "x" == "1": workflow input "x" is int, but the constant does not fit/);
  });

  it("rejects comparing handles of different types", () => {
    const { wf, x, f } = builder();
    const e = thrown(() => wf.conditional("c").if(x.lt(f as never)));
    expect(e).toBeInstanceOf(TypeMismatchError);
    expect(e.message).toBe(
      'workflow "cd_checks": node n1 (conditional "c"), branch 1 (if): condition workflow input "x" < workflow input "f": workflow input "x" is int but workflow input "f" is float; a comparison needs two values of the same type',
    );
  });

  it("rejects isNone on a handle that is never none, isTrue on a non-bool and ordering bools", () => {
    const { wf, x, b } = builder();
    expect(() => wf.conditional("c").if((x as Handle<never>).isNone())).toThrow(
      'workflow "cd_checks": node n1 (conditional "c"), branch 1 (if): condition workflow input "x" is none: workflow input "x" is int, which is never none; isNone() needs a handle of an optional type',
    );
    expect(() => wf.conditional("c").if((x as Handle<never>).isTrue())).toThrow(/isTrue\(\) needs a bool handle, but workflow input "x" is int/);
    expect(() => wf.conditional("c").if(b.gt(true as never))).toThrow(/bool values cannot be ordered; compare them with eq, ne, isTrue or isFalse/);
  });

  it("rejects comparing lists, none constants, missing values and lists of handles", () => {
    const { wf, x, xs, n0 } = builder();
    expect(() => wf.conditional("c").if(xs.eq([1] as never))).toThrow(/workflow input "xs" is list<int>; only int, float, str, bool, datetime, duration and enum values \(or optional ones\) can be compared/);
    expect(() => wf.conditional("c").if(x.eq(null as never))).toThrow(/the comparison has nothing on its right; to test for none, use workflow input "x".isNone\(\)/);
    expect(() => wf.conditional("c").if(x.eq(undefined as never))).toThrow(/give the value or handle to compare with/);
    expect(() => wf.conditional("c").if(x.eq([n0.outputs.o0] as never))).toThrow(/a comparison takes one handle or one constant, not a list or record/);
  });

  it("rejects handles of another workflow, in conditions and in then() bindings", () => {
    const { wf, x } = builder();
    const other = new Workflow("cd_other");
    const y = other.addWorkflowInput("y", t.int);
    const e = thrown(() => wf.conditional("c").if(y.gt(0)));
    expect(e).toBeInstanceOf(ForeignHandleError);
    expect(e.message).toBe(
      'workflow "cd_checks": node n1 (conditional "c"), branch 1 (if): condition workflow input "y" > 0: workflow input "y" belongs to workflow "cd_other"; a handle can only be used in the workflow it comes from',
    );
    expect(() => wf.conditional("c").if(x.lt(y as never))).toThrow(ForeignHandleError);
    const f = thrown(() => wf.conditional("c").if(x.gt(0)).then(double, { x: y }));
    expect(f).toBeInstanceOf(ForeignHandleError);
    expect(f.message).toMatch(/input "x" of task "cd_double" is bound to workflow input "y" of workflow "cd_other".* \(in branch 1 \(if\) of conditional "c", node n1\)$/);
  });

  it("checks then() bindings like a call's, naming the branch", () => {
    const { wf, x, s } = builder();
    const chain = wf.conditional("c").if(x.gt(0)).then(double, { x });
    const missing = thrown(() => chain.elif(x.lt(0)).then(add, { a: x } as never));
    expect(missing).toBeInstanceOf(MissingInputError);
    expect(missing.message).toBe('workflow "cd_checks": node n1-n1 does not bind input "b" (int) of task "cd_add" (in branch 2 (elif) of conditional "c", node n1)');
    const mismatch = thrown(() => chain.else().then(double, { x: s as never }));
    expect(mismatch).toBeInstanceOf(TypeMismatchError);
    expect(mismatch.message).toMatch(/node n1-n1 of workflow "cd_checks": input "x" of task "cd_double" expects int, but workflow input "s" is str \(in branch 2 \(else\) of conditional "c", node n1\)$/);
    expect(() => chain.else().then("nope" as never)).toThrow('workflow "cd_checks": node n1 (conditional "c"), branch 2 (else): then() takes a task, workflow or launch plan and its bindings, got string "nope"');
  });

  it("rejects a branch whose outputs differ from the first's, naming the branch", () => {
    const { wf, x } = builder();
    const chain = wf.conditional("c").if(x.gt(0)).then(double, { x });
    const e = thrown(() => chain.elif(x.lt(0)).then(negate, { x }).else().then(toStr as never, { x }));
    expect(e).toBeInstanceOf(TypeMismatchError);
    expect(e).toMatchObject({ entity: "cd_checks", node: "n1", input: "o0", expected: "int", actual: "str" });
    expect(e.message).toBe(
      'workflow "cd_checks": node n1 (conditional "c"), branch 3 (else): task "cd_to_str" has outputs { o0: str }, but branch 1 (if) runs task "cd_double", which has outputs { o0: int }; every branch must yield the same outputs',
    );
    const names = thrown(() => chain.elif(x.lt(0)).then(named as never, { x }));
    expect(names).toBeInstanceOf(DefinitionError);
    expect(names.message).toMatch(/branch 2 \(elif\): task "cd_named" has outputs \{ n: int \}, but branch 1 \(if\) runs task "cd_double", which has outputs \{ o0: int \}/);
    expect(() => chain.else().then(maybe as never, { x })).toThrow(/branch 2 \(else\): task "cd_maybe" has outputs \{ o0: optional<int> \}/);
  });

  it("rejects a missing else when the body returns, and when an imperative workflow is compiled or run", async () => {
    const e = thrown(() =>
      workflow({ name: "cd_no_else", inputs: { x: t.int } }, ({ x }) => {
        conditional("dangling").if(x.gt(0)).then(double, { x });
        return double({ x });
      }),
    );
    expect(e).toBeInstanceOf(DefinitionError);
    expect(e.message).toBe(
      'workflow "cd_no_else": conditional "dangling" has no else: end it with .else().then(entity, bindings) or .else().fail(message) (a conditional must say what happens when no condition holds)',
    );
    const wf = new Workflow("cd_no_else_imperative");
    const x = wf.addWorkflowInput("x", t.int);
    wf.addEntity(double, { x });
    wf.conditional("dangling").if(x.gt(0)).then(double, { x }).elif(x.lt(0)).then(double, { x });
    expect(() => compile(wf, TARGET)).toThrow('workflow "cd_no_else_imperative": conditional "dangling" has no else');
    await expect(wf.run({ x: 1 })).rejects.toThrow(/conditional "dangling" has no else/);
  });

  it("names what an unfinished conditional still needs", () => {
    const started = () => workflow({ name: "cd_unfinished" }, () => void conditional("c"));
    expect(started).toThrow('conditional "c" has no branch: give it one with .if(condition).then(entity, bindings), and end it with .else()');
    const noThen = () => workflow({ name: "cd_unfinished", inputs: { x: t.int } }, ({ x }) => void conditional("c").if(x.gt(0)));
    expect(noThen).toThrow('conditional "c" has a condition without then(entity, bindings)');
    const noEnd = () => workflow({ name: "cd_unfinished", inputs: { x: t.int } }, ({ x }) => void conditional("c").if(x.gt(0)).then(double, { x }).else());
    expect(noEnd).toThrow('conditional "c" has an else without then(entity, bindings) or fail(message)');
  });

  it("explains an unfinished chain used as an output", () => {
    const wf = new Workflow("cd_chain_string");
    const x = wf.addWorkflowInput("x", t.int);
    expect(String(wf.conditional("c").if(x.gt(0)).then(double, { x }))).toBe('conditional "c" of workflow "cd_chain_string", which has no else: end it with .else().then(entity, bindings) or .else().fail(message) (a conditional must say what happens when no condition holds)');
  });

  it("checks its name, its conditions and fail()'s message", () => {
    const { wf, x } = builder();
    expect(() => wf.conditional("")).toThrow(InvalidNameError);
    expect(() => wf.conditional("c").if(true as never)).toThrow('workflow "cd_checks": node n1 (conditional "c"), branch 1 (if): if() takes a condition made from a handle, like x.gt(0) or flag.isTrue(); got true');
    expect(() => wf.conditional("c").if(x.gt(0)).then(double, { x }).else().fail("")).toThrow(/branch 2 \(else\): fail\(message\) needs a message saying why the run fails/);
  });
});

describe("else().fail and nesting", () => {
  it("compiles else().fail to the IfElseBlock's error, naming the conditional as flytekit does (core/condition.py)", () => {
    const wf = workflow({ name: "cd_fail", inputs: { x: t.int } }, ({ x }) => {
      const first = double({ x });
      return conditional("positive").if(first.gt(0)).then(double, { x }).else().fail("x must be positive");
    });
    const spec = compile(wf, TARGET);
    const ifElse = branchOf(nodesOf(spec)[1]!);
    // flytekit names the conditional as the failed node (core/condition.py, to_ifelse_block).
    expect(ifElse.error).toEqual({ failedNodeId: "positive", message: "x must be positive" });
    expect(ifElse.elseNode).toBeUndefined();
    expect(ifElse.other).toBeUndefined();
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("compiles a conditional inside a subworkflow into the subworkflow's template", () => {
    const inner = workflow({ name: "cd_inner", inputs: { x: t.int } }, ({ x }) => conditional("inner").if(x.gt(0)).then(double, { x }).else().then(negate, { x }));
    const outer = workflow({ name: "cd_outer", inputs: { x: t.int } }, ({ x }) => conditional("outer").if(x.lt(100)).then(inner, { x }).else().fail("too big"));
    const spec = compile(outer, TARGET);
    expect(branchOf(nodesOf(spec)[0]!).case?.thenNode).toMatchObject({ id: "n0", workflowNode: { subWorkflowRef: { name: "cd_inner" } } });
    const sub = spec.subWorkflows?.find((s) => s.id?.name === "cd_inner");
    expect(branchOf(sub!.nodes![0]!)).toMatchObject({ case: { thenNode: { id: "n0" } }, elseNode: { id: "n1" } });
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });
});
