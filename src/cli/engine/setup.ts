/**
 * The engine a command runs executions on: the embedded one, started in this
 * process over the database with a worker pool for the given modules, or, when
 * an engine already runs over the database (`aloft serve`, an engine process,
 * another `aloft run` waiting at a gate), that one, joined through the
 * database: this process then only adds executions and follows them, and the
 * running setup's workers run their tasks. When the joined engine ends, this
 * process takes over with an engine of its own (see `joined`).
 *
 * @module
 */
import { startEmbedded } from "../../engine/embedded.js";
import { Engine } from "../../engine/engine.js";
import { EngineLockedError, describeHolder, type EngineLockHolder } from "../../store/sqlite/engine-lock.js";
import { engineLockHolderOf, openStore } from "../../store/open-store.js";
import { openWakeups, type Wakeups } from "../../store/wakeups.js";
import { AloftError } from "../../errors.js";
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
  /** Where what this process's workers' tasks write to stdout goes (default: stdout; `aloft run --json` sends it to stderr). */
  readonly taskStdout?: "stdout" | "stderr";
}

/** An engine to run executions on. */
export interface EngineSetup {
  readonly engine: Engine;
  /** `embedded`: this process runs the engine and its workers; `joined`: another process does. */
  readonly kind: "embedded" | "joined";
  /** The process that runs the engine, when joined. */
  readonly holder: EngineLockHolder | undefined;
  /**
   * Rejects (with an `EngineGoneError`) when the engine this setup joined has
   * ended and this process cannot take over (it has no modules); never
   * settles otherwise. A follower races its result with it, so that it never
   * waits for an engine that is gone.
   */
  readonly ended: Promise<never>;
  /**
   * Stops what this process started and closes the database. Its workers
   * finish the attempts in hand first; with `hard`, they end them instead
   * and give them back (they run again elsewhere at once, each a lost lease).
   */
  stop(options?: { readonly hard?: boolean }): Promise<void>;
}

/** How often a joined setup checks that the engine it joined still runs. */
const HOLDER_CHECK_MS = 500;

async function embedded(options: EngineSetupOptions): Promise<EngineSetup> {
  const setup = await startEmbedded({
    dir: options.db.dir,
    db: options.db.path,
    cwd: options.cwd,
    modules: options.modules,
    schedules: false,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    log: options.log,
    ...(options.taskStdout === undefined ? {} : { taskStdout: options.taskStdout }),
    onError: (e) => options.log(`engine: ${e instanceof Error ? e.message : String(e)}`),
  });
  return {
    engine: setup.engine,
    kind: "embedded",
    holder: undefined,
    ended: new Promise<never>(() => undefined),
    async stop(stopOptions) {
      if (stopOptions?.hard) await setup.worker?.stop({ hard: true });
      await setup.stop();
    },
  };
}

/**
 * Joins the engine `holder` runs over the database, and watches it: when that
 * process ends (the first of two `aloft run`s finished, a server was
 * stopped), this process starts an engine of its own over the database, with
 * workers for its modules, and the executions it follows go on there. Without
 * modules to run tasks with, `ended` rejects, saying how to go on.
 */
async function joined(options: EngineSetupOptions, holder: EngineLockHolder | undefined): Promise<EngineSetup> {
  const store = await openStore(options.db.path, { poolSize: 2 });
  // The engine it joined ends executions in its own process: their end wakes this one's `result()` at once.
  let wakeups: Wakeups;
  try {
    wakeups = await openWakeups(options.db.path, { store });
  } catch (e) {
    await store.close();
    throw e;
  }
  const engine = await Engine.open({ store, values: valuesStoreOf(options.db), schedules: false, wakeups });
  let own: EngineSetup | undefined;
  let stopped = false;
  let checking = false;
  let fail: (e: Error) => void = () => undefined;
  const ended = new Promise<never>((_, reject) => (fail = reject));
  ended.catch(() => undefined);
  const who = holder && holder.pid !== 0 ? ` (${describeHolder(holder)})` : "";
  const check = async (): Promise<void> => {
    if (checking || stopped || own) return;
    checking = true;
    try {
      if ((await engineLockHolderOf(options.db.path)) !== undefined) return;
      if (options.modules.length === 0) {
        clearInterval(timer);
        fail(new EngineGoneError(options.db.shown, who));
        return;
      }
      try {
        own = await embedded(options);
        clearInterval(timer);
        options.log(`the engine this run went to${who} has ended: an engine of this process takes over ${options.db.shown}, and its workers run the tasks`);
      } catch (e) {
        if (!(e instanceof EngineLockedError)) throw e; // another process took over first: stay joined to it
      }
    } catch (e) {
      options.log(`cannot check the engine over ${options.db.shown}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), HOLDER_CHECK_MS);
  timer.unref();
  return {
    engine,
    kind: "joined",
    holder,
    ended,
    async stop(stopOptions) {
      stopped = true;
      clearInterval(timer);
      while (checking) await new Promise((resolve) => setTimeout(resolve, 10));
      await own?.stop(stopOptions);
      await wakeups.close();
      await store.close();
    },
  };
}

/**
 * The engine a joined run went to has ended, and this process has no modules
 * to run the execution's tasks with: nothing advances the execution until an
 * engine runs over the database again.
 *
 * @example
 * ```ts
 * try { await run.result; } catch (e) { if (e instanceof EngineGoneError) console.error(e.message); }
 * ```
 */
export class EngineGoneError extends AloftError {
  override name = "EngineGoneError";
  constructor(
    /** The database, as shown to the user. */
    readonly db: string,
    private readonly who: string,
    /** The command that continues the execution, once known. */
    readonly resume = "aloft resume <id> <modules...>",
  ) {
    super(`the engine that ran it over ${db}${who} has ended and this process has no modules to run its tasks; the execution waits, unchanged: continue it with ${resume}`);
  }

  /** The same error, with the command that continues execution `id` (`flag`: ` --db other.db` or empty). */
  forExecution(id: string, flag: string): EngineGoneError {
    return new EngineGoneError(this.db, this.who, `aloft resume ${id} <modules...>${flag}`);
  }
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
  if (holder) return joined(options, holder);
  if (options.modules.length === 0 && options.workers !== 0) throw new UsageError(options.noModules ?? "no engine runs over the database and no modules were given to run tasks with");
  try {
    return await embedded(options);
  } catch (e) {
    if (e instanceof EngineLockedError) return joined(options, e.holder);
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
