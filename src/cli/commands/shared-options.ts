/**
 * Options shared by the engine commands: where to read (`--db`, `--remote`,
 * `--token`), how to print (`--json`), and `--verbose`.
 *
 * @module
 */
import { InvalidArgumentError, type Command } from "commander";

/** The flags every engine command takes. */
export interface SourceOptionFlags {
  readonly db?: string;
  readonly remote?: string;
  readonly token?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

/**
 * Adds `--db`, and with `remote`, `--remote` and `--token`.
 *
 * @example
 * ```ts
 * sourceOptions(program.command("abort").argument("<id>"), { remote: true });
 * ```
 */
export function sourceOptions(command: Command, options: { readonly remote: boolean } = { remote: true }): Command {
  command.option("--db <path|url>", "the database: a SQLite file (default: .aloft/aloft.db) or postgres://...");
  if (options.remote) {
    command.option("--remote <url>", "an Aloft server instead of the database (aloft serve; default: $ALOFT_URL, or \"url\" in aloft.config.json)");
    command.option("--token <token>", "the server's bearer token (default: $ALOFT_TOKEN, or \"token\" in aloft.config.json)");
  }
  return command.option("--verbose", "report errors with their stacks");
}

/**
 * Collects a repeatable option's values.
 *
 * @example
 * ```ts
 * command.option("--filter <key=value>", "a filter (repeatable)", collect);
 * ```
 */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Parses a whole number of at least `min` (default 1).
 *
 * @example
 * ```ts
 * command.option("--workers <n>", "attempts run at once", wholeNumber(0));
 * ```
 */
export function wholeNumber(min = 1): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    return Number(value);
  };
}
