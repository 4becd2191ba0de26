import { describe, expect, it } from "vitest";
import { ConditionalError, ExecutionError, GateError, InputValueError, MapTaskError, NonRetryableError, RecoverableError, TaskTimeoutError } from "aloft";
import type { Node } from "aloft";
import { chooseCase, caseNode, literalInput, planBranch } from "../../src/rules/branch.js";
import { errorInfo, reviveError, scopeFailure, failureHandlerInput } from "../../src/rules/failure.js";
import { elementTemplate, hasListInterface, mapFailure, mapSettings, mapHasFailed, mapInputs, mapLength, requiredSuccesses } from "../../src/rules/map-task.js";
import { backoffDelay, DEFAULT_BACKOFF, isRetryable, mayRetry, resolveBackoff } from "../../src/rules/retry.js";
import { specGates } from "../../src/rules/gates.js";
import { nodeLabel } from "../../src/rules/labels.js";

const int = (n: number) => ({ primitive: { integer: String(n) } });

function branch(operand: object): Node {
  return {
    id: "n1",
    metadata: { name: "guard" },
    inputs: [{ var: "x", binding: { promise: { nodeId: "", var: "x" } } }],
    branchNode: {
      ifElse: {
        case: { condition: { comparison: { operator: "GT", leftValue: { var: "x" }, rightValue: operand } }, thenNode: { id: "n1-n0", taskNode: { referenceId: { name: "big" } } } },
        elseNode: { id: "n1-n1", taskNode: { referenceId: { name: "small" } } },
      },
    },
  };
}

describe("choosing a branch (flytepropeller pkg/controller/nodes/branch/evaluator.go)", () => {
  it("reads every operand encoding flyteidl has: primitive (flytekit's), scalar and var", () => {
    for (const operand of [{ primitive: int(3).primitive }, { scalar: int(3) }]) {
      const plan = planBranch(branch(operand));
      expect(caseNode(plan, chooseCase(plan, () => 5)).id).toBe("n1-n0");
      expect(caseNode(plan, chooseCase(plan, () => 2)).id).toBe("n1-n1");
    }
    const byVar = planBranch({ ...branch({ var: "x" }) });
    expect(chooseCase(byVar, () => 5)).toBe(1);
  });

  it("runs then-nodes as flytepropeller names them, <branch>-<then> (validators/node.go, branchNodeIDFormatter), from flytekit's ids that restart at n0", () => {
    const b = branch({ primitive: int(3).primitive });
    const ie = b.branchNode!.ifElse!;
    ie.case!.thenNode!.id = "n0";
    ie.elseNode = { id: "n1", inputs: [{ var: "x", binding: { promise: { nodeId: "", var: "x" } } }], branchNode: { ifElse: { case: { condition: { comparison: { leftValue: { var: "x" }, rightValue: int(0) } }, thenNode: { id: "n0", taskNode: { referenceId: { name: "zero" } } } }, error: { failedNodeId: "inner", message: "no" } } } };
    const plan = planBranch(b);
    expect(caseNode(plan, 0).id).toBe("n1-n0");
    const nested = caseNode(plan, 1);
    expect(nested.id).toBe("n1-n1");
    expect(caseNode(planBranch(nested), 0).id).toBe("n1-n1-n0");
    // flytekit names the conditional in error.failedNodeId (core/condition.py); the node that fails is the branch node.
    expect(() => chooseCase(planBranch(nested), () => 5)).toThrow(expect.objectContaining({ nodeId: "n1-n1" }) as Error);
    // Ids Aloft wrote before, already prefixed, keep their paths.
    expect(caseNode(planBranch(branch({ primitive: int(3).primitive })), 0).id).toBe("n1-n0");
  });

  it("reads the engine's literals as the local runner's values, and names what cannot be ordered", () => {
    const plan = planBranch(branch({ scalar: int(3) }));
    expect(chooseCase(plan, (n) => literalInput({ scalar: int(n === "x" ? 4 : 0) }))).toBe(0);
    expect(() => chooseCase(plan, () => literalInput({ scalar: { noneType: {} } }))).toThrow(new ConditionalError('conditional "guard": cannot evaluate x > 3: none cannot be ordered', "guard", "n1"));
  });

  it("fails with the else's message, and refuses a condition that reads no input of the node", () => {
    const node = branch({ scalar: int(3) });
    const noElse: Node = { ...node, branchNode: { ifElse: { ...node.branchNode!.ifElse!, elseNode: undefined, error: { failedNodeId: "n1", message: "x must be big" } } } };
    expect(() => chooseCase(planBranch(noElse), () => 1)).toThrow(ConditionalError);
    expect(() => chooseCase(planBranch(noElse), () => 1)).toThrow("x must be big");
    expect(() => planBranch(branch({ var: "y" }))).toThrow(/reads "y", which is not one of the node's inputs \(x\)/);
  });
});

describe("map tasks (flytepropeller pkg/controller/nodes/array/handler.go)", () => {
  it("counts the successes a map needs from minSuccesses or the 32-bit minSuccessRatio", () => {
    expect(requiredSuccesses({ minSuccessRatio: Math.fround(0.8) }, 10)).toBe(8);
    expect(requiredSuccesses({ minSuccesses: 2 }, 10)).toBe(2);
    expect(requiredSuccesses({}, 7)).toBe(7);
    expect(mapHasFailed(10, 3, 8)).toBe(true);
    expect(mapHasFailed(10, 2, 8)).toBe(false);
  });

  it("words the failure once for both runners, the first element's error as its cause", () => {
    const cause = new Error("odd 1");
    const e = mapFailure('map task "m"', 3, 1, 3, 1, cause);
    expect(e).toBeInstanceOf(MapTaskError);
    expect(e.message).toBe('map task "m": 1 of 3 elements failed; all 3 must succeed. The first failure, element 1: odd 1');
    expect(e.cause).toBe(cause);
    expect(() => mapLength('map task "m"', [["x", 3], ["y", 2]])).toThrow('map task "m" zips its list inputs, which must have the same length: x has 3 elements, y has 2');
    expect(() => mapLength('map task "m"', [["x", undefined]])).toThrow(/maps over input "x", which must be a list/);
  });

  it("runs an element of flytekit's list-interface -arraynode template (core/interface.py, transform_interface_to_list_interface, undone) as of the mapped task's own", () => {
    const int = { simple: "INTEGER" as const };
    const optInt = { unionType: { variants: [int, { simple: "NONE" as const }] } };
    const template = {
      interface: {
        inputs: { variables: { x: { type: { collectionType: int } }, k: { type: int }, ks: { type: { collectionType: int } } } },
        outputs: { variables: { o0: { type: { collectionType: optInt } } } },
      },
    };
    const element = elementTemplate(template, ["k", "ks"]);
    expect(element.interface).toEqual({ inputs: { variables: { x: { type: int }, k: { type: int }, ks: { type: { collectionType: int } } } }, outputs: { variables: { o0: { type: optInt } } } });
    const array = { boundInputs: ["k", "ks"], isOriginalSubNodeInterface: {} };
    expect(hasListInterface(array)).toBe(true);
    expect(mapInputs(array, element.interface)).toEqual({ mapped: [["x", int]], bound: [["k", int], ["ks", { collectionType: int }]] });
    // The settings a worker compiles the template from: the ratio as written, not as its 32-bit float.
    expect(mapSettings({ boundInputs: ["k"], parallelism: 4, minSuccessRatio: Math.fround(0.8) })).toEqual({ bound: ["k"], concurrency: 4, minSuccessRatio: 0.8 });
    expect(mapSettings({ minSuccessRatio: 1 })).toEqual({ bound: [], minSuccessRatio: 1 });
    expect(hasListInterface({ isOriginalSubNodeInterface: { value: true } })).toBe(false);
    expect(hasListInterface({})).toBe(false);
  });
});

describe("deciding a retry (flytekit exceptions/user.py FlyteRecoverableException)", () => {
  it("retries recoverable errors and timeouts; a plain error only with retryAllErrors; never bad inputs or NonRetryableError", () => {
    expect(isRetryable(new Error("bug"), false)).toBe(false);
    expect(isRetryable(new Error("bug"), true)).toBe(true);
    expect(isRetryable(new RecoverableError("busy"), false)).toBe(true);
    expect(isRetryable(new TaskTimeoutError("slow", 5), false)).toBe(true);
    expect(isRetryable(new NonRetryableError("no"), true)).toBe(false);
    expect(isRetryable(new InputValueError("bad", "t", "x"), true)).toBe(false);
    expect(mayRetry(3, 2, true)).toBe(false);
    expect(mayRetry(2, 2, true)).toBe(true);
  });

  it("has one backoff with one default for both runners", () => {
    expect(resolveBackoff(undefined, "retryBackoff")).toBe(DEFAULT_BACKOFF);
    expect(resolveBackoff({ initial: "1s", max: "3s" }, "backoff")).toEqual({ initialMs: 1000, maxMs: 3000, multiplier: 2 });
    expect(backoffDelay(DEFAULT_BACKOFF, 3)).toBe(400);
    expect(() => resolveBackoff({ multiplier: 0.5 }, "backoff")).toThrow("backoff.multiplier must be a number of at least 1, got 0.5");
    expect(() => resolveBackoff({ initialMs: 5 } as never, "backoff")).toThrow('backoff has no setting "initialMs" (settings: initial, max, multiplier)');
  });
});

describe("the failure converter", () => {
  it("brings an error back as the same class, with its fields and its cause", () => {
    const failure = scopeFailure("wf", "n0", 'map task "m"', mapFailure('map task "m"', 3, 1, 3, 1, new GateError("no", "g")));
    const back = reviveError(JSON.parse(JSON.stringify(errorInfo(failure))) as never);
    expect(back).toBeInstanceOf(ExecutionError);
    expect(back).toMatchObject({ name: "ExecutionError", message: failure.message, nodeId: "n0", entity: 'map task "m"' });
    expect(back.cause).toBeInstanceOf(MapTaskError);
    expect(back.cause).toMatchObject({ total: 3, failed: 1, required: 3, firstFailedIndex: 1 });
    expect((back.cause as Error).cause).toBeInstanceOf(GateError);
    expect((back.cause as Error).cause).toMatchObject({ gate: "g", message: "no" });
    const other = reviveError(errorInfo(new TypeError("t")));
    expect(other).toBeInstanceOf(TypeError);
    class Mine extends Error {
      override name = "Mine";
    }
    expect(reviveError(errorInfo(new Mine("m")))).toMatchObject({ name: "Mine", message: "m" });
    expect(failureHandlerInput(failure)).toEqual({ failedNodeId: "n0", message: failure.cause instanceof Error ? failure.cause.message : "" });
  });
});

describe("gates and labels", () => {
  it("finds gates in subworkflows, conditionals and dynamic sub-workflows with one walker", () => {
    const gate = (id: string, name: string): Node => ({ id, gateNode: { signal: { signalId: name, type: { simple: "INTEGER" } } } });
    const spec = {
      template: { nodes: [{ id: "n0", branchNode: { ifElse: { case: { thenNode: gate("n0-n0", "in_branch") } } } }] },
      subWorkflows: [{ nodes: [{ id: "n0", gateNode: { approve: { signalId: "in_sub" } } }] }],
    };
    const dynamic = { template: { nodes: [gate("n0", "in_dynamic")] } };
    expect([...specGates([spec, dynamic]).values()].map((g) => [g.name, g.kind])).toEqual([
      ["in_branch", "signal"],
      ["in_sub", "approve"],
      ["in_dynamic", "signal"],
    ]);
  });

  it("labels nodes once for both runners", () => {
    expect(nodeLabel({ id: "n0", gateNode: { sleep: { duration: { nanos: 1_000_000 } } } })).toBe("sleep 1 ms");
    expect(nodeLabel({ id: "n1", metadata: { name: "guard" }, branchNode: {} })).toBe('conditional "guard"');
    expect(nodeLabel({ id: "n2", arrayNode: { node: { id: "mapper_sq", taskNode: { referenceId: { name: "sq" } } } } })).toBe('map task "mapper_sq"');
  });
});
