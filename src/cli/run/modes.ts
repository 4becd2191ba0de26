/**
 * Where `aloft run` runs an entity: in process (`--local`), on the embedded
 * durable engine in `./.aloft/` (the default), or on a server (`--remote URL`).
 * Each mode is a backend that starts a run and returns a handle the live view
 * and the report read; the engine and server modes plug in here.
 *
 * @module
 */
import "../../index.js"; // installs the local runner that entity.start() (--local) uses
import type { EntityLike } from "../../sdk/entity.js";
import type { Execution, PendingSignal, RunOptions } from "../../sdk/runner-port.js";
import { UsageError } from "../errors.js";
import type { FoundEntity } from "../load/entities.js";
import { engineBackend, remoteBackend, type EngineBackendOptions, type RemoteBackendOptions } from "./engine-backend.js";

/** The ways `aloft run` can run an entity. */
export type RunMode = "local" | "engine" | "remote";

/**
 * The mode `aloft run` uses when neither `--local` nor `--remote` is given:
 * the embedded durable engine, so a run can be inspected afterwards.
 *
 * @example
 * ```ts
 * defaultRunMode(); // "engine"
 * ```
 */
export function defaultRunMode(): RunMode {
  return "engine";
}

/**
 * The mode asked for on the command line.
 *
 * @throws UsageError when both `--local` and `--remote` are given.
 *
 * @example
 * ```ts
 * chooseRunMode({ local: true }); // "local"
 * chooseRunMode({});              // defaultRunMode()
 * ```
 */
export function chooseRunMode(flags: { readonly local?: boolean; readonly remote?: string }): RunMode {
  if (flags.local && flags.remote !== undefined) throw new UsageError("--local and --remote cannot be given together");
  if (flags.local) return "local";
  if (flags.remote !== undefined) return "remote";
  return defaultRunMode();
}

/** A run started by a backend: what the live view, the prompt check and the report read. */
export type RunHandle = Pick<Execution<Record<string, unknown>>, "id" | "result" | "nodes" | "waitingFor" | "abort"> & {
  /** The phase the run ended in, when the backend knows it (`aborted`, `timedOut`, ...). */
  readonly endPhase?: () => string | undefined;
  /**
   * How long the execution took, from its start to its end, once it ended, when the backend knows it: a
   * followed or resumed execution began before this command did, or had ended already.
   */
  readonly tookMs?: () => number | undefined;
  /** Answers a gate from this command (a durable run); absent when the runner asks by itself (the local runner). */
  readonly answer?: (name: string, kind: PendingSignal["kind"], value: unknown) => Promise<void>;
};

/** Starts runs in one mode. */
export interface RunBackend {
  readonly mode: RunMode;
  /** Where the run is kept, for the report: `local: in process, not kept`, `engine: .aloft/aloft.db`. */
  readonly where: string;
  /** How to look at a run afterwards (`aloft get execution <id>`), when it is kept. */
  lookHint?(id: string, failed: boolean): string;
  /**
   * When set, Ctrl-C and SIGTERM detach from the run instead of aborting it (a server's execution goes on
   * without this command); the lines say how to follow and how to abort it.
   */
  detachHint?(id: string): string[];
  /** ` --db <path>` for commands about the run shown to the user, when the database is not the default. */
  readonly dbFlag?: string;
  start(found: FoundEntity, inputs: Record<string, unknown>, options: RunOptions): RunHandle | Promise<RunHandle>;
  /** Ends what the backend started for its runs (the embedded engine and its workers). */
  close?(): Promise<void>;
}

type Startable = EntityLike & { start(inputs: Record<string, unknown>, options: RunOptions): Execution<Record<string, unknown>> };

/** Runs in process, through the entity's own `start` (the local runner). */
const localBackend: RunBackend = {
  mode: "local",
  where: "local: in process, not kept",
  start(found, inputs, options) {
    const entity = found.entity as Partial<Startable>;
    if (typeof entity.start !== "function") throw new UsageError(`${found.exportName} cannot be started in process`);
    return (entity as Startable).start(inputs, options);
  },
};

/** What the backends of the modes need to know. */
export interface BackendOptions {
  /** The server of `--remote`, and its token. */
  readonly remote?: RemoteBackendOptions;
  /** The database, module and workers of the engine mode. */
  readonly engine?: EngineBackendOptions;
}

/**
 * The backend of the embedded durable engine (`./.aloft/` by default).
 *
 * @throws UsageError when the options of the engine mode are missing.
 */
function startOnEmbeddedEngine(options: EngineBackendOptions | undefined): RunBackend {
  if (!options) throw new UsageError("running on the engine needs its database and module");
  return engineBackend(options);
}

/**
 * The backend of a mode.
 *
 * @throws UsageError when the options of the mode are missing.
 *
 * @example
 * ```ts
 * backendFor("local").start(found, { x: [1, 2] }, {});
 * backendFor("engine", { engine: { ctx, db: databaseRef(ctx, undefined), modules: ["flows.ts"], gates: plan.gates } });
 * backendFor("remote", { remote: { remote: "http://127.0.0.1:8080", gates: plan.gates } });
 * ```
 */
export function backendFor(mode: RunMode, options: BackendOptions = {}): RunBackend {
  switch (mode) {
    case "local":
      return localBackend;
    case "engine":
      return startOnEmbeddedEngine(options.engine);
    case "remote":
      if (!options.remote) throw new UsageError("running on a server needs its URL: --remote <url>");
      return remoteBackend(options.remote);
  }
}
