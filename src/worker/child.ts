/**
 * The entry script of a worker's child process: it loads the user's modules
 * once, then runs the attempts its parent sends over IPC, one at a time, in order.
 * Started by `WorkerPool`, never by hand.
 *
 * The child ignores SIGINT and SIGTERM (a Ctrl-C reaches the whole process
 * group; the parent decides when its children end), exits when its parent
 * disconnects, and a watchdog thread kills it if its parent dies, even while
 * task code blocks the event loop.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { executeAttempt, attemptCacheKey, failureResult, itemOptions, timeoutError, type AttemptItem } from "./attempt.js";
import { captureOutput } from "./capture.js";
import { loadModules } from "./load.js";
import type { ChildMessage, ParentMessage, AbortReason } from "./protocol.js";
import { TaskResolver } from "./resolver.js";
import { LocalBlobStore } from "../local/blob-store.js";

let resolver: TaskResolver | undefined;
let blobs: LocalBlobStore | undefined;
let current: { readonly id: number; readonly item: AttemptItem; readonly controller: AbortController } | undefined;

function send(message: ChildMessage): void {
  try {
    process.send?.(message);
  } catch {
    process.exit(0); // the parent is gone
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Kills this process when its parent dies, from a thread of its own, so that a task stuck in a loop cannot outlive the worker. */
function startWatchdog(): void {
  const parent = process.ppid;
  const code = `setInterval(() => { if (process.ppid !== ${parent}) process.kill(process.pid, "SIGKILL"); }, 500);`;
  new Worker(code, { eval: true }).unref();
}

function abortError(item: AttemptItem, reason: AbortReason): Error {
  if (reason === "timeout") return timeoutError(item, (item.options as { timeoutMs?: number }).timeoutMs ?? 0);
  return new Error(reason === "lost" ? "the attempt was withdrawn (its lease was lost or the execution no longer needs it)" : "the worker is stopping");
}

async function handle(message: ParentMessage): Promise<void> {
  switch (message.type) {
    case "init": {
      try {
        resolver = new TaskResolver(await loadModules(message.modules, message.cwd));
        blobs = new LocalBlobStore(message.blobDir);
        send({ type: "ready", entities: resolver.entities.length });
      } catch (e) {
        send({ type: "initFailed", message: describe(e) });
      }
      return;
    }
    case "prepare": {
      const { id, item } = message;
      try {
        if (!resolver) throw new Error("the worker process has not loaded its modules");
        const task = resolver.resolve(item.task, itemOptions(item).taskDigest, itemOptions(item).mapElement, itemOptions(item).root);
        send({ type: "prepared", id, cacheKey: attemptCacheKey(task, item) });
      } catch (e) {
        send({ type: "prepared", id, failure: failureResult(item, e) });
      }
      return;
    }
    case "run": {
      const { id, item } = message;
      if (!resolver || !blobs) {
        send({ type: "done", id, result: failureResult(item, new Error("the worker process has not loaded its modules")) });
        return;
      }
      const controller = new AbortController();
      current = { id, item, controller };
      const stopCapture = captureOutput((lines) => send({ type: "log", id, lines }));
      let result: Awaited<ReturnType<typeof executeAttempt>>;
      const since = performance.now();
      try {
        result = await executeAttempt(resolver, item, { signal: controller.signal, blobs });
      } finally {
        stopCapture();
      }
      current = undefined;
      send({ type: "done", id, result, ms: performance.now() - since });
      return;
    }
    case "abort": {
      if (current?.id === message.id && !current.controller.signal.aborted) current.controller.abort(abortError(current.item, message.reason));
      return;
    }
  }
}

/**
 * Requests wait here while one runs: the parent may send the next attempts before the one in hand ends (a
 * queued slot, `QUEUE_DEPTH`), and they run one at a time, in the order sent (the parent counts on that order to
 * know which one runs). An abort of one still waiting drops it and says so (`withdrawn`); one that has started by
 * the time its abort arrives is aborted as it runs, and answers with its result as any attempt does.
 */
const waiting: ParentMessage[] = [];
let busy = false;

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (let next = waiting.shift(); next; next = waiting.shift()) await handle(next);
  } finally {
    busy = false;
  }
}

startWatchdog();
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
process.on("disconnect", () => process.exit(0));
process.on("message", (message: ParentMessage) => {
  if (message.type === "abort") {
    const i = waiting.findIndex((m) => (m.type === "run" || m.type === "prepare") && m.id === message.id);
    if (i >= 0) {
      waiting.splice(i, 1);
      // The parent waits for this answer before it gives the item back: until then it may have started here.
      send({ type: "withdrawn", id: message.id });
    } else void handle(message);
    return;
  }
  if (message.type === "init") {
    void handle(message);
    return;
  }
  waiting.push(message);
  void drain();
});
