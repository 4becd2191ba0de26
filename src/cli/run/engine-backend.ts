/**
 * `aloft run` on the durable engine, and `--remote` on a server.
 *
 * The engine mode (the default) runs on the embedded engine over
 * `.aloft/aloft.db` (or `--db`) with a worker pool that loads the run's file,
 * or on the engine another process already runs over that database. The
 * execution is stored, so it can be looked at, aborted, signalled,
 * relaunched and recovered afterwards. The remote mode asks a server
 * (`aloft serve`) to run an entity its own modules registered.
 *
 * @module
 */
import path from "node:path";
import type { AloftClient, CreateExecutionBody } from "../../client/client.js";
import type { Engine } from "../../engine/engine.js";
import { isExecutionEnded } from "../../phases.js";
import type { LiteralType } from "../../idl/core.js";
import type { RunOptions } from "../../sdk/runner-port.js";
import { aloftNote, type CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { DEFAULT_DB, type DatabaseRef } from "../engine/database.js";
import { RECONNECT_FOR_MS, followExecution, followRemote, type FollowedExecution } from "../engine/follow.js";
import { EngineGoneError, engineFor, joinedNote, type EngineSetup } from "../engine/setup.js";
import { remoteClient, remoteError } from "../engine/source.js";
import type { FoundEntity } from "../load/entities.js";
import type { RunBackend } from "./modes.js";
import type { GateInfo } from "./plan-info.js";
import { workflowForTask } from "./task-workflow.js";
import { storeUploader, uploadBody, uploadLocalInputs, type Uploader } from "../inputs/file-inputs.js";

/**
 * ` --db <path>`, to add to commands shown to the user, when the database is not the default.
 *
 * @example
 * ```ts
 * dbFlagOf({ path: "/w/other.db", shown: "other.db" }); // " --db other.db"
 * ```
 */
export function dbFlagOf(db: DatabaseRef): string {
  return db.shown === DEFAULT_DB ? "" : ` --db ${db.shown.includes(" ") ? JSON.stringify(db.shown) : db.shown}`;
}

/**
 * The types the gates wait for, by signal name.
 *
 * @example
 * ```ts
 * gateTypesOf(planInfo(found).gates).get("factor"); // { simple: "INTEGER" }
 * ```
 */
export function gateTypesOf(gates: ReadonlyMap<string, GateInfo>): Map<string, LiteralType> {
  return new Map([...gates.values()].map((g) => [g.name, g.type]));
}

/**
 * The `--signal` values with their local paths put where the run's engine
 * reads them, by `upload` (the copy or upload of the inputs' local paths),
 * each said with `log` (`signal doc: uploaded …`), as `aloft signal` does.
 *
 * @example
 * ```ts
 * const signals = await placeSignals({ doc: referenceFromText("report.pdf", type, cwd) }, storeUploader(".aloft/blobs"), log);
 * ```
 */
export async function placeSignals(signals: Readonly<Record<string, unknown>>, upload: Uploader, log: ((line: string) => void) | undefined): Promise<Record<string, unknown>> {
  const placed = await uploadLocalInputs(signals, upload, "signal");
  for (const note of placed.notes) log?.(note);
  return placed.inputs;
}

/**
 * Gives the `--signal` values of a run to its gates, as soon as it started
 * (the engine keeps a value until its gate is reached).
 *
 * @example
 * ```ts
 * await sendSignals(run, { factor: 21, publish: true }, plan.gates);
 * ```
 */
export async function sendSignals(run: FollowedExecution, signals: Readonly<Record<string, unknown>>, gates: ReadonlyMap<string, GateInfo>): Promise<void> {
  for (const [name, value] of Object.entries(signals)) {
    const gate = gates.get(name);
    try {
      await run.answer(name, gate?.kind ?? "signal", value);
    } catch (e) {
      run.abort(`--signal ${name} could not be given: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }
}

/** What the engine mode needs. */
export interface EngineBackendOptions {
  readonly ctx: CliContext;
  readonly db: DatabaseRef;
  /** The modules that define the tasks (as given, relative to the working directory): the embedded workers load them. */
  readonly modules: readonly string[];
  /** Why modules are needed, when there are none and no engine runs over the database. */
  readonly noModules?: string;
  /** The gates of what runs, by signal name, to answer `--signal` flags and show what a gate waits for. */
  readonly gates: ReadonlyMap<string, GateInfo>;
  /** Attempts the embedded worker pool runs at once. */
  readonly workers?: number;
  /** Where what tasks write to stdout goes in this process's workers (`aloft run --json`: stderr, so that stdout holds only the JSON). */
  readonly taskStdout?: "stdout" | "stderr";
  /** The version the run must be (an inputs file's `version`): the entity the code registers must have it. */
  readonly version?: { readonly value: string; readonly where: string };
}

/** The engine mode's backend: `start` runs an entity; `startWith` follows an execution made some other way (a relaunch). */
export interface EngineBackend extends RunBackend {
  /** Starts (or joins) the engine, makes an execution with `create`, and follows it. */
  startWith(create: (engine: Engine, modules: readonly string[]) => Promise<string>): Promise<FollowedExecution>;
}

/**
 * The backend of the engine mode.
 *
 * @example
 * ```ts
 * const backend = engineBackend({ ctx, db: databaseRef(ctx, undefined), modules: ["flows.ts"], gates: plan.gates });
 * const run = await backend.start(found, inputs, { signals: {} });
 * try { console.log(await run.result); } finally { await backend.close?.(); }
 * ```
 */
export function engineBackend(options: EngineBackendOptions): EngineBackend {
  const { ctx, db } = options;
  const dbFlag = dbFlagOf(db);
  let setup: EngineSetup | undefined;
  let run: FollowedExecution | undefined;
  const log = aloftNote(ctx);
  const modules = options.modules.map((m) => path.resolve(ctx.io.cwd, m));
  const backend: EngineBackend = {
    mode: "engine",
    where: `engine: ${db.shown}`,
    dbFlag,
    lookHint: (id, failed) => `look at it: aloft get ${failed ? "nodes" : "execution"} ${id}${dbFlag}`,
    async startWith(create) {
      setup = await engineFor({
        db,
        cwd: ctx.io.cwd,
        modules,
        log,
        ...(options.noModules === undefined ? {} : { noModules: options.noModules }),
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.taskStdout === undefined ? {} : { taskStdout: options.taskStdout }),
      });
      if (setup.kind === "joined") log(joinedNote(setup, db.shown));
      const id = await create(setup.engine, modules);
      const followed = followExecution(setup.engine, id, gateTypesOf(options.gates));
      // A joined engine that ends with nobody to take over must not leave this run waiting for ever.
      // The engine may have ended just after the execution did, before this process saw the end (the engine's own
      // worker's last result wakes nobody else): the stored phase decides, and an ended execution is reported as such.
      const joined = setup;
      const gone = setup.ended.catch(async (e: unknown): Promise<never> => {
        const row = await joined.engine.executionRow(id).catch(() => undefined);
        if (row && isExecutionEnded(row.phase)) return new Promise<never>(() => undefined); // followed.result reports it
        throw e instanceof EngineGoneError ? e.forExecution(id, dbFlag) : e;
      });
      const result = Promise.race([followed.result, gone]);
      result.catch(() => undefined);
      run = { ...followed, result };
      return run;
    },
    async start(found: FoundEntity, inputs: Record<string, unknown>, runOptions: RunOptions) {
      if (runOptions.cacheDir !== undefined) throw new UsageError("--cache-dir is for --local runs; the engine keeps its cache in its database");
      // Local paths given as file inputs are copied into the engine's blob store: the execution keeps its own copy.
      const upload = storeUploader(path.join(db.dir, "blobs"));
      const placed = await uploadLocalInputs(inputs, upload);
      for (const note of placed.notes) log(note);
      const signals = await placeSignals(runOptions.signals ?? {}, upload, log);
      const started = await backend.startWith(async (engine, mods) => {
        const def = found.def;
        const entity = def.kind === "task" ? workflowForTask(found.entity, def) : found.entity;
        const reg = await engine.register(entity);
        const asked = options.version;
        if (asked !== undefined && asked.value !== reg.key.version) {
          throw new UsageError(
            `${asked.where}: version ${JSON.stringify(asked.value)} is not the version of ${def.kind === "launchPlan" ? "launch plan" : def.kind} ${JSON.stringify(def.name)} in this code (${reg.key.version}); the engine runs the code it is given (with --remote, the version names one the server has registered)`,
          );
        }
        // The modules (absolute paths) are kept on the execution, so that `aloft relaunch` and `aloft recover` run it again without being told.
        const startOptions = {
          ...(runOptions.maxParallelism === undefined ? {} : { maxParallelism: runOptions.maxParallelism }),
          ...(runOptions.overwriteCache ? { overwriteCache: true } : {}),
          modules: mods,
        };
        return engine.startRegistered(reg.kind === "launchPlan" ? "launchPlan" : "workflow", reg.key, placed.inputs, startOptions);
      });
      await sendSignals(started, signals, options.gates);
      return started;
    },
    async close() {
      run?.close();
      // What the worker still has in hand belongs to other executions (this one ended): it gives them back, and they run again at once elsewhere.
      await setup?.stop({ hard: true });
    },
  };
  return backend;
}

/** What the remote mode needs. */
export interface RemoteBackendOptions {
  readonly remote: string;
  /** Where notes on the connection go (a lost server, its return), one line each. */
  readonly log?: (line: string) => void;
  readonly token?: string;
  readonly gates: ReadonlyMap<string, GateInfo>;
  /** The registered version to run (an inputs file's `version`); the latest when not given. */
  readonly version?: string;
}

/**
 * The name a server knows an entity by: its registered name (a task alone
 * runs as the workflow `.flytegen.<task>`, which `aloft serve` registers
 * beside it).
 *
 * @example
 * ```ts
 * remoteTarget(found); // { workflow: { name: "sum_wf" } }
 * ```
 */
export function remoteTarget(found: FoundEntity, version?: string): Pick<CreateExecutionBody, "workflow" | "launchPlan"> {
  const def = found.def;
  const v = version === undefined ? {} : { version };
  if (def.kind === "launchPlan") return { launchPlan: { name: def.name, ...v } };
  if (def.kind === "task") return { workflow: { name: `.flytegen.${def.name}`, ...v } };
  return { workflow: { name: def.name, ...v } };
}

/** The remote mode's backend: `start` runs an entity; `startWith` follows an execution made some other way (a relaunch). */
export interface RemoteBackend extends RunBackend {
  /** Makes an execution on the server with `create`, and follows it. */
  startWith(create: (client: AloftClient) => Promise<string>): Promise<FollowedExecution>;
}

/**
 * The backend of `--remote URL`: the server runs an entity its modules
 * registered, by name (the latest version), with the inputs as JSON.
 *
 * @example
 * ```ts
 * const backend = remoteBackend({ remote: "http://127.0.0.1:8080", gates: plan.gates });
 * ```
 */
export function remoteBackend(options: RemoteBackendOptions): RemoteBackend {
  const client = remoteClient(options);
  const flag = ` --remote ${client.baseUrl}`;
  let run: FollowedExecution | undefined;
  const backend: RemoteBackend = {
    mode: "remote",
    where: `remote: ${client.baseUrl}`,
    dbFlag: flag,
    lookHint: (id, failed) => `look at it: aloft get ${failed ? "nodes" : "execution"} ${id}${flag}`,
    detachHint: (id) => [`follow it: aloft follow ${id}${flag}`, `abort it: aloft abort ${id}${flag}`],
    async startWith(create) {
      let id: string;
      try {
        id = await create(client);
      } catch (e) {
        throw remoteError(e);
      }
      run = followRemote(client, id, gateTypesOf(options.gates), {
        onLost: (why) => void options.log?.(`lost the server (${why}); reconnecting for up to ${RECONNECT_FOR_MS / 1000} s (the execution goes on there)`),
        onBack: () => void options.log?.(`the server at ${client.baseUrl} is back; following execution ${id} again`),
      });
      return run;
    },
    async start(found: FoundEntity, inputs: Record<string, unknown>, runOptions: RunOptions) {
      if (runOptions.cacheDir !== undefined) throw new UsageError("--cache-dir is for --local runs; the server keeps its cache in its database");
      // Local paths given as file inputs are uploaded to the server's blob store, as pyflyte run --remote does.
      let placed: Awaited<ReturnType<typeof uploadLocalInputs>>;
      let signals: Record<string, unknown>;
      try {
        const upload: Uploader = async (local, kind, name) => (await client.upload(name, kind, uploadBody(local, kind))).uri;
        placed = await uploadLocalInputs(inputs, upload);
        for (const note of placed.notes) options.log?.(note);
        signals = await placeSignals(runOptions.signals ?? {}, upload, options.log);
      } catch (e) {
        throw remoteError(e);
      }
      const body: CreateExecutionBody = {
        ...remoteTarget(found, options.version),
        inputs: JSON.parse(JSON.stringify(placed.inputs)) as Record<string, unknown>,
        options: {
          ...(runOptions.maxParallelism === undefined ? {} : { maxParallelism: runOptions.maxParallelism }),
          ...(runOptions.overwriteCache ? { overwriteCache: true } : {}),
        },
      };
      const started = await backend.startWith(async (c) => (await c.createExecution(body)).id);
      await sendSignals(started, signals, options.gates);
      return started;
    },
    async close() {
      run?.close();
    },
  };
  return backend;
}
