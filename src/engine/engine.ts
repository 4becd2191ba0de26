/**
 * The durable engine as a library: register entities, start executions,
 * await, inspect, abort, relaunch and recover them, answer their gates. A
 * small loop applies stored events to executions through the pure state
 * machine and commits each step atomically; workers run the tasks.
 *
 * @module
 */
import { randomBytes, randomUUID } from "node:crypto";
import os from "node:os";
import { EventEmitter } from "node:events";
import type { LiteralMap } from "../idl/core.js";
import type { LaunchPlanSpec, WorkflowSpec } from "../idl/specs.js";
import { ExecutionError, SchemaTooNewError, StoreConflictError } from "../errors.js";
import {
  EntityNotRegisteredError,
  ExecutionEndedError,
  ExecutionNotFoundError,
  ExecutionNotRecoverableError,
  GateAnsweredError,
  InvalidSignalValueError,
  NotStartableError,
  UnknownGateError,
  WaitTimeoutError,
} from "./errors.js";
import type { CompileOptions } from "../compiler/compile.js";
import { DEFAULT_DOMAIN, DEFAULT_PROJECT } from "../compiler/identifiers.js";
import { definitionOf, type Entity, type EntityLike } from "../sdk/entity.js";
import type { InputValues, OutputValues, OutputsSpec } from "../sdk/interface.js";
import type { TypeRecord } from "../types/type.js";
import { Workflow as WorkflowBuilder } from "../sdk/workflow-builder.js";
import type { Workflow } from "../sdk/workflow-builder.js";
import type { ClaimedTask, EntityKey, ExecutionFilter, ExecutionRow, NodeRow, Page, StepCommit, Store, TaskLeaseGrant, TaskReport } from "../store/store.js";
import type { ExecutionLineage } from "../store/execution-parts.js";
import { isExecutionEnded, isExecutionRecoverable } from "../phases.js";
import { commandLine } from "../store/sqlite/engine-lock.js";
import { applyEvent } from "./machine.js";
import { loadExecution, loadWorkflowSpecs } from "./loader.js";
import { EntityCache } from "./entity-cache.js";
import type { ExecState } from "./state.js";
import { inputsToLiterals, literalsToValues } from "./values.js";
import { describeType } from "../types/describe.js";
import { toLiteral } from "../types/literal.js";
import { validatorFor } from "../types/validate.js";
import { registerEntity, type Registration } from "./registry.js";
import { fireDueTicks } from "./scheduler.js";
import { inflate, offloadLarge, readOffloaded } from "./offload.js";
import { checkSpecs, type SpecToRegister } from "./spec-check.js";
import { specDigest } from "./digest.js";
import { DEFAULT_MAX_PARALLELISM, entityKey } from "./step.js";
import { idKey } from "../compiler/identifiers.js";
import type { DirectoryBlobStore } from "../store/blob-store.js";
import type { MachineOptions } from "./step.js";
import { isTransientStoreError } from "../store/transient.js";
import type { Wakeups } from "../store/wakeups.js";
import { reviveError } from "../rules/failure.js";
import { specGates, type GateInfo } from "../rules/gates.js";
import { resolveBackoff } from "../rules/retry.js";
import { resolveMaxParallelism } from "../rules/parallelism.js";
import type { RetryBackoff } from "../sdk/runner-port.js";

/**
 * Settings of an engine.
 *
 * @example
 * ```ts
 * const engine = await Engine.open({ store: new MemoryStore(), pollMs: 10, backoff: { initial: "500ms" } });
 * ```
 */
export interface EngineOptions {
  /** Where everything is kept. */
  readonly store: Store;
  /** Default project and domain of registrations and executions. */
  readonly project?: string;
  readonly domain?: string;
  /** How often the loop looks for work when idle (default 20 ms; with `wakeups`, 1 s: a safety net only). */
  readonly pollMs?: number;
  /** Wake-ups from other processes (results reported, executions started, signals given): the loop looks at once instead of at its next poll; and executions ended elsewhere: `result()` sees the end at once. */
  readonly wakeups?: Wakeups;
  /** Leases an attempt may lose (dead workers) before it fails (default 3). */
  readonly maxSystemAttempts?: number;
  /** Waits between user retries: `{ initial, multiplier, max }`, as a run's `retryBackoff` (default 100 ms, doubling, at most 30 s, in both runners). */
  readonly backoff?: RetryBackoff;
  /** Called with errors the loop survives (default: written to stderr). */
  readonly onError?: (error: unknown) => void;
  /** Whether the loop fires launch-plan schedules (default true). */
  readonly schedules?: boolean;
  /** Called after a step made task attempts ready (an embedded worker claims them at once). */
  readonly onWork?: () => void;
  /** This engine's name in the store (default: host, pid and a random suffix); workers of its own process lease items as `<engineId>/...`. */
  readonly engineId?: string;
  /**
   * How long the engine's lease lasts without renewal (default 15 s; renewed every third of it). Another
   * engine over the same database takes over its executions once it has expired.
   */
  readonly engineLeaseMs?: number;
  /** Where large input and output values are kept instead of the database (give the workers the same store). */
  readonly values?: DirectoryBlobStore;
  /** Values whose JSON is larger than this many bytes go to `values` (default 256 KiB). */
  readonly offloadBytes?: number;
}

/**
 * Options of one execution.
 *
 * @example
 * ```ts
 * await engine.start(regression, { x: [-3, 0, 3], y: [7, 4, -2] }, { maxParallelism: 4, overwriteCache: true });
 * ```
 */
export interface StartOptions {
  /** Task nodes that may run at once (default 25, as in Flyte). */
  readonly maxParallelism?: number;
  /** Run cached tasks again and store their new outputs. */
  readonly overwriteCache?: boolean;
  /** Project and domain (default: the engine's). */
  readonly project?: string;
  readonly domain?: string;
  /** The version to register the entity under (default: a hash of its specs). */
  readonly version?: string;
  /** The modules its tasks come from, kept on the execution so that workers started later (for a relaunch or recovery) load the same ones. */
  readonly modules?: readonly string[];
}

/**
 * A started execution.
 *
 * @example
 * ```ts
 * const exec: EngineExecution<{ wf_output: number }> = await engine.start(regression, inputs);
 * console.log(exec.id, await exec.result({ timeoutMs: 60_000 }));
 * ```
 */
export interface EngineExecution<O> {
  readonly id: string;
  /** Resolves to the outputs once the execution succeeds; rejects with an `ExecutionError` when it fails or is aborted. */
  result(options?: { readonly timeoutMs?: number }): Promise<O>;
}

/**
 * A worker in the engine's own process that the engine hands work to directly (`Engine.attachWorker`): the
 * items a step enqueues go to it leased in that same commit (no claim), and it gives its results back with
 * `Engine.deliver` (no `finishTask`).
 *
 * @example
 * ```ts
 * const worker = await startWorker({ store, modules: ["flows.ts"], concurrency: 2, direct: engine });
 * engine.attachWorker(worker);
 * ```
 */
export interface DirectWorker {
  /** Its name in leases. */
  readonly workerId: string;
  /** How long its leases last without a heartbeat. */
  readonly leaseMs: number;
  /** How many more items it would take now (0 when stopping). */
  wants(): number;
  /**
   * How many of those it would start at once (its idle slots); the rest it takes ahead, and they are leased as
   * not started (`TaskLeaseGrant.started`), so that its death counts no lost lease for them. Absent: all start.
   */
  idle?(): number;
  /**
   * Takes items leased to it, and runs them as if it had claimed them. With `landed`, the commit that leases them
   * is still under way (the task runs while it syncs): `landed` resolves with the ids of the items whose lease
   * that commit made durable; a result of any other (its commit refused or failed: it never held a lease) is
   * never reported, and its attempt is abandoned. Without it, the leases are durable already.
   */
  take(items: readonly ClaimedTask[], landed?: Promise<ReadonlySet<string>>): void;
}

/**
 * What became of a result given to `Engine.deliver`: applied in a step that committed (`accepted`: durable),
 * or not taken (`unhandled`: the worker reports it to the store as usual, which accepts or refuses it).
 *
 * @example
 * ```ts
 * const outcome = await engine.deliver(report, item.executionId);
 * if (outcome === "unhandled") await store.finishTasks([report], Date.now()); // the store decides
 * ```
 */
export type DeliveryOutcome = "accepted" | "unhandled";

interface Delivery {
  readonly report: TaskReport;
  readonly executionId: string;
  readonly done: (outcome: DeliveryOutcome) => void;
}

/** How many due events one tick reads at most. */
const TICK_EVENTS = 500;
/** How often `result` reads an execution this engine owns, whose end its own commits announce (a safety net). */
const OWN_POLL_MS = 2000;

function newExecutionId(): string {
  return `a${randomBytes(10).toString("hex")}`;
}

/**
 * A new engine id: host, pid and a random suffix (`build-7-4242-9f2c1a`).
 *
 * @example
 * ```ts
 * const engineId = newEngineId();
 * await startWorker({ store, modules, concurrency: 2, workerId: `${engineId}/pool` });
 * ```
 */
export function newEngineId(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/**
 * The durable engine.
 *
 * @example
 * ```ts
 * const engine = await Engine.open({ store: await openSqliteStore(".aloft/aloft.db") });
 * engine.run();
 * const exec = await engine.start(regression, { x: [-3, 0, 3], y: [7, 4, -2] });
 * await exec.result(); // { wf_output: 3 } once a worker ran the tasks
 * ```
 */
export class Engine {
  private readonly cache = new Map<string, ExecState>();
  /** Registrations of the entities started, by entity and options (see `registerOnce`). */
  private readonly registered = new WeakMap<object, Map<string, Promise<Registration>>>();
  private readonly ended = new EventEmitter();
  /** Registered entities once read (immutable once stored): starts, loads and results read each spec once. */
  private readonly entities: EntityCache;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Poked since the loop last looked: it looks again before sleeping. */
  private poked = false;
  /**
   * The last tick may have left events due now: it read a full batch, or its steps added events (a child's
   * start, a parent's `childEnded`). Otherwise the loop sleeps at once, since whatever comes next (a
   * result, a start, a signal) pokes it: no empty tick after every step.
   */
  private more = false;
  /** The time the last tick read the due events at. */
  private tickedAt = 0;
  /**
   * The inbox may hold due events the engine has not read: something poked it, a poll or timer came due, or a
   * tick failed. A tick woken only by results its own worker delivered reads no events (those come with a poke).
   */
  private inboxStale = true;
  /** `nextEventDue` as read after the last tick that read the inbox; undefined: to be read again. */
  private nextDue: { readonly at: number | undefined } | undefined;
  /** The worker of this process that takes work directly (`attachWorker`). */
  private direct: DirectWorker | undefined;
  /** Results its worker delivered, for the next tick. */
  private delivered: Delivery[] = [];
  /**
   * Items leased to its worker by group commits that failed: a commit may have landed all the same (its answer
   * lost, the connection dropped after COMMIT). The worker holds them on credit (handed over before the commit,
   * `land` not called yet); each turn asks the store which it holds (`settleGrants`) before anything else.
   */
  private unsettled: { readonly items: readonly ClaimedTask[]; readonly land: (ids: ReadonlySet<string>) => void }[] = [];
  /** The executions this engine owns, with the epoch of its ownership (the fence of its steps). */
  private readonly owned = new Map<string, number>();
  /** When the engine's lease is to be renewed next. */
  private renewAt = 0;
  /** This engine's name in the store. */
  readonly engineId: string;
  private readonly engineLeaseMs: number;
  private readonly since = Date.now();
  readonly project: string;
  readonly domain: string;
  private readonly machine: Omit<MachineOptions, "now">;

  private constructor(
    readonly store: Store,
    private readonly options: EngineOptions,
  ) {
    this.entities = new EntityCache(store);
    this.engineId = options.engineId ?? newEngineId();
    this.engineLeaseMs = options.engineLeaseMs ?? 15_000;
    this.project = options.project ?? DEFAULT_PROJECT;
    this.domain = options.domain ?? DEFAULT_DOMAIN;
    this.machine = {
      maxSystemAttempts: options.maxSystemAttempts ?? 3,
      backoff: resolveBackoff(options.backoff, "backoff"),
    };
    options.wakeups?.on("events", () => this.poke());
    // An execution ended in another process: those `result()` waits on look at once, not at their next poll.
    options.wakeups?.on("ended", () => {
      for (const id of this.ended.eventNames()) this.ended.emit(id);
    });
  }

  /**
   * Opens an engine over a store. Call `run()` to start its loop.
   *
   * @example
   * ```ts
   * const engine = await Engine.open({ store: await openSqliteStore(".aloft/aloft.db") });
   * engine.run();
   * ```
   */
  static async open(options: EngineOptions): Promise<Engine> {
    return new Engine(options.store, options);
  }

  // ---- registry -----------------------------------------------------------

  /**
   * Registers an entity and everything it references.
   *
   * @example
   * ```ts
   * const reg = await engine.register(regression, { version: "v1" });
   * reg.entities.map((e) => e.created); // [true, true, true] the first time
   * ```
   */
  register(entity: EntityLike | Workflow, options: CompileOptions = {}): Promise<Registration> {
    return registerEntity(this.store, entity, { project: options.project ?? this.project, domain: options.domain ?? this.domain, ...(options.version ? { version: options.version } : {}) });
  }

  /**
   * `register`, remembered per entity: starting the same (immutable) entity again neither recompiles nor
   * re-hashes nor writes its specs. A `Workflow` builder can still change, so it is registered every time.
   */
  private registerOnce(entity: EntityLike | Workflow, options: CompileOptions): Promise<Registration> {
    if (entity instanceof WorkflowBuilder) return this.register(entity, options);
    const key = `${options.project ?? ""}\u0000${options.domain ?? ""}\u0000${options.version ?? ""}`;
    let byOptions = this.registered.get(entity);
    if (!byOptions) this.registered.set(entity, (byOptions = new Map()));
    let reg = byOptions.get(key);
    if (!reg) {
      reg = this.register(entity, options);
      byOptions.set(key, reg);
      reg.catch(() => byOptions.delete(key));
    }
    return reg;
  }

  /**
   * Registers specs compiled elsewhere (files from `aloft compile`, or Flyte's
   * packaging). Every spec is checked first, against the flyteidl protos and for
   * what running it needs (references, node ids, bindings, no cycles); a
   * malformed batch stores nothing.
   *
   * @example
   * ```ts
   * const batch = [{ kind: "task", spec: taskSpec }, { kind: "workflow", spec: workflowSpec }] as const;
   * await engine.registerSpecs(batch); // [{ kind: "task", key, created: true }, ...]
   * ```
   */
  async registerSpecs(batch: readonly SpecToRegister[]): Promise<{ readonly kind: string; readonly key: EntityKey; readonly created: boolean }[]> {
    const existing = new Set<string>();
    for (const s of batch) {
      for (const t of s.kind === "workflow" ? [s.spec.template, ...(s.spec.subWorkflows ?? [])] : []) {
        for (const n of t?.nodes ?? []) {
          for (const [kind, id] of [["task", n.taskNode?.referenceId], ["launchPlan", n.workflowNode?.launchplanRef]] as const) {
            if (id && (await this.store.getEntity(kind, entityKey(id)))) existing.add(`${kind}|${idKey(id)}`);
          }
        }
      }
    }
    checkSpecs(batch, (kind, id) => existing.has(`${kind}|${idKey(id)}`));
    const now = Date.now();
    const out: { kind: string; key: EntityKey; created: boolean }[] = [];
    const items = batch.map((s) => ({ kind: s.kind, key: entityKey(s.kind === "launchPlan" ? s.id : s.spec.template!.id!), spec: s.spec }));
    for (const i of items) {
      const e = await this.store.getEntity(i.kind, i.key);
      if (e && e.digest !== specDigest(i.spec)) await this.store.registerEntity({ kind: i.kind, key: i.key, spec: i.spec, digest: specDigest(i.spec), createdAt: now });
    }
    for (const i of items) out.push({ kind: i.kind, key: i.key, created: (await this.store.registerEntity({ kind: i.kind, key: i.key, spec: i.spec, digest: specDigest(i.spec), createdAt: now })) === "created" });
    return out;
  }

  // ---- executions -----------------------------------------------------------

  /**
   * Registers `entity` (a workflow or launch plan; a no-op when already registered) and starts an execution of it.
   *
   * @example
   * ```ts
   * const exec = await engine.start(regression, { x: [-3, 0, 3], y: [7, 4, -2] });
   * await exec.result(); // { wf_output: 3 }
   * ```
   */
  async start<I extends TypeRecord, O extends OutputsSpec, D extends PropertyKey>(
    entity: Entity<I, O, D>,
    inputs: InputValues<I, D>,
    options?: StartOptions,
  ): Promise<EngineExecution<OutputValues<O>>>;
  async start(entity: Workflow, inputs: Readonly<Record<string, unknown>>, options?: StartOptions): Promise<EngineExecution<Record<string, unknown>>>;
  async start(entity: EntityLike | Workflow, inputs: unknown, options: StartOptions = {}): Promise<EngineExecution<never>> {
    const def = definitionOf(entity);
    if (!def || def.kind === "task") throw new NotStartableError(`start() takes a workflow or a launch plan${def ? `; ${def.name} is a task (wrap it in a workflow)` : ""}`);
    const reg = await this.registerOnce(entity, { project: options.project ?? this.project, domain: options.domain ?? this.domain, ...(options.version ? { version: options.version } : {}) });
    const id = await this.startRegistered(reg.kind === "launchPlan" ? "launchPlan" : "workflow", reg.key, inputs, options);
    return this.handle(id);
  }

  /**
   * Starts an execution of a registered workflow or launch plan, by key; inputs are checked first and nothing is stored if one is wrong.
   *
   * @example
   * ```ts
   * const id = await engine.startRegistered("workflow", { project: "aloft", domain: "development", name: "regression", version: "v1" }, { x: [1], y: [2] });
   * ```
   */
  async startRegistered(kind: "workflow" | "launchPlan", key: EntityKey, inputs: unknown, options: StartOptions = {}, lineage: ExecutionLineage = {}, executionId?: string): Promise<string> {
    this.checkStartOptions(options);
    let workflowKey = key;
    let lp: LaunchPlanSpec | undefined;
    if (kind === "launchPlan") {
      const e = await this.entities.getEntity("launchPlan", key);
      if (!e) throw EntityNotRegisteredError.of("launchPlan", key);
      lp = e.spec as LaunchPlanSpec;
      const w = lp.workflowId ?? {};
      workflowKey = { project: w.project ?? "", domain: w.domain ?? "", name: w.name ?? "", version: w.version ?? "" };
    }
    const { spec } = await loadWorkflowSpecs(this.entities, workflowKey);
    const label = `${kind === "launchPlan" ? "launch plan" : "workflow"} ${JSON.stringify(key.name)}`;
    const checked = inputsToLiterals(spec.template?.interface?.inputs, inputs ?? {}, label, lp?.defaultInputs?.parameters ?? {}, lp?.fixedInputs?.literals ?? {});
    const literals = await offloadLarge(checked, this.options.values, this.options.offloadBytes, spec.template?.interface?.inputs);
    const now = Date.now();
    const id = executionId ?? newExecutionId();
    const row: ExecutionRow = {
      id,
      project: key.project,
      domain: key.domain,
      workflow: workflowKey,
      launchPlan: kind === "launchPlan" ? key : undefined,
      phase: "queued",
      inputs: literals,
      outputs: undefined,
      error: undefined,
      settings: {
        maxParallelism: options.maxParallelism ?? lp?.maxParallelism ?? DEFAULT_MAX_PARALLELISM,
        overwriteCache: options.overwriteCache === true,
        ...(options.modules ? { modules: [...options.modules] } : {}),
      },
      lineage,
      live: { pendingAnswers: {} },
      createdAt: now,
      startedAt: undefined,
      endedAt: undefined,
      updatedAt: now,
    };
    await this.create(row);
    return id;
  }

  private checkStartOptions(options: StartOptions): void {
    if (options.maxParallelism !== undefined) resolveMaxParallelism(options.maxParallelism, "execution");
  }

  /**
   * A handle on an existing execution.
   *
   * @example
   * ```ts
   * await engine.handle<{ wf_output: number }>(id).result();
   * ```
   */
  handle<O = Record<string, unknown>>(id: string): EngineExecution<O> {
    return { id, result: (o) => this.result(id, o) as Promise<O> };
  }

  /**
   * Waits for an execution to end; resolves to its outputs, or rejects with an `ExecutionError`.
   *
   * @example
   * ```ts
   * const outputs = await engine.result(id, { timeoutMs: 10_000 });
   * ```
   */
  async result(id: string, options: { readonly timeoutMs?: number } = {}): Promise<Record<string, unknown>> {
    const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    let unreachableSince: number | undefined;
    for (;;) {
      let row: ExecutionRow | undefined;
      try {
        row = await this.store.getExecution(id);
        unreachableSince = undefined;
      } catch (e) {
        // The database out of reach for a while (PostgreSQL restarting): look again, for up to a minute.
        if (!isTransientStoreError(e) || Date.now() - (unreachableSince ??= Date.now()) > 60_000) throw e;
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      if (!row) throw new ExecutionNotFoundError(id);
      if (isExecutionEnded(row.phase)) return this.outputsOf(row);
      if (deadline - Date.now() <= 0) throw new WaitTimeoutError(id, options.timeoutMs ?? 0, row.phase);
      const ended = await this.endOf(id, deadline);
      if (ended) return this.outputsOf(ended);
      if (deadline - Date.now() <= 0) throw new WaitTimeoutError(id, options.timeoutMs ?? 0, row.phase);
    }
  }

  /**
   * Waits for this engine's commit that ends execution `id` (resolving to the row it wrote), or until the store
   * should be read again (undefined): every 250 ms while another engine may step the execution, but only every
   * `OWN_POLL_MS` while this engine owns it, as only this engine's commits can end it then (the read is a safety
   * net), or at `deadline`.
   */
  private endOf(id: string, deadline: number): Promise<ExecutionRow | undefined> {
    const since = Date.now();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (row?: ExecutionRow): void => {
        clearTimeout(timer);
        this.ended.off(id, done);
        resolve(row);
      };
      const arm = (): void => {
        timer = setTimeout(() => {
          const now = Date.now();
          if (now < deadline && this.owned.has(id) && now - since < OWN_POLL_MS) arm();
          else done();
        }, Math.max(0, Math.min(deadline - Date.now(), 250)));
      };
      arm();
      this.ended.once(id, done);
    });
  }

  private async outputsOf(row: ExecutionRow): Promise<Record<string, unknown>> {
    if (row.phase !== "succeeded") {
      const err = row.error;
      // The same error, class, fields and cause, as the local runner's `wf.run()` throws.
      if (err?.failure) throw reviveError(err.failure);
      throw new ExecutionError(`execution ${row.id} ${row.phase}: ${err?.message ?? row.phase}`, err?.nodeId ?? "", `workflow ${JSON.stringify(row.workflow.name)}`);
    }
    const { spec } = await loadWorkflowSpecs(this.entities, row.workflow);
    return literalsToValues(spec.template?.interface?.outputs, await inflate(row.outputs as LiteralMap | undefined, this.options.values));
  }

  /**
   * An execution, with its inputs and outputs as values.
   *
   * @example
   * ```ts
   * const { phase, inputValues, outputValues } = await engine.execution(id);
   * ```
   */
  async execution(id: string): Promise<ExecutionRow & { readonly inputValues: Record<string, unknown>; readonly outputValues: Record<string, unknown> | undefined }> {
    const row = await this.executionRow(id);
    const { spec } = await loadWorkflowSpecs(this.entities, row.workflow);
    const template = (spec).template;
    return {
      ...row,
      inputValues: literalsToValues(template?.interface?.inputs, await inflate(row.inputs as LiteralMap, this.options.values)),
      outputValues: row.phase === "succeeded" ? literalsToValues(template?.interface?.outputs, await inflate(row.outputs as LiteralMap, this.options.values)) : undefined,
    };
  }

  /**
   * The node executions of an execution, with those of the child executions of its launch-plan nodes under their paths (`n1/n0`).
   *
   * @example
   * ```ts
   * (await engine.nodes(id)).map((n) => [n.path, n.phase]); // [["n0", "succeeded"], ["n1", "running"]]
   * ```
   */
  async nodes(id: string): Promise<NodeRow[]> {
    const rows = await this.store.listNodes(id);
    const out: NodeRow[] = [];
    for (const row of rows) {
      out.push(row);
      // A launch-plan node's child execution runs its nodes: they are listed under the node's path, as the local runner reports them.
      const childId = row.data.kind === "launchPlan" ? row.data.childId : undefined;
      if (typeof childId === "string") for (const n of await this.nodes(childId)) out.push({ ...n, path: `${row.path}/${n.path}` });
    }
    return out;
  }

  /**
   * Executions, newest first.
   *
   * @example
   * ```ts
   * const { items, next } = await engine.list({ phase: "failed" }, { limit: 20 });
   * ```
   */
  list(filter: ExecutionFilter = {}, page: { readonly limit?: number; readonly cursor?: string } = {}): Promise<Page<ExecutionRow>> {
    return this.store.listExecutions(filter, { limit: page.limit ?? 50, ...(page.cursor ? { cursor: page.cursor } : {}) });
  }

  /**
   * The stored row of an execution.
   *
   * @throws ExecutionNotFoundError when no execution has the id.
   *
   * @example
   * ```ts
   * const { phase } = await engine.executionRow(id);
   * ```
   */
  async executionRow(id: string): Promise<ExecutionRow> {
    const row = await this.store.getExecution(id);
    if (!row) throw new ExecutionNotFoundError(id);
    return row;
  }

  /** An execution whose gates can still be answered. */
  private async requireRunning(id: string): Promise<ExecutionRow> {
    const row = await this.executionRow(id);
    if (isExecutionEnded(row.phase)) throw new ExecutionEndedError(id, row.phase, "its gates no longer wait");
    return row;
  }

  /**
   * Aborts an execution: running attempts are withdrawn, the rest marked aborted.
   *
   * @example
   * ```ts
   * await engine.abort(id, "started with the wrong inputs");
   * ```
   */
  async abort(id: string, reason = "aborted by a user"): Promise<void> {
    const row = await this.executionRow(id);
    if (isExecutionEnded(row.phase)) throw new ExecutionEndedError(id, row.phase, "there is nothing to abort");
    await this.store.addEvents([{ executionId: id, body: { type: "abort", reason } }]);
    this.poke();
  }

  /**
   * Gives a gate its value: a signal's value, checked against the gate's
   * type, or `true` / `false` for an approval gate (approve / reject).
   *
   * @throws UnknownGateError when the execution has no gate `name` (the message lists those it has).
   * @throws InvalidSignalValueError when the value does not fit the gate's type.
   * @throws GateAnsweredError when the gate already has its answer or timed out.
   * @throws ExecutionEndedError when the execution has ended.
   *
   * @example
   * ```ts
   * await engine.signal(id, "factor", 3);
   * await engine.signal(id, "publish", true); // an approval gate: approves it
   * ```
   */
  async signal(id: string, name: string, value: unknown, reason?: string): Promise<void> {
    const row = await this.requireRunning(id);
    const gates = await this.gates(row);
    const gate = gates.get(name);
    if (!gate) throw UnknownGateError.of(id, name, [...gates.keys()]);
    if (gate.kind === "approve") {
      if (typeof value !== "boolean") throw new InvalidSignalValueError(`gate ${JSON.stringify(name)} of execution ${id} is an approval: give it true (approve) or false (reject), got ${JSON.stringify(value) ?? String(value)}`, id, name);
      return this.answerApproval(row, name, value, reason ?? "rejected");
    }
    const problem = value === undefined ? "no value was given" : validatorFor(gate.type)(value);
    if (problem !== undefined) throw new InvalidSignalValueError(`signal ${JSON.stringify(name)} of execution ${id} expects ${describeType(gate.type)}: ${problem}`, id, name);
    const literal = toLiteral(gate.type, value);
    await this.refuseSecondAnswer(row.id, name);
    await this.store.addEvents([{ executionId: id, body: { type: "signal", name, value: literal } }]);
    this.poke();
  }

  /** Refuses an answer to gate `name` when one of its nodes already ended or an answer waits for it. */
  private async refuseSecondAnswer(id: string, name: string): Promise<void> {
    // An answer given but not applied yet. Read first: once applied (its event consumed in the same commit), the
    // execution and node rows read next show it; flyteadmin's SetSignal likewise refuses a second value.
    for (const e of await this.store.pendingEvents(id)) {
      if ((e.body.type === "signal" || e.body.type === "approval") && e.body.name === name) throw new GateAnsweredError(id, name, "already has its answer");
    }
    const row = await this.executionRow(id);
    if (isExecutionEnded(row.phase)) throw new ExecutionEndedError(id, row.phase, "its gates no longer wait");
    // An answer given before its gate started waits on the execution.
    if (Object.prototype.hasOwnProperty.call(row.live.pendingAnswers, name)) throw new GateAnsweredError(id, name, "already has its answer");
    for (const n of await this.store.listNodes(id)) {
      const d = n.data;
      if (d.kind !== "gate" || d.gate === "sleep" || (d.gate === "signal" ? d.signal : d.approve) !== name || n.phase === "waiting") continue;
      throw new GateAnsweredError(id, name, n.phase === "timedOut" ? "already timed out" : n.phase === "succeeded" || n.phase === "failed" ? "already has its answer" : `already ended (${n.phase})`);
    }
  }

  private async answerApproval(row: ExecutionRow, name: string, approved: boolean, reason: string): Promise<void> {
    await this.refuseSecondAnswer(row.id, name);
    await this.store.addEvents([{ executionId: row.id, body: approved ? { type: "approval", name, approved: true } : { type: "approval", name, approved: false, reason } }]);
    this.poke();
  }

  /** An approval gate `name` of a running execution, or the refusal that names the approvals it has. */
  private async requireApproval(id: string, name: string): Promise<ExecutionRow> {
    const row = await this.requireRunning(id);
    const gates = await this.gates(row);
    const gate = gates.get(name);
    if (gate?.kind === "approve") return row;
    throw UnknownGateError.notApproval(id, name, [...gates.values()].filter((g) => g.kind === "approve").map((g) => g.name), gate !== undefined);
  }

  /**
   * The gates of an execution, by name: those of its workflow and
   * subworkflows, and those of the sub-workflows its dynamic nodes built so far.
   *
   * @example
   * ```ts
   * (await engine.gates(await engine.execution(id))).get("publish")?.kind; // "approve"
   * ```
   */
  async gates(row: ExecutionRow): Promise<Map<string, GateInfo>> {
    const { spec } = await loadWorkflowSpecs(this.entities, row.workflow);
    const specs: (WorkflowSpec | undefined)[] = [spec];
    // Gates inside dynamic workflows exist only in the sub-workflows their nodes built.
    for (const node of await this.store.listNodes(row.id)) specs.push(node.data.kind === "dynamic" ? node.data.dynamicSpec?.workflow : undefined);
    return specGates(specs);
  }

  /**
   * Approves an approval gate.
   *
   * @throws UnknownGateError when the execution has no approval gate `name`; GateAnsweredError when it already has its answer.
   *
   * @example
   * ```ts
   * await engine.approve(id, "publish");
   * ```
   */
  async approve(id: string, name: string): Promise<void> {
    await this.answerApproval(await this.requireApproval(id, name), name, true, "");
  }

  /**
   * Rejects an approval gate: the execution fails.
   *
   * @throws UnknownGateError when the execution has no approval gate `name`; GateAnsweredError when it already has its answer.
   *
   * @example
   * ```ts
   * await engine.reject(id, "publish", "numbers look off");
   * ```
   */
  async reject(id: string, name: string, reason = "rejected"): Promise<void> {
    await this.answerApproval(await this.requireApproval(id, name), name, false, reason);
  }

  /**
   * Starts a new execution of the same entity with the same inputs.
   *
   * @example
   * ```ts
   * const again = await engine.relaunch(id);
   * ```
   */
  async relaunch(id: string): Promise<string> {
    const row = await this.executionRow(id);
    return this.again(row, { relaunchOf: id });
  }

  /**
   * Starts a new execution that reuses the outputs of every task node that succeeded in `id`, and runs only the rest.
   *
   * @example
   * ```ts
   * const retry = await engine.recover(failedId);
   * await engine.result(retry);
   * ```
   */
  async recover(id: string): Promise<string> {
    const row = await this.executionRow(id);
    if (!isExecutionRecoverable(row.phase)) throw new ExecutionNotRecoverableError(id, row.phase);
    return this.again(row, { recoverOf: id });
  }

  private async again(row: ExecutionRow, lineage: ExecutionLineage): Promise<string> {
    const now = Date.now();
    const newId = newExecutionId();
    const copy: ExecutionRow = {
      ...row,
      id: newId,
      phase: "queued",
      outputs: undefined,
      error: undefined,
      settings: row.settings,
      lineage,
      live: { pendingAnswers: {} },
      createdAt: now,
      startedAt: undefined,
      endedAt: undefined,
      updatedAt: now,
    };
    await this.create(copy);
    return newId;
  }

  /**
   * Stores a new execution with its start event. While this engine's loop runs, and its lease is on record, the
   * execution is created as its own (epoch 1), as the child executions its commits create are, so its first tick
   * needs no `acquireExecutions` transaction; an engine not stepping (its loop not running) leaves it to any.
   */
  private async create(row: ExecutionRow): Promise<void> {
    const owner = this.running && this.renewAt > 0 ? this.engineId : undefined;
    await this.store.createExecution(row, { executionId: row.id, body: { type: "start" } }, owner);
    if (owner !== undefined && this.running) this.owned.set(row.id, 1);
    this.poke();
  }

  // ---- the loop -----------------------------------------------------------

  /**
   * Starts the loop that applies events (returns at once; `stop()` ends it).
   *
   * @example
   * ```ts
   * engine.run();
   * process.on("SIGTERM", () => void engine.stop());
   * ```
   */
  run(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.runLoop();
  }

  /**
   * Makes the loop look for due events now (a worker just reported a result).
   *
   * @example
   * ```ts
   * await startWorker({ store, modules: ["flows.ts"], onReport: () => engine.poke() });
   * ```
   */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /**
   * Hands the items this engine's steps make ready straight to `worker`, a worker in this process: each is
   * leased to it in the commit that enqueues it (as many as it `wants`), so it needs no claim, and it gives
   * the results back with `deliver`. Items beyond what it wants stay queued for any worker to claim.
   *
   * @example
   * ```ts
   * const worker = await startWorker({ store, modules: ["flows.ts"], concurrency: 2, direct: engine });
   * engine.attachWorker(worker);
   * ```
   */
  attachWorker(worker: DirectWorker): void {
    this.direct = worker;
  }

  /**
   * Takes a result of this engine's own worker straight into the next step of its execution: the step
   * removes the item (under the lease token the result came with) and applies the result in one commit, so
   * the result is durable once the promise resolves `accepted`. Resolves `unhandled` when the engine does
   * not take it (not running, the execution not its own, the lease lost, the commit failed): the worker then
   * reports it to the store as any worker would.
   *
   * @example
   * ```ts
   * const outcome = await engine.deliver({ itemId: item.id, leaseToken: item.leaseToken, result: { body } }, item.executionId);
   * if (outcome === "unhandled") await store.finishTask(item.id, item.leaseToken, { body }, Date.now());
   * ```
   */
  deliver(report: TaskReport, executionId: string): Promise<DeliveryOutcome> {
    if (!this.running || !this.owned.has(executionId)) return Promise.resolve("unhandled");
    return new Promise((done) => {
      this.delivered.push({ report, executionId, done });
      this.wake?.();
    });
  }

  /**
   * Stops the loop after the step in progress.
   *
   * @example
   * ```ts
   * await engine.stop();
   * await store.close();
   * ```
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    for (const d of this.delivered.splice(0)) d.done("unhandled");
    // Leases it can no longer confirm are dropped by the worker (one written after all runs out, or the next engine frees it).
    for (const u of this.unsettled.splice(0)) u.land(new Set());
    if (this.renewAt > 0) {
      // Stopped cleanly: its executions are free for another engine at once, not after the lease.
      this.renewAt = 0;
      this.owned.clear();
      this.cache.clear();
      await this.store.releaseEngine(this.engineId).catch((e: unknown) => this.report(e));
    }
  }

  /**
   * Applies every due event once (the loop calls this; tests may too).
   *
   * @example
   * ```ts
   * await engine.start(regression, inputs);
   * await engine.tick(); // 1: the start event; the first tasks are queued
   * ```
   */
  async tick(): Promise<number> {
    return this.turn(true);
  }

  /**
   * One turn of the loop: the due events (when `readInbox`; otherwise only the results delivered by this
   * process's worker) applied to their executions and committed together.
   */
  private async turn(readInbox: boolean): Promise<number> {
    await this.renewIfDue();
    await this.settleGrants();
    const now = Date.now();
    this.more = false;
    const delivered = this.delivered;
    this.delivered = [];
    let events: Awaited<ReturnType<Store["dueEventsFor"]>> = [];
    try {
      if (readInbox) {
        this.tickedAt = now;
        this.nextDue = undefined;
        events = await this.store.dueEventsFor(this.engineId, now, TICK_EVENTS);
      }
    } catch (e) {
      for (const d of delivered) d.done("unhandled");
      throw e;
    }
    if (events.length === TICK_EVENTS) this.more = true;
    const groups = new Map<string, { events: typeof events; delivered: Delivery[] }>();
    const groupOf = (id: string): { events: typeof events; delivered: Delivery[] } => {
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { events: [], delivered: [] }));
      return g;
    };
    for (const e of events) groupOf(e.executionId).events.push(e);
    for (const d of delivered) {
      if (this.owned.has(d.executionId)) groupOf(d.executionId).delivered.push(d);
      else d.done("unhandled");
    }
    try {
      await this.acquire([...groups.keys()].filter((id) => !this.owned.has(id)), now);
    } catch (e) {
      for (const d of delivered) d.done("unhandled");
      throw e;
    }
    // Every execution's steps are computed first, then committed together (group commit: one durable write
    // for the whole tick); each execution's steps land whole or not at all.
    const batch: { execId: string; state: ExecState; commits: StepCommit[]; delivered: Delivery[]; leased: ClaimedTask[] }[] = [];
    let wanted = this.direct?.wants() ?? 0;
    let idle = this.direct?.idle?.() ?? wanted;
    let unleased = false;
    try {
      for (const [execId, group] of groups) {
        const epoch = this.owned.get(execId);
        if (epoch === undefined) continue; // another live engine owns it
        const fence = { engineId: this.engineId, executions: [{ executionId: execId, epoch }] };
        let state = this.cache.get(execId);
        if (!state) {
          try {
            state = await loadExecution(this.store, execId, this.options.values, this.entities);
          } catch (e) {
            for (const d of group.delivered) d.done("unhandled");
            if (group.events.length > 0) await this.failUnloadable(execId, group.events.map((g) => g.id), e, fence);
            continue;
          }
        }
        const entry = { execId, state, commits: [] as StepCommit[], delivered: [] as Delivery[], leased: [] as ClaimedTask[] };
        // The inbox's events first, then the results delivered directly: each as one step.
        const inputs: ({ readonly event: (typeof events)[number] } | { readonly delivery: Delivery })[] = [...group.events.map((event) => ({ event })), ...group.delivered.map((delivery) => ({ delivery }))];
        for (const input of inputs) {
          if (isExecutionEnded(state.exec.phase)) {
            // Ended by an earlier step: what is left is not applied (a delivered result goes to the store, which records or refuses it).
            if ("delivery" in input) input.delivery.done("unhandled");
            continue;
          }
          const body = "event" in input ? input.event.body : input.delivery.report.result.body;
          // An offloaded output a map task may split is read now, so the machine reads nothing.
          // (One that cannot be read fails the map node that needs it, with an OffloadedValueError.)
          if (body.type === "taskSucceeded" || body.type === "childEnded") await readOffloaded([body.outputs], this.options.values, state.offloaded).catch(() => undefined);
          const stepNow = Date.now();
          const step = applyEvent(state, body, { ...this.machine, now: stepNow });
          let commit: StepCommit = { ...step.toCommit("event" in input ? [input.event.id] : []), fence };
          if ("delivery" in input) {
            commit = { ...commit, finished: [{ itemId: input.delivery.report.itemId, leaseToken: input.delivery.report.leaseToken }] };
            entry.delivered.push(input.delivery);
          }
          // Work ready now goes to this process's worker, leased in this very commit, as much as it wants.
          const grants: TaskLeaseGrant[] = [];
          for (const item of step.enqueue) {
            if (this.direct && wanted > 0 && item.readyAt <= stepNow) {
              wanted--;
              // Beyond its idle slots, an item waits in the worker: leased as not started until the worker says it did.
              const started = idle-- > 0;
              const grant: TaskLeaseGrant = { itemId: item.id, owner: this.direct.workerId, leaseToken: randomUUID(), leaseExpiresAt: stepNow + this.direct.leaseMs, ...(started ? {} : { started: false }) };
              grants.push(grant);
              entry.leased.push({ ...item, leaseToken: grant.leaseToken, leaseExpiresAt: grant.leaseExpiresAt, ...(started ? {} : { ahead: true }) });
            } else {
              unleased = true;
            }
          }
          if (grants.length > 0) commit = { ...commit, leased: grants };
          entry.commits.push(commit);
        }
        batch.push(entry);
      }
    } catch (e) {
      for (const d of delivered) d.done("unhandled"); // (those settled already stay as they are)
      // Nothing was committed: states already stepped in memory (cached ones are stepped in place) are read
      // back before their events are applied again, or those events would count twice and their effects be lost.
      for (const id of groups.keys()) this.cache.delete(id);
      throw e;
    }
    // The worker takes the attempts leased in this commit now, before it lands, so that a task runs while the
    // commit syncs (the engine's thread waits in the sync; the child runs on another core). Their results
    // wait for `landed` (ARCHITECTURE.md, "The engine's own worker"): only leases that landed are reported.
    let land: ((ids: ReadonlySet<string>) => void) | undefined;
    const leasedNow = this.direct ? batch.flatMap((b) => b.leased) : [];
    if (leasedNow.length > 0) this.direct!.take(leasedNow, new Promise<ReadonlySet<string>>((resolve) => (land = resolve)));
    let results: (Error | undefined)[] = [];
    try {
      if (batch.length > 0) results = await this.store.commitGroups(batch.map((b) => b.commits));
    } catch (e) {
      // Nothing (or, after a lost answer to COMMIT, everything) was written: the states stepped in memory may
      // not be the stored ones, so they are read back before their events are applied again.
      for (const b of batch) {
        this.cache.delete(b.execId);
        for (const d of b.delivered) d.done("unhandled");
      }
      // Whether its leases were written is for the store to say: the worker holds them on credit until then.
      if (land) this.unsettled.push({ items: leasedNow, land });
      throw e;
    }
    // The leases of the groups that landed count; those of refused groups were never written.
    const handed = new Set<string>();
    batch.forEach((b, i) => {
      if (!results[i]) for (const item of b.leased) handed.add(item.id);
    });
    land?.(handed);
    batch.forEach(({ execId, state, commits, delivered: applied }, i) => {
      const refused = results[i];
      if (refused) {
        this.cache.delete(execId);
        // Its delivered results go to the store, which records or refuses each (a lost lease refuses the whole group here).
        for (const d of applied) d.done("unhandled");
        if (refused instanceof StoreConflictError && refused.reason === "fenced") this.owned.delete(execId); // taken over: its new owner steps it
        else if (!(refused instanceof StoreConflictError && refused.reason === "leaseLost")) this.report(refused);
        return;
      }
      for (const d of applied) d.done("accepted");
      for (const c of commits) {
        for (const child of c.createExecutions ?? []) this.owned.set(child.id, 1);
        if ((c.events?.length ?? 0) > 0 || (c.createExecutions?.length ?? 0) > 0) this.more = true;
      }
      if (isExecutionEnded(state.exec.phase)) {
        this.cache.delete(execId);
        this.owned.delete(execId);
        this.ended.emit(execId, state.exec);
      } else {
        this.cache.set(execId, state);
      }
    });
    if (unleased) this.options.onWork?.();
    if (this.more) this.nextDue = undefined;
    return events.length + delivered.length;
  }

  /**
   * Settles the items leased to this process's worker by group commits that failed (`unsettled`), which the worker
   * holds on credit: those the store holds under their grant's token (the commit landed, only its answer was lost)
   * are confirmed to it (`land`), with their lease extended, instead of waiting out the lease unreported; the others
   * were never written (the commit did not land): the worker drops their attempts, and the steps that made them are
   * applied again from the stored state. Items the store cannot be asked about yet (still out of reach) wait for the
   * next turn (the worker gives up on a lease not confirmed within its length).
   */
  private async settleGrants(): Promise<void> {
    if (this.unsettled.length === 0) return;
    const direct = this.direct;
    const groups = this.unsettled;
    this.unsettled = [];
    for (const [g, { items, land }] of groups.entries()) {
      const held = new Set<string>();
      try {
        if (direct) {
          for (const item of items) {
            if (await this.store.heartbeat(item.id, item.leaseToken, direct.leaseMs, Date.now())) held.add(item.id);
          }
        }
      } catch (e) {
        this.unsettled.push(...groups.slice(g));
        throw e;
      }
      land(held);
    }
  }

  /** Renews this engine's lease when a third of it has passed (the first call records the engine). */
  private async renewIfDue(): Promise<void> {
    const now = Date.now();
    if (now < this.renewAt) return;
    await this.store.renewEngine({ id: this.engineId, pid: process.pid, host: os.hostname(), command: commandLine(), since: this.since }, this.engineLeaseMs, now);
    this.renewAt = now + this.engineLeaseMs / 3;
  }

  /** Takes ownership of executions no live engine owns; a copy cached from an earlier ownership is stale. */
  private async acquire(ids: readonly string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    for (const o of await this.store.acquireExecutions(this.engineId, ids, now)) {
      this.cache.delete(o.executionId);
      this.owned.set(o.executionId, o.epoch);
    }
  }

  private async failUnloadable(execId: string, ids: number[], error: unknown, fence: StepCommit["fence"]): Promise<void> {
    const row = await this.store.getExecution(execId);
    const message = `the execution cannot be loaded: ${error instanceof Error ? error.message : String(error)}`;
    const now = Date.now();
    await this.store.commit({
      fence,
      consumed: ids,
      executions: row && !isExecutionEnded(row.phase) ? [{ ...row, phase: "failed", error: { message }, endedAt: now, updatedAt: now }] : [],
    });
    this.ended.emit(execId);
  }

  private report(e: unknown): void {
    if (this.options.onError) this.options.onError(e);
    else process.stderr.write(`aloft engine: ${e instanceof Error ? e.message : String(e)}\n`);
  }

  /**
   * Fires the due ticks of scheduled launch plans (the loop calls this about once a second).
   *
   * @example
   * ```ts
   * await engine.fireSchedules(Date.parse("2025-01-01T00:00:00Z")); // executions started for the ticks due by then
   * ```
   */
  fireSchedules(now = Date.now()): Promise<number> {
    return fireDueTicks(this.store, now, async (key, inputs, id, tickAt) => {
      await this.startRegistered("launchPlan", key, inputs, {}, { scheduledAt: tickAt }, id);
    });
  }

  private async runLoop(): Promise<void> {
    const pollMs = this.options.pollMs ?? (this.options.wakeups ? 1000 : 20);
    let nextSchedules = 0;
    while (this.running) {
      if (this.options.schedules !== false && Date.now() >= nextSchedules) {
        nextSchedules = Date.now() + 1000;
        try {
          await this.fireSchedules();
        } catch (e) {
          this.report(e);
        }
      }
      // Results delivered by this process's worker wake the loop before its wait ends (and read no inbox), so while
      // they keep coming the safety-net poll and timers must hold here: the inbox is read once a poll, and once the
      // next event it knew of is due.
      const at = Date.now();
      const due = this.nextDue?.at;
      const readInbox = this.poked || this.more || this.inboxStale || at - this.tickedAt >= pollMs || (due !== undefined && due >= this.tickedAt && due <= at);
      this.poked = false;
      this.inboxStale = false;
      try {
        await this.turn(readInbox);
      } catch (e) {
        this.more = false;
        this.inboxStale = true;
        this.nextDue = undefined;
        this.report(e);
        // A newer Aloft migrated the database under this engine: it writes nothing more (it would write where the
        // newer one no longer reads), so it stops, having said why.
        if (e instanceof SchemaTooNewError) this.running = false;
      }
      if (this.more || this.poked || this.delivered.length > 0) continue;
      let wait = pollMs;
      try {
        // Read again only after a tick that read the inbox: one that applied delivered results only added no events.
        this.nextDue ??= { at: await this.store.nextEventDue() };
        const due = this.nextDue.at;
        // An event already due when the tick read every due event of ours (the batch was not full) is another
        // engine's: waiting on it would spin until that engine takes it. Ours wake us (a poke) or come due later.
        if (due !== undefined && due >= this.tickedAt) wait = Math.max(0, Math.min(pollMs, due - Date.now()));
      } catch (e) {
        this.report(e);
      }
      wait = Math.min(wait, Math.max(0, this.renewAt - Date.now())); // the lease is renewed on time however long the polls
      if (this.poked || this.delivered.length > 0 || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = undefined;
          this.inboxStale = true; // a poll, a timer come due, or the lease to renew: look at the inbox
          resolve();
        }, wait);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }
}
