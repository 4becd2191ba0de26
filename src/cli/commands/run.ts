/**
 * `aloft run <file> [entity] --<input> <value> ...`: runs a task, workflow or
 * launch plan from a module, shows its progress on a terminal, and prints its
 * outputs (or, with `--json`, a JSON report) and its run id.
 *
 * @module
 */
import path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { MODULE_KINDS } from "../load/module-kinds.js";
import { describeEntity } from "../../sdk/entity.js";
import type { RunOptions } from "../../sdk/runner-port.js";
import type { CliContext } from "../context.js";
import { aloftNote, printLines } from "../context.js";
import { UsageError } from "../errors.js";
import { databaseRef } from "../engine/database.js";
import { inputsFromFlags, splitEntityArgs } from "../inputs/input-args.js";
import { readInputsFile } from "../inputs/inputs-file.js";
import { describeFound, entitiesOf, selectEntity, type FoundEntity } from "../load/entities.js";
import { isSpecSource, loadSpecSources, specEntity } from "../specs/load-specs.js";
import { loadModule } from "../load/load-module.js";
import { entityHelp } from "../run/entity-help.js";
import { backendFor, chooseRunMode } from "../run/modes.js";
import { planInfo, type PlanInfo } from "../run/plan-info.js";
import { runSession } from "../run/session.js";
import { parseSignals } from "../run/signals.js";

/** The CLI's own flags of `aloft run`; everything else belongs to the entity. */
interface RunFlags {
  readonly local?: boolean;
  readonly remote?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
  readonly signal?: string[];
  readonly cacheDir?: string;
  readonly overwriteCache?: boolean;
  readonly maxParallelism?: number;
  readonly db?: string;
  readonly workers?: number;
  readonly token?: string;
  readonly tasks?: string[];
  readonly detach?: boolean;
  readonly inputsFile?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return Number(value);
}

function runOptions(ctx: CliContext, flags: RunFlags, signals: Record<string, unknown>): RunOptions {
  return {
    signals,
    prompt: ctx.io.interactive,
    ...(flags.cacheDir === undefined ? {} : { cacheDir: path.resolve(ctx.io.cwd, flags.cacheDir) }),
    ...(flags.overwriteCache ? { overwriteCache: true } : {}),
    ...(flags.maxParallelism === undefined ? {} : { maxParallelism: flags.maxParallelism }),
  };
}

/**
 * The operands commander passed on, with the `--` it took out put back: after
 * it, every `--name` is an input (`aloft run f.ts wf --local -- --help 3`), but
 * commander drops a `--` that follows one of its own options.
 */
function withSeparator(argv: readonly string[] | undefined, operands: readonly string[]): string[] {
  const at = argv?.indexOf("--") ?? -1;
  if (argv === undefined || at < 0 || operands.includes("--")) return [...operands];
  const literal = Math.min(argv.length - at - 1, operands.length);
  return [...operands.slice(0, operands.length - literal), "--", ...operands.slice(operands.length - literal)];
}

async function runAction(ctx: CliContext, command: Command, fileArg: string | undefined, rest: readonly string[], given: RunFlags): Promise<void> {
  let flags = given;
  ctx.verbose = flags.verbose === true;
  // Commander puts an unknown option first when no file precedes it (`aloft run --help`).
  const file = fileArg !== undefined && !fileArg.startsWith("-") ? fileArg : undefined;
  const operands = withSeparator(ctx.argv, fileArg === undefined ? rest : [fileArg, ...rest]);
  const args = splitEntityArgs(file === undefined ? operands : operands.slice(1));
  if (file === undefined) {
    if (args.help) {
      ctx.io.stdout.write(command.helpInformation());
      return;
    }
    throw new UsageError("aloft run needs a file: aloft run <file> [entity] --<input> <value> ... (aloft run --help)");
  }
  const mode = chooseRunMode(flags);
  const taskModules = flags.tasks ?? [];
  // flytectl's --execFile shape: its inputs (the command line wins), and the entity when the command line names none.
  const inputsFile = flags.inputsFile === undefined ? undefined : readInputsFile(flags.inputsFile, ctx.io.cwd);
  const entityName = args.entity ?? inputsFile?.entity;
  let found: FoundEntity;
  if (taskModules.length > 0 || isSpecSource(file)) {
    // aloft run <specs> <entity> --tasks <module>: a workflow from text, its tasks from the modules
    const [loaded] = await loadSpecSources([file], taskModules, ctx.io.cwd);
    found = specEntity(loaded!, entityName);
  } else {
    const mod = await loadModule(file, ctx.io.cwd);
    const entities = entitiesOf(mod);
    if (args.help && entityName === undefined && entities.filter((f) => f.def.kind === "workflow").length !== 1) {
      printLines(ctx, [`Usage: aloft run ${file} <entity> [inputs] [options]`, "", `${file} exports:`, ...entities.map((f) => `  ${describeFound(f)}`)]);
      return;
    }
    found = selectEntity(mod, entities, entityName);
  }
  if (args.help) {
    let plan: PlanInfo | undefined;
    try {
      plan = planInfo(found);
    } catch {
      plan = undefined; // the help still lists inputs and outputs
    }
    printLines(ctx, entityHelp(file, found, plan));
    return;
  }
  const inputs = inputsFromFlags(found, args.flags, ctx.io.cwd, inputsFile);
  if (inputsFile?.overwriteCache) flags = { ...flags, overwriteCache: true };
  const plan = planInfo(found);
  const signals = parseSignals(flags.signal ?? [], plan, ctx.io.cwd);
  if (mode !== "engine" && (flags.db !== undefined || flags.workers !== undefined)) throw new UsageError(`--db and --workers are for runs on the engine, not with --${mode}`);
  const version = inputsFile?.version === undefined ? undefined : { value: inputsFile.version.value, where: `${inputsFile.file}:${inputsFile.version.line}` };
  if (version !== undefined && mode === "local") {
    throw new UsageError(`${version.where}: version ${JSON.stringify(version.value)} names a registered version; --local runs the code in process (run on the engine, or with --remote on a server that registered it)`);
  }
  const backend = backendFor(mode, {
    ...(flags.remote === undefined
      ? {}
      : { remote: { remote: flags.remote, gates: plan.gates, log: aloftNote(ctx), ...(flags.token === undefined ? {} : { token: flags.token }), ...(version === undefined ? {} : { version: version.value }) } }),
    engine: { ctx, db: databaseRef(ctx, flags.db), modules: taskModules.length > 0 ? taskModules : [file], gates: plan.gates, ...(flags.workers === undefined ? {} : { workers: flags.workers }), ...(flags.json ? { taskStdout: "stderr" as const } : {}), ...(version === undefined ? {} : { version }) },
  });
  if (flags.detach) {
    if (mode !== "remote") throw new UsageError("--detach is for runs on a server (--remote URL): on the embedded engine nothing would run the execution once this command ends (serve it with aloft serve, then run with --remote)");
    // As pyflyte run --remote: start the execution, say its id, and leave it to the server.
    const started = await backend.start(found, inputs, runOptions(ctx, flags, signals));
    await backend.close?.();
    if (flags.json) printLines(ctx, [JSON.stringify({ id: started.id, mode, phase: "started" })]);
    else printLines(ctx, [started.id]);
    for (const line of backend.detachHint?.(started.id) ?? []) ctx.io.stderr.write(`aloft: ${line}\n`);
    return;
  }
  const session = { ctx, title: describeEntity(found.def), plan, backend, json: flags.json === true, verbose: flags.verbose === true, given: new Set(Object.keys(signals)) };
  await runSession(session, () => backend.start(found, inputs, runOptions(ctx, flags, signals)));
}

/**
 * Adds `aloft run`.
 *
 * @example
 * ```ts
 * registerRun(program, ctx); // aloft run examples/imperative.ts --x '[-3,0,3]' --y '[7,4,-2]' --local
 * ```
 */
export function registerRun(program: Command, ctx: CliContext): void {
  const command = program
    .command("run")
    .summary(COMMAND_SUMMARIES.run)
    .description(
      "Runs an entity a module exports: the one named (an export name or a registered name), or the file's only workflow. " +
        "Inputs are given as --<input> <value> and parsed by their declared types; `aloft run <file> [entity] --help` lists them. " +
        "Runs on the embedded durable engine in ./.aloft/ by default (the execution is kept: aloft get execution <id>), " +
        "in process with --local, or on a server with --remote. When an engine already runs over the database, the run goes to it.",
    )
    .usage("<file> [entity] [--<input> <value> ...] [options]")
    .argument("[file]", `a ${MODULE_KINDS} module; or specs (a pyflyte-package folder or .tgz, a flyteidl .pb, JSON or YAML, an Aloft pipeline or Argo workflow file) with --tasks`)
    .argument("[entity-and-inputs...]", "the entity, then its inputs")
    .option("--tasks <module>", "with specs: a module exporting the TypeScript tasks the specs reference, bound by name (repeatable)", collect)
    .option("--local", "run in process, in this command")
    .option("--remote <url>", "run on an Aloft server (aloft serve), which runs what its modules registered (default: $ALOFT_URL, or \"url\" in aloft.config.json, unless --local or --db)")
    .option("--token <token>", "the server's bearer token (default: $ALOFT_TOKEN, or \"token\" in aloft.config.json)")
    .option("--db <path|url>", "the engine's database: a SQLite file (default: .aloft/aloft.db) or postgres://...")
    .option("--workers <n>", "task attempts the engine's workers run at once (default: the number of CPUs, at most 4)", positiveInt)
    .option("--inputs-file <file>", "inputs from a YAML or JSON file, as flytectl create execution --execFile takes it (inputs: ...); --<input> flags win over it")
    .option("--detach", "with --remote: print the execution's id as soon as it is started, and leave it to the server (aloft follow <id> follows it)")
    .option("--json", "print the result as JSON: { id, mode, phase, outputs | error }")
    .option("--verbose", "report errors with their stacks")
    .option("--signal <name=value>", "a gate's value, given up front (repeatable); --signal publish=true approves", collect)
    .option("--cache-dir <dir>", "where cached task outputs are kept (default: $ALOFT_HOME/cache, ~/.aloft/cache)")
    .option("--overwrite-cache", "run cached tasks again and store their new outputs")
    .option("--max-parallelism <n>", "how many nodes of a workflow may run at once", positiveInt)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments();
  command.action(async (file: string | undefined, rest: string[], flags: RunFlags) => runAction(ctx, command, file, rest, flags));
}
