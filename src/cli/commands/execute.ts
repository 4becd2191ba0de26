/**
 * `aloft execute --inputs … --output-prefix … [--raw-output-data-prefix …]
 * [--checkpoint-path …] [--prev-checkpoint …] [--map [--bound a,b]] --
 * <module> <task>`: the command a compiled task's container runs on a Flyte
 * cluster, with the arguments of flytekit's `pyflyte-execute`. It writes
 * `outputs.pb`, `futures.pb` or `error.pb` under the output prefix and exits
 * 0 either way (propeller reads `error.pb`), as `pyflyte-execute` does.
 *
 * @module
 */
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { executeTask } from "../../flyte/execute.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { UsageError } from "../errors.js";

interface ExecuteFlags {
  readonly inputs: string;
  readonly outputPrefix: string;
  readonly rawOutputDataPrefix?: string;
  readonly checkpointPath?: string;
  readonly prevCheckpoint?: string;
  readonly map?: boolean;
  readonly bound?: string;
  readonly verbose?: boolean;
}

/**
 * Adds `aloft execute`.
 *
 * @example
 * ```ts
 * registerExecute(program, ctx); // aloft execute --inputs in/inputs.pb --output-prefix out -- flows.ts slope
 * ```
 */
export function registerExecute(program: Command, ctx: CliContext): void {
  program
    .command("execute")
    .summary(COMMAND_SUMMARIES.execute)
    .description(
      "Reads --inputs (a flyteidl LiteralMap), runs the task <task> that <module> defines, and writes outputs.pb " +
        "(or futures.pb for a dynamic workflow, or error.pb when it fails) under --output-prefix. Locations are file:// URIs, " +
        "plain paths or s3:// URIs. With --map, runs the element of a map task given by $BATCH_JOB_ARRAY_INDEX_VAR_NAME " +
        "and $BATCH_JOB_ARRAY_INDEX_OFFSET. Exits 0 once a result or an error document is written.",
    )
    .argument("<module>", "the module that defines the task, relative to the working directory")
    .argument("<task>", "the task's name")
    .requiredOption("--inputs <location>", "the inputs.pb to read ({{.input}})")
    .requiredOption("--output-prefix <location>", "where to write outputs.pb, futures.pb or error.pb ({{.outputPrefix}})")
    .option("--raw-output-data-prefix <location>", "where the task's files go ({{.rawOutputDataPrefix}})")
    .option("--checkpoint-path <location>", "accepted for Flyte's command line ({{.checkpointOutputPrefix}})")
    .option("--prev-checkpoint <location>", "accepted for Flyte's command line ({{.prevCheckpointPrefix}})")
    .option("--map", "run one element of a map task")
    .option("--bound <names>", "with --map: the inputs every element gets whole, comma-separated")
    .option("--verbose", "report errors with their stacks")
    .action(async (module: string, taskName: string, flags: ExecuteFlags) => {
      ctx.verbose = flags.verbose === true;
      if (flags.bound !== undefined && flags.map !== true) throw new UsageError("--bound names the bound inputs of a map task; give --map too");
      const bound = (flags.bound ?? "").split(",").filter((s) => s !== "");
      const outcome = await executeTask(
        {
          inputs: flags.inputs,
          outputPrefix: flags.outputPrefix,
          module,
          task: taskName,
          ...(flags.rawOutputDataPrefix === undefined ? {} : { rawOutputDataPrefix: flags.rawOutputDataPrefix }),
          ...(flags.checkpointPath === undefined ? {} : { checkpointPath: flags.checkpointPath }),
          ...(flags.prevCheckpoint === undefined ? {} : { prevCheckpoint: flags.prevCheckpoint }),
          ...(flags.map === true ? { map: { bound } } : {}),
        },
        { cwd: ctx.io.cwd },
      );
      if (outcome.kind === "error") {
        ctx.io.stderr.write(`task ${JSON.stringify(taskName)} failed (${outcome.code}, ${outcome.errorKind}, origin ${outcome.origin}); wrote ${outcome.location}\n${outcome.message}\n`);
      } else printLines(ctx, [`wrote ${outcome.location}`]);
    });
}
