/**
 * A real worker (`startWorker`: the claim loop, heartbeats, the cache, and
 * the attempt code the worker processes run) whose attempts run in the
 * test's own process, for fast engine tests against a real store. The crash
 * tests and a few conformance scenarios use worker processes instead.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startWorker, type AnyEntity } from "aloft";
import type { Store } from "../../src/store/store.js";
import type { BlobStore } from "../../src/store/blob-store.js";

/** Starts an in-process worker for the given entities (export every task a dynamic body uses); returns a stop function. */
export function attemptWorker(store: Store, roots: readonly AnyEntity[], options: { concurrency?: number; pollMs?: number; values?: BlobStore; onReport?: () => void } = {}): () => Promise<void> {
  const exports = Object.fromEntries(roots.map((r, i) => [`entity${i}`, r]));
  const started = startWorker({
    store,
    modules: ["(the test's entities)"],
    inProcess: [{ file: "(the test's entities)", exports }],
    concurrency: options.concurrency ?? 8,
    pollMs: options.pollMs ?? 5,
    blobDir: path.join(mkdtempSync(path.join(os.tmpdir(), "aloft-attempt-worker-")), "blobs"),
    log: () => {},
    ...(options.values ? { values: options.values } : {}),
    ...(options.onReport ? { onReport: options.onReport } : {}),
  });
  return async () => {
    await (await started).stop();
  };
}
