/**
 * `aloft follow <id>`: attaches the live view to an execution, on the
 * database (`--db`) or on a server (`--remote`), whoever started it, and
 * exits as `aloft run` would have: 0 when it succeeded, 1 when it failed, was
 * aborted or timed out (an execution that has ended is reported at once).
 * Ctrl-C detaches and leaves the execution alone (`aloft abort` aborts it).
 * This is `pyflyte run --remote`'s `--wait` and `flytectl get execution
 * --watch` in one.
 *
 * On the database, an execution that no engine runs any more is refused
 * with the command that continues it (`aloft resume`): following it would
 * wait for ever.
 *
 * @module
 */
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { isExecutionEnded } from "../../phases.js";
import { engineLockHolderOf } from "../../store/open-store.js";
import { aloftNote, type CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { openDatabase, requireExecution } from "../engine/database.js";
import { followExecution } from "../engine/follow.js";
import { remoteClient, remoteError } from "../engine/source.js";
import { executionTitle, planOfSpec, storedPlan } from "../engine/stored-plan.js";
import { dbFlagOf, engineBackend, gateTypesOf, remoteBackend } from "../run/engine-backend.js";
import type { RunBackend, RunHandle } from "../run/modes.js";
import type { PlanInfo } from "../run/plan-info.js";
import { runSession } from "../run/session.js";
import { sourceOptions, type SourceOptionFlags } from "./shared-options.js";

/** What to say when following is left with Ctrl-C. */
function detachLines(id: string, flag: string): string[] {
  return [`follow it again: aloft follow ${id}${flag}`, `abort it: aloft abort ${id}${flag}`];
}

async function followOnDatabase(ctx: CliContext, id: string, flags: SourceOptionFlags): Promise<void> {
  const db = await openDatabase(ctx, flags.db);
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) await db.store.close();
    closed = true;
  };
  try {
    const row = await requireExecution(db, id);
    const plan = await storedPlan(db.store, row);
    const flag = dbFlagOf(db.ref);
    let backend: RunBackend;
    let begin: () => RunHandle | Promise<RunHandle>;
    if (isExecutionEnded(row.phase)) {
      // It has ended: its result is read, nothing runs.
      begin = () => followExecution(db.engine, id, gateTypesOf(plan.gates));
      backend = {
        mode: "engine",
        where: `engine: ${db.ref.shown}`,
        dbFlag: flag,
        lookHint: (x, failed) => `look at it: aloft get ${failed ? "nodes" : "execution"} ${x}${flag}`,
        start: begin,
        close,
      };
    } else {
      if ((await engineLockHolderOf(db.ref.path)) === undefined) {
        throw new UsageError(
          `execution ${id} is ${row.phase}, but no engine runs over ${db.ref.shown}, so nothing advances it (its aloft run was stopped or killed): ` +
            `continue it in place with aloft resume ${id}${flag} (or start aloft serve over the database with its modules)`,
        );
      }
      await close();
      // The engine that runs it is joined through the database (and watched: if it ends, following says how to go on).
      const joined = engineBackend({ ctx, db: db.ref, modules: [], gates: plan.gates, noModules: `no engine runs over ${db.ref.shown} any more: continue execution ${id} with aloft resume ${id}${flag}` });
      backend = joined;
      begin = () => joined.startWith(async () => id);
    }
    const session = { ctx, title: executionTitle(row), plan, backend: { ...backend, detachHint: (x: string) => detachLines(x, flag) }, json: flags.json === true, verbose: flags.verbose === true };
    await runSession(session, begin);
  } finally {
    await close();
  }
}

async function followOnServer(ctx: CliContext, id: string, flags: SourceOptionFlags & { readonly remote: string }): Promise<void> {
  const client = remoteClient(flags);
  let plan: PlanInfo;
  let title: string;
  try {
    const info = await client.getExecution(id);
    plan = planOfSpec((await client.getEntity("workflow", info.workflow)).spec);
    title = executionTitle(info);
  } catch (e) {
    throw remoteError(e);
  }
  const remote = remoteBackend({ remote: flags.remote, gates: plan.gates, log: aloftNote(ctx), ...(flags.token === undefined ? {} : { token: flags.token }) });
  const flag = ` --remote ${client.baseUrl}`;
  const backend: RunBackend = { ...remote, detachHint: (x) => detachLines(x, flag) };
  await runSession({ ctx, title, plan, backend, json: flags.json === true, verbose: flags.verbose === true }, () => remote.startWith(async () => id));
}

/**
 * Adds `aloft follow`.
 *
 * @example
 * ```ts
 * registerFollow(program, ctx); // aloft follow a1b2c3 --remote http://127.0.0.1:8080
 * ```
 */
export function registerFollow(program: Command, ctx: CliContext): void {
  const command = program
    .command("follow")
    .summary(COMMAND_SUMMARIES.follow)
    .description(
      "Follows an execution on the database or a server, whoever started it: the live view while it runs, then its outputs or its error, " +
        "exiting 0 when it succeeded and 1 when it failed, was aborted or timed out. Ctrl-C detaches and leaves the execution running (aloft abort <id> aborts it).",
    )
    .argument("<id>", "the execution's id")
    .option("--json", "print the result as JSON: { id, mode, phase, outputs | error }");
  sourceOptions(command).action(async (id: string, flags: SourceOptionFlags) => {
    ctx.verbose = flags.verbose === true;
    if (flags.remote !== undefined && flags.db !== undefined) throw new UsageError("--db and --remote cannot be given together");
    if (flags.remote !== undefined) return followOnServer(ctx, id, { ...flags, remote: flags.remote });
    return followOnDatabase(ctx, id, flags);
  });
}
