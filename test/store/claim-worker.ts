/**
 * A worker process for the SQLite store's cross-process test: opens the store
 * file given as its first argument, prints "ready", waits for "go" on its
 * standard input, then claims task items until none are left and prints the
 * ids it got as one JSON line.
 *
 * Run as: `node --import tsx test/store/claim-worker.ts <db> <workerId>`.
 *
 * @module
 */
import { createInterface } from "node:readline";
import { openSqliteStore } from "../../src/store/sqlite-store.js";

const [file, workerId] = process.argv.slice(2);
if (!file || !workerId) throw new Error("usage: claim-worker.ts <db> <workerId>");
const store = await openSqliteStore(file);
const lines = createInterface({ input: process.stdin });
process.stdout.write("ready\n");
for await (const line of lines) if (line.trim() === "go") break;
lines.close();
const claimed: string[] = [];
const now = Number(process.env["ALOFT_TEST_NOW"] ?? "0");
for (let round = 0; ; round++) {
  const got = await store.claimTasks(workerId, 1 + (round % 3), 1_000_000_000, now);
  if (got.length === 0) break;
  claimed.push(...got.map((t) => t.id));
  await new Promise((r) => setTimeout(r, 1)); // let the other processes in
}
await store.close();
process.stdout.write(`${JSON.stringify(claimed)}\n`);
