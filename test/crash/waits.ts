/**
 * Waits the crash tests share: on a condition seen in files other processes
 * write (a side-effect log, a marker), checked every 20 ms up to a limit.
 */
import { existsSync, readFileSync } from "node:fs";

/** Resolves once `cond()` holds; rejects naming `what` after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The non-empty lines of a log file, none when it does not exist yet. */
export function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [];
}
