#!/usr/bin/env node
/**
 * The worker process: `node dist/worker/main.js --db PATH [--concurrency N] module...`
 * opens the store the engine uses (a SQLite file or a PostgreSQL URL), starts a worker over it, and runs
 * until SIGTERM or SIGINT, when it drains (stops claiming, finishes and
 * reports what it runs) and exits 0; a second signal stops it at once (what
 * it ran is run again elsewhere once its leases expire).
 *
 * @module
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { AloftError } from "../errors.js";
import { attemptLogsOf, localWorkQueueOf, openStore } from "../store/open-store.js";
import { isPostgresUrl } from "../store/postgres-store.js";
import { openWakeups } from "../store/wakeups.js";
import { DirectoryBlobStore } from "../store/blob-store.js";
import { startWorker, type WorkerHandle } from "./worker.js";
import { untilSignalled } from "./until-signalled.js";

const USAGE = "usage: aloft-worker --db PATH [--concurrency N] [--lease-ms MS] [--poll-ms MS] [--worker-id ID] [--blob-dir DIR] module...";

/** The parsed command line of a worker process. */
export interface WorkerArgs {
  readonly db: string;
  readonly concurrency: number;
  readonly modules: readonly string[];
  readonly leaseMs: number | undefined;
  readonly pollMs: number | undefined;
  readonly workerId: string | undefined;
  readonly blobDir: string | undefined;
}

/**
 * A mistake on the worker's command line.
 *
 * @example
 * ```ts
 * parseWorkerArgs(["flows.ts"]); // throws WorkerUsageError: --db is required
 * ```
 */
export class WorkerUsageError extends AloftError {
  override name = "WorkerUsageError";
}

function positiveNumber(flag: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new WorkerUsageError(`${flag} expects a ${integer ? "positive integer" : "positive number"}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Parses a worker's command line (without `node` and the script).
 *
 * @throws WorkerUsageError naming what is wrong.
 *
 * @example
 * ```ts
 * parseWorkerArgs(["--db", ".aloft/aloft.db", "--concurrency", "4", "flows.ts"]).concurrency; // 4
 * ```
 */
export function parseWorkerArgs(argv: readonly string[]): WorkerArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        db: { type: "string" },
        concurrency: { type: "string" },
        "lease-ms": { type: "string" },
        "poll-ms": { type: "string" },
        "worker-id": { type: "string" },
        "blob-dir": { type: "string" },
      },
    });
  } catch (e) {
    throw new WorkerUsageError(e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  if (v.db === undefined || v.db === "") throw new WorkerUsageError("--db is required: the SQLite file (or postgres:// URL) the engine uses");
  if (parsed.positionals.length === 0) throw new WorkerUsageError("give the modules that define the tasks, like flows.ts");
  return {
    db: v.db,
    concurrency: positiveNumber("--concurrency", v.concurrency, true) ?? 1,
    modules: parsed.positionals,
    leaseMs: positiveNumber("--lease-ms", v["lease-ms"], false),
    pollMs: positiveNumber("--poll-ms", v["poll-ms"], false),
    workerId: v["worker-id"],
    blobDir: v["blob-dir"],
  };
}

function log(line: string): void {
  process.stderr.write(`aloft worker: ${line}\n`);
}

/**
 * Runs a worker process until SIGTERM or SIGINT; resolves to its exit code
 * (0 after a clean stop, 2 for a bad command line or modules that do not load).
 *
 * @example
 * ```ts
 * process.exitCode = await workerMain(process.argv.slice(2));
 * ```
 */
export async function workerMain(argv: readonly string[]): Promise<number> {
  let args: WorkerArgs;
  try {
    args = parseWorkerArgs(argv);
  } catch (e) {
    log(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const db = isPostgresUrl(args.db) ? args.db : path.resolve(args.db);
  const store = await openStore(db, { poolSize: args.concurrency + 2 });
  const wakeups = await openWakeups(db, { store });
  let worker: WorkerHandle;
  try {
    worker = await startWorker({
      store: localWorkQueueOf(store),
      modules: args.modules,
      concurrency: args.concurrency,
      log,
      ...(args.leaseMs !== undefined ? { leaseMs: args.leaseMs } : {}),
      ...(args.pollMs !== undefined ? { pollMs: args.pollMs } : {}),
      ...(args.workerId !== undefined ? { workerId: args.workerId } : {}),
      ...(args.blobDir !== undefined ? { blobDir: args.blobDir } : {}),
      // The engine keeps large values beside its database (see startEmbedded).
      values: new DirectoryBlobStore(isPostgresUrl(db) ? path.resolve(".aloft", "values") : path.join(path.dirname(db), "values")),
      // And each attempt's logs where `aloft logs` and the server read them: in PostgreSQL, or beside the SQLite file.
      logs: attemptLogsOf(store, isPostgresUrl(db) ? path.resolve(".aloft") : path.dirname(db)),
      wakeups,
    });
  } catch (e) {
    log(e instanceof Error ? e.message : String(e));
    await wakeups.close();
    await store.close();
    return 2;
  }
  await untilSignalled(worker, log);
  await wakeups.close();
  await store.close();
  return 0;
}

const invoked = process.argv[1];
if (invoked !== undefined && import.meta.url === pathToFileURL(path.resolve(invoked)).href) {
  workerMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      log(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
