/**
 * `aloft relaunch <id>` (a new execution with the same inputs), `aloft
 * recover <id>` (a new execution that reuses the outputs of every task node
 * that succeeded in a failed one and runs only the rest) and `aloft resume
 * <id>` (the same execution, continued in place by an engine started here
 * when none runs it: what a killed `aloft run` left `running`). Like `aloft
 * run`, they follow the execution to its end and print its outputs.
 *
 * On the database, the new execution runs on the engine already running over
 * it, or on the embedded engine started here, whose workers load the modules
 * the original `aloft run` recorded (or those given after the id).
 *
 * @module
 */
import path from "node:path";
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { ExecutionEndedError, ExecutionNotRecoverableError } from "../../engine/errors.js";
import { isExecutionEnded, isExecutionRecoverable } from "../../phases.js";
import type { ExecutionRow, Store } from "../../store/store.js";
import { aloftNote, type CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { databaseRef, requireExecution, withDatabase } from "../engine/database.js";
import { remoteClient, remoteError } from "../engine/source.js";
import { executionTitle, planOfSpec, storedPlan } from "../engine/stored-plan.js";
import { engineBackend, placeSignals, remoteBackend, sendSignals } from "../run/engine-backend.js";
import { storeUploader, uploadBody } from "../inputs/file-inputs.js";
import { parseSignals } from "../run/signals.js";
import type { PlanInfo } from "../run/plan-info.js";
import { runSession } from "../run/session.js";
import { collect, sourceOptions, wholeNumber, type SourceOptionFlags } from "./shared-options.js";

type Again = "relaunch" | "recover" | "resume";

interface AgainFlags extends SourceOptionFlags {
  readonly workers?: number;
  readonly signal?: string[];
}

/**
 * The modules an execution's tasks come from, as `aloft run` recorded them:
 * on the execution, or on the one it relaunched or recovered (and so on).
 *
 * @example
 * ```ts
 * await recordedModules(store, row); // ["/work/flows.ts"]
 * ```
 */
export async function recordedModules(store: Store, row: ExecutionRow): Promise<string[]> {
  let current: ExecutionRow | undefined = row;
  for (let depth = 0; current && depth < 100; depth++) {
    if (current.settings.modules) return [...current.settings.modules];
    const before: string | undefined = current.lineage.relaunchOf ?? current.lineage.recoverOf;
    current = before === undefined ? undefined : await store.getExecution(before);
  }
  return [];
}

function checkRecoverable(kind: Again, id: string, phase: string): void {
  if (kind === "recover" && !isExecutionRecoverable(phase)) {
    const resume = isExecutionEnded(phase) ? "" : `; if no engine runs it any more, aloft resume ${id} continues it in place`;
    throw new ExecutionNotRecoverableError(id, phase, `aloft relaunch ${id} runs it again${resume}`);
  }
  if (kind === "resume" && isExecutionEnded(phase)) {
    const recover = isExecutionRecoverable(phase) ? `; aloft recover ${id} runs what did not succeed` : "";
    throw new ExecutionEndedError(id, phase, `there is nothing to resume (aloft relaunch ${id} runs it again${recover})`);
  }
}

async function againLocally(ctx: CliContext, kind: Again, id: string, given: readonly string[], flags: AgainFlags): Promise<void> {
  const read = await withDatabase(ctx, flags.db, async (db) => {
    const row = await requireExecution(db, id);
    checkRecoverable(kind, id, row.phase);
    return { row, plan: await storedPlan(db.store, row), recorded: await recordedModules(db.store, row) };
  });
  const modules = given.length > 0 ? given : read.recorded;
  const db = databaseRef(ctx, flags.db);
  const backend = engineBackend({
    ctx,
    db,
    modules,
    gates: read.plan.gates,
    noModules: `execution ${id} does not say which modules define its tasks (it was not started by aloft run); give them: aloft ${kind} ${id} <modules...>`,
    ...(flags.workers === undefined ? {} : { workers: flags.workers }),
    ...(flags.json ? { taskStdout: "stderr" as const } : {}),
  });
  const parsed = parseSignals(flags.signal ?? [], read.plan, ctx.io.cwd);
  // Local paths are copied into the engine's blob store, as aloft signal and aloft run do.
  const signals = await placeSignals(parsed, storeUploader(path.join(db.dir, "blobs")), aloftNote(ctx));
  const session = { ctx, title: executionTitle(read.row), plan: read.plan, backend, json: flags.json === true, verbose: flags.verbose === true, given: new Set(Object.keys(signals)) };
  await runSession(session, async () => {
    // Resuming makes no new execution: the engine started here (or the one running) goes on with this one, in place.
    const run = await backend.startWith(async (engine) => (kind === "resume" ? id : kind === "relaunch" ? engine.relaunch(id) : engine.recover(id)));
    await sendSignals(run, signals, read.plan.gates);
    return run;
  });
}

async function againRemotely(ctx: CliContext, kind: Again, id: string, flags: AgainFlags & { readonly remote: string }): Promise<void> {
  let plan: PlanInfo;
  let title: string;
  const client = remoteClient(flags);
  try {
    const info = await client.getExecution(id);
    checkRecoverable(kind, id, info.phase);
    plan = planOfSpec((await client.getEntity("workflow", info.workflow)).spec);
    title = executionTitle(info);
  } catch (e) {
    throw remoteError(e);
  }
  const backend = remoteBackend({ remote: flags.remote, gates: plan.gates, log: aloftNote(ctx), ...(flags.token === undefined ? {} : { token: flags.token }) });
  let signals: Record<string, unknown>;
  try {
    signals = await placeSignals(parseSignals(flags.signal ?? [], plan, ctx.io.cwd), async (local, kind, name) => (await client.upload(name, kind, uploadBody(local, kind))).uri, aloftNote(ctx));
  } catch (e) {
    throw remoteError(e);
  }
  const session = { ctx, title, plan, backend, json: flags.json === true, verbose: flags.verbose === true, given: new Set(Object.keys(signals)) };
  await runSession(session, async () => {
    const run = await backend.startWith(async (c) => (kind === "resume" ? id : (kind === "relaunch" ? await c.relaunch(id) : await c.recover(id)).id));
    await sendSignals(run, signals, plan.gates);
    return run;
  });
}

function register(program: Command, ctx: CliContext, kind: Again, summary: string): void {
  const which = kind === "resume" ? "the execution" : "the new execution";
  const command = program
    .command(kind)
    .summary(summary)
    .description(
      `${summary[0]?.toUpperCase() ?? ""}${summary.slice(1)}, then follows ${which} as aloft run does. ` +
        "On the database, it runs on the engine already running over it, or on one started here whose workers load the modules " +
        "the original aloft run recorded (or those given after the id).",
    )
    .argument("<id>", "the execution's id")
    .argument("[modules...]", "the modules that define its tasks (default: those its aloft run recorded)")
    .option("--workers <n>", "task attempts the engine's workers run at once", wholeNumber(1))
    .option("--signal <name=value>", "a gate's value, given up front (repeatable); --signal publish=true approves", collect)
    .option("--json", "print the result as JSON: { id, mode, phase, outputs | error }");
  sourceOptions(command).action(async (id: string, modules: string[], flags: AgainFlags) => {
    ctx.verbose = flags.verbose === true;
    if (flags.remote !== undefined && flags.db !== undefined) throw new UsageError("--db and --remote cannot be given together");
    if (flags.remote !== undefined) {
      if (modules.length > 0) throw new UsageError(`a server runs what its own modules registered; give no modules with --remote (got ${modules.join(", ")})`);
      return againRemotely(ctx, kind, id, { ...flags, remote: flags.remote });
    }
    return againLocally(ctx, kind, id, modules.map((m) => path.resolve(ctx.io.cwd, m)), flags);
  });
}

/**
 * Adds `aloft relaunch`, `aloft recover` and `aloft resume`.
 *
 * @example
 * ```ts
 * registerAgain(program, ctx); // aloft recover a1b2c3
 * ```
 */
export function registerAgain(program: Command, ctx: CliContext): void {
  register(program, ctx, "relaunch", COMMAND_SUMMARIES.relaunch);
  register(program, ctx, "recover", COMMAND_SUMMARIES.recover);
  register(program, ctx, "resume", COMMAND_SUMMARIES.resume);
}
