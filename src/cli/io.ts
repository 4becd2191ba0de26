/**
 * Where the command line reads and writes: the process's streams, or test
 * doubles.
 *
 * @module
 */

/** A stream the CLI writes to. */
export interface OutStream {
  write(text: string): unknown;
  /** True when the stream is a terminal: only then does the CLI draw a live view. */
  readonly isTTY?: boolean;
  /** The terminal's width, when it is one. */
  readonly columns?: number;
}

/** The CLI's surroundings. */
export interface CliIO {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** Whether the user can answer prompts (stdin and stdout are terminals). */
  readonly interactive: boolean;
  /** The directory relative paths are resolved from. */
  readonly cwd: string;
}

/**
 * The process's own streams.
 *
 * @example
 * ```ts
 * const code = await runCli(process.argv.slice(2), processIO());
 * ```
 */
export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    cwd: process.cwd(),
  };
}
