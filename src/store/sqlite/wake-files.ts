/**
 * The wake files of a SQLite database: after a transaction that added events
 * (`<db>-events`) or enqueued work (`<db>-work`) commits, the store writes a
 * byte to that file, and processes watching the database's directory
 * (`openWakeups`) wake at once. The write comes after the commit, so a
 * listener woken by it always finds what was committed (the database's
 * `-wal` is written before the commit is synced and visible).
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { WakeTopic } from "../postgres/notify.js";

/**
 * The wake file of `topic` for the database `file`.
 *
 * @example
 * ```ts
 * wakeFileName("/srv/.aloft/aloft.db", "work"); // "/srv/.aloft/aloft.db-work"
 * ```
 */
export function wakeFileName(file: string, topic: WakeTopic): string {
  return `${path.resolve(file)}-${topic}`;
}

const BYTE = Buffer.from("1");

/**
 * Writes the wake files of one database. Each touch opens, writes and closes
 * the file (a few microseconds, once per commit that wakes someone), so a
 * file removed or replaced while the store runs is written again at the next
 * commit; a touch that fails (a read-only directory) is skipped, and the next
 * one tries again: the listeners' polls cover the gap.
 *
 * @example
 * ```ts
 * const wake = new WakeFiles(".aloft/aloft.db");
 * wake.touch("events"); // after a commit that added events
 * ```
 */
export class WakeFiles {
  constructor(private readonly file: string) {}

  /** Tells the listeners of `topic` in other processes (never throws). */
  touch(topic: WakeTopic): void {
    try {
      writeFileSync(wakeFileName(this.file, topic), BYTE);
    } catch {
      // Skipped: the next commit tries again, and listeners poll meanwhile.
    }
  }

  /** Nothing is kept open: closing is a no-op, kept so a store closes its parts alike. */
  close(): void {}
}
