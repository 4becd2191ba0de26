/**
 * The `aloft` command line: the program and its commands, and `runCli`, which
 * parses arguments, runs a command and turns every error into one line and
 * an exit code.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import "../index.js"; // installs the local runner that entity.start() uses
import { ALOFT_VERSION } from "../version.js";
import { registerAgain } from "./commands/again.js";
import { registerCache } from "./commands/cache.js";
import { registerCompile } from "./commands/compile.js";
import { registerExecute } from "./commands/execute.js";
import { registerControl } from "./commands/control.js";
import { registerGet } from "./commands/get.js";
import { registerFollow } from "./commands/follow.js";
import { registerRegister } from "./commands/register.js";
import { registerRun } from "./commands/run.js";
import { registerSchema } from "./commands/schema.js";
import { registerServe } from "./commands/serve.js";
import { registerLogs } from "./commands/logs.js";
import { registerWorker } from "./commands/worker.js";
import type { CliContext } from "./context.js";
import { ExitCode, describeError, exitCodeOf, verboseError } from "./errors.js";
import type { CliIO } from "./io.js";

/**
 * Builds the `aloft` program; commands write through `ctx.io` and leave their
 * exit code in `ctx.exitCode`.
 *
 * @example
 * ```ts
 * const ctx = { io: processIO(), exitCode: ExitCode.Ok, verbose: false };
 * await buildProgram(ctx).parseAsync(["run", "flows.ts", "--local"], { from: "user" });
 * ```
 */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command("aloft")
    .description("Aloft: Flyte's workflow model for TypeScript. Run, inspect, compile and serve tasks, workflows and launch plans.")
    .version(ALOFT_VERSION, "-V, --version", "print Aloft's version")
    .showSuggestionAfterError(true)
    // Options after a command belong to it: `aloft compile --version v1` is the specs' version, not Aloft's.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void ctx.io.stdout.write(s),
      writeErr: (s) => void ctx.io.stderr.write(s),
    });
  registerRun(program, ctx);
  registerGet(program, ctx);
  registerControl(program, ctx);
  registerFollow(program, ctx);
  registerAgain(program, ctx);
  registerServe(program, ctx);
  registerLogs(program, ctx);
  registerWorker(program, ctx);
  registerRegister(program, ctx);
  registerCompile(program, ctx);
  registerExecute(program, ctx);
  registerCache(program, ctx);
  registerSchema(program, ctx);
  // Subcommands are made by `.command()`, after the settings above: give them the same ones.
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (s) => void ctx.io.stdout.write(s), writeErr: (s) => void ctx.io.stderr.write(s) });
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/**
 * Runs the `aloft` command line and resolves to its exit code: 0 when the
 * command did what it was asked, 1 when a run (or the command's work) failed,
 * 2 when nothing was started (a wrong command line, a file that does not
 * load, a mode that is not available), 130 when interrupted. Errors are one
 * line on stderr; `--verbose` adds their stacks.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), processIO());
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const ctx: CliContext = { io, exitCode: ExitCode.Ok, verbose: argv.includes("--verbose") };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ctx.exitCode;
  } catch (e) {
    // Commander has written its own message (or the help, or the version) already.
    if (e instanceof CommanderError) return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    io.stderr.write(`error: ${describeError(e)}\n`);
    if (ctx.verbose) io.stderr.write(`${verboseError(e)}\n`);
    return exitCodeOf(e);
  }
}
