/**
 * The specs Aloft compiles are what flytekit writes for the same workflow,
 * and Aloft's compiler refuses what flytepropeller's compiler and
 * flyteadmin's validators refuse. Each test names the source it follows.
 */
import { describe, expect, it } from "vitest";
import {
  approve,
  compile,
  conditional,
  compileBundle,
  flyteProblems,
  FlyteValidationError,
  idKey,
  LaunchPlan,
  mapTask,
  REGISTRATION_PLACEHOLDERS,
  sleep,
  t,
  task,
  waitForInput,
  workflow,
  type FlyteProblem,
  type WorkflowSpec,
} from "aloft";
import { asWorkflowSpec, expectProtoForm, idOf, nodesOf, TARGET } from "./expect-spec.js";

const add = task({ name: "ff_add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const greet = task({ name: "ff_greet", inputs: { name: t.str, title: t.optional(t.str) }, outputs: t.str }, ({ name, title }) => `${title ?? ""}${name}`);
const report = task({ name: "ff_report", inputs: { n: t.int }, outputs: { summary: t.str } }, ({ n }) => ({ summary: String(n) }));

function refusal(fn: () => unknown): FlyteValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FlyteValidationError) return e;
    throw e;
  }
  throw new Error("expected a FlyteValidationError");
}

describe("nodes as flytekit writes them", () => {
  it("binds an optional input left out to none (flytekit core/promise.py, create_and_link_node)", () => {
    const wf = workflow({ name: "ff_optional", inputs: { who: t.str } }, ({ who }) => greet({ name: who }));
    const spec = compile(wf, TARGET);
    expect(nodesOf(spec)[0]?.inputs).toEqual([
      { var: "name", binding: { promise: { nodeId: "", var: "who" } } },
      { var: "title", binding: { scalar: { union: { value: { scalar: { noneType: {} } }, type: { simple: "NONE", structure: { tag: "none" } } } } } },
    ]);
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
  });

  it("sorts a node's bindings by variable name (flytekit core/promise.py: for k in sorted(interface.inputs))", () => {
    const wf = workflow({ name: "ff_sorted", inputs: { x: t.int } }, ({ x }) => add({ b: x, a: 1 }));
    expect(nodesOf(compile(wf, TARGET))[0]?.inputs?.map((b) => b.var)).toEqual(["a", "b"]);
  });

  it("names gate nodes as flytekit does: the signal's name, and sleep-gate (flytekit core/gate.py, Gate.construct_node_metadata)", () => {
    const wf = workflow({ name: "ff_gates" }, () => {
      const nap = sleep("5s");
      const n = waitForInput("count", t.int, { timeout: "1h" });
      const r = report({ n });
      nap.runsBefore(r.summary);
      return approve(r.summary, "publish", { timeout: "1h" });
    });
    const nodes = nodesOf(compile(wf, TARGET));
    expect(nodes.map((n) => n.metadata?.name)).toEqual(["sleep-gate", "count", "ff_report", "publish"]);
  });

  it("names an approve gate's input and output after the value's output (flytekit core/gate.py approve: io_var_name = upstream_item.var)", async () => {
    const wf = workflow({ name: "ff_approve_var" }, () => approve(report({ n: 3 }).summary, "ok"));
    const spec = asWorkflowSpec(compile(wf, TARGET));
    const gate = nodesOf(spec)[1]!;
    expect(gate.inputs).toEqual([{ var: "summary", binding: { promise: { nodeId: "n0", var: "summary" } } }]);
    expect(spec.template.outputs).toEqual([{ var: "o0", binding: { promise: { nodeId: "n1", var: "summary" } } }]);
    // The runner passes the approved value through under that name.
    await expect(wf.run({}, { signals: { ok: true } })).resolves.toEqual({ o0: "3" });
  });

  it("writes condition constants as primitive operands (flytekit core/condition.py transform_to_operand; propeller validators/condition.go and branch/evaluator.go read only primitive or var)", async () => {
    const wf = workflow({ name: "ff_cond_const", inputs: { x: t.int, o: t.optional(t.int) } }, ({ x, o }) =>
      conditional("sign").if(x.gt(0).and(o.isNone())).then(add, { a: x, b: 1 }).else().then(add, { a: x, b: -1 }),
    );
    const spec = compile(wf, TARGET);
    const ie = nodesOf(spec)[0]!.branchNode!.ifElse!;
    expect(ie.case?.condition?.conjunction?.leftExpression?.comparison?.rightValue).toEqual({ primitive: { integer: "0" } });
    // is_none() is the one constant flytekit writes as a scalar.
    expect(ie.case?.condition?.conjunction?.rightExpression?.comparison?.rightValue).toEqual({ scalar: { noneType: {} } });
    expectProtoForm("flyteidl.admin.WorkflowSpec", spec);
    await expect(wf.run({ x: 2, o: null })).resolves.toEqual({ o0: 3 });
    const scalar = structuredClone(asWorkflowSpec(spec));
    scalar.template.nodes![0]!.branchNode!.ifElse!.case!.condition!.conjunction!.leftExpression!.comparison!.rightValue = { scalar: { primitive: { integer: "0" } } };
    expect(flyteProblems({ tasks: compileBundle(add, TARGET).tasks, workflows: new Map([["wf", scalar]]), launchPlans: new Map() }).map((p) => p.code)).toEqual(["ValueRequired"]);
  });

  it("writes then-node ids that restart at n0 and that propeller prefixes once (flytekit core/condition.py; propeller validators/node.go branchNodeIDFormatter): n1-n0, not n1-n1-n0", async () => {
    const wf = workflow({ name: "ff_then_ids", inputs: { x: t.int } }, ({ x }) => {
      const first = add({ a: x, b: 1 });
      return conditional("big").if(first.gt(10)).then(add, { a: first, b: 100 }).elif(first.gt(5)).then(add, { a: first, b: 10 }).else().then(add, { a: first, b: 0 });
    });
    const spec = compile(wf, TARGET);
    const ie = nodesOf(spec)[1]!.branchNode!.ifElse!;
    expect([ie.case?.thenNode?.id, ...(ie.other ?? []).map((o) => o.thenNode?.id), ie.elseNode?.id]).toEqual(["n0", "n1", "n2"]);
    const run = wf.start({ x: 6 });
    await expect(run.result).resolves.toEqual({ o0: 17 });
    expect(run.nodes().map((n) => n.path)).toEqual(["n0", "n1", "n1/n1-n1"]);
  });

  it("leaves project, domain and version as the placeholders flytectl register files fills in (flytectl cmd/register/register_util.go, hydrateIdentifier)", () => {
    const spec = compile(workflow({ name: "ff_placeholders" }, () => add({ a: 1, b: 2 })), REGISTRATION_PLACEHOLDERS);
    expect(spec.template?.id).toEqual({ resourceType: "WORKFLOW", name: "ff_placeholders", ...REGISTRATION_PLACEHOLDERS });
    expect(nodesOf(spec)[0]?.taskNode?.referenceId).toEqual({ resourceType: "TASK", name: "ff_add", ...REGISTRATION_PLACEHOLDERS });
    expect(() => compile(add, { project: "{{ registration.domain }}" })).toThrow(/compile option project/);
  });

  it("adds a default launch plan named after each workflow when asked, as pyflyte package does (flytekit core/launch_plan.py, LaunchPlan.get_or_create)", () => {
    const wf = workflow({ name: "ff_default_lp", inputs: { who: t.str, title: t.optional(t.str) } }, ({ who, title }) => greet({ name: who, title }));
    const bundle = compileBundle(wf, { ...TARGET, defaultLaunchPlans: true });
    expect([...bundle.launchPlans.values()]).toEqual([
      {
        workflowId: idOf("WORKFLOW", "ff_default_lp"),
        entityMetadata: {},
        defaultInputs: {
          parameters: {
            who: { var: { type: { simple: "STRING" }, description: "who" }, required: true },
            title: { var: { type: t.optional(t.str).literalType, description: "title" }, default: { scalar: { union: { value: { scalar: { noneType: {} } }, type: { simple: "NONE", structure: { tag: "none" } } } } } },
          },
        },
        fixedInputs: {},
      },
    ]);
    expect(compileBundle(wf, TARGET).launchPlans.size).toBe(0);
  });
});

describe("what flyteadmin refuses, refused when compiling", () => {
  const nightly = workflow({ name: "ff_nightly", inputs: { n: t.int, at: t.datetime } }, ({ n }) => report({ n }));

  it("a six-field cron expression (launch_plan_validator.go: cron.ParseStandard takes five fields)", () => {
    const lp = LaunchPlan.create("ff_seconds", nightly, { defaultInputs: { n: 1 }, schedule: { cron: "0 0 3 * * *", kickoffTimeInput: "at" } });
    const e = refusal(() => compile(lp, TARGET));
    expect(e.code).toBe("InvalidArgument");
    expect(e.message).toMatch(/invalid cron expression "0 0 3 \* \* \*": Flyte takes five fields/);
    expect(() => compile(LaunchPlan.create("ff_five", nightly, { defaultInputs: { n: 1 }, schedule: { cron: "0 3 * * *", kickoffTimeInput: "at" } }), TARGET)).not.toThrow();
    expect(() => compile(LaunchPlan.create("ff_hourly", nightly, { defaultInputs: { n: 1 }, schedule: { cron: "@hourly", kickoffTimeInput: "at" } }), TARGET)).not.toThrow();
  });

  it("a scheduled launch plan with an unbound required input (launch_plan_validator.go validateSchedule)", () => {
    const lp = LaunchPlan.create("ff_unbound", nightly, { schedule: { cron: "0 3 * * *", kickoffTimeInput: "at" } });
    const e = refusal(() => compile(lp, TARGET));
    expect(e.problems).toEqual([
      { code: "InvalidArgument", entity: "LAUNCH_PLAN:flytesnacks/development/ff_unbound@v1", message: expect.stringMatching(/unbound required input: "n" is required/) as string },
    ]);
  });

  it("a fractional GPU, and a request above its limit (task_validator.go validateTaskResources)", () => {
    const half = task({ name: "ff_half_gpu", resources: { limits: { gpu: "500m" } } }, () => {});
    expect(refusal(() => compile(half, TARGET)).message).toMatch(/gpu must be a whole number, got 0.5/);
    const greedy = task({ name: "ff_greedy", resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } }, () => {});
    expect(refusal(() => compile(greedy, TARGET)).message).toMatch(/requested MEMORY \(2147483648\) is greater than its limit \(1073741824\)/);
    expect(() => compile(task({ name: "ff_one_gpu", resources: { requests: { gpu: 1 }, limits: { gpu: "1" } } }, () => {}), TARGET)).not.toThrow();
  });
});

describe("flytepropeller's compiler checks, run over specs", () => {
  const good = (): WorkflowSpec => structuredClone(compile(workflow({ name: "ff_checked", inputs: { x: t.int } }, ({ x }) => add({ a: x, b: add({ a: x, b: 1 }) })), TARGET));
  const problemsOf = (spec: WorkflowSpec): FlyteProblem[] => {
    const bundle = compileBundle(add, TARGET);
    return flyteProblems({ tasks: bundle.tasks, workflows: new Map([["wf", spec]]), launchPlans: new Map() });
  };
  const codes = (spec: WorkflowSpec) => problemsOf(spec).map((p) => [p.code, p.node]);

  it("finds nothing in what Aloft compiles", () => {
    expect(problemsOf(good())).toEqual([]);
  });

  it("checks a map's bindings against its sub-node's interface (validators/interface.go): the -arraynode template passes, the mapped task's own is refused", () => {
    const wf = workflow({ name: "ff_mapped", inputs: { xs: t.list(t.int) } }, ({ xs }) => mapTask(add, { fixed: ["b"] })({ a: xs, b: 1 }));
    const bundle = compileBundle(wf, TARGET);
    const spec = structuredClone(bundle.workflows.get(idKey(bundle.root))!);
    const problems = (s: WorkflowSpec) => flyteProblems({ tasks: new Map([...bundle.tasks, ...compileBundle(add, TARGET).tasks]), workflows: new Map([["wf", s]]), launchPlans: new Map() });
    expect(problems(spec)).toEqual([]);
    // As Aloft compiled maps before: the sub-node running ff_add itself, with its scalar interface.
    const sub = spec.template!.nodes![0]!.arrayNode!.node!;
    sub.taskNode = { referenceId: idOf("TASK", "ff_add") };
    expect(problems(spec).map((p) => p.code)).toEqual(["MismatchingTypes", "MismatchingTypes"]); // the array node and its sub-node each bind a list to an int
  });

  it("reports each refusal with propeller's error code (pkg/compiler/errors/compiler_errors.go)", () => {
    const unknownVar = good();
    unknownVar.template!.nodes![1]!.inputs![0]!.var = "c";
    expect(codes(unknownVar)).toEqual([
      ["VariableNameNotFound", "n1"],
      ["ParameterNotBound", "n1"],
    ]);

    const twice = good();
    twice.template!.nodes![0]!.inputs!.push({ var: "a", binding: { promise: { nodeId: "", var: "x" } } });
    expect(codes(twice)).toEqual([["ParameterBoundMoreThanOnce", "n0"]]);

    const mistyped = good();
    mistyped.template!.nodes![0]!.inputs![0]!.binding = { scalar: { primitive: { stringValue: "one" } } };
    expect(codes(mistyped)).toEqual([["MismatchingTypes", "n0"]]);

    // validators/bindings.go: a list bound to an int is MismatchingBindings, as propeller names it.
    const listed = good();
    listed.template!.nodes![0]!.inputs![0]!.binding = { collection: { bindings: [{ scalar: { primitive: { integer: "1" } } }] } };
    expect(codes(listed)).toEqual([["MismatchingBindings", "n0"]]);

    const dangling = good();
    dangling.template!.nodes![1]!.inputs![1]!.binding = { promise: { nodeId: "n9", var: "o0" } };
    expect(codes(dangling)).toEqual([["NodeReferenceNotFound", "n1"]]);

    const duplicate = good();
    duplicate.template!.nodes![1]!.id = "n0";
    expect(codes(duplicate).map(([c]) => c)).toContain("DuplicateId");

    const noTask = good();
    noTask.template!.nodes![0]!.taskNode = { referenceId: idOf("TASK", "missing") };
    expect(codes(noTask)).toEqual([["TaskReferenceNotFound", "n0"]]);

    const empty = good();
    empty.template!.nodes = [];
    empty.template!.outputs = [];
    expect(codes(empty)).toEqual([["NoNodesFound", undefined]]);
  });
});
