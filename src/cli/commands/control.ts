/**
 * `aloft abort <id>`, `aloft signal <id> <name> <value>`, `aloft approve <id>
 * <name>` and `aloft reject <id> <name>`: requests to a running execution.
 *
 * On the database, a request is stored for the engine that runs the
 * execution (the `aloft run` that started it, `aloft serve`, an engine
 * process), and the command waits a moment for it to take effect. When no
 * engine runs over the database, an abort is applied here (so an execution
 * whose engine died can be ended, then recovered); a signal waits in the
 * database for the next engine. With `--remote`, the server does it all.
 *
 * Gates: `aloft signal <id> <name> <value>` answers any gate, its value parsed
 * by the gate's type (`true` or `false` for an approval); `approve` and
 * `reject` are the plain forms for approvals.
 *
 * @module
 */
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { ExecutionEndedError, InvalidSignalValueError, UnknownGateError } from "../../engine/errors.js";
import { ClientError, type AloftClient } from "../../client/client.js";
import type { WorkflowSpec } from "../../idl/specs.js";
import { specGates } from "../../rules/gates.js";
import { describeType } from "../../types/describe.js";
import { isExecutionEnded } from "../../phases.js";
import type { EntityKey, ExecutionRow } from "../../store/store.js";
import { describeHolder } from "../../store/sqlite/engine-lock.js";
import { engineLockHolderOf } from "../../store/open-store.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { UsageError } from "../errors.js";
import { existingDatabase, requireExecution, withDatabase, type OpenDatabase } from "../engine/database.js";
import { engineFor } from "../engine/setup.js";
import { remoteClient, remoteError } from "../engine/source.js";
import path from "node:path";
import { storeUploader, uploadBody, uploadLocalInputs, valueFromText } from "../inputs/file-inputs.js";
import type { GateInfo } from "../run/plan-info.js";
import { sourceOptions, type SourceOptionFlags } from "./shared-options.js";

/** How long a command waits for the engine to apply its request. */
const SETTLE_MS = 10_000;

interface ControlFlags extends SourceOptionFlags {
  readonly reason?: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `done` every 50 ms for up to `ms`; true once it holds. */
async function settle(done: () => Promise<boolean>, ms = SETTLE_MS): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= end) return false;
    await sleep(50);
  }
}

function ended(id: string, row: ExecutionRow, what: string): ExecutionEndedError {
  return new ExecutionEndedError(id, row.phase, what);
}

// ---- gates ------------------------------------------------------------------------

/** An execution's gates, by name. */
type Gates = ReadonlyMap<string, GateInfo>;

/** A gate's answer, parsed by the gate's type. */
interface Answer {
  readonly gate: GateInfo;
  readonly value: unknown;
}

/**
 * Parses the value given to gate `name` by the type it waits for (`true` or
 * `false` for an approval; for a file, directory or dataframe, a local path
 * relative to `cwd` or a URI, inside a list or map as JSON).
 *
 * @throws UnknownGateError for a gate the execution does not have; InvalidSignalValueError for a value of the wrong type.
 *
 * @example
 * ```ts
 * parseAnswer("a1b2", gates, "factor", "21"); // { gate: { name: "factor", kind: "signal", ... }, value: 21 }
 * ```
 */
export function parseAnswer(id: string, gates: Gates, name: string, text: string, cwd = process.cwd()): Answer {
  const gate = gates.get(name);
  if (!gate) throw UnknownGateError.of(id, name, [...gates.keys()]);
  const parsed = valueFromText(text, gate.type, cwd);
  if (!parsed.ok) {
    const what = gate.kind === "approve" ? "an approval (true or false)" : describeType(gate.type);
    throw new InvalidSignalValueError(`gate ${JSON.stringify(name)} of execution ${id} expects ${what}: ${parsed.problem}`, id, name);
  }
  return { gate, value: parsed.value };
}

function answered(answer: Answer): string {
  if (answer.gate.kind === "approve") return `${answer.value === true ? "approved" : "rejected"} ${JSON.stringify(answer.gate.name)}`;
  return `gave ${JSON.stringify(answer.gate.name)} the value ${JSON.stringify(answer.value)}`;
}

/** A signal's local paths put where the execution's engine reads them (the same copy or upload as `aloft run`'s inputs), said on stderr. */
async function placeFiles(ctx: CliContext, answer: Answer, upload: Parameters<typeof uploadLocalInputs>[1]): Promise<Answer> {
  const placed = await uploadLocalInputs({ [answer.gate.name]: answer.value }, upload, "signal");
  for (const note of placed.notes) ctx.io.stderr.write(`aloft: ${note}\n`);
  return { ...answer, value: placed.inputs[answer.gate.name] };
}

async function gateWaits(db: OpenDatabase, id: string, name: string): Promise<boolean> {
  const row = await db.store.getExecution(id);
  if (!row || isExecutionEnded(row.phase)) return false;
  return (await db.store.listNodes(id)).some((n) => n.phase === "waiting" && n.data.kind === "gate" && ((n.data.gate === "signal" && n.data.signal === name) || (n.data.gate === "approve" && n.data.approve === name)));
}

async function answerLocally(ctx: CliContext, flags: ControlFlags, id: string, name: string, text: string | undefined, approve?: boolean): Promise<void> {
  await withDatabase(ctx, flags.db, async (db) => {
    const row = await requireExecution(db, id);
    if (isExecutionEnded(row.phase)) throw ended(id, row, "its gates take no more answers");
    // The engine's gates: those of the workflow and those the dynamic nodes built so far.
    const gates = await db.engine.gates(row);
    const parsed = approve === undefined ? parseAnswer(id, gates, name, text ?? "", ctx.io.cwd) : approval(id, gates, name, approve);
    const answer = await placeFiles(ctx, parsed, storeUploader(path.join(db.ref.dir, "blobs")));
    const before = await gateWaits(db, id, name);
    if (answer.gate.kind === "signal") await db.engine.signal(id, name, answer.value);
    else if (answer.value === true) await db.engine.approve(id, name);
    else await db.engine.reject(id, name, flags.reason ?? "rejected from the command line");
    const holder = await engineLockHolderOf(db.ref.path);
    if (!holder) {
      printLines(ctx, [`${answered(answer)} for execution ${id}; no engine runs over ${db.ref.shown} now, so it takes effect when one does`]);
      return;
    }
    const took = await settle(async () => !(await gateWaits(db, id, name)));
    const when = before ? "" : " (it is kept until the gate is reached)";
    printLines(ctx, [took || !before ? `${answered(answer)} for execution ${id}${when}` : `${answered(answer)} for execution ${id}; the engine (${describeHolder(holder)}) has not applied it yet`]);
  });
}

function approval(id: string, gates: Gates, name: string, approve: boolean): Answer {
  const gate = gates.get(name);
  if (!gate || gate.kind !== "approve") {
    const approvals = [...gates.values()].filter((g) => g.kind === "approve").map((g) => g.name);
    throw UnknownGateError.notApproval(id, name, approvals, gate !== undefined, `aloft signal ${id} ${name} <value>`);
  }
  return { gate, value: approve };
}

/** The gates of an execution on a server: its workflow's, and those its dynamic nodes built so far (`rules/gates.ts`). */
async function remoteGates(client: AloftClient, id: string, workflow: EntityKey): Promise<Gates> {
  const specs: WorkflowSpec[] = [(await client.getEntity("workflow", workflow)).spec as WorkflowSpec];
  for (const n of await client.listNodes(id)) {
    if (n.kind !== "dynamic") continue;
    try {
      specs.push((await client.getDynamicWorkflow(id, n.path)).workflow as WorkflowSpec);
    } catch (e) {
      // A dynamic node that has not built its workflow yet has no gates yet.
      if (!(e instanceof ClientError && e.status === 404)) throw e;
    }
  }
  return specGates(specs);
}

async function answerRemotely(ctx: CliContext, flags: ControlFlags & { readonly remote: string }, id: string, name: string, text: string | undefined, approve?: boolean): Promise<void> {
  const client = remoteClient(flags);
  try {
    const info = await client.getExecution(id);
    // As on the database: an ended execution is said to have ended (exit 3), before its gates are looked at.
    if (isExecutionEnded(info.phase)) throw new ExecutionEndedError(id, info.phase, "its gates take no more answers");
    const gates = await remoteGates(client, id, info.workflow);
    const parsed = approve === undefined ? parseAnswer(id, gates, name, text ?? "", ctx.io.cwd) : approval(id, gates, name, approve);
    const answer = await placeFiles(ctx, parsed, async (local, kind, file) => (await client.upload(file, kind, uploadBody(local, kind))).uri);
    if (answer.gate.kind === "signal") await client.signal(id, name, JSON.parse(JSON.stringify(answer.value)) as unknown);
    else if (answer.value === true) await client.approve(id, name);
    else await client.reject(id, name, flags.reason ?? "rejected from the command line");
    printLines(ctx, [`${answered(answer)} for execution ${id}`]);
  } catch (e) {
    throw remoteError(e);
  }
}

async function answerGate(ctx: CliContext, flags: ControlFlags, id: string, name: string, text: string | undefined, approve?: boolean): Promise<void> {
  ctx.verbose = flags.verbose === true;
  if (flags.remote !== undefined && flags.db !== undefined) throw new UsageError("--db and --remote cannot be given together");
  if (flags.remote !== undefined) return answerRemotely(ctx, { ...flags, remote: flags.remote }, id, name, text, approve);
  return answerLocally(ctx, flags, id, name, text, approve);
}

// ---- abort ---------------------------------------------------------------------------

async function abortLocally(ctx: CliContext, flags: ControlFlags, id: string): Promise<void> {
  const ref = existingDatabase(ctx, flags.db);
  await withDatabase(ctx, flags.db, async (db) => {
    const row = await requireExecution(db, id);
    if (isExecutionEnded(row.phase)) throw ended(id, row, "there is nothing to abort");
  });
  // Applied by the engine that runs the execution, or, when none runs, by one started here (without workers).
  const setup = await engineFor({ db: ref, cwd: ctx.io.cwd, modules: [], workers: 0, log: (line) => void ctx.io.stderr.write(`aloft: ${line}\n`) });
  try {
    const reason = flags.reason ?? "aborted from the command line";
    await setup.engine.abort(id, reason);
    const took = await settle(async () => isExecutionEnded((await setup.engine.store.getExecution(id))?.phase ?? "aborted"));
    if (took) printLines(ctx, [`aborted execution ${id}: ${reason}`]);
    else printLines(ctx, [`asked to abort execution ${id}; the engine (${setup.holder ? describeHolder(setup.holder) : "this one"}) has not applied it yet`]);
  } finally {
    await setup.stop();
  }
}

async function abortRemotely(ctx: CliContext, flags: ControlFlags & { readonly remote: string }, id: string): Promise<void> {
  const client = remoteClient(flags);
  try {
    await client.abort(id, flags.reason);
    const took = await settle(async () => isExecutionEnded((await client.getExecution(id)).phase));
    printLines(ctx, [took ? `aborted execution ${id}` : `asked ${client.baseUrl} to abort execution ${id}; it has not ended yet`]);
  } catch (e) {
    throw remoteError(e);
  }
}

// ---- the commands ----------------------------------------------------------------------

/**
 * Adds `aloft abort`, `aloft signal`, `aloft approve` and `aloft reject`.
 *
 * @example
 * ```ts
 * registerControl(program, ctx); // aloft signal a1b2 factor 21; aloft approve a1b2 publish
 * ```
 */
export function registerControl(program: Command, ctx: CliContext): void {
  const abort = program
    .command("abort")
    .summary(COMMAND_SUMMARIES.abort)
    .argument("<id>", "the execution's id")
    .option("--reason <text>", "why (kept with the execution)");
  sourceOptions(abort).action(async (id: string, flags: ControlFlags) => {
    ctx.verbose = flags.verbose === true;
    if (flags.remote !== undefined && flags.db !== undefined) throw new UsageError("--db and --remote cannot be given together");
    if (flags.remote !== undefined) return abortRemotely(ctx, { ...flags, remote: flags.remote }, id);
    return abortLocally(ctx, flags, id);
  });

  const signal = program
    .command("signal")
    .summary(COMMAND_SUMMARIES.signal)
    .description("Answers a gate: the value is parsed by the type the gate waits for; for an approval gate, true approves and false rejects.")
    .argument("<id>", "the execution's id")
    .argument("<name>", "the gate's signal name")
    .argument("<value>", "the value, as on the command line of aloft run (JSON for lists, maps and structs)");
  sourceOptions(signal).action(async (id: string, name: string, value: string, flags: ControlFlags) => answerGate(ctx, flags, id, name, value));

  const approve = program.command("approve").summary(COMMAND_SUMMARIES.approve).argument("<id>", "the execution's id").argument("<name>", "the approval's name");
  sourceOptions(approve).action(async (id: string, name: string, flags: ControlFlags) => answerGate(ctx, flags, id, name, undefined, true));

  const reject = program
    .command("reject")
    .summary(COMMAND_SUMMARIES.reject)
    .argument("<id>", "the execution's id")
    .argument("<name>", "the approval's name")
    .option("--reason <text>", "why (the execution's error says it)");
  sourceOptions(reject).action(async (id: string, name: string, flags: ControlFlags) => answerGate(ctx, flags, id, name, undefined, false));
}
