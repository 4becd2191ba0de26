/**
 * The commands that come with the durable engine and the server (`serve`,
 * `worker`, `register`, `get`, `abort`, `relaunch`, `recover`, `signal`).
 * They are listed so that `aloft --help` shows the whole command line, and
 * each says plainly that it is not available yet. When one lands, its entry
 * here gives way to a module of its own in `commands/`.
 *
 * @module
 */
import type { Command } from "commander";
import { NotAvailableError } from "../errors.js";

/** A command that is not built yet. */
export interface PlannedCommand {
  readonly name: string;
  /** Its arguments, as its usage line will show them. */
  readonly usage: string;
  readonly summary: string;
  /** What to do instead, for now. */
  readonly instead: string;
}

const NEEDS_ENGINE = "it needs the durable engine and the API server, which this build does not have yet";

/** The planned commands, in the order `aloft --help` lists them. */
export const PLANNED_COMMANDS: readonly PlannedCommand[] = [
  { name: "serve", usage: "[modules...] [--host 127.0.0.1] [--port 8080]", summary: "serve the HTTP API with the engine and a worker pool", instead: "use aloft run --local" },
  { name: "worker", usage: "<modules...> --server <url>", summary: "run tasks for a running server", instead: "use aloft run --local" },
  { name: "register", usage: "<modules...> [--project] [--domain] [--version]", summary: "register entities with a server", instead: "aloft compile writes the specs to files" },
  { name: "get", usage: "executions|execution <id>|nodes <id>|tasks|workflows|launchplans", summary: "list and inspect executions and entities", instead: "aloft run --local prints a run's outputs" },
  { name: "abort", usage: "<id>", summary: "abort an execution", instead: "press Ctrl-C to abort an aloft run --local" },
  { name: "relaunch", usage: "<id>", summary: "run an execution again with the same inputs", instead: "run it again with aloft run --local" },
  { name: "recover", usage: "<id>", summary: "resume a failed execution, reusing what succeeded", instead: "cached tasks are reused by aloft run --local" },
  { name: "signal", usage: "<id> <name> <value>", summary: "give a value to an execution's gate", instead: "give signals up front with aloft run --local --signal name=value" },
];

/**
 * Adds the planned commands; each fails with one line saying it is not
 * available yet and what to do instead.
 *
 * @example
 * ```ts
 * registerPlanned(program); // aloft serve → "error: aloft serve is not available yet: ..."
 * ```
 */
export function registerPlanned(program: Command): void {
  for (const planned of PLANNED_COMMANDS) {
    program
      .command(planned.name)
      .usage(planned.usage)
      .summary(`${planned.summary} (not available yet)`)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        throw new NotAvailableError(`aloft ${planned.name}`, `${NEEDS_ENGINE}; ${planned.instead}`);
      });
  }
}
