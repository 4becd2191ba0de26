#!/usr/bin/env node
/**
 * A process that runs the engine (and, with `--workers N`, a worker pool) over
 * a SQLite database (or, with `--db postgres://...`, a PostgreSQL one) until it is stopped. `aloft serve` adds the HTTP API on
 * top; this entry is the bare engine, used by the crash tests.
 *
 *   node dist/engine/main.js --dir .aloft --workers 2 flows.ts
 *
 * @module
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { startEmbedded } from "./embedded.js";

function count(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number of 0 or more");
  return n;
}

/** Runs the engine process with the given arguments; resolves when it stops. */
export async function engineMain(argv: readonly string[]): Promise<void> {
  const program = new Command("aloft-engine")
    .description("Run the durable engine (and a worker pool) over a SQLite database")
    .option("--dir <dir>", "the working directory holding aloft.db and blobs", ".aloft")
    .option("--db <path|url>", "the database (default: aloft.db in --dir; or postgres://...)")
    .option("--workers <n>", "attempts this process runs at once (0: engine only)", count, 0)
    .option("--lease-ms <ms>", "lease length of this process's worker", count)
    .option("--poll-ms <ms>", "how often the engine looks for events when no wake-up came (default 1000)", count)
    .option("--engine-lease-ms <ms>", "how long the engine's lease lasts unrenewed: another engine takes over its executions after it (default 15000)", count)
    .argument("[modules...]", "modules that define the tasks")
    .exitOverride();
  program.parse([...argv], { from: "user" });
  const o = program.opts<{ dir: string; db?: string; workers: number; leaseMs?: number; pollMs?: number; engineLeaseMs?: number }>();
  const setup = await startEmbedded({
    dir: o.dir,
    ...(o.db !== undefined ? { db: o.db } : {}),
    modules: program.args,
    workers: o.workers,
    ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
    ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
    ...(o.engineLeaseMs !== undefined ? { engineLeaseMs: o.engineLeaseMs } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`ready ${setup.dbPath}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      void setup.stop().then(resolve);
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  engineMain(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`aloft-engine: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
