/**
 * Packages in the shape flytekit writes, each mirroring a flytesnacks "core"
 * example (flytepropeller's `pkg/compiler/test/testdata/snacks-core`), built
 * with flytekit-specs.ts.
 */
import { BOOL, FLOAT, INT, STR, arrayNodeMapTask, containerArrayTask, defaultLaunchPlan, input, list, output, pyTask, taskNode, workflowTemplate, type Package } from "./flytekit-specs.js";

/** core.control_flow.chain_tasks: `write_node >> read_node`, nodes without inputs ordered by upstreamNodeIds alone. */
export function chainTasks(): Package {
  const wf = workflowTemplate("core.control_flow.chain_tasks.chain_tasks_wf", {}, { o0: STR }, [taskNode("n0", "core.control_flow.chain_tasks.write"), taskNode("n1", "core.control_flow.chain_tasks.read", {}, ["n0"])], { o0: output("n1", "o0") });
  return { tasks: [pyTask("core.control_flow.chain_tasks.write", {}, {}), pyTask("core.control_flow.chain_tasks.read", {}, { o0: STR })], workflows: [{ template: wf }], launchPlans: [defaultLaunchPlan(wf)] };
}

/** core.control_flow.conditions.basic_boolean_wf: `is_true()` as EQ (absent: zero) against a boolean primitive; then-node ids restart at n0. */
export function basicBoolean(): Package {
  const wf = workflowTemplate(
    "core.control_flow.conditions.basic_boolean_wf",
    { seed: INT },
    { o0: INT },
    [
      taskNode("n0", "core.control_flow.conditions.coin_toss", { seed: input("seed") }),
      {
        id: "n1",
        metadata: { name: "test", retries: {} },
        inputs: [{ var: "n0.o0", binding: output("n0", "o0") }],
        upstreamNodeIds: ["n0"],
        branchNode: {
          ifElse: {
            case: { condition: { comparison: { leftValue: { var: "n0.o0" }, rightValue: { primitive: { boolean: true } } as never } }, thenNode: taskNode("n0", "core.control_flow.conditions.success") },
            elseNode: taskNode("n1", "core.control_flow.conditions.failed"),
          },
        },
      },
    ],
    { o0: output("n1", "o0") },
  );
  return {
    tasks: [pyTask("core.control_flow.conditions.coin_toss", { seed: INT }, { o0: BOOL }), pyTask("core.control_flow.conditions.success", {}, { o0: INT }), pyTask("core.control_flow.conditions.failed", {}, { o0: INT })],
    workflows: [{ template: wf }],
    launchPlans: [defaultLaunchPlan(wf)],
  };
}

const cmp = (op: "GT" | "LT", v: number) => ({ comparison: { leftValue: { var: ".my_input" }, operator: op, rightValue: { primitive: { floatValue: v } } as never } });
const and = (a: object, b: object) => ({ conjunction: { leftExpression: a, rightExpression: b } });

/** core.control_flow.conditions.nested_conditions: a then-node that is a branch, `.my_input` operands, failedNodeId naming the inner conditional. */
export function nestedConditions(): Package {
  const n = { n: input("my_input") };
  const inner = {
    id: "n0",
    metadata: { name: "inner_fractions", retries: {} },
    inputs: [{ var: ".my_input", binding: input("my_input") }],
    branchNode: {
      ifElse: {
        case: { condition: cmp("LT", 0.5), thenNode: taskNode("n0", "core.control_flow.conditions.double", n) },
        other: [{ condition: and(cmp("GT", 0.5), cmp("LT", 0.7)), thenNode: taskNode("n1", "core.control_flow.conditions.square", n) }],
        error: { failedNodeId: "inner_fractions", message: "Only <0.7 allowed" },
      },
    },
  };
  const wf = workflowTemplate(
    "core.control_flow.conditions.nested_conditions",
    { my_input: FLOAT },
    { o0: FLOAT },
    [
      {
        id: "n0",
        metadata: { name: "fractions", retries: {} },
        inputs: [{ var: ".my_input", binding: input("my_input") }],
        branchNode: {
          ifElse: {
            case: { condition: and(cmp("GT", 0.1), cmp("LT", 1)), thenNode: inner },
            other: [{ condition: and(cmp("GT", 1), cmp("LT", 10)), thenNode: taskNode("n1", "core.control_flow.conditions.square", n) }],
            elseNode: taskNode("n2", "core.control_flow.conditions.double", n),
          },
        },
      },
    ],
    { o0: output("n0", "o0") },
  );
  return { tasks: [pyTask("core.control_flow.conditions.square", { n: FLOAT }, { o0: FLOAT }), pyTask("core.control_flow.conditions.double", { n: FLOAT }, { o0: FLOAT })], workflows: [{ template: wf }], launchPlans: [defaultLaunchPlan(wf)] };
}

/** core.flyte_basics.lp: the workflow's default (`val: int = 2`) lives only in its launch plan; a second plan fixes it. */
export function launchPlans(): Package {
  const wf = workflowTemplate("core.flyte_basics.lp.my_wf", { val: INT }, { o0: INT }, [taskNode("n0", "core.flyte_basics.lp.square", { val: input("val") })], { o0: output("n0", "o0") });
  const two = { scalar: { primitive: { integer: "2" } } };
  return {
    tasks: [pyTask("core.flyte_basics.lp.square", { val: INT }, { o0: INT })],
    workflows: [{ template: wf }],
    launchPlans: [defaultLaunchPlan(wf, { val: { type: INT, literal: two } }), defaultLaunchPlan(wf, {}, "core.flyte_basics.lp.square_3", { val: { scalar: { primitive: { integer: "3" } } } })],
  };
}

/** core.control_flow.map_task.my_map_workflow: an old-style container_array map task with node retries. */
export function mapTasks(): Package {
  const mapper = "core.control_flow.map_task.mapper_a_mappable_task_0";
  const n0 = taskNode("n0", mapper, { a: input("a") });
  n0.metadata = { name: "mapper_a_mappable_task_0", retries: { retries: 1 } };
  const wf = workflowTemplate("core.control_flow.map_task.my_map_workflow", { a: list(INT) }, { o0: STR }, [n0, taskNode("n1", "core.control_flow.map_task.coalesce", { b: output("n0", "o0") }, ["n0"])], { o0: output("n1", "o0") });
  return {
    tasks: [containerArrayTask(mapper, "core.control_flow.map_task.a_mappable_task", { a: INT }, { o0: STR }), pyTask("core.control_flow.map_task.coalesce", { b: list(STR) }, { o0: STR })],
    workflows: [{ template: wf }],
    launchPlans: [defaultLaunchPlan(wf)],
  };
}

/** core.control_flow.subworkflows.parent_wf: a subworkflow template in the WorkflowSpec, named outputs. */
export function subworkflows(): Package {
  const sub = workflowTemplate("core.control_flow.subworkflows.my_subwf", { a: INT }, { o0: STR, o1: STR }, [taskNode("n0", "core.control_flow.subworkflows.t1", { a: input("a") }), taskNode("n1", "core.control_flow.subworkflows.t1", { a: output("n0", "t1_int_output") })], {
    o0: output("n0", "c"),
    o1: output("n1", "c"),
  });
  const parent = workflowTemplate(
    "core.control_flow.subworkflows.parent_wf",
    { a: INT },
    { o0: INT, o1: STR, o2: STR },
    [taskNode("n0", "core.control_flow.subworkflows.t1", { a: input("a") }), { id: "n1", metadata: { name: "my_subwf" }, inputs: [{ var: "a", binding: output("n0", "t1_int_output") }], upstreamNodeIds: ["n0"], workflowNode: { subWorkflowRef: { resourceType: "WORKFLOW", name: sub.id!.name! } } }],
    { o0: output("n0", "t1_int_output"), o1: output("n1", "o0"), o2: output("n1", "o1") },
  );
  return { tasks: [pyTask("core.control_flow.subworkflows.t1", { a: INT }, { t1_int_output: INT, c: STR })], workflows: [{ template: parent, subWorkflows: [sub] }], launchPlans: [defaultLaunchPlan(parent)] };
}

/** core.control_flow.dynamics: a dynamic task is a plain python-task spec; the task it calls is in the package but no workflow references it. */
export function dynamics(): Package {
  const wf = workflowTemplate("core.control_flow.dynamics.wf", { words: list(STR) }, { o0: list(INT) }, [taskNode("n0", "core.control_flow.dynamics.count_all", { words: input("words") })], { o0: output("n0", "o0") });
  return { tasks: [pyTask("core.control_flow.dynamics.count_all", { words: list(STR) }, { o0: list(INT) }), pyTask("core.control_flow.dynamics.count_characters", { s: STR }, { o0: INT })], workflows: [{ template: wf }], launchPlans: [defaultLaunchPlan(wf)] };
}


/** core.control_flow.failure_node: `@workflow(on_failure=clean_up)` writes a failureNode running the handler. */
export function failureNode(): Package {
  const wf = workflowTemplate("core.control_flow.failure_node.subwf", { a: INT, b: INT }, { o0: INT }, [taskNode("n0", "core.control_flow.failure_node.divide", { a: input("a"), b: input("b") })], { o0: output("n0", "o0") });
  wf.failureNode = { ...taskNode("fn0", "core.control_flow.failure_node.clean_up", { a: input("a"), b: input("b") }) };
  const err = { unionType: { variants: [{ simple: "ERROR" as const, structure: { tag: "error" } }, { simple: "NONE" as const, structure: { tag: "none" } }] } };
  return {
    tasks: [pyTask("core.control_flow.failure_node.divide", { a: INT, b: INT }, { o0: INT }), pyTask("core.control_flow.failure_node.clean_up", { a: INT, b: INT, err }, {})],
    workflows: [{ template: wf }],
  };
}

/** core.control_flow.waiting_for_external_inputs: sleep, wait_for_input and approve as gate nodes. */
export function gates(): Package {
  const wf = workflowTemplate(
    "core.control_flow.waiting_for_external_inputs.reporting_wf",
    {},
    { o0: STR },
    [
      { id: "n0", metadata: { name: "sleep" }, gateNode: { sleep: { duration: { nanos: 1000000 } } } },
      { id: "n1", metadata: { name: "wait-for-title" }, upstreamNodeIds: ["n0"], gateNode: { signal: { signalId: "title_input", type: STR, outputVariableName: "o0" } } },
      taskNode("n2", "core.control_flow.waiting_for_external_inputs.create_report", { title: output("n1", "o0") }),
      { id: "n3", metadata: { name: "approve" }, inputs: [{ var: "o0", binding: output("n2", "o0") }], gateNode: { approve: { signalId: "review_passes" } } },
    ],
    { o0: output("n3", "o0") },
  );
  return { tasks: [pyTask("core.control_flow.waiting_for_external_inputs.create_report", { title: STR }, { o0: STR })], workflows: [{ template: wf }] };
}

/**
 * flytekit's ArrayNode map task (`map_task` since 1.12; flytekit `tools/translator.py`,
 * `get_serializable_array_node_map_task`): the array node and its sub-node named after the `-arraynode`
 * template the sub-node runs, with the map's list interface; a bound input (`functools.partial`), a
 * concurrency and a ratio of 1.0 hashed into the name; and a launch-plan node calling the workflow.
 */
export function arrayNodeAndLaunchPlanNode(): Package {
  const template = arrayNodeMapTask("core.control_flow.map_task.a_mappable_task_with_suffix", "suffix2None1.0", { a: INT, suffix: STR }, { o0: STR }, ["suffix"]);
  const name = template.id!.name!;
  const bindings = [
    { var: "a", binding: input("a") },
    { var: "suffix", binding: { scalar: { primitive: { stringValue: "!" } } } },
  ];
  const mapper = workflowTemplate(
    "core.control_flow.map_task.array_wf",
    { a: list(INT) },
    { o0: STR },
    [
      {
        id: "n0",
        metadata: { name },
        inputs: bindings,
        arrayNode: { node: { id: name, metadata: { name, retries: {} }, inputs: bindings, taskNode: { referenceId: { resourceType: "TASK", name } } }, parallelism: 2, minSuccessRatio: 1, isOriginalSubNodeInterface: {}, boundInputs: ["suffix"] },
      },
      taskNode("n1", "core.control_flow.map_task.coalesce", { b: output("n0", "o0") }, ["n0"]),
    ],
    { o0: output("n1", "o0") },
  );
  const parent = workflowTemplate(
    "core.control_flow.map_task.parent_wf",
    { a: list(INT) },
    { o0: STR },
    [{ id: "n0", metadata: { name: "array_wf" }, inputs: [{ var: "a", binding: input("a") }], workflowNode: { launchplanRef: { resourceType: "LAUNCH_PLAN", name: "core.control_flow.map_task.array_wf" } } }],
    { o0: output("n0", "o0") },
  );
  return {
    tasks: [template, pyTask("core.control_flow.map_task.coalesce", { b: list(STR) }, { o0: STR })],
    workflows: [{ template: mapper }, { template: parent }],
    launchPlans: [defaultLaunchPlan(mapper), defaultLaunchPlan(parent)],
  };
}
