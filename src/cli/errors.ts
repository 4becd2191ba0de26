/**
 * The command line's errors and exit codes. Every error the CLI reports is one
 * line on stderr; `--verbose` adds the stack.
 *
 * @module
 */
import { AloftError, RegistryConflictError, SchemaTooNewError } from "../errors.js";
import { EngineLockedError } from "../store/sqlite/engine-lock.js";
import { SqliteBindingMissingError } from "../store/sqlite/driver.js";
import { GrpcLibraryMissingError } from "../flyte/grpc-library.js";
import { EngineError, type EngineErrorCode } from "../engine/errors.js";
import { ClientError } from "../client/client.js";

/**
 * The exit codes of `aloft`.
 *
 * @example
 * ```ts
 * process.exitCode = ExitCode.Failed; // the run ran and failed
 * ```
 */
export const ExitCode = {
  /** The command did what it was asked. */
  Ok: 0,
  /** The run (or the command's work) started and failed. */
  Failed: 1,
  /** Nothing was started: the command line is wrong, the file does not load, or the mode is not available. */
  Usage: 2,
  /** Refused for the state of what it names: the execution has ended, the gate has its answer, the execution cannot be recovered, the version holds another spec. */
  Refused: 3,
  /** Another process holds what the command needs: the database (its engine lock: another `aloft serve`), the address to listen on. Try again once it is free. */
  Busy: 4,
  /** The run was interrupted (Ctrl-C): 128 + SIGINT. */
  Interrupted: 130,
  /** The run was stopped by SIGTERM (its execution aborted): 128 + SIGTERM. */
  Terminated: 143,
} as const;

/** One of the exit codes of `aloft`. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A mistake on the command line (an unknown entity, a missing or ill-typed
 * input, a file that does not load). Reported as one line, exit code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('input --x expects int, got "1.5"');
 * ```
 */
export class UsageError extends AloftError {
  override name = "UsageError";
  /** The exit code the CLI ends with. */
  readonly exitCode: ExitCode = ExitCode.Usage;
}

/**
 * A command or mode that this build does not have yet (the durable engine,
 * the server). Reported as one line that says what works instead, exit code 2.
 *
 * @example
 * ```ts
 * throw new NotAvailableError("aloft serve", "it needs the durable engine");
 * ```
 */
export class NotAvailableError extends UsageError {
  override name = "NotAvailableError";
  /** What is not available: `aloft serve`, `--remote`, ... */
  readonly feature: string;
  constructor(feature: string, why: string) {
    super(`${feature} is not available yet: ${why}`);
    this.feature = feature;
  }
}

/**
 * What the command needs is held by another process (a port another server
 * listens on). Reported as one line, exit code 4.
 *
 * @example
 * ```ts
 * throw new BusyError("cannot listen on 127.0.0.1:8080: the address is in use (another server? pass --port)");
 * ```
 */
export class BusyError extends UsageError {
  override name = "BusyError";
  override readonly exitCode: ExitCode = ExitCode.Busy;
}

/**
 * The one table from the engine's error codes (`engine/errors.ts`) to exit
 * codes: a name that names nothing is a usage error, a request the state
 * refuses is `Refused`, the rest failed.
 *
 * @example
 * ```ts
 * ENGINE_ERROR_EXIT.GATE_ANSWERED; // 3
 * ```
 */
export const ENGINE_ERROR_EXIT: { readonly [C in EngineErrorCode]: ExitCode } = {
  EXECUTION_NOT_FOUND: ExitCode.Usage,
  ENTITY_NOT_REGISTERED: ExitCode.Usage,
  UNKNOWN_GATE: ExitCode.Usage,
  INVALID_SIGNAL_VALUE: ExitCode.Usage,
  NOT_STARTABLE: ExitCode.Usage,
  EXECUTION_ENDED: ExitCode.Refused,
  EXECUTION_NOT_RECOVERABLE: ExitCode.Refused,
  GATE_ANSWERED: ExitCode.Refused,
  WAIT_TIMEOUT: ExitCode.Failed,
  OFFLOADED_VALUE_UNAVAILABLE: ExitCode.Failed,
  ENGINE_INVARIANT: ExitCode.Failed,
};

function isEngineCode(code: unknown): code is EngineErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ENGINE_ERROR_EXIT, code);
}

/**
 * The exit code for an error the CLI ends with: the engine's code (the error
 * itself, or the API error a server answered with, anywhere in its causes)
 * by the table; another engine's lock on the database is `Busy`, a registry
 * conflict `Refused`, a database migrated by a newer Aloft `Usage`; a `UsageError`'s own; else `Failed`.
 *
 * @example
 * ```ts
 * exitCodeOf(new ExecutionEndedError("a1", "aborted", "there is nothing to abort")); // 3
 * ```
 */
export function exitCodeOf(e: unknown): ExitCode {
  let current: unknown = e;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current instanceof EngineError) return ENGINE_ERROR_EXIT[current.code];
    if (current instanceof EngineLockedError) return ExitCode.Busy;
    if (current instanceof SqliteBindingMissingError || current instanceof GrpcLibraryMissingError || current instanceof SchemaTooNewError) return ExitCode.Usage; // nothing was started: the install needs a step
    if (current instanceof RegistryConflictError) return ExitCode.Refused;
    // A server's answer (a ClientError) carries the engine's code.
    if (current instanceof ClientError && isEngineCode(current.code)) return ENGINE_ERROR_EXIT[current.code];
    current = current.cause;
  }
  return e instanceof UsageError ? e.exitCode : ExitCode.Failed;
}

/** The message of an error on one line: line breaks become spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " ").trim();
}

/** The message of anything thrown, with its class name when that says more than `Error`. */
export function describeError(e: unknown): string {
  if (e instanceof UsageError) return oneLine(e.message);
  if (e instanceof Error) {
    const name = e.name && e.name !== "Error" && !(e instanceof AloftError) ? `${e.name}: ` : "";
    return oneLine(`${name}${e.message}`);
  }
  return oneLine(String(e));
}

/** The stack of an error and of each of its causes, for `--verbose`. */
export function verboseError(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push("caused by:");
  }
  return parts.join("\n");
}
