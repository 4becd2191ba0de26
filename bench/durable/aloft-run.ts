/**
 * One durable measurement in a process of its own: `tsx bench/durable/aloft-run.ts <db> <workload> <n> [separate]`
 * starts the embedded engine over `db` (a fresh SQLite file or PostgreSQL schema) with two workers (or,
 * with `separate`, none, and an `aloft worker --db` process of two; with `server`, none, the HTTP API in
 * this process and an `aloft worker --server` process of two), runs the workload once untimed at a tenth
 * of its size (warm-up), then once timed, and prints `{ ms, n }` as one JSON line.
 *
 * @module
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbedded } from "../../src/engine/embedded.js";
import { createServer, WorkerFiles, type AloftServer } from "../../src/server/index.js";
import { importUserModule } from "../../src/loading/import-module.js";
import type * as Flows from "./flows.js";

const [db = "", workload = "w1", size = "2000", mode = ""] = process.argv.slice(2);
const n = Number(size);
const here = path.dirname(fileURLToPath(import.meta.url));
const flows = path.join(here, "flows.ts");
const root = path.resolve(here, "../..");

/**
 * The workloads' entities, loaded as the worker processes load them (Aloft's own TypeScript hooks, not the tsx
 * this script runs under): a task's version hashes its code as compiled, so both sides must compile it alike.
 */
async function loadFlows(): Promise<typeof Flows> {
  const loaded = await importUserModule(flows, root, (e) => (e instanceof Error ? e.message : String(e)));
  if (!loaded.ok) throw new Error(`cannot load ${flows}: ${loaded.reason}`);
  return loaded.exports as unknown as typeof Flows;
}

async function main(): Promise<void> {
  const { chain, fanOut, single } = await loadFlows();
  const separate = mode === "separate" || mode === "server";
  const setup = await startEmbedded({ db, dir: path.join(path.dirname(db.startsWith("postgres") ? path.join(root, "scratch", "x") : db), ".aloft"), modules: [flows], workers: separate ? 0 : 2, schedules: false });
  let worker: ReturnType<typeof spawn> | undefined;
  let server: AloftServer | undefined;
  try {
    // A separate `aloft worker` process, joining through the database or through the server.
    const cli = ["--import", "tsx", path.join(root, "src/cli/main.ts"), "worker", flows, "--concurrency", "2"];
    if (mode === "separate") worker = spawn(process.execPath, [...cli, "--db", db], { stdio: ["ignore", "ignore", "inherit"] });
    if (mode === "server") {
      server = createServer({ engine: setup.engine, values: setup.values, logs: setup.logs, console: false, workers: { onWork: (fn) => setup.onWork(fn), files: new WorkerFiles(setup.blobDir) } });
      const url = await server.listen({ port: 0 });
      worker = spawn(process.execPath, [...cli, "--server", url], { stdio: ["ignore", "ignore", "inherit"] });
    }
    const once = async (k: number): Promise<number> => {
      const t0 = performance.now();
      if (workload === "w1") {
        const e = await setup.engine.start(fanOut, { xs: Array.from({ length: k }, (_, i) => i) }, { maxParallelism: 100_000 });
        const out = (await e.result()) as { out: number[] };
        if (out.out.length !== k || out.out[k - 1] !== k) throw new Error("W1: wrong outputs");
      } else if (workload === "w2") {
        const e = await setup.engine.start(chain(k), { x: 0 });
        const out = (await e.result()) as { y: number };
        if (out.y !== k) throw new Error(`W2: wrong output ${out.y}`);
      } else {
        const es = await Promise.all(Array.from({ length: k }, (_, i) => setup.engine.start(single, { x: i })));
        const outs = (await Promise.all(es.map((e) => e.result()))) as { y: number }[];
        if (outs.some((o, i) => o.y !== i + 1)) throw new Error("W3: wrong outputs");
      }
      return performance.now() - t0;
    };
    await once(Math.max(1, Math.round(n / 10)));
    const ms = await once(n);
    process.stdout.write(`${JSON.stringify({ ms, n })}\n`);
  } finally {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once("exit", resolve));
      worker.kill("SIGTERM");
      await exited;
    }
    await server?.close();
    await setup.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
