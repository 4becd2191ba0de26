/**
 * The hook a worker runs each attempt through when the files its tasks read
 * and write live elsewhere (a worker through the server, on a machine that
 * does not share the server's disk): `RemoteFiles` fetches the input files
 * before the attempt and sends its output files after.
 *
 * @module
 */
import type { ClaimedTask } from "../store/store.js";
import type { AttemptResult } from "./attempt.js";

/**
 * Runs an attempt with the files it names moved where it can read them.
 *
 * @example
 * ```ts
 * const files: FileTransfer = { around: (item, run) => run(item) }; // files are local already
 * await startWorker({ store, modules: ["flows.ts"], concurrency: 2, files });
 * ```
 */
export interface FileTransfer {
  /**
   * Calls `run` with the item as the attempt should see it (its input files
   * local), and resolves to the result as the engine should see it (its output
   * files where the engine keeps them); undefined when `run` gives nothing (an
   * abandoned attempt). Never rejects: a transfer that fails is a lost attempt.
   */
  around(item: ClaimedTask, run: (local: ClaimedTask) => Promise<AttemptResult | undefined>): Promise<AttemptResult | undefined>;
}
