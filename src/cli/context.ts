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
  /** The arguments as given after `aloft` (commander drops a `--` that ends its options; `run` needs to know where it was). */
  readonly argv?: readonly string[];
}

/** Writes lines to stdout. */
export function printLines(ctx: CliContext, lines: readonly string[]): void {
  ctx.io.stdout.write(lines.map((l) => `${l}\n`).join(""));
}

/**
 * A writer of notes to stderr, one line each, as `aloft: <line>` (what a
 * command says on the side: a joined engine, a lost server).
 *
 * @example
 * ```ts
 * aloftNote(ctx)("lost the server; reconnecting"); // stderr: aloft: lost the server; reconnecting
 * ```
 */
export function aloftNote(ctx: CliContext): (line: string) => void {
  return (line) => void ctx.io.stderr.write(`aloft: ${line}\n`);
}
