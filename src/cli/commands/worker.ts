/**
 * `aloft worker <modules...> --db PATH`: a worker that joins a running setup
 * (`aloft serve`, an engine process, an `aloft run`) through its database, or
 * `--server URL --token T` through the server's HTTP API (no database access):
 * it claims the task attempts the engine makes ready, runs them in child
 * processes that load the modules, and reports their results. It runs until
 * Ctrl-C or SIGTERM, then finishes the attempts in hand (a second signal
 * ends them at once: they run again elsewhere once their leases expire).
 *
 * @module
 */
import path from "node:path";
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { attemptLogsOf, localWorkQueueOf, openStore } from "../../store/open-store.js";
import { openWakeups } from "../../store/wakeups.js";
import { startWorker } from "../../worker/worker.js";
import { untilSignalled } from "../../worker/until-signalled.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { UsageError } from "../errors.js";
import { startRemoteWorker } from "../../worker/remote-worker.js";
import type { WorkerHandle } from "../../worker/worker.js";
import { existingDatabase, valuesStoreOf } from "../engine/database.js";
import { wholeNumber } from "./shared-options.js";

interface WorkerFlags {
  readonly db?: string;
  readonly server?: string;
  readonly token?: string;
  readonly concurrency?: number;
  readonly leaseMs?: number;
  readonly pollMs?: number;
  readonly workerId?: string;
  readonly blobDir?: string;
  readonly verbose?: boolean;
}

/**
 * Adds `aloft worker`.
 *
 * @example
 * ```ts
 * registerWorker(program, ctx); // aloft worker flows.ts --db .aloft/aloft.db --concurrency 4
 * ```
 */
export function registerWorker(program: Command, ctx: CliContext): void {
  program
    .command("worker")
    .summary(COMMAND_SUMMARIES.worker)
    .description(
      "Joins the engine that runs over a database (aloft serve, an engine process, a waiting aloft run): claims the task attempts it makes ready, " +
        "runs them in child processes that load the modules, and reports the results. Stops on Ctrl-C or SIGTERM after finishing the attempts in hand " +
        "(a second signal ends them at once). Every worker of a setup should load the same modules. With --server URL (and --token or $ALOFT_TOKEN) it joins " +
        "through the server's HTTP API instead: no database access, and the files its tasks read and write go through the server.",
    )
    .argument("<modules...>", "the modules that define the tasks")
    .option("--db <path|url>", "the database of the setup to join: a SQLite file (default: .aloft/aloft.db) or postgres://...")
    .option("--server <url>", "join through a server instead (aloft serve): claims, reports, wake-ups and files go through its HTTP API, no database access needed")
    .option("--token <token>", "with --server: the server's bearer token (default: $ALOFT_TOKEN)")
    .option("--concurrency <n>", "attempts run at once (default 1)", wholeNumber(1))
    .option("--lease-ms <ms>", "how long a lease lasts without a heartbeat (default 30000)", wholeNumber(1))
    .option("--poll-ms <ms>", "how often to look for work when no wake-up came (default 1000)", wholeNumber(1))
    .option("--worker-id <id>", "the worker's name in leases (default: host, pid and a random suffix)")
    .option("--blob-dir <dir>", "where tasks create files (default: blobs beside the database; with --server, .aloft/worker-blobs)")
    .option("--verbose", "report errors with their stacks")
    .action(async (modules: string[], flags: WorkerFlags) => {
      ctx.verbose = flags.verbose === true;
      const log = (line: string): void => void ctx.io.stderr.write(`aloft worker: ${line}\n`);
      if (flags.token !== undefined && flags.server === undefined) throw new UsageError("--token goes with --server (a worker over the database needs no token)");
      if (flags.server !== undefined) {
        if (flags.db !== undefined) throw new UsageError("--db and --server cannot be given together");
        const token = flags.token ?? (process.env["ALOFT_TOKEN"] || undefined);
        let remote: WorkerHandle;
        try {
          remote = await startRemoteWorker({
            server: flags.server,
            token,
            modules,
            cwd: ctx.io.cwd,
            concurrency: flags.concurrency ?? 1,
            log,
            ...(flags.blobDir === undefined ? {} : { blobDir: flags.blobDir }),
            ...(flags.leaseMs === undefined ? {} : { leaseMs: flags.leaseMs }),
            ...(flags.pollMs === undefined ? {} : { pollMs: flags.pollMs }),
            ...(flags.workerId === undefined ? {} : { workerId: flags.workerId }),
          });
        } catch (e) {
          throw new UsageError(e instanceof Error ? e.message : String(e), { cause: e });
        }
        printLines(ctx, [`worker ${remote.workerId} joined the server ${flags.server} (concurrency ${flags.concurrency ?? 1}; modules ${modules.join(", ")}); Ctrl-C stops it`]);
        await untilSignalled(remote, log);
        return;
      }
      const ref = existingDatabase(ctx, flags.db);
      const store = await openStore(ref.path, { poolSize: (flags.concurrency ?? 1) + 2 });
      // Woken when the engine enqueues work; --poll-ms is the safety net.
      const wakeups = await openWakeups(ref.path, { store });
      let worker;
      try {
        worker = await startWorker({
          store: localWorkQueueOf(store),
          modules,
          cwd: ctx.io.cwd,
          concurrency: flags.concurrency ?? 1,
          blobDir: path.resolve(ctx.io.cwd, flags.blobDir ?? path.join(ref.dir, "blobs")),
          values: valuesStoreOf(ref),
          // Each attempt with what it wrote, where servers and `aloft logs` read it (PostgreSQL, or beside the SQLite file).
          logs: attemptLogsOf(store, ref.dir),
          wakeups,
          log,
          ...(flags.leaseMs === undefined ? {} : { leaseMs: flags.leaseMs }),
          ...(flags.pollMs === undefined ? {} : { pollMs: flags.pollMs }),
          ...(flags.workerId === undefined ? {} : { workerId: flags.workerId }),
        });
      } catch (e) {
        await wakeups.close();
        await store.close();
        throw new UsageError(e instanceof Error ? e.message : String(e), { cause: e });
      }
      printLines(ctx, [`worker ${worker.workerId} joined ${ref.shown} (concurrency ${flags.concurrency ?? 1}; modules ${modules.join(", ")}); Ctrl-C stops it`]);
      await untilSignalled(worker, log);
      await wakeups.close();
      await store.close();
    });
}
