/**
 * What each top-level command does, in one line: what `aloft --help` lists.
 * Here, apart from the commands, because `aloft --help` must answer without
 * loading any of them (they load the engine, the server, the compiler).
 *
 * @module
 */

/**
 * The one-line summary of each top-level `aloft` command.
 *
 * @example
 * ```ts
 * program.command("run").summary(COMMAND_SUMMARIES.run);
 * ```
 */
export const COMMAND_SUMMARIES = {
  run: "run a task, workflow or launch plan from a file",
  get: "list and inspect executions, their nodes, and registered entities",
  abort: "abort an execution",
  signal: "give a gate of an execution its value (true or false for an approval)",
  approve: "approve an approval gate of an execution",
  reject: "reject an approval gate of an execution (it fails)",
  follow: "attach the live view to an execution, and exit as it ends",
  relaunch: "run an execution again with the same inputs",
  recover: "run a failed execution again, reusing the outputs of the task nodes that succeeded",
  resume: "continue a running execution in place, on an engine started here if none runs it (after its aloft run was killed)",
  serve: "serve the HTTP API with the engine and a worker pool",
  logs: "what a node's task wrote to stdout and stderr, attempt by attempt",
  worker: "run task attempts for a running setup, joining it through its database or its server",
  register: "register the tasks, workflows and launch plans of modules",
  compile: "write an entity's flyteidl specs to files",
  execute: "run one task as a Flyte task pod does (the container's command)",
  cache: "manage the cache of task outputs (the local runner's and the engine's)",
  schema: "print the JSON Schema of a file format",
} as const;

/** The name of a top-level command. */
export type CommandName = keyof typeof COMMAND_SUMMARIES;
