/**
 * The contract between the local executor and what a node runs (a task, a
 * subworkflow, a launch plan, a gate, a branch, a map): each kind plans a
 * `NodeTarget` from the spec, and the executor calls `run` once the node's
 * inputs are ready.
 *
 * @module
 */
import type { BindingData, LiteralType } from "../idl/core.js";
import type { NodeMetadata } from "../idl/specs.js";
import type { RunEnvironment } from "./environment.js";
import type { NodeRecord } from "./recorder.js";

/** Outputs of a node, by output name. */
export type Outputs = Record<string, unknown>;

/** What a target is given when its node runs. */
export interface NodeCall {
  /** Run-wide settings and services. */
  readonly env: RunEnvironment;
  /** The node's path (`n1`, `n2/n0`), for reports and nested nodes. */
  readonly path: string;
  /** The node's metadata from the spec (retries, timeout, overrides). */
  readonly metadata: NodeMetadata | undefined;
  /** The node's record, for attempts and cache status. */
  readonly record: NodeRecord;
}

/**
 * A binding of a node nested in another (a branch's then-node), read in the
 * enclosing workflow's scope.
 *
 * @example
 * ```ts
 * const b: InnerBinding = { name: "n3-n0/x", binding: { promise: { nodeId: "n0", var: "o0" } }, type: { simple: "INTEGER" } };
 * ```
 */
export interface InnerBinding {
  /** The name its value is passed under: `n3-n0/x` for input `x` of then-node `n3-n0`. */
  readonly name: string;
  /** The binding, as the spec writes it. */
  readonly binding: BindingData;
  /** The type of the input bound, to decode a constant. */
  readonly type: LiteralType | undefined;
}

/** What a node runs. */
export interface NodeTarget {
  /** A readable label: `task "slope"`, `workflow "sub"`, ... */
  readonly label: string;
  /** The types of the target's inputs, to decode constant bindings. */
  readonly inputTypes: Readonly<Record<string, LiteralType | undefined>>;
  /**
   * Bindings the node reads besides its own inputs, each passed to `run` in
   * `inputs` under its `name`: a branch's then-nodes bind the workflow's
   * promises themselves.
   */
  readonly innerBindings?: readonly InnerBinding[];
  /** Runs the node; synchronous targets return outputs directly, others a promise. */
  run(inputs: Outputs, call: NodeCall): Outputs | Promise<Outputs>;
}

/** True for promises and other thenables. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
