/**
 * The engine a command runs executions on: the embedded one, started in this
 * process over the database with a worker pool for the given modules, or, when
 * an engine already runs over the database (`aloft serve`, an engine process,
 * another `aloft run` waiting at a gate), that one, joined through the
 * database: this process then only adds executions and follows them, and the
 * running setup's workers run their tasks.
 *
 * @module
 */
import { startEmbedded } from "../../engine/embedded.js";
import { Engine } from "../../engine/engine.js";
import { EngineLockedError, describeHolder, type EngineLockHolder } from "../../store/sqlite/engine-lock.js";
import { engineLockHolderOf, openStore } from "../../store/open-store.js";
import { UsageError } from "../errors.js";
import { valuesStoreOf, type DatabaseRef } from "./database.js";

/** What `engineFor` needs. */
export interface EngineSetupOptions {
  readonly db: DatabaseRef;
  /** Where module paths are resolved from. */
  readonly cwd: string;
  /** The modules that define the tasks, for this process's workers. */
  readonly modules: readonly string[];
  /** Attempts this process's workers run at once (default: the number of CPUs, at most 4; 0: an engine without workers, which needs no modules). */
  readonly workers?: number;
  /** The workers' lease length in ms (default 30 s). */
  readonly leaseMs?: number;
  /** Why modules are needed when none are given and no engine runs (a one-line instruction). */
  readonly noModules?: string;
  /** Where the setup's own problems are reported, one line each. */
  readonly log: (line: string) => void;
}

/** An engine to run executions on. */
export interface EngineSetup {
  readonly engine: Engine;
  /** `embedded`: this process runs the engine and its workers; `joined`: another process does. */
  readonly kind: "embedded" | "joined";
  /** The process that runs the engine, when joined. */
  readonly holder: EngineLockHolder | undefined;
  /**
   * Stops what this process started and closes the database. Its workers
   * finish the attempts in hand first; with `hard`, they end them instead
   * (their leases expire and they run again elsewhere, as after a crash).
   */
  stop(options?: { readonly hard?: boolean }): Promise<void>;
}

async function joined(db: DatabaseRef, holder: EngineLockHolder | undefined): Promise<EngineSetup> {
  const store = await openStore(db.path, { poolSize: 2 });
  const engine = await Engine.open({ store, values: valuesStoreOf(db), schedules: false });
  return { engine, kind: "joined", holder, stop: () => store.close() };
}

/**
 * Starts the embedded engine over `db`, or joins the engine that runs over it.
 *
 * @throws UsageError when no engine runs and there are no modules to run tasks with.
 *
 * @example
 * ```ts
 * const setup = await engineFor({ db: databaseRef(ctx, undefined), cwd, modules: ["flows.ts"], log });
 * try { await setup.engine.start(wf, inputs); } finally { await setup.stop(); }
 * ```
 */
export async function engineFor(options: EngineSetupOptions): Promise<EngineSetup> {
  const holder = await engineLockHolderOf(options.db.path);
  if (holder) return joined(options.db, holder);
  if (options.modules.length === 0 && options.workers !== 0) throw new UsageError(options.noModules ?? "no engine runs over the database and no modules were given to run tasks with");
  try {
    const setup = await startEmbedded({
      dir: options.db.dir,
      db: options.db.path,
      cwd: options.cwd,
      modules: options.modules,
      schedules: false,
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      log: options.log,
      onError: (e) => options.log(`engine: ${e instanceof Error ? e.message : String(e)}`),
    });
    return {
      engine: setup.engine,
      kind: "embedded",
      holder: undefined,
      async stop(stopOptions) {
        if (stopOptions?.hard) await setup.worker?.stop({ hard: true });
        await setup.stop();
      },
    };
  } catch (e) {
    if (e instanceof EngineLockedError) return joined(options.db, e.holder);
    throw e;
  }
}

/**
 * The line that says a run goes to an engine another process runs.
 *
 * @example
 * ```ts
 * joinedNote(setup, ".aloft/aloft.db");
 * // "an engine already runs over .aloft/aloft.db (pid 4242 ...): the run goes to it, and its workers run the tasks
 * //  (they must load its modules; --db <another path> runs on an engine of its own)"
 * ```
 */
export function joinedNote(setup: EngineSetup, shownDb: string): string {
  const who = setup.holder && setup.holder.pid !== 0 ? ` (${describeHolder(setup.holder)})` : "";
  return `an engine already runs over ${shownDb}${who}: the run goes to it, and its workers run the tasks (they must load its modules; --db <another path> runs on an engine of its own)`;
}
