/**
 * `aloft logs <id> <node>`: what a node's task wrote to stdout and stderr,
 * attempt by attempt, from the logs the workers keep beside the database
 * (`.aloft/logs`) or from a server (`--remote`). Each attempt starts with a
 * header line on stderr (attempt, outcome, error, duration); what the task
 * wrote to stdout goes to stdout and what it wrote to stderr to stderr.
 *
 * @module
 */
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import type { NodeLogs } from "../../server/schemas.js";
import { nodeLogsOf } from "../../server/routes-logs.js";
import { attemptLogsOf } from "../../store/open-store.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { UsageError } from "../errors.js";
import { requireExecution, withDatabase } from "../engine/database.js";
import { remoteClient, remoteError } from "../engine/source.js";
import { jsonText } from "../run/report.js";
import { sourceOptions, wholeNumber, type SourceOptionFlags } from "./shared-options.js";

interface LogsFlags extends SourceOptionFlags {
  readonly attempt?: number;
}

async function read(ctx: CliContext, id: string, node: string, flags: LogsFlags): Promise<NodeLogs> {
  if (flags.remote !== undefined && flags.db !== undefined) throw new UsageError("--db and --remote cannot be given together");
  if (flags.remote !== undefined) {
    const client = remoteClient({ remote: flags.remote, ...(flags.token === undefined ? {} : { token: flags.token }) });
    try {
      await client.getExecution(id);
      return { items: await client.nodeLogs(id, node) };
    } catch (e) {
      throw remoteError(e);
    }
  }
  return withDatabase(ctx, flags.db, async (db) => {
    await requireExecution(db, id);
    return nodeLogsOf(await attemptLogsOf(db.store, db.ref.dir).records(id, node));
  });
}

/**
 * Adds `aloft logs`.
 *
 * @example
 * ```ts
 * registerLogs(program, ctx); // aloft logs a1b2c3 n1 --attempt 2
 * ```
 */
export function registerLogs(program: Command, ctx: CliContext): void {
  const command = program
    .command("logs")
    .summary(COMMAND_SUMMARIES.logs)
    .description(
      "Prints what the task of node <node> (its path, as aloft get nodes shows it: n1, n2/n0, n3[17]) wrote during each attempt: its stdout to stdout, " +
        "its stderr to stderr, each attempt after a header line on stderr. Reads the logs the workers keep beside the database (--db), or a server's (--remote).",
    )
    .argument("<id>", "the execution's id")
    .argument("<node>", "the node's path")
    .option("--attempt <n>", "only this attempt (1 is the first)", wholeNumber(1))
    .option("--json", "print the attempts and their lines as JSON");
  sourceOptions(command).action(async (id: string, node: string, flags: LogsFlags) => {
    ctx.verbose = flags.verbose === true;
    const logs = await read(ctx, id, node, flags);
    const items = flags.attempt === undefined ? logs.items : logs.items.filter((a) => a.attempt === flags.attempt);
    if (flags.json) return printLines(ctx, [jsonText({ items }, 2)]);
    if (logs.items.length === 0) throw new UsageError(`no logs for node ${JSON.stringify(node)} of execution ${id}: it ran no task attempt here (aloft get nodes ${id} lists its nodes)`);
    if (items.length === 0) throw new UsageError(`node ${node} of execution ${id} has no attempt ${String(flags.attempt)} (attempts: ${[...new Set(logs.items.map((a) => a.attempt))].join(", ")})`);
    for (const a of items) {
      const ms = Date.parse(a.endedAt) - Date.parse(a.startedAt);
      const lost = a.systemAttempt > 0 ? ` (after ${a.systemAttempt} lost lease${a.systemAttempt === 1 ? "" : "s"})` : "";
      ctx.io.stderr.write(`── ${a.path} attempt ${a.attempt}${lost}: ${a.outcome}${a.error ? `: ${a.error}` : ""} · ${ms} ms · ${a.workerId}\n`);
      for (const l of a.lines) (l.stream === "stderr" ? ctx.io.stderr : ctx.io.stdout).write(l.text);
      if (a.droppedBytes > 0) ctx.io.stderr.write(`── ${a.droppedBytes} more bytes were written and not kept (1 MiB is kept per attempt)\n`);
    }
  });
}
