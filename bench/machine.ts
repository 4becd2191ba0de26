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
