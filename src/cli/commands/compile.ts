/**
 * `aloft compile <file> [entity] --out DIR [--format pb|json]`: writes the
 * flyteidl specs of an entity and everything it references, one file each,
 * named as Flyte's own packaging names them.
 *
 * @module
 */
import path from "node:path";
import { Option, type Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { MODULE_KINDS } from "../load/module-kinds.js";
import { SpecWriteError, writeSpecs, type SpecFileFormat } from "../../compiler/write-specs.js";
import { writePackage } from "../../compiler/package.js";
import { DEFAULT_IMAGE } from "../../compiler/container.js";
import { UsageError } from "../errors.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { entitiesOf, selectEntity } from "../load/entities.js";
import { loadModule } from "../load/load-module.js";
import { jsonText } from "../run/report.js";

/** The flags of `aloft compile`. */
interface CompileFlags {
  readonly out: string;
  readonly format: SpecFileFormat;
  readonly project?: string;
  readonly domain?: string;
  readonly version?: string;
  readonly image?: string;
  readonly overwrite?: boolean;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

/** A path as the user would write it: relative to `cwd` when inside it. */
function shown(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/**
 * Adds `aloft compile`.
 *
 * @example
 * ```ts
 * registerCompile(program, ctx); // aloft compile examples/imperative.ts --out _pb_output --format pb
 * ```
 */
export function registerCompile(program: Command, ctx: CliContext): void {
  program
    .command("compile")
    .summary(COMMAND_SUMMARIES.compile)
    .description(
      "Compiles a task, workflow or launch plan with everything it references and writes one file per spec to --out, " +
        "named as Flyte's packaging names them (<index>_<name>_<1|2|3>.pb; 1 task, 2 workflow, 3 launch plan). " +
        "Every workflow gets a default launch plan of its name and every task a container running aloft execute, as pyflyte package writes them; " +
        "--out flyte-package.tgz writes the archive pyflyte package writes. Without an entity, the file's only workflow is compiled.",
    )
    .argument("<file>", `a ${MODULE_KINDS} module`)
    .argument("[entity]", "an export name or a registered name")
    .requiredOption("--out <dir|file.tgz>", "the directory to write to (created if needed; must be empty unless --overwrite), or a .tgz as pyflyte package writes")
    .addOption(new Option("--format <format>", "binary protobuf or JSON").choices(["pb", "json"]).default("pb"))
    .option("--project <project>", "the Flyte project (default: the placeholder flytectl register files fills in)")
    .option("--domain <domain>", "the Flyte domain (default: the placeholder flytectl register files fills in)")
    .option("--version <version>", "the version of every spec (default: a hash of the specs and the task code)")
    .option("--image <image>", `the image of tasks that name none (default: ${DEFAULT_IMAGE})`)
    .option("--overwrite", "replace the spec files an earlier compile left in --out")
    .option("--json", "print the files written as a JSON array")
    .option("--verbose", "report errors with their stacks")
    .action(async (file: string, entity: string | undefined, flags: CompileFlags) => {
      ctx.verbose = flags.verbose === true;
      const mod = await loadModule(file, ctx.io.cwd);
      const found = selectEntity(mod, entitiesOf(mod), entity, "compile");
      const target = {
        ...(flags.project === undefined ? {} : { project: flags.project }),
        ...(flags.domain === undefined ? {} : { domain: flags.domain }),
        ...(flags.version === undefined ? {} : { version: flags.version }),
        ...(flags.image === undefined ? {} : { image: flags.image }),
      };
      const out = path.resolve(ctx.io.cwd, flags.out);
      if (/\.(tgz|tar\.gz)$/.test(out)) {
        if (flags.format !== "pb") throw new UsageError("a .tgz holds .pb files; leave out --format json");
        const inside = await writePackage(found.entity, out, target);
        return printLines(ctx, flags.json ? [jsonText({ package: shown(out, ctx.io.cwd), files: inside }, 2)] : [`${shown(out, ctx.io.cwd)}: ${inside.join(", ")}`]);
      }
      const files = await writeSpecs(found.entity, out, { format: flags.format, overwrite: flags.overwrite === true, ...target }).catch((e: unknown) => {
        if (!(e instanceof SpecWriteError) || e.existingSpecs.length === 0) throw e;
        const some = e.existingSpecs.slice(0, 3).join(", ") + (e.existingSpecs.length > 3 ? ", ..." : "");
        throw new UsageError(`--out ${flags.out} already holds spec files (${some}); pass --overwrite to replace them`, { cause: e });
      });
      const names = files.map((f) => shown(f, ctx.io.cwd));
      printLines(ctx, flags.json ? [jsonText(names, 2)] : names);
    });
}
