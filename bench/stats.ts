/**
 * Small statistics and timing helpers for the benchmark.
 *
 * @module
 */

/** The median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds elapsed since `start` (a `performance.now()` reading). */
export function since(start: number): number {
  return performance.now() - start;
}

/** Times one call of a synchronous or asynchronous function, in milliseconds. */
export async function timeOnce(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return since(start);
}

/** Options of `sample`. */
export interface SampleOptions {
  /** Untimed calls first, to let the JIT settle. */
  readonly warmup: number;
  /** Keep warming up until this many milliseconds have passed too (default 0). */
  readonly warmupMs?: number;
  /** Timed calls; the median is reported. */
  readonly runs: number;
}

/** Times `runs` calls of `fn` after at least `warmup` untimed ones (and `warmupMs`); returns every timing in milliseconds. */
export async function sample(fn: () => unknown, options: SampleOptions): Promise<number[]> {
  const warmStart = performance.now();
  for (let i = 0; i < options.warmup || since(warmStart) < (options.warmupMs ?? 0); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < options.runs; i++) times.push(await timeOnce(fn));
  return times;
}

/**
 * The exponent `k` of `time ∝ size^k` between two measurements: 1 is linear
 * growth, 2 quadratic.
 *
 * @example
 * ```ts
 * growthExponent(1000, 10, 2000, 40); // 2
 * ```
 */
export function growthExponent(size1: number, time1: number, size2: number, time2: number): number {
  return Math.log(time2 / time1) / Math.log(size2 / size1);
}

/** Runs a full garbage collection; the process must have been started with `node --expose-gc`. */
export function collectGarbage(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run benchmark workers with node --expose-gc");
  collect();
}
