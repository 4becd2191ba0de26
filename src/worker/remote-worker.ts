/**
 * A worker that joins through the server (`aloft worker --server URL --token
 * T`): the same worker as over the database (`worker.ts`: claim loop, child
 * processes, leases, heartbeats, the cache), with the store's parts, the
 * wake-ups and the files going through the server's worker endpoints, so it
 * needs no database access and no shared disk.
 *
 * @module
 */
import path from "node:path";
import { RemoteServer } from "./remote-client.js";
import { RemoteAttemptLogs, RemoteQueue, RemoteValues } from "./remote-queue.js";
import { openRemoteWakeups } from "./remote-wakeups.js";
import { RemoteFiles } from "./remote-files.js";
import { startWorker, type WorkerHandle, type WorkerOptions } from "./worker.js";

/** How long a claim waits on the server for work. */
const CLAIM_WAIT_MS = 10_000;

/** Options of `startRemoteWorker`: those of `startWorker` but the store's parts, and the server. */
export interface RemoteWorkerOptions extends Omit<WorkerOptions, "store" | "values" | "logs" | "files" | "wakeups"> {
  /** The server's base URL, e.g. `http://10.0.0.5:8080`. */
  readonly server: string;
  /** The server's bearer token (`aloft serve --token`), if it has one. */
  readonly token?: string | undefined;
}

/**
 * Starts a worker through a server. Resolves once its child processes have
 * loaded the modules and the server's worker event stream is open.
 *
 * @throws RemoteServerError when the server cannot be reached or refuses the token (`code` `unreachable`, `unauthorized`); WorkerOptionError, WorkerStartError as `startWorker`.
 *
 * @example
 * ```ts
 * const worker = await startRemoteWorker({ server: "http://127.0.0.1:8080", token: process.env.ALOFT_TOKEN, modules: ["flows.ts"], concurrency: 4 });
 * process.on("SIGTERM", () => void worker.stop());
 * ```
 */
export async function startRemoteWorker(options: RemoteWorkerOptions): Promise<WorkerHandle> {
  const { server: url, token, ...rest } = options;
  const server = new RemoteServer(url, token);
  const wakeups = await openRemoteWakeups(server, options.log ? { log: options.log } : {});
  const blobDir = path.resolve(options.cwd ?? process.cwd(), options.blobDir ?? path.join(".aloft", "worker-blobs"));
  let worker: WorkerHandle;
  // Claims wait on the server for work (long polls), so a step costs no extra round trip; the event stream wakes the polls' pauses.
  const queue = new RemoteQueue(server, CLAIM_WAIT_MS);
  try {
    worker = await startWorker({
      ...rest,
      blobDir,
      store: queue,
      values: new RemoteValues(server),
      logs: new RemoteAttemptLogs(server, queue),
      files: new RemoteFiles(server, blobDir),
      wakeups,
    });
  } catch (e) {
    await wakeups.close();
    throw e;
  }
  return {
    workerId: worker.workerId,
    active: () => worker.active(),
    pids: () => worker.pids(),
    wake: () => worker.wake(),
    async stop(stopOptions) {
      const stopped = worker.stop(stopOptions); // no more claims...
      queue.interrupt(); // ...not even the one waiting on the server
      try {
        await stopped;
      } finally {
        await wakeups.close();
      }
    },
  };
}
