/**
 * Where `aloft run` runs an entity: in process (`--local`), on the embedded
 * durable engine in `./.aloft/` (the default), or on a server (`--remote URL`).
 * Each mode is a backend that starts a run and returns a handle the live view
 * and the report read; the engine and server modes plug in here.
 *
 * @module
 */
import type { EntityLike } from "../../sdk/entity.js";
import type { Execution, RunOptions } from "../../sdk/runner-port.js";
import { NotAvailableError, UsageError } from "../errors.js";
import type { FoundEntity } from "../load/entities.js";

/** The ways `aloft run` can run an entity. */
export type RunMode = "local" | "engine" | "remote";

/**
 * The mode `aloft run` uses when neither `--local` nor `--remote` is given:
 * the embedded durable engine, so a run can be inspected afterwards. Until
 * the engine's backend lands, that mode says to pass `--local`.
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
export type RunHandle = Pick<Execution<Record<string, unknown>>, "id" | "result" | "nodes" | "waitingFor" | "abort">;

/** Starts runs in one mode. */
export interface RunBackend {
  readonly mode: RunMode;
  /** Where the run is kept and how to look at it, for the report: `local: in process, not kept`. */
  readonly where: string;
  start(found: FoundEntity, inputs: Record<string, unknown>, options: RunOptions): RunHandle;
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

/**
 * The backend of the embedded durable engine in `./.aloft/`. Not in this
 * build yet: says so, and what to do instead.
 */
function startOnEmbeddedEngine(): never {
  throw new NotAvailableError("running on the embedded durable engine (./.aloft/)", "pass --local to run in process");
}

/**
 * The backend of a mode.
 *
 * @throws NotAvailableError for a mode this build does not have yet.
 *
 * @example
 * ```ts
 * backendFor("local").start(found, { x: [1, 2] }, {}).result;
 * ```
 */
export function backendFor(mode: RunMode, remote?: string): RunBackend {
  switch (mode) {
    case "local":
      return localBackend;
    case "engine":
      return startOnEmbeddedEngine();
    case "remote":
      throw new NotAvailableError(`--remote ${remote ?? ""}`.trim(), "the Aloft server is not built yet; pass --local to run in process");
  }
}
