/**
 * `Handle<T>`: a promise of a value of type `T` inside a workflow being built,
 * either a workflow input or a node's output.
 *
 * @module
 */
import type { AloftType } from "../types/type.js";
import { DefinitionError } from "../errors.js";
import type { OverridesOption } from "./overrides.js";
import { comparison, type Condition, type EqualityOperand, type NoneCheck, type OrderedOperand } from "./condition.js";

declare const handleValue: unique symbol;

/** The graph a handle belongs to. */
export interface HandleOwner {
  /** The name of the workflow being built, for error messages. */
  readonly name: string;
  /** Sets overrides on a node of the graph. */
  override(nodeId: string, overrides: OverridesOption): void;
  /** Orders two nodes of the graph. */
  addDependency(before: string, after: string): void;
}

/**
 * A value that will exist when the workflow runs: a workflow input (`nodeId`
 * is `""`, as in Flyte) or the output `var` of node `nodeId`. Handles are
 * bound to entity inputs and workflow outputs; they carry their type so that
 * bindings are checked when the workflow is built.
 *
 * @example
 * ```ts
 * const x = wf.addWorkflowInput("x", t.list(t.int)); // Handle<number[]>
 * const n = wf.addEntity(slope, { x, y: wf.inputs.y });
 * n.outputs.o0;                                       // Handle<number>
 * ```
 */
export class Handle<T> {
  /** Phantom: the TypeScript type of the value. Never set at run time. */
  declare readonly [handleValue]?: T;

  /** The workflow this handle belongs to. */
  readonly owner: HandleOwner;
  /** `""` for a workflow input, otherwise the producing node's id. */
  readonly nodeId: string;
  /** The input or output name. */
  readonly var: string;
  /** The value's type. */
  readonly type: AloftType<T>;

  constructor(owner: HandleOwner, nodeId: string, name: string, type: AloftType<T>) {
    this.owner = owner;
    this.nodeId = nodeId;
    this.var = name;
    this.type = type;
  }

  /**
   * Overrides the settings of the node this handle comes from (name, retries,
   * timeout, cache, interruptible, resources); returns the handle.
   */
  withOverrides(overrides: OverridesOption): Handle<T> {
    this.owner.override(this.nodeOf("withOverrides"), overrides);
    return this;
  }

  /** Makes the given nodes run after this handle's node, without using its value (Flyte's `>>`); returns the handle. */
  runsBefore(...others: readonly { readonly id: string }[] | readonly Handle<unknown>[]): Handle<T> {
    const before = this.nodeOf("runsBefore");
    for (const o of others) {
      const id = o instanceof Handle ? o.nodeOf("runsBefore") : o.id;
      this.owner.addDependency(before, id);
    }
    return this;
  }

  /**
   * The condition "this value equals `other`" (a constant or a handle), for a
   * `conditional` branch.
   *
   * @example
   * ```ts
   * conditional("by_mode").if(mode.eq("fast")).then(quick, { x }).else().then(thorough, { x });
   * ```
   */
  eq<U>(this: Handle<U>, other: NoInfer<EqualityOperand<U>>): Condition {
    return comparison(this, "eq", other);
  }

  /**
   * The condition "this value differs from `other`".
   *
   * @example
   * ```ts
   * conditional("retry").if(status.ne("ok")).then(again, { x }).else().then(done, { x });
   * ```
   */
  ne<U>(this: Handle<U>, other: NoInfer<EqualityOperand<U>>): Condition {
    return comparison(this, "ne", other);
  }

  /**
   * The condition "this value is greater than `other`".
   *
   * @example
   * ```ts
   * conditional("size").if(n.gt(100)).then(big, { n }).else().then(small, { n });
   * ```
   */
  gt<U>(this: Handle<U>, other: NoInfer<OrderedOperand<U>>): Condition {
    return comparison(this, "gt", other);
  }

  /**
   * The condition "this value is greater than or equal to `other`".
   *
   * @example
   * ```ts
   * x.ge(0).and(x.lt(10));
   * ```
   */
  ge<U>(this: Handle<U>, other: NoInfer<OrderedOperand<U>>): Condition {
    return comparison(this, "ge", other);
  }

  /**
   * The condition "this value is less than `other`".
   *
   * @example
   * ```ts
   * x.lt(limit); // two handles of the same type
   * ```
   */
  lt<U>(this: Handle<U>, other: NoInfer<OrderedOperand<U>>): Condition {
    return comparison(this, "lt", other);
  }

  /**
   * The condition "this value is less than or equal to `other`".
   *
   * @example
   * ```ts
   * x.le(0.5).or(x.gt(2));
   * ```
   */
  le<U>(this: Handle<U>, other: NoInfer<OrderedOperand<U>>): Condition {
    return comparison(this, "le", other);
  }

  /**
   * The condition "this bool is true" (`false` and none are not).
   *
   * @example
   * ```ts
   * conditional("gate").if(approved.isTrue()).then(publish, { doc }).else().fail("not approved");
   * ```
   */
  isTrue(this: Handle<boolean | null>): Condition {
    return comparison(this, "isTrue");
  }

  /**
   * The condition "this bool is false" (`true` and none are not).
   *
   * @example
   * ```ts
   * conditional("gate").if(dryRun.isFalse()).then(apply, { plan }).else().then(show, { plan });
   * ```
   */
  isFalse(this: Handle<boolean | null>): Condition {
    return comparison(this, "isFalse");
  }

  /**
   * The condition "this optional value is none" (`null`).
   *
   * @example
   * ```ts
   * conditional("default").if(limit.isNone()).then(all, { xs }).else().then(some, { xs, limit });
   * ```
   */
  isNone<U>(this: Handle<U> & NoneCheck<U>): Condition {
    return comparison(this, "isNone");
  }

  private nodeOf(what: string): string {
    if (this.nodeId === "") throw new DefinitionError(`${what}: ${this.describe()} is a workflow input, not a node`, { entity: this.owner.name });
    return this.nodeId;
  }

  /** Where this handle comes from, for messages: `input "x"` or `n0.o0`. */
  describe(): string {
    return this.nodeId === "" ? `workflow input ${JSON.stringify(this.var)}` : `${this.nodeId}.${this.var}`;
  }

  /** @internal */
  toString(): string {
    return `Handle(${this.describe()}: ${this.type.name})`;
  }
}

/**
 * A handle whose value type the builder cannot know statically (the inputs of
 * an imperative `Workflow`). It is accepted by any binding and checked when
 * the node is added; use the handle returned by `addWorkflowInput` to have
 * TypeScript check bindings too.
 */
export type UntypedHandle = Handle<never>;
