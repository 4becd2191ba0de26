/**
 * What the engine keeps on a node row besides its phase, attempts and
 * values: one shape per node kind, discriminated by `kind`, and the marks
 * every kind may carry. Stores read the JSON back through `decodeNodeData`,
 * so the engine, server and CLI read typed fields.
 *
 * The JSON field names are those stored since the first release, so
 * databases written before these types read back unchanged.
 *
 * @module
 */
import type { ErrorInfo } from "../rules/failure.js";
import { decodeErrorInfo } from "./error-info.js";
import type { TaskSpec, WorkflowSpec } from "../idl/specs.js";
import { Fields } from "./fields.js";
import type { EntityKey } from "./store.js";

/**
 * The error a failure handler handles, as its scope recorded it.
 *
 * @example
 * ```ts
 * const f: ScopeFailure = { message: "node n1 failed: boom", nodeId: "n1" };
 * ```
 */
export interface ScopeFailure {
  readonly message: string;
  readonly nodeId: string;
  /** The error the scope fails with, as plain data (`rules/failure.ts`). */
  readonly failure?: ErrorInfo;
}

/**
 * Marks any node may carry, whatever its kind.
 *
 * @example
 * ```ts
 * if (row.data.dispatched) step.withdraw(row.path);
 * ```
 */
export interface NodeMarks {
  /** Its task attempt is queued for or held by a worker (and holds one of the execution's slots). */
  readonly dispatched?: boolean;
  /** Its ticket in the queue for a parallelism slot; `false` once it left the queue. */
  readonly waitingSlot?: number | false;
  /** Its failure was the first of its scope (so a reload knows which came first). */
  readonly failedScope?: boolean;
  /** For a failure handler: the error it handles. */
  readonly failure?: ScopeFailure;
  /** The error the node failed with, class, fields and cause (`rules/failure.ts`). */
  readonly errorInfo?: ErrorInfo;
}

/**
 * How a node caches its task's outputs.
 *
 * @example
 * ```ts
 * const cache: CachePolicy = { version: "1", serialize: false, ignoredInputs: [] };
 * ```
 */
export interface CachePolicy {
  readonly version: string;
  readonly serialize: boolean;
  readonly ignoredInputs: readonly string[];
}

/**
 * What a node that runs a task attempt keeps: the registered task and how to run it.
 *
 * @example
 * ```ts
 * const run: TaskRun = { task: key, taskDigest: "3f2a", retries: 2, timeoutMs: 30_000 };
 * ```
 */
export interface TaskRun {
  /** The registered task. */
  readonly task: EntityKey;
  /** The digest of its registered `TaskSpec`. */
  readonly taskDigest: string;
  /** User retries allowed after the first attempt. */
  readonly retries: number;
  readonly timeoutMs?: number;
  readonly cache?: CachePolicy;
}

/**
 * A task node.
 *
 * @example
 * ```ts
 * if (row.data.kind === "task" && row.data.recovered) console.log("outputs reused from the recovered execution");
 * ```
 */
export interface TaskNodeData extends NodeMarks, TaskRun {
  readonly kind: "task";
  /** Its outputs were taken from the execution being recovered. */
  readonly recovered?: boolean;
}

/**
 * The sub-workflow a dynamic task built, and the tasks it uses.
 *
 * @example
 * ```ts
 * const built: DynamicSpec = { workflow: spec, tasks: [taskSpec] };
 * ```
 */
export interface DynamicSpec {
  readonly workflow: WorkflowSpec;
  readonly tasks: readonly TaskSpec[];
}

/**
 * A dynamic workflow node: a task whose run builds a sub-workflow.
 *
 * @example
 * ```ts
 * if (row.data.kind === "dynamic" && row.data.dynamicSpec) specs.addWorkflow(row.data.dynamicSpec.workflow);
 * ```
 */
export interface DynamicNodeData extends NodeMarks, TaskRun {
  readonly kind: "dynamic";
  /** Set once the task built its sub-workflow. */
  readonly dynamicSpec?: DynamicSpec;
}

/**
 * How far a map task has got.
 *
 * @example
 * ```ts
 * const p: ArrayProgress = { total: 5, next: 2, inFlight: 2, succeeded: 0, failed: 0, minSuccesses: 5, parallelism: 2 };
 * ```
 */
export interface ArrayProgress {
  /** Elements in all. */
  readonly total: number;
  /** The index of the next element to start. */
  readonly next: number;
  /** Elements started and not ended. */
  readonly inFlight: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Successes needed for the map to succeed. */
  readonly minSuccesses: number;
  /** Elements that may run at once. */
  readonly parallelism: number;
  /** The index of the first element that failed (its error is the map's cause). */
  readonly firstFailed?: number;
}

/**
 * A map task (array node): its task, run once per element, and its progress.
 *
 * @example
 * ```ts
 * if (row.data.kind === "array") console.log(`${row.data.succeeded} of ${row.data.total}`);
 * ```
 */
export interface ArrayNodeData extends NodeMarks, TaskRun, ArrayProgress {
  readonly kind: "array";
}

/**
 * One element of a map task, at path `<map>[i]`.
 *
 * @example
 * ```ts
 * const el: ElementNodeData = { kind: "element", task: key, taskDigest: "3f2a", retries: 0 };
 * ```
 */
export interface ElementNodeData extends NodeMarks, TaskRun {
  readonly kind: "element";
}

/**
 * A subworkflow node (or a failure handler that is a workflow).
 *
 * @example
 * ```ts
 * const sub: WorkflowNodeData = { kind: "workflow" };
 * ```
 */
export interface WorkflowNodeData extends NodeMarks {
  readonly kind: "workflow";
}

/**
 * A launch-plan node: it runs as a child execution.
 *
 * @example
 * ```ts
 * if (row.data.kind === "launchPlan") await store.getExecution(row.data.childId);
 * ```
 */
export interface LaunchPlanNodeData extends NodeMarks {
  readonly kind: "launchPlan";
  readonly childId: string;
}

/**
 * A branch node (conditional).
 *
 * @example
 * ```ts
 * if (row.data.kind === "branch" && row.data.chosen) console.log(`took ${row.data.chosen}`);
 * ```
 */
export interface BranchNodeData extends NodeMarks {
  readonly kind: "branch";
  /** The id of the node the branch took; `null` when no case held and there was no else. */
  readonly chosen?: string | null;
}

/**
 * A gate: a sleep, a signal or an approval.
 *
 * @example
 * ```ts
 * if (row.data.kind === "gate" && row.data.gate === "signal") console.log(`waits for ${row.data.signal}`);
 * ```
 */
export type GateNodeData = NodeMarks &
  (
    | { readonly kind: "gate"; readonly gate: "sleep" }
    | { readonly kind: "gate"; readonly gate: "signal"; readonly signal: string; readonly output: string }
    | { readonly kind: "gate"; readonly gate: "approve"; readonly approve: string }
  );

/**
 * A node that failed before it could start (its inputs did not resolve, it has no target).
 *
 * @example
 * ```ts
 * const bad: UnstartedNodeData = { kind: "unknown" };
 * ```
 */
export interface UnstartedNodeData extends NodeMarks {
  readonly kind: "unknown";
}

/**
 * What the engine keeps on a node row, by the node's kind.
 *
 * @example
 * ```ts
 * switch (row.data.kind) {
 *   case "array": return `${row.data.succeeded}/${row.data.total}`;
 *   case "gate": return row.data.gate;
 *   default: return "";
 * }
 * ```
 */
export type NodeData =
  | TaskNodeData
  | DynamicNodeData
  | ArrayNodeData
  | ElementNodeData
  | WorkflowNodeData
  | LaunchPlanNodeData
  | BranchNodeData
  | GateNodeData
  | UnstartedNodeData;

/**
 * The kinds of node data.
 *
 * @example
 * ```ts
 * NODE_KINDS.includes("gate"); // true
 * ```
 */
export const NODE_KINDS = ["task", "dynamic", "array", "element", "workflow", "launchPlan", "branch", "gate", "unknown"] as const satisfies readonly NodeData["kind"][];

/**
 * A change to a node's data: any fields but `kind` (a node never changes kind).
 *
 * @example
 * ```ts
 * step.patchNode("n0", { data: { dispatched: true } });
 * ```
 */
export type NodeDataPatch = Partial<NodeMarks & ArrayProgress & Pick<DynamicNodeData, "dynamicSpec"> & Pick<BranchNodeData, "chosen">>;

/**
 * True for data of a node that runs task attempts (task, dynamic, map element, map).
 *
 * @example
 * ```ts
 * if (runsTask(row.data)) console.log(row.data.task.name, row.data.retries);
 * ```
 */
export function runsTask(data: NodeData): data is TaskNodeData | DynamicNodeData | ArrayNodeData | ElementNodeData {
  return data.kind === "task" || data.kind === "dynamic" || data.kind === "array" || data.kind === "element";
}

/**
 * Merges a patch into node data, keeping its kind.
 *
 * @example
 * ```ts
 * patchNodeData({ kind: "branch" }, { chosen: "n1-n0" }); // { kind: "branch", chosen: "n1-n0" }
 * ```
 */
export function patchNodeData(data: NodeData, patch: NodeDataPatch): NodeData {
  // A patch names only fields of the kind it is applied to (`NodeDataPatch`), and never `kind`.
  return { ...data, ...patch };
}

function key(f: Fields): EntityKey {
  return { project: f.string("project"), domain: f.string("domain"), name: f.string("name"), version: f.string("version") };
}

function marks(f: Fields): NodeMarks {
  const ticket = f.raw("waitingSlot");
  const failure = f.optionalObject("failure");
  return {
    ...(f.has("dispatched") ? { dispatched: f.boolean("dispatched") } : {}),
    // Rows written before tickets were numbered marked the queue with `true`.
    ...(ticket === true ? { waitingSlot: 0 } : ticket === false ? { waitingSlot: false } : f.has("waitingSlot") ? { waitingSlot: f.number("waitingSlot") } : {}),
    ...(f.has("failedScope") ? { failedScope: f.boolean("failedScope") } : {}),
    ...(failure ? { failure: { message: failure.string("message"), nodeId: failure.optionalString("nodeId") ?? "", ...(failure.has("failure") ? { failure: decodeErrorInfo(failure.object("failure")) } : {}) } } : {}),
    ...(f.has("errorInfo") ? { errorInfo: decodeErrorInfo(f.object("errorInfo")) } : {}),
  };
}

function taskRun(f: Fields): TaskRun {
  const cache = f.optionalObject("cache");
  const timeoutMs = f.optionalNumber("timeoutMs");
  return {
    task: key(f.object("task")),
    taskDigest: f.string("taskDigest"),
    retries: f.optionalNumber("retries") ?? 0,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(cache ? { cache: { version: cache.string("version"), serialize: cache.boolean("serialize"), ignoredInputs: cache.strings("ignoredInputs") } } : {}),
  };
}

function gate(f: Fields, m: NodeMarks): GateNodeData {
  if (f.has("signal")) return { ...m, kind: "gate", gate: "signal", signal: f.string("signal"), output: f.optionalString("output") ?? "o0" };
  if (f.has("approve")) return { ...m, kind: "gate", gate: "approve", approve: f.string("approve") };
  return { ...m, kind: "gate", gate: "sleep" };
}

/**
 * Reads the marks a map element keeps of its own (`store/map-elements.ts`); any other field is ignored (an
 * element moved from a database written before elements were kept apart holds its whole data).
 *
 * @example
 * ```ts
 * decodeNodeMarks({ dispatched: true }, "node a1/n0[3]"); // { dispatched: true }
 * ```
 */
export function decodeNodeMarks(json: unknown, row: string): NodeMarks {
  return marks(Fields.of(json, row, "marks"));
}

/**
 * Reads a node row's stored data; throws `StoredRowError` (naming `row` and
 * the field) when it is not the shape of its kind.
 *
 * @example
 * ```ts
 * decodeNodeData({ kind: "launchPlan", childId: "a1-n2" }, "node a1/n2"); // LaunchPlanNodeData
 * ```
 */
export function decodeNodeData(json: unknown, row: string): NodeData {
  const f = Fields.of(json, row, "data");
  const kind = f.oneOf("kind", NODE_KINDS);
  const m = marks(f);
  switch (kind) {
    case "task":
      return { ...m, ...taskRun(f), kind, ...(f.has("recovered") ? { recovered: f.boolean("recovered") } : {}) };
    case "dynamic": {
      const dyn = f.optionalObject("dynamicSpec");
      const dynamicSpec = dyn ? { workflow: dyn.idl<WorkflowSpec>("workflow"), tasks: dyn.idlList<TaskSpec>("tasks") } : undefined;
      return { ...m, ...taskRun(f), kind, ...(dynamicSpec ? { dynamicSpec } : {}) };
    }
    case "array":
      return {
        ...m,
        ...taskRun(f),
        kind,
        total: f.number("total"),
        next: f.number("next"),
        inFlight: f.number("inFlight"),
        succeeded: f.number("succeeded"),
        failed: f.number("failed"),
        minSuccesses: f.number("minSuccesses"),
        parallelism: f.number("parallelism"),
        ...(f.has("firstFailed") ? { firstFailed: f.number("firstFailed") } : {}),
      };
    case "element":
      return { ...m, ...taskRun(f), kind };
    case "launchPlan":
      return { ...m, kind, childId: f.string("childId") };
    case "branch": {
      const chosen = f.raw("chosen");
      return { ...m, kind, ...(chosen === null ? { chosen: null } : f.has("chosen") ? { chosen: f.string("chosen") } : {}) };
    }
    case "gate":
      return gate(f, m);
    case "workflow":
    case "unknown":
      return { ...m, kind };
  }
}
