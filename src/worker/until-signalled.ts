/**
 * How a worker process stops on a signal: the first SIGTERM or SIGINT drains
 * it (the attempts in hand finish and report), a second one stops it at once.
 * Shared by `aloft worker` and the `aloft-worker` process.
 *
 * @module
 */
import type { WorkerHandle } from "./worker.js";

/**
 * Resolves once `worker` has stopped after SIGTERM or SIGINT.
 *
 * @example
 * ```ts
 * const worker = await startWorker({ store, modules: ["flows.ts"], concurrency: 2 });
 * await untilSignalled(worker, (line) => process.stderr.write(`${line}\n`));
 * ```
 */
export function untilSignalled(worker: Pick<WorkerHandle, "stop">, log: (line: string) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals === 1) log(`${signal}: finishing the attempts in hand (send it again to stop at once)`);
      void worker.stop({ hard: signals > 1 }).then(resolve);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
