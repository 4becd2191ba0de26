/**
 * `aloft schema pipeline`: prints the JSON Schema of Aloft's pipeline format,
 * for editors to complete and check pipeline files.
 *
 * @module
 */
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { pipelineSchema } from "../../text/pipeline/schema.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";

/**
 * Adds `aloft schema`.
 *
 * @example
 * ```ts
 * registerSchema(program, ctx); // aloft schema pipeline > pipeline.schema.json
 * ```
 */
export function registerSchema(program: Command, ctx: CliContext): void {
  program
    .command("schema")
    .summary(COMMAND_SUMMARIES.schema)
    .description("Prints the JSON Schema of Aloft's pipeline format (aloft schema pipeline), for editors: # yaml-language-server: $schema=<file> in YAML, \"$schema\" in JSON.")
    .argument("<format>", "pipeline")
    .action((format: string) => {
      if (format !== "pipeline") throw new UsageError(`aloft schema knows one format, pipeline; got ${JSON.stringify(format)}`);
      ctx.io.stdout.write(`${JSON.stringify(pipelineSchema(), null, 2)}\n`);
    });
}
