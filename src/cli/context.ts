/**
 * What every command gets: where to read and write, and where to put its exit code.
 *
 * @module
 */
import type { CliIO } from "./io.js";
import type { ExitCode } from "./errors.js";

/** The state of one invocation of `aloft`. */
export interface CliContext {
  readonly io: CliIO;
  /** Set by a command that ends without throwing but not with success (a run that failed). */
  exitCode: ExitCode;
  /** Set by a command given `--verbose`: errors are reported with their stacks. */
  verbose: boolean;
}

/** Writes lines to stdout. */
export function printLines(ctx: CliContext, lines: readonly string[]): void {
  ctx.io.stdout.write(lines.map((l) => `${l}\n`).join(""));
}
