/**
 * The HTTP API's request and response bodies as JSON schemas (TypeBox), from
 * which the server validates requests and responses and builds its OpenAPI
 * document, and from which the client's types are derived: one source for
 * all three, so they cannot drift apart.
 *
 * Schemas with an `$id` are shared: they become the OpenAPI document's
 * `components.schemas` and are referenced with `ref(...)`.
 *
 * @module
 */
import { Type, type Static, type TSchema, type TUnsafe } from "@sinclair/typebox";
import { CACHE_STATUSES, EXECUTION_PHASES, NODE_PHASES } from "../phases.js";

/**
 * A reference to a shared schema, typed as the schema itself.
 *
 * @example
 * ```ts
 * const Page = Type.Object({ items: Type.Array(ref(ExecutionSummary)) });
 * ```
 */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  if (!schema.$id) throw new Error("ref() needs a schema with an $id");
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

/**
 * A string enum as OpenAPI writes it (`{ type: "string", enum: [...] }`), typed as the union of its values.
 *
 * @example
 * ```ts
 * const Color = stringEnum(["red", "green"]); // Static<typeof Color> is "red" | "green"
 * ```
 */
export function stringEnum<const V extends readonly [string, ...string[]]>(values: V, options: { readonly $id?: string; readonly description?: string } = {}): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: "string", enum: [...values], ...options });
}

/** Any JSON value. */
const JsonValue = Type.Unknown();
/** A JSON object of values by name (inputs, outputs). */
const JsonRecord = Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: {} });
/** A free-form JSON object (flyteidl specs and literal types, as protobufjs writes them). */
const FreeObject = Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: true });
/** A time, as an ISO 8601 string. */
const Time = Type.String({ format: "date-time" });
const Name = Type.String({ minLength: 1, maxLength: 512 });

// ---- errors -------------------------------------------------------------------

/** The body of every error response. */
export const ApiErrorBody = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ description: "A stable, machine-readable code: the API's own (invalid_request, invalid_input, file_not_allowed, unauthorized, not_found, conflict, lease_lost, payload_too_large, unsupported_media_type, internal) or the engine's (EXECUTION_NOT_FOUND, ENTITY_NOT_REGISTERED, EXECUTION_ENDED, EXECUTION_NOT_RECOVERABLE, UNKNOWN_GATE, GATE_ANSWERED, INVALID_SIGNAL_VALUE, ...)." }),
        message: Type.String({ description: "What is wrong, for people." }),
        field: Type.Optional(Type.String({ description: "The request field at fault, as a dotted path: `inputs.x`, `workflow.name`, `limit`." })),
      },
      { additionalProperties: false },
    ),
  },
  { $id: "ApiError", additionalProperties: false },
);
export type ApiErrorBody = Static<typeof ApiErrorBody>;

// ---- the registry ----------------------------------------------------------------

/** The kinds of registered entity. */
export const RegisteredKind = stringEnum(["task", "workflow", "launchPlan"], { $id: "RegisteredKind" });
export type RegisteredKind = Static<typeof RegisteredKind>;

/** Flyte's identity of a registered entity. */
export const EntityKey = Type.Object(
  { project: Type.String(), domain: Type.String(), name: Type.String(), version: Type.String() },
  { $id: "EntityKey", additionalProperties: false },
);
export type EntityKey = Static<typeof EntityKey>;

/** An entity named in a request: project and domain default to the server's, the version to the latest registered. */
export const EntityRef = Type.Object(
  {
    project: Type.Optional(Name),
    domain: Type.Optional(Name),
    name: Name,
    version: Type.Optional(Name),
  },
  { $id: "EntityRef", additionalProperties: false },
);
export type EntityRef = Static<typeof EntityRef>;

/** One registered version of an entity. */
export const EntityVersion = Type.Object(
  { version: Type.String(), createdAt: Time, digest: Type.String({ description: "A hash of the spec." }) },
  { $id: "EntityVersion", additionalProperties: false },
);
export type EntityVersion = Static<typeof EntityVersion>;

/** An entity name and its registered versions, newest first. */
export const EntityVersions = Type.Object(
  {
    kind: ref(RegisteredKind),
    project: Type.String(),
    domain: Type.String(),
    name: Type.String(),
    latestVersion: Type.String(),
    versions: Type.Array(ref(EntityVersion)),
  },
  { $id: "EntityVersions", additionalProperties: false },
);
export type EntityVersions = Static<typeof EntityVersions>;

/** A page of entity names. */
export const EntityList = Type.Object({ items: Type.Array(ref(EntityVersions)) }, { $id: "EntityList", additionalProperties: false });
export type EntityList = Static<typeof EntityList>;

const variableProperties = {
  name: Type.String(),
  type: Type.String({ description: "The type, as Aloft's `t` spells it: `list<int>`." }),
  literalType: FreeObject,
  schema: Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: true, description: "The JSON schema of the value's JSON form." }),
  description: Type.Optional(Type.String()),
};

/** An output of an entity. */
export const OutputInfo = Type.Object(variableProperties, { $id: "OutputInfo", additionalProperties: false });
export type OutputInfo = Static<typeof OutputInfo>;

/** An input of an entity: whether it must be given, its default, whether a launch plan fixes it. */
export const InputInfo = Type.Object(
  {
    ...variableProperties,
    required: Type.Boolean(),
    default: Type.Optional(JsonValue),
    fixed: Type.Boolean({ description: "A launch plan fixes this input to `default`; it cannot be given." }),
  },
  { $id: "InputInfo", additionalProperties: false },
);
export type InputInfo = Static<typeof InputInfo>;

/** An entity's inputs and outputs. */
export const InterfaceInfo = Type.Object(
  { inputs: Type.Array(ref(InputInfo)), outputs: Type.Array(ref(OutputInfo)) },
  { $id: "InterfaceInfo", additionalProperties: false },
);
export type InterfaceInfo = Static<typeof InterfaceInfo>;

/** One registered version of an entity, with its spec. */
export const EntityInfo = Type.Object(
  {
    kind: ref(RegisteredKind),
    key: ref(EntityKey),
    createdAt: Time,
    digest: Type.String(),
    interface: ref(InterfaceInfo),
    workflow: Type.Optional(ref(EntityKey)),
    spec: Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: true, description: "The flyteidl admin spec (TaskSpec, WorkflowSpec or LaunchPlanSpec), in protobuf's JSON object form." }),
  },
  { $id: "EntityInfo", additionalProperties: false },
);
export type EntityInfo = Static<typeof EntityInfo>;

// ---- executions ----------------------------------------------------------------------

/** Phases of an execution (the one vocabulary, `../phases.ts`). */
export const ExecutionPhase = stringEnum(EXECUTION_PHASES, { $id: "ExecutionPhase" });
export type ExecutionPhase = Static<typeof ExecutionPhase>;

const executionProperties = {
  id: Type.String(),
  project: Type.String(),
  domain: Type.String(),
  workflow: ref(EntityKey),
  launchPlan: Type.Optional(ref(EntityKey)),
  phase: ref(ExecutionPhase),
  error: Type.Optional(Type.Object({ message: Type.String(), nodeId: Type.Optional(Type.String()) }, { additionalProperties: false })),
  parent: Type.Optional(Type.Object({ executionId: Type.String(), path: Type.String() }, { additionalProperties: false })),
  options: Type.Object({ maxParallelism: Type.Integer(), overwriteCache: Type.Boolean() }, { additionalProperties: false }),
  relaunchOf: Type.Optional(Type.String({ description: "The execution this one relaunched." })),
  recoverOf: Type.Optional(Type.String({ description: "The execution this one recovered." })),
  scheduledAt: Type.Optional(Type.String({ format: "date-time", description: "The schedule tick that started it." })),
  createdAt: Time,
  startedAt: Type.Optional(Time),
  endedAt: Type.Optional(Time),
  updatedAt: Time,
};

/** An execution without its inputs and outputs (in listings). */
export const ExecutionSummary = Type.Object(executionProperties, { $id: "ExecutionSummary", additionalProperties: false });
export type ExecutionSummary = Static<typeof ExecutionSummary>;

/** An execution, with its inputs and (once succeeded) outputs as JSON values. */
export const ExecutionInfo = Type.Object(
  { ...executionProperties, inputs: JsonRecord, outputs: Type.Optional(JsonRecord) },
  { $id: "ExecutionInfo", additionalProperties: false },
);
export type ExecutionInfo = Static<typeof ExecutionInfo>;

/** A page of executions, newest first. */
export const ExecutionPage = Type.Object(
  { items: Type.Array(ref(ExecutionSummary)), next: Type.Optional(Type.String({ description: "Pass as `cursor` for the next page; absent on the last page." })) },
  { $id: "ExecutionPage", additionalProperties: false },
);
export type ExecutionPage = Static<typeof ExecutionPage>;

/** A node execution: one node of an execution, by its path (`n1`, `n2/n0`, `n3[17]`). */
export const NodeExecutionInfo = Type.Object(
  {
    executionId: Type.String(),
    path: Type.String(),
    entity: Type.String({ description: 'What the node runs, for people: `task "slope"`.' }),
    kind: Type.Optional(Type.String({ description: "task, dynamic, workflow, launchPlan, branch, gate, array (a map task) or element (one of its elements)." })),
    phase: stringEnum(NODE_PHASES),
    attempts: Type.Integer({ description: "User attempts made." }),
    systemAttempts: Type.Integer({ description: "Attempts lost to dead workers or expired leases." }),
    cacheStatus: stringEnum(CACHE_STATUSES, { description: "Whether its outputs came from the cache." }),
    inputs: Type.Optional(JsonRecord),
    outputs: Type.Optional(JsonRecord),
    error: Type.Optional(Type.String()),
    startedAt: Type.Optional(Time),
    endedAt: Type.Optional(Time),
    updatedAt: Time,
    task: Type.Optional(ref(EntityKey)),
    retries: Type.Optional(Type.Integer({ description: "User retries the task may make." })),
    recovered: Type.Optional(Type.Boolean({ description: "Its outputs were reused from the execution being recovered." })),
    childExecutionId: Type.Optional(Type.String({ description: "The execution a launch-plan node started." })),
    branch: Type.Optional(Type.String({ description: "The node id of the branch a conditional took." })),
    gate: Type.Optional(
      Type.Object(
        { kind: stringEnum(["signal", "approve", "sleep"]), name: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    map: Type.Optional(
      Type.Object(
        { total: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer(), running: Type.Integer(), minSuccesses: Type.Integer() },
        { additionalProperties: false, description: "A map task's progress." },
      ),
    ),
  },
  { $id: "NodeExecutionInfo", additionalProperties: false },
);
export type NodeExecutionInfo = Static<typeof NodeExecutionInfo>;

/** The node executions of an execution. */
export const NodeList = Type.Object({ items: Type.Array(ref(NodeExecutionInfo)) }, { $id: "NodeList", additionalProperties: false });
export type NodeList = Static<typeof NodeList>;

/** The `end` event of an execution's event stream. */
export const ExecutionEnd = Type.Object(
  { id: Type.String(), phase: ref(ExecutionPhase), error: Type.Optional(Type.Object({ message: Type.String(), nodeId: Type.Optional(Type.String()) }, { additionalProperties: false })) },
  { $id: "ExecutionEnd", additionalProperties: false },
);
export type ExecutionEnd = Static<typeof ExecutionEnd>;

// ---- requests -----------------------------------------------------------------------------

/** Options of a new execution. */
export const ExecutionOptionsBody = Type.Object(
  {
    maxParallelism: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: "Task nodes that may run at once (default: the launch plan's, else 25)." })),
    overwriteCache: Type.Optional(Type.Boolean({ description: "Run cached tasks again and store their new outputs." })),
  },
  { $id: "ExecutionOptions", additionalProperties: false },
);
export type ExecutionOptionsBody = Static<typeof ExecutionOptionsBody>;

/** Creates an execution of a workflow or a launch plan (exactly one). */
export const CreateExecutionBody = Type.Object(
  {
    workflow: Type.Optional(ref(EntityRef)),
    launchPlan: Type.Optional(ref(EntityRef)),
    inputs: Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: {}, description: "Inputs by name, as JSON: datetimes as ISO strings, durations in milliseconds, files as { uri }." })),
    options: Type.Optional(ref(ExecutionOptionsBody)),
  },
  { $id: "CreateExecution", additionalProperties: false },
);
export type CreateExecutionBody = Static<typeof CreateExecutionBody>;

/** A create request that `validateExecution` accepted: the entity it would start. */
export const ValidatedExecution = Type.Object({ kind: stringEnum(["workflow", "launchPlan"]), key: ref(EntityKey) }, { $id: "ValidatedExecution", additionalProperties: false });
export type ValidatedExecution = Static<typeof ValidatedExecution>;

/** Aborts an execution. */
export const AbortBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { $id: "AbortRequest", additionalProperties: false });
export type AbortBody = Static<typeof AbortBody>;

/** Gives a gate's signal value. */
export const SignalBody = Type.Object({ name: Name, value: JsonValue }, { $id: "SignalRequest", additionalProperties: false });
export type SignalBody = Static<typeof SignalBody>;

/** Approves an approval gate. */
export const ApproveBody = Type.Object({ name: Name }, { $id: "ApproveRequest", additionalProperties: false });
export type ApproveBody = Static<typeof ApproveBody>;

/** Rejects an approval gate. */
export const RejectBody = Type.Object({ name: Name, reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { $id: "RejectRequest", additionalProperties: false });
export type RejectBody = Static<typeof RejectBody>;

/** Filters of the execution listing. */
export const ListExecutionsQuery = Type.Object(
  {
    project: Type.Optional(Name),
    domain: Type.Optional(Name),
    workflow: Type.Optional(Type.String({ minLength: 1, description: "Executions of this workflow name." })),
    launchPlan: Type.Optional(Type.String({ minLength: 1, description: "Executions started from this launch plan name." })),
    phase: Type.Optional(ref(ExecutionPhase)),
    createdAfter: Type.Optional(Type.String({ format: "date-time", description: "Created at or after this time." })),
    createdBefore: Type.Optional(Type.String({ format: "date-time", description: "Created before this time." })),
    parent: Type.Optional(Type.String({ minLength: 1, description: "Child executions of this execution." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    cursor: Type.Optional(Type.String({ minLength: 1, description: "The `next` of the previous page." })),
  },
  { additionalProperties: false },
);
export type ListExecutionsQuery = Static<typeof ListExecutionsQuery>;

// ---- attempts and logs ----------------------------------------------------------------------

const attemptProperties = {
  path: Type.String({ description: "The node's path." }),
  attempt: Type.Integer({ description: "The user attempt (1-based)." }),
  systemAttempt: Type.Integer({ description: "Leases lost on this attempt before this run of it." }),
  workerId: Type.String(),
  startedAt: Time,
  endedAt: Time,
  outcome: stringEnum(["succeeded", "failed", "timedOut", "cacheHit"]),
  error: Type.Optional(Type.String()),
  logBytes: Type.Integer({ description: "Bytes of output kept." }),
  droppedBytes: Type.Integer({ description: "Bytes written past the 1 MiB kept per attempt." }),
};

/** One attempt of a task node. */
export const AttemptInfo = Type.Object(attemptProperties, { $id: "AttemptInfo", additionalProperties: false });
export type AttemptInfo = Static<typeof AttemptInfo>;

/** Attempts, by node path, then attempt. */
export const AttemptList = Type.Object({ items: Type.Array(ref(AttemptInfo)) }, { $id: "AttemptList", additionalProperties: false });
export type AttemptList = Static<typeof AttemptList>;

/** A chunk of output. */
export const LogLine = Type.Object({ stream: stringEnum(["stdout", "stderr"]), at: Time, text: Type.String() }, { $id: "LogLine", additionalProperties: false });
export type LogLine = Static<typeof LogLine>;

/** A node's attempts with what each wrote. */
export const NodeLogs = Type.Object(
  { items: Type.Array(Type.Object({ ...attemptProperties, lines: Type.Array(ref(LogLine)) }, { additionalProperties: false })) },
  { $id: "NodeLogs", additionalProperties: false },
);
export type NodeLogs = Static<typeof NodeLogs>;

/** The workflow a dynamic node built (flyteadmin's `dynamic_workflow` of a node execution's data). */
export const DynamicWorkflowInfo = Type.Object(
  {
    node: Type.String({ description: "The dynamic node's path." }),
    workflow: Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: true, description: "The flyteidl WorkflowSpec it built (template and sub-workflows), in protobuf's JSON object form." }),
    tasks: Type.Array(Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: true }), { description: "The flyteidl TaskSpecs its nodes run." }),
  },
  { $id: "DynamicWorkflowInfo", additionalProperties: false },
);
export type DynamicWorkflowInfo = Static<typeof DynamicWorkflowInfo>;

/** Filters of the entity listings. */
export const ListEntitiesQuery = Type.Object({ project: Type.Optional(Name), domain: Type.Optional(Name) }, { additionalProperties: false });
export type ListEntitiesQuery = Static<typeof ListEntitiesQuery>;

/** Every shared schema, in an order where each comes after those it references. */
export const SHARED_SCHEMAS: readonly TSchema[] = [
  ApiErrorBody,
  RegisteredKind,
  EntityKey,
  EntityRef,
  EntityVersion,
  EntityVersions,
  EntityList,
  OutputInfo,
  InputInfo,
  InterfaceInfo,
  EntityInfo,
  ExecutionPhase,
  ExecutionSummary,
  ExecutionInfo,
  ExecutionPage,
  NodeExecutionInfo,
  NodeList,
  ExecutionEnd,
  ExecutionOptionsBody,
  CreateExecutionBody,
  ValidatedExecution,
  AttemptInfo,
  AttemptList,
  LogLine,
  NodeLogs,
  DynamicWorkflowInfo,
  AbortBody,
  SignalBody,
  ApproveBody,
  RejectBody,
];
