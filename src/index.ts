/**
 * Aloft: Flyte's workflow model for TypeScript.
 *
 * @example
 * ```ts
 * import { task, workflow, Workflow, LaunchPlan, t, compile } from "aloft";
 * ```
 *
 * @module
 */
import { setEntityRunner } from "./sdk/runner-port.js";
import { LocalRunner } from "./local/runner.js";

setEntityRunner(new LocalRunner());

export { t, type FlyteError } from "./types/t.js";
export type { AloftType, AnyType, TypeRecord, ValueOf, ValuesOf } from "./types/type.js";
export { isCastable } from "./types/castable.js";
export { describeType } from "./types/describe.js";
export { toLiteral, fromLiteral } from "./types/literal.js";
export type { FileType, DirType, BlobTypeOptions, DataFrameTypeOptions, AnyRow } from "./types/blob-types.js";
export { AloftFile, type FileOptions, type BlobJson } from "./blobs/file.js";
export { AloftDirectory } from "./blobs/directory.js";
export { AloftDataFrame, type DataFrameFromPathOptions } from "./blobs/dataframe.js";
export { DataFrameError, type DataFrameColumn, type ArrowTable } from "./blobs/arrow.js";
export type { BlobWriter, BlobData, NewFile, NewDirectory, WriteDataFrameOptions } from "./blobs/writer.js";
export { LocalBlobStore } from "./local/blob-store.js";

export { task, type Task, type TaskConfig, type TaskFunction, type TupleValues } from "./sdk/task.js";
export type { TaskContext, ExecutionOptions, CacheOption, ResourcesOption, ResourceSpec, DurationLike } from "./sdk/task-options.js";
export { workflow, type WorkflowEntity, type WorkflowSpecConfig, type BodyResult, type OutputsOfResult } from "./sdk/declarative.js";
export { Workflow, type WorkflowConfig, type WorkflowCallResult } from "./sdk/workflow-builder.js";
export type { WorkflowOptions } from "./sdk/workflow-options.js";
export { LaunchPlan, type LaunchPlanOptions } from "./sdk/launch-plan.js";
export { Handle, type UntypedHandle } from "./sdk/handle.js";
export type { NodeRef, NodeLike } from "./sdk/node-ref.js";
export type { OverridesOption } from "./sdk/overrides.js";
export { sleep, waitForInput, approve, type GateOptions } from "./sdk/gates.js";
export { conditional, type Conditional, type ConditionalFirstCase, type ConditionalCase, type ConditionalChain, type ConditionalElse, type ConditionalResult, type ConditionalMode, type SameOutputs, type BranchOutputsDiffer, type UntypedOutputs } from "./sdk/conditional.js";
export { Condition, type ComparableValue, type OrderedValue, type EqualityOperand, type OrderedOperand, type OperandOf, type NoneCheck, type NotComparable } from "./sdk/condition.js";
export type { Entity, AnyEntity, EntityLike, EntityKind, FailurePolicy } from "./sdk/entity.js";
export type { OutputsSpec, OutputValues, ReturnValue, CallResult, NodeOutputs, Bindable, BindingsOf, HandlesOf, EntityInterface } from "./sdk/interface.js";
export type { RunOptions, RetryBackoff, Execution, NodeExecution, NodePhase, CacheStatus, PendingSignal } from "./sdk/runner-port.js";
export { dynamic, type DynamicBody, type DynamicResult } from "./sdk/dynamic.js";
export { mapTask, type MapTask, type MapTaskOptions, type MappedInputs, type MappedOutputs, type AllowsFailures } from "./sdk/map-task.js";
export { clearLocalCache, type ClearCacheOptions } from "./local/clear-cache.js";
export type { ScheduleOption, CronSchedule, RateSchedule, MissedTicks } from "./sdk/schedule.js";

export { Engine, type EngineOptions, type StartOptions, type EngineExecution, type DirectWorker, type DeliveryOutcome } from "./engine/engine.js";
export { registerEntity, type Registration } from "./engine/registry.js";
export { startEmbedded, type EmbeddedOptions, type Embedded } from "./engine/embedded.js";
export type { SpecToRegister } from "./engine/spec-check.js";
export * from "./engine/errors.js";
export { startWorker, type WorkerOptions, type WorkerHandle, type LocalWorker, type DirectEngine } from "./worker/worker.js";
export type { LoadedModule } from "./worker/resolver.js";
export type { Store, EntityKey, ExecutionRow, NodeRow, RegisteredEntity, ExecutionFilter, Page, ExecutionPhase, RegisteredKind, TaskItem, ClaimedTask, InboxEvent, NewEvent, CacheEntry, StepCommit, TaskResult } from "./store/store.js";
export { EXECUTION_PHASES, NODE_PHASES, CACHE_STATUSES, isExecutionEnded, isExecutionRecoverable, isNodeActive, isNodeFailed, isExecutionPhase, isNodePhase, type EndedExecutionPhase, type ActiveNodePhase } from "./phases.js";
export type { NodeData, NodeMarks, TaskRun, CachePolicy, TaskNodeData, DynamicNodeData, DynamicSpec, ArrayNodeData, ArrayProgress, ElementNodeData, WorkflowNodeData, LaunchPlanNodeData, BranchNodeData, GateNodeData, UnstartedNodeData, ScopeFailure } from "./store/node-data.js";
export type { ExecutionSettings, ExecutionLineage, ExecutionLiveState, PendingAnswer } from "./store/execution-parts.js";
export type { EngineEvent, TaskItemOptions, TaskResultEvent } from "./store/events.js";
export { MemoryStore } from "./store/memory-store.js";
export { openSqliteStore, SqliteStore, type SqliteStoreOptions } from "./store/sqlite-store.js";
export { SqliteBindingMissingError } from "./store/sqlite/driver.js";
export { DirectoryBlobStore, type BlobStore } from "./store/blob-store.js";
export { AloftClient, ClientError, type ClientOptions, type ExecutionEvent, type ExecutionQuery, type EntityName } from "./client/client.js";
export type { ExecutionInfo, ExecutionSummary, ExecutionPage, ExecutionEnd, NodeExecutionInfo, EntityInfo, EntityVersions, InterfaceInfo, InputInfo, OutputInfo, ApiErrorBody, CreateExecutionBody } from "./client/client.js";

export { compile, compileBundle, REGISTRATION_PLACEHOLDERS, type CompileOptions, type BundleOptions, type CompiledBundle } from "./compiler/compile.js";
export { FlyteValidationError, flyteProblems, type FlyteErrorCode, type FlyteProblem } from "./compiler/flyte-checks.js";
export { encodeSpec, decodeSpec, flyteidlRoot, type SpecMessage } from "./compiler/proto.js";
export { idKey } from "./compiler/identifiers.js";
export { writeSpecs, registrationFiles, SpecWriteError, type WriteSpecsOptions, type SpecFileFormat, type RegistrationFile } from "./compiler/write-specs.js";
export { writePackage } from "./compiler/package.js";
export { DEFAULT_IMAGE } from "./compiler/container.js";
export { executeTask, arrayIndex, type ExecuteRequest, type ExecuteOutcome, type ExecuteEnvironment } from "./flyte/execute.js";
export { registerOnFlyte, FlyteRegistrationError, type FlyteAdminTarget, type FlyteRegistered } from "./flyte/register.js";
export { GrpcLibraryMissingError } from "./flyte/grpc-library.js";
export type * from "./idl/core.js";
export type * from "./idl/specs.js";

export * from "./errors.js";

export { loadWorkflows, type LoadedWorkflows, type LoadedEntity, type LoadWorkflowsOptions } from "./text/load-workflows.js";
export type { TaskSource } from "./text/bind-tasks.js";
export { SpecLoadError, SpecUnreadableError, SpecInvalidError, SpecUnsupportedError, MissingTasksError, TaskInterfaceMismatchError, EntityNotFoundError, type SpecLoadErrorCode, type TextPosition } from "./text/errors.js";
