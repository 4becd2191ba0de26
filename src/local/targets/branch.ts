/**
 * Branch nodes in the local runner: the case is chosen by the shared rule
 * (`rules/branch.ts`) on the node's input values, and only its then-node runs
 * (or the else node, or the run fails with the else's message). The
 * then-node is planned like any node and reported under the branch's path
 * (`n3/n3-n0`); its outputs are the branch node's.
 *
 * @module
 */
import type { Node } from "../../idl/specs.js";
import { chooseCase, planBranch } from "../../rules/branch.js";
import { branchFailure } from "../../rules/failure.js";
import { nodeLabel } from "../../rules/labels.js";
import { isThenable, type InnerBinding, type NodeCall, type NodeTarget, type Outputs } from "../target.js";

/** A then-node, planned: its target, and where each of its inputs is found among the branch's inputs. */
interface InnerNode {
  readonly id: string;
  readonly node: Node;
  readonly target: NodeTarget;
  /** `[input name, name in the branch's inputs]`. */
  readonly inputs: readonly (readonly [string, string])[];
}

function planInner(node: Node, plan: (inner: Node) => NodeTarget, scope: InnerBinding[]): InnerNode {
  const target = plan(node);
  const id = node.id ?? "";
  const inputs: (readonly [string, string])[] = [];
  for (const b of node.inputs ?? []) {
    const name = b.var ?? "";
    const scoped = `${id}/${name}`;
    scope.push({ name: scoped, binding: b.binding ?? {}, type: target.inputTypes[name] });
    inputs.push([name, scoped]);
  }
  // A then-node that itself reads bindings of the workflow (a nested branch) gets them under their own names.
  for (const b of target.innerBindings ?? []) {
    scope.push(b);
    inputs.push([b.name, b.name]);
  }
  return { id, node, target, inputs };
}

function runInner(inner: InnerNode, scope: Outputs, call: NodeCall): Outputs | Promise<Outputs> {
  const inputs: Outputs = {};
  for (const [name, scoped] of inner.inputs) inputs[name] = scope[scoped];
  const path = `${call.path}/${inner.id}`;
  const label = inner.target.label;
  const record = call.env.recorder.start(path, label);
  const failed = (e: unknown): never => {
    record.end(record.phase === "timedOut" ? "timedOut" : call.env.signal.aborted ? "aborted" : "failed", e);
    throw branchFailure(inner.id, label, e);
  };
  let out: Outputs | Promise<Outputs>;
  try {
    out = inner.target.run(inputs, { env: call.env, path, metadata: inner.node.metadata, record });
  } catch (e) {
    return failed(e);
  }
  if (!isThenable(out)) {
    record.end("succeeded");
    return out;
  }
  return out.then((o) => {
    record.end("succeeded");
    return o;
  }, failed);
}

/**
 * The target of a branch node; `plan` plans each then-node (the planner's
 * own `target`).
 *
 * @example
 * ```ts
 * const target = branchTarget(node, (inner) => planner.target(inner));
 * ```
 */
export function branchTarget(node: Node, plan: (inner: Node) => NodeTarget): NodeTarget {
  const branch = planBranch(node);
  const scope: InnerBinding[] = [];
  const inners = branch.cases.map((c) => planInner(c.then, plan, scope));
  if (branch.otherwise) inners.push(planInner(branch.otherwise, plan, scope));
  return {
    label: nodeLabel(node),
    inputTypes: {},
    innerBindings: scope,
    run: (inputs, call) => runInner(inners[chooseCase(branch, (name) => inputs[name])]!, inputs, call),
  };
}
