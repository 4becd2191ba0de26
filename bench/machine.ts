/**
 * What machine the benchmark ran on.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import os from "node:os";

/** The machine and runtime a benchmark ran on. */
export interface MachineInfo {
  /** CPU model, from `/proc/cpuinfo` when available. */
  readonly cpu: string;
  /** Logical cores the process may use. */
  readonly cores: number;
  /** Total memory in GiB. */
  readonly memoryGiB: number;
  /** `process.version`. */
  readonly node: string;
  /** `os.platform()` `os.release()` and architecture. */
  readonly os: string;
  /** Load average over the last minute when the benchmark started. */
  readonly load1: number;
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    load1: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

function cpuTimes(): { idle: number; total: number } | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are idle time.
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { idle: (fields[3] ?? 0) + (fields[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/** The fraction of all cores left idle over the next `ms` milliseconds (1 where it cannot be read). */
export async function idleFraction(ms: number): Promise<number> {
  const a = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return 1;
  return (b.idle - a.idle) / (b.total - a.total);
}

/**
 * Waits until the machine is mostly idle (other jobs share it), checking
 * every half second, for at most `maxMs`. Resolves to whether it became idle.
 */
export async function waitForIdle(minIdle: number, maxMs: number): Promise<boolean> {
  const start = performance.now();
  while (performance.now() - start < maxMs) {
    if ((await idleFraction(500)) >= minIdle) return true;
  }
  return false;
}
