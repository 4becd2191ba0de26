/**
 * The `aloft` command line: the program and its commands, and `runCli`, which
 * parses arguments, runs a command and turns every error into one line and
 * an exit code.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import { ALOFT_VERSION } from "../version.js";
import { COMMAND_SUMMARIES, type CommandName } from "./commands/summaries.js";
import type { CliContext } from "./context.js";
import { ExitCode, describeError, exitCodeOf, verboseError } from "./errors.js";
import type { CliIO } from "./io.js";
import { applyServerDefaults } from "./server-config.js";

/** Adds one module's commands to the program. */
type Register = (program: Command, ctx: CliContext) => void;

/**
 * Each module of commands, and the top-level commands it adds, in the order
 * `aloft --help` lists them. A module is loaded only when one of its commands
 * runs (or its help is asked for): they load the engine, the server and the
 * compiler, and `aloft --help` must answer at once.
 */
const COMMAND_MODULES: readonly { readonly names: readonly CommandName[]; readonly load: () => Promise<Register> }[] = [
  { names: ["run"], load: async () => (await import("./commands/run.js")).registerRun },
  { names: ["get"], load: async () => (await import("./commands/get.js")).registerGet },
  { names: ["abort", "signal", "approve", "reject"], load: async () => (await import("./commands/control.js")).registerControl },
  { names: ["follow"], load: async () => (await import("./commands/follow.js")).registerFollow },
  { names: ["relaunch", "recover", "resume"], load: async () => (await import("./commands/again.js")).registerAgain },
  { names: ["serve"], load: async () => (await import("./commands/serve.js")).registerServe },
  { names: ["logs"], load: async () => (await import("./commands/logs.js")).registerLogs },
  { names: ["worker"], load: async () => (await import("./commands/worker.js")).registerWorker },
  { names: ["register"], load: async () => (await import("./commands/register.js")).registerRegister },
  { names: ["compile"], load: async () => (await import("./commands/compile.js")).registerCompile },
  { names: ["execute"], load: async () => (await import("./commands/execute.js")).registerExecute },
  { names: ["cache"], load: async () => (await import("./commands/cache.js")).registerCache },
  { names: ["schema"], load: async () => (await import("./commands/schema.js")).registerSchema },
];

/** The command an argument list runs: its first word that is not an option (`help run` asks for run's help). */
function commandWord(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith("-"));
  return words[0] === "help" ? words[1] : words[0];
}

/**
 * Builds the `aloft` program; commands write through `ctx.io` and leave their
 * exit code in `ctx.exitCode`. Every command is there: in full when it is in
 * `load` (default: all), else by name and summary only, enough for
 * `aloft --help` and for suggestions after a mistyped command.
 *
 * @example
 * ```ts
 * const ctx = { io: processIO(), exitCode: ExitCode.Ok, verbose: false };
 * await (await buildProgram(ctx)).parseAsync(["run", "flows.ts", "--local"], { from: "user" });
 * ```
 */
export async function buildProgram(ctx: CliContext, load: (name: CommandName) => boolean = () => true): Promise<Command> {
  const program = new Command("aloft")
    .description("Aloft: Flyte's workflow model for TypeScript. Run, inspect, compile and serve tasks, workflows and launch plans.")
    .version(ALOFT_VERSION, "-V, --version", "print Aloft's version")
    .showSuggestionAfterError(true)
    // Options after a command belong to it: `aloft compile --version v1` is the specs' version, not Aloft's.
    .enablePositionalOptions()
    .exitOverride()
    // The list of commands names them; `aloft <command> --help` gives each one's arguments and options.
    .configureHelp({ subcommandTerm: (command) => command.name() })
    .configureOutput({
      writeOut: (s) => void ctx.io.stdout.write(s),
      writeErr: (s) => void ctx.io.stderr.write(s),
    });
  // A server and token the command line leaves out come from $ALOFT_URL/$ALOFT_TOKEN, then aloft.config.json.
  program.hook("preAction", (_program, command) => applyServerDefaults(command, ctx.io.cwd));
  for (const module of COMMAND_MODULES) {
    if (module.names.some(load)) (await module.load())(program, ctx);
    else for (const name of module.names) program.command(name).summary(COMMAND_SUMMARIES[name]);
  }
  // Subcommands are made by `.command()`, after the settings above: give them the same ones.
  const configure = (command: Command): void => {
    command
      .exitOverride()
      .configureHelp({}) // a command's own help lists its subcommands with their arguments (only the top list is names alone)
      .configureOutput({ writeOut: (s) => void ctx.io.stdout.write(s), writeErr: (s) => void ctx.io.stderr.write(s) });
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/**
 * Runs the `aloft` command line and resolves to its exit code: 0 when the
 * command did what it was asked, 1 when a run (or the command's work) failed,
 * 2 when nothing was started (a wrong command line, a file that does not
 * load, a mode that is not available), 3 when the state of what it names
 * refuses it, 4 when another process holds the database or port, 130 when
 * interrupted, 143 when stopped by SIGTERM (`ExitCode`, and the table in the
 * README). Errors are one line on stderr; `--verbose` adds their stacks.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), processIO());
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const ctx: CliContext = { io, exitCode: ExitCode.Ok, verbose: argv.includes("--verbose"), argv };
  const word = commandWord(argv);
  const program = await buildProgram(ctx, (name) => name === word);
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
