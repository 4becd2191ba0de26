/**
 * `npm run bench` (third part): the web console with many executions and a
 * large map task, in Debian's Chromium driven by playwright-core, over a real
 * server on the embedded SQLite engine. Seeds 10,000 one-task executions and
 * one of a 2,000-element map task, then times, as medians of rounds
 * interleaved across measurements: the execution list's first page, the next
 * page, a phase filter, the finished map execution's page until its DAG shows
 * 2,000 of 2,000 done, and, for a map execution watched live, how long after
 * the engine's end the page shows it. Writes the "Web console" section of
 * BENCHMARKS.md. `-- --executions N --elements M --rounds R` change the sizes.
 *
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { startEmbedded } from "../src/engine/embedded.js";
import { createServer } from "../src/server/server.js";
import { fanOut, single } from "./durable/flows.js";
import { writeSection } from "./section.js";
import { median } from "./stats.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
/** The flags this machine's closed network needs (the env notes). */
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const EXECUTIONS = arg("executions", 10_000);
const ELEMENTS = arg("elements", 2_000);
const ROUNDS = arg("rounds", 5);
const WAIT = 120_000;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  if (!existsSync(path.join(root, "dist", "console", "index.html"))) throw new Error("the console is not built: npm run build");
  const started = Date.now();
  const loads: number[] = [os.loadavg()[0] ?? 0];
  const dir = mkdtempSync(path.join(os.tmpdir(), "aloft-bench-console-"));
  const setup = await startEmbedded({ db: path.join(dir, "aloft.db"), dir: path.join(dir, ".aloft"), modules: [path.join(root, "bench/durable/flows.ts")], workers: 2, schedules: false });
  const server = createServer({ engine: setup.engine, logs: setup.logs });
  const browser = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), "aloft-bench-chromium-")), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 860 } });
  try {
    const url = await server.listen({ port: 0 });
    // Seeding: EXECUTIONS one-task executions, 500 at a time, then the map execution.
    const seedStart = performance.now();
    for (let done = 0; done < EXECUTIONS; ) {
      const k = Math.min(500, EXECUTIONS - done);
      const es = await Promise.all(Array.from({ length: k }, (_, i) => setup.engine.start(single, { x: done + i })));
      await Promise.all(es.map((e) => e.result()));
      done += k;
      log(`seeded ${done} of ${EXECUTIONS} executions`);
    }
    const seedMs = performance.now() - seedStart;
    const map = await setup.engine.start(fanOut, { xs: Array.from({ length: ELEMENTS }, (_, i) => i) }, { maxParallelism: 100_000 });
    await map.result();
    const page: Page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(WAIT);
    const rows = page.locator("table.executions tbody tr");
    const done = `${ELEMENTS}/${ELEMENTS} done`;
    const mapNode = page.locator(".dag g.node").filter({ hasText: done });

    const measures: Record<string, { label: string; fn: () => Promise<number> }> = {
      list: {
        label: `Execution list, first page (50 of ${(EXECUTIONS + 1).toLocaleString("en-US")}): navigation to rows shown`,
        fn: () =>
          timed(async () => {
            await page.goto(url);
            await rows.nth(49).waitFor();
          }),
      },
      next: {
        label: "Execution list, next page: click to its rows shown",
        fn: async () => {
          await page.goto(url);
          await rows.nth(49).waitFor();
          const first = await rows.first().locator("td:first-child a").textContent();
          return timed(async () => {
            await page.getByRole("button", { name: "Older →" }).click();
            await rows.first().locator("td:first-child a", { hasNotText: first ?? "" }).waitFor();
            await rows.nth(49).waitFor();
          });
        },
      },
      filter: {
        label: "Execution list, phase filter (succeeded): change to rows shown",
        fn: async () => {
          await page.goto(url);
          await rows.nth(49).waitFor();
          return timed(async () => {
            await page.getByLabel("Phase").selectOption("succeeded");
            await page.waitForURL((u) => u.searchParams.get("phase") === "succeeded");
            await rows.nth(49).waitFor();
          });
        },
      },
      map: {
        label: `Finished ${ELEMENTS.toLocaleString("en-US")}-element map execution: navigation to its DAG showing ${done}`,
        fn: () =>
          timed(async () => {
            await page.goto(`${url}/executions/${map.id}`);
            await mapNode.waitFor();
          }),
      },
      live: {
        label: `A ${ELEMENTS.toLocaleString("en-US")}-element map watched live: engine's end to the page showing it`,
        fn: async () => {
          const e = await setup.engine.start(fanOut, { xs: Array.from({ length: ELEMENTS }, (_, i) => i) }, { maxParallelism: 100_000 });
          await page.goto(`${url}/executions/${e.id}`);
          await page.locator(".dag g.node").first().waitFor();
          await e.result();
          const ended = performance.now();
          await page.locator("h1 .phase-succeeded").waitFor();
          await mapNode.waitFor();
          return performance.now() - ended;
        },
      },
    };
    const results = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, m] of Object.entries(measures)) {
        const ms = await m.fn();
        results.set(key, [...(results.get(key) ?? []), ms]);
        loads.push(os.loadavg()[0] ?? 0);
        log(`round ${round + 1}: ${key}: ${ms.toFixed(0)} ms`);
      }
    }
    // The API alone, for the list: what the page waits on.
    const apiMs: number[] = [];
    for (let i = 0; i < 20; i++) apiMs.push(await timed(() => fetch(`${url}/api/v1/executions?limit=50`).then((r) => r.json())));

    const lines = [
      "## Web console",
      "",
      `Written by \`bench/console.ts\` (the third part of \`npm run bench\`) at ${new Date().toISOString()}; it took ${Math.round((Date.now() - started) / 1000)} s.`,
      `Load average (1 min) between ${Math.min(...loads).toFixed(2)} and ${Math.max(...loads).toFixed(2)} during the run (2 shared cores: above 2, the benchmark competed for them).`,
      "",
      `- **Method.** One \`aloft serve\`-equivalent process (the embedded SQLite engine, default \`synchronous\`, 2 worker processes, \`createServer\` on loopback) seeded with ${EXECUTIONS.toLocaleString("en-US")} one-task executions (${Math.round(seedMs / 1000)} s, ${Math.round(EXECUTIONS / (seedMs / 1000))} executions/s) and one ${ELEMENTS.toLocaleString("en-US")}-element map execution; Debian's Chromium (headless, 1280×860) driven by playwright-core. Each figure is the median of ${ROUNDS} rounds, the measurements interleaved within each round; times are from the action to the awaited element being in the page. No peer is measured: Flyte's console needs a Flyte cluster.`,
      "",
      "| Measurement | Median (ms) | Runs (ms) |",
      "| --- | ---: | --- |",
      ...Object.entries(measures).map(([key, m]) => {
        const v = results.get(key) ?? [];
        return `| ${m.label} | ${Math.round(median(v))} | ${v.map((x) => Math.round(x)).join(", ")} |`;
      }),
      `| \`GET /api/v1/executions?limit=50\` over ${(EXECUTIONS + 1).toLocaleString("en-US")} executions (what the list page waits on) | ${median(apiMs).toFixed(1)} | 20 requests |`,
    ];
    const file = path.join(root, "BENCHMARKS.md");
    writeSection(file, "console", lines);
    log(`wrote the web console section of ${file}`);
  } finally {
    await browser.close();
    await server.close();
    await setup.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
