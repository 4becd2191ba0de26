/**
 * Plain-object shapes of flyteidl's workflow, task and launch-plan messages,
 * in protobufjs object form (see `./core.ts`).
 *
 * @module
 */
import type {
  Binding,
  Identifier,
  LiteralMap,
  LiteralType,
  Primitive,
  ProtoDuration,
  ProtoStruct,
  RetryStrategy,
  Scalar,
  TypedInterface,
  Variable,
  Literal,
} from "./core.js";

/** `flyteidl.core.Resources`. */
export interface Resources {
  requests?: { name?: ResourceName; value?: string }[];
  limits?: { name?: ResourceName; value?: string }[];
}

/** `flyteidl.core.Resources.ResourceName`. */
export type ResourceName = "UNKNOWN" | "CPU" | "GPU" | "MEMORY" | "STORAGE" | "EPHEMERAL_STORAGE";

/** `flyteidl.core.NodeMetadata`. */
export interface NodeMetadata {
  name?: string;
  timeout?: ProtoDuration;
  retries?: RetryStrategy;
  interruptible?: boolean;
  cacheable?: boolean;
  cacheVersion?: string;
  cacheSerializable?: boolean;
  config?: Record<string, string>;
}

/** `flyteidl.core.Operand`. */
export interface Operand {
  /** The older encoding of a constant, which flytekit writes and flytepropeller reads. */
  primitive?: Primitive;
  var?: string;
  scalar?: Scalar;
}

/** `flyteidl.core.ComparisonExpression`. */
export interface ComparisonExpression {
  operator?: "EQ" | "NEQ" | "GT" | "GTE" | "LT" | "LTE";
  leftValue?: Operand;
  rightValue?: Operand;
}

/** `flyteidl.core.BooleanExpression`. */
export interface BooleanExpression {
  conjunction?: {
    operator?: "AND" | "OR";
    leftExpression?: BooleanExpression;
    rightExpression?: BooleanExpression;
  };
  comparison?: ComparisonExpression;
}

/** `flyteidl.core.IfBlock`. */
export interface IfBlock {
  condition?: BooleanExpression;
  thenNode?: Node;
}

/** `flyteidl.core.BranchNode`. */
export interface BranchNode {
  ifElse?: {
    case?: IfBlock;
    other?: IfBlock[];
    elseNode?: Node;
    error?: { failedNodeId?: string; message?: string };
  };
}

/** `flyteidl.core.GateNode`. */
export interface GateNode {
  approve?: { signalId?: string };
  signal?: { signalId?: string; type?: LiteralType; outputVariableName?: string };
  sleep?: { duration?: ProtoDuration };
}

/** `flyteidl.core.ArrayNode`. */
export interface ArrayNode {
  node?: Node;
  parallelism?: number;
  minSuccesses?: number;
  minSuccessRatio?: number;
  /** `google.protobuf.BoolValue`: true when `node` keeps the mapped entity's own (scalar) interface. */
  isOriginalSubNodeInterface?: { value?: boolean };
  boundInputs?: string[];
}

/** `flyteidl.core.Node`: exactly one target (`taskNode`, `workflowNode`, ...) is set. */
export interface Node {
  id?: string;
  metadata?: NodeMetadata;
  inputs?: Binding[];
  upstreamNodeIds?: string[];
  taskNode?: { referenceId?: Identifier; overrides?: { resources?: Resources } };
  workflowNode?: { launchplanRef?: Identifier; subWorkflowRef?: Identifier };
  branchNode?: BranchNode;
  gateNode?: GateNode;
  arrayNode?: ArrayNode;
}

/** `flyteidl.core.WorkflowTemplate`. */
export interface WorkflowTemplate {
  id?: Identifier;
  metadata?: { onFailure?: "FAIL_IMMEDIATELY" | "FAIL_AFTER_EXECUTABLE_NODES_COMPLETE"; tags?: Record<string, string> };
  interface?: TypedInterface;
  nodes?: Node[];
  outputs?: Binding[];
  failureNode?: Node;
  metadataDefaults?: { interruptible?: boolean };
}

/** `flyteidl.admin.WorkflowSpec`: the template and every subworkflow template it uses. */
export interface WorkflowSpec {
  template?: WorkflowTemplate;
  subWorkflows?: WorkflowTemplate[];
}

/** `flyteidl.core.TaskMetadata`. */
export interface TaskMetadata {
  discoverable?: boolean;
  runtime?: { type?: "OTHER" | "FLYTE_SDK"; version?: string; flavor?: string };
  timeout?: ProtoDuration;
  retries?: RetryStrategy;
  discoveryVersion?: string;
  interruptible?: boolean;
  cacheSerializable?: boolean;
  cacheIgnoreInputVars?: string[];
  tags?: Record<string, string>;
}

/** `flyteidl.core.Container`. */
export interface Container {
  image?: string;
  command?: string[];
  args?: string[];
  resources?: Resources;
  env?: { key?: string; value?: string }[];
}

/** `flyteidl.core.TaskTemplate`. */
export interface TaskTemplate {
  id?: Identifier;
  type?: string;
  metadata?: TaskMetadata;
  interface?: TypedInterface;
  custom?: ProtoStruct;
  container?: Container;
}

/** `flyteidl.admin.DescriptionEntity` (the part Aloft writes). */
export interface DescriptionEntity {
  shortDescription?: string;
}

/** `flyteidl.admin.TaskSpec`. */
export interface TaskSpec {
  template?: TaskTemplate;
  description?: DescriptionEntity;
}

/** `flyteidl.core.Parameter`. */
export interface Parameter {
  var?: Variable;
  default?: Literal;
  required?: boolean;
}

/** `flyteidl.admin.Schedule`. */
export interface Schedule {
  rate?: { value?: number; unit?: "MINUTE" | "HOUR" | "DAY" };
  cronSchedule?: { schedule?: string; offset?: string };
  kickoffTimeInputArg?: string;
}

/** `flyteidl.admin.LaunchPlanSpec`. */
export interface LaunchPlanSpec {
  workflowId?: Identifier;
  entityMetadata?: { schedule?: Schedule };
  defaultInputs?: { parameters?: Record<string, Parameter> };
  fixedInputs?: LiteralMap;
  labels?: { values?: Record<string, string> };
  maxParallelism?: number;
}
