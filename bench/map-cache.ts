/**
 * The map-task and cache benchmarks: one child process measures a map task
 * over many trivial elements and a re-run of a workflow of cached tasks.
 *
 * @module
 */
import { runWorker } from "./spawn.js";

/** A map task run: time per element and memory. */
export interface MapResult {
  readonly kind: "map";
  readonly elements: number;
  readonly runs: number;
  readonly ms: number;
  readonly usPerElement: number;
  readonly directMs: number;
  readonly peakRssGrowthMiB: number;
  readonly heapKeptMiB: number;
  readonly resultMiB: number;
}

/** A re-run served from the cache: time per hit. */
export interface CacheResult {
  readonly kind: "cache";
  readonly nodes: number;
  readonly runs: number;
  readonly populateMs: number;
  readonly ms: number;
  readonly usPerHit: number;
}

/** Both results. */
export interface MapCacheResult {
  readonly map: MapResult;
  readonly cache: CacheResult;
}

/**
 * Measures in a fresh process.
 *
 * @example
 * ```ts
 * const { map, cache } = await measureMapCache(100_000, 1_000, 5);
 * ```
 */
export async function measureMapCache(mapElements: number, cachedNodes: number, runs: number): Promise<MapCacheResult> {
  const messages = await runWorker<MapResult | CacheResult>("map-cache.ts", [String(mapElements), String(cachedNodes), String(runs)]);
  const map = messages.find((m): m is MapResult => m.kind === "map");
  const cache = messages.find((m): m is CacheResult => m.kind === "cache");
  if (!map || !cache) throw new Error("bench/workers/map-cache.ts reported no result");
  return { map, cache };
}

function n(v: number, digits = 2): string {
  return v.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** The report's section on map tasks and the cache. */
export function mapCacheSection(r: MapCacheResult | undefined): string {
  if (!r) return "Not measured in this run.";
  const { map, cache } = r;
  return `Measured in a fresh child process (\`bench/workers/map-cache.ts\`), medians of ${map.runs} runs after a warm-up run.

| Workload | Size | Median run (ms) | Per item | Memory |
| --- | ---: | ---: | ---: | --- |
| Map task of \`inc\` (\`mapTask(inc)\`), local runner | ${n(map.elements, 0)} elements | ${n(map.ms)} | ${n(map.usPerElement, 3)} µs / element | peak RSS +${n(map.peakRssGrowthMiB, 1)} MiB while running; heap kept after GC ${n(map.heapKeptMiB, 1)} MiB (the ${n(map.elements, 0)} results alone: ${n(map.resultMiB, 1)} MiB) |
| Re-run of a workflow of ${n(cache.nodes, 0)} cached tasks, every node a hit | ${n(cache.nodes, 0)} nodes | ${n(cache.ms)} | ${n(cache.usPerHit, 1)} µs / hit | (first run, populating the cache: ${n(cache.populateMs, 0)} ms) |

- The map task's memory stays on the order of its results: nothing is kept per element but the output list. Calling the task's body directly on every element takes ${n(map.directMs)} ms.
- A cache hit reads one entry file from the local cache directory (\`cacheDir\`, a fresh temporary directory) and decodes its outputs by type; the run checks that every node reported \`hit\`.`;
}
