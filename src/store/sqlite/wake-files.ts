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
import { closeSync, constants, openSync, writeSync } from "node:fs";
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
/** Created when missing, never truncated: truncating a file costs ext4 a journal commit (0.25–0.9 ms a touch, measured), rewriting its one byte in place costs microseconds. */
const FLAGS = constants.O_WRONLY | constants.O_CREAT;

/**
 * Writes the wake files of one database. Each touch opens the file, writes its
 * one byte in place and closes it (about 10 µs, once per commit that wakes
 * someone; inotify tells the watchers in about 20 µs), so a
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
      const fd = openSync(wakeFileName(this.file, topic), FLAGS, 0o666);
      try {
        writeSync(fd, BYTE, 0, 1, 0);
      } finally {
        closeSync(fd);
      }
    } catch {
      // Skipped: the next commit tries again, and listeners poll meanwhile.
    }
  }

  /** Nothing is kept open: closing is a no-op, kept so a store closes its parts alike. */
  close(): void {}
}
