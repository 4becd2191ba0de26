#!/usr/bin/env node
/**
 * The `aloft` executable (the package's `bin`).
 *
 * @example
 * ```sh
 * npx aloft run examples/imperative.ts --x '[-3,0,3]' --y '[7,4,-2]' --local
 * ```
 *
 * @module
 */
import { processIO } from "./io.js";
import { watchParentWhenStartedByNpm } from "./parent-watch.js";
import { runCli } from "./program.js";

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

watchParentWhenStartedByNpm(process.env);
// A reader that stops early (`aloft get nodes <id> | head`) closes the pipe: stop quietly, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    throw e;
  });
}
const code = await runCli(process.argv.slice(2), processIO());
// Exit now: timers or connections a user's task left open must not keep the command running after its run.
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
