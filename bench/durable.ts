/**
 * `npm run bench` (second part): the durable engine's throughput, on SQLite
 * (synchronous FULL, the default, and NORMAL) and PostgreSQL, over the
 * issue's three workloads: W1 one execution fanning out to 2,000 trivial
 * tasks, W2 a chain of 200 tasks, W3 500 one-task executions started at once;
 * W2 also with the worker in a separate `aloft worker` process, through the database and through the
 * server. Each
 * measurement is a fresh process over a fresh database (a SQLite file, or a
 * PostgreSQL schema), rounds interleaved across configurations, medians
 * reported. Writes the "Durable engine" section of BENCHMARKS.md.
 * `-- --rounds N` sets the rounds (default 3); `-- --only TEXT` runs only the workloads whose name
 * contains TEXT, and writes them to a section of their own in BENCHMARKS.md.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { suiteServer } from "../test/helpers/postgres.js";
import { writeSection } from "./section.js";
import { median } from "./stats.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const scratch = path.join(root, "scratch", "durable");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
const onlyArg = process.argv.indexOf("--only");
const ONLY = onlyArg > 0 ? process.argv[onlyArg + 1] : undefined;

interface Config {
  readonly name: string;
  readonly db: (run: number) => string;
  readonly env: Readonly<Record<string, string>>;
  /** The measuring script (default Aloft's `aloft-run.ts`); peers have their own. */
  readonly script?: string;
  /** A peer runs the workloads without a separate-worker mode. */
  readonly peer?: true;
}
interface Workload {
  readonly name: string;
  readonly id: "w1" | "w2" | "w3";
  readonly n: number;
  readonly mode?: "separate" | "server";
  readonly unit: "tasks/s" | "ms/step" | "executions/s";
}

const ALL_WORKLOADS: readonly Workload[] = [
  { name: "W1 fan-out, 2,000 tasks", id: "w1", n: 2000, unit: "tasks/s" },
  { name: "W2 chain, 200 steps", id: "w2", n: 200, unit: "ms/step" },
  { name: "W2, aloft worker process through the database", id: "w2", n: 200, mode: "separate", unit: "ms/step" },
  { name: "W2, aloft worker process through the server", id: "w2", n: 200, mode: "server", unit: "ms/step" },
  { name: "W3 500 one-task executions", id: "w3", n: 500, unit: "executions/s" },
];

const WORKLOADS = ONLY === undefined ? ALL_WORKLOADS : ALL_WORKLOADS.filter((w) => w.name.includes(ONLY));

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function figure(w: Workload, ms: number): number {
  return w.unit === "ms/step" ? ms / w.n : (w.n / ms) * 1000;
}

async function main(): Promise<void> {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const pg = await suiteServer();
  let runs = 0;
  const configs: Config[] = [
    { name: "SQLite, synchronous FULL (default)", db: (r) => path.join(scratch, `full-${r}`, "aloft.db"), env: { ALOFT_SQLITE_SYNCHRONOUS: "full" } },
    { name: "SQLite, synchronous NORMAL", db: (r) => path.join(scratch, `normal-${r}`, "aloft.db"), env: { ALOFT_SQLITE_SYNCHRONOUS: "normal" } },
    { name: "PostgreSQL 15 (same machine)", db: (r) => `${pg.url}${pg.url.includes("?") ? "&" : "?"}schema=aloft_bench_${process.pid}_${r}`, env: {} },
    { name: "LangGraph.js + SqliteSaver", db: (r) => path.join(scratch, `langgraph-${r}`, "checkpoints.db"), env: {}, script: "bench/durable/langgraph-run.ts", peer: true },
    { name: "graphile-worker on PostgreSQL 15", db: (r) => `${pg.url}${pg.url.includes("?") ? "&" : "?"}schema=graphile_bench_${process.pid}_${r}`, env: {}, script: "bench/durable/graphile-run.ts", peer: true },
  ];
  const results = new Map<string, number[]>();
  const started = Date.now();
  const loads: number[] = [os.loadavg()[0] ?? 0];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const w of WORKLOADS) {
        for (const c of configs) {
          if (c.peer && w.mode !== undefined) continue;
          const db = c.db(++runs);
          if (!db.startsWith("postgres")) mkdirSync(path.dirname(db), { recursive: true });
          const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, c.script ?? "bench/durable/aloft-run.ts"), db, w.id, String(w.n), w.mode ?? ""], {
            cwd: root,
            env: { ...process.env, ...c.env },
            encoding: "utf8",
            timeout: 600_000,
          });
          loads.push(os.loadavg()[0] ?? 0);
          const line = r.stdout.trim().split("\n").pop() ?? "";
          if (r.status !== 0 || !line.startsWith("{")) {
            log(`${c.name} / ${w.name}: failed (${r.status ?? r.signal}): ${r.stderr.slice(-500)}`);
            continue;
          }
          const { ms } = JSON.parse(line) as { ms: number };
          const key = `${c.name}|${w.name}`;
          results.set(key, [...(results.get(key) ?? []), figure(w, ms)]);
          log(`round ${round + 1}: ${c.name} / ${w.name}: ${figure(w, ms).toFixed(2)} ${w.unit}`);
        }
      }
    }
  } finally {
    await pg.release();
  }
  const med = (c: Config, w: Workload): number | undefined => {
    const v = results.get(`${c.name}|${w.name}`) ?? [];
    return v.length ? median(v) : undefined;
  };
  const rows = WORKLOADS.map((w) => {
    const cells = configs.map((c) => {
      if (c.peer && w.mode !== undefined) return "—";
      const v = results.get(`${c.name}|${w.name}`) ?? [];
      return v.length ? `${fmt(median(v), w.unit)} (${v.length})` : "failed";
    });
    return `| ${w.name} (${w.unit}) | ${cells.join(" | ")} |`;
  });
  // How many times better Aloft is than the peer on the same store kind (above 1: Aloft is better; for ms/step, the peer's time ÷ Aloft's).
  const [full, , postgres, langgraph, graphile] = configs as [Config, Config, Config, Config, Config];
  const ratio = (a: Config, peer: Config, w: Workload): string => {
    const x = med(a, w);
    const y = med(peer, w);
    if (x === undefined || y === undefined) return "—";
    return `${(w.unit === "ms/step" ? y / x : x / y).toFixed(2)}×`;
  };
  const ratioRows = WORKLOADS.filter((w) => w.mode === undefined).map((w) => `| ${w.name} | ${ratio(full, langgraph, w)} | ${ratio(postgres, graphile, w)} |`);
  const lines = [
    "## Durable engine",
    "",
    `Written by \`bench/durable.ts\` (the second part of \`npm run bench\`) at ${new Date().toISOString()}; ${ROUNDS} rounds took ${Math.round((Date.now() - started) / 1000)} s.`,
    `Load average (1 min) between ${Math.min(...loads).toFixed(2)} and ${Math.max(...loads).toFixed(2)} during the run (the machine has 2 cores and is shared: above 2, the benchmark competed for them).`,
    "",
    "- **Method.** Each figure is the median (runs in parentheses) of fresh processes (`bench/durable/aloft-run.ts`), each over a fresh database (a new SQLite file; a new PostgreSQL schema on the same server), rounds interleaved across configurations. A process starts `startEmbedded` with 2 worker processes (W2 with a separate worker: no embedded workers and an `aloft worker` process of 2, joined through the database with `--db`, or through the API server, run in the measuring process, with `--server`; wake-ups by LISTEN/NOTIFY, SQLite's wake files, or the server's event stream), runs the workload once at a tenth of its size untimed, then times it once from `engine.start` to the last `result()`, checking every output.",
    "- **Workloads.** W1: one execution of a map task over 2,000 ints (`x + 1`; `maxParallelism` unbounded). W2: a chain of 200 such tasks (ms a step = total / 200). W3: 500 executions of a one-task workflow, started at once.",
    "- **Peers**, in the same rounds, each in a fresh process over a fresh store: LangGraph.js 1.7.3 with `@langchain/langgraph-checkpoint-sqlite` 1.0.4 (`bench/durable/langgraph-run.ts`: W1 one invoke whose start `Send`s 2,000 tasks in one superstep, W2 a chain of 200 nodes, W3 500 invokes at once, each a thread; every superstep checkpointed to SQLite with the saver's defaults), and graphile-worker 0.16.6 on the same PostgreSQL (`bench/durable/graphile-run.ts`: one runner of concurrency 2, as Aloft has two task slots; W1 one job adding 2,000 jobs with `add_jobs`, W2 a chain of 200 jobs each adding the next, W3 500 jobs added at once). Warm-up and timing as for Aloft.",
    "",
    `| Workload | ${configs.map((c) => c.name).join(" | ")} |`,
    `| --- | ${configs.map(() => "---:").join(" | ")} |`,
    ...rows,
    ...(ratioRows.length === 0
      ? []
      : [
          "",
          "Aloft against each peer on the same kind of store (above 1×: Aloft is better; throughput ÷ throughput, or the peer's ms a step ÷ Aloft's):",
          "",
          "| Workload | Aloft SQLite FULL ÷ LangGraph.js + SqliteSaver | Aloft PostgreSQL ÷ graphile-worker |",
          "| --- | ---: | ---: |",
          ...ratioRows,
        ]),
  ];
  const file = path.join(root, "BENCHMARKS.md");
  if (ONLY !== undefined) {
    // A subset has a section of its own, so it never hides the full run's.
    writeSection(file, "durable-subset", [`## Durable engine, the workloads named "${ONLY}" (\`npm run bench:durable -- --only "${ONLY}"\`)`, ...lines.slice(1)]);
    log(`wrote the durable-subset section of ${file}`);
    return;
  }
  writeSection(file, "durable", lines);
  log(`wrote the durable section of ${file}`);
}

function fmt(v: number, unit: Workload["unit"]): string {
  return unit === "ms/step" ? v.toFixed(2) : Math.round(v).toLocaleString("en-US");
}

main().catch((e: unknown) => {
  log(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
