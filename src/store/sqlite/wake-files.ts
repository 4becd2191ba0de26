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
import { closeSync, openSync, writeSync } from "node:fs";
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
 * Writes the wake files of one database (each opened once, on first use).
 *
 * @example
 * ```ts
 * const wake = new WakeFiles(".aloft/aloft.db");
 * wake.touch("events"); // after a commit that added events
 * ```
 */
export class WakeFiles {
  private readonly fds = new Map<WakeTopic, number>();
  /** A file that could not be written (a read-only directory): no more tries, the listeners' polls remain. */
  private failed = false;

  constructor(private readonly file: string) {}

  /** Tells the listeners of `topic` in other processes (never throws). */
  touch(topic: WakeTopic): void {
    if (this.failed) return;
    try {
      let fd = this.fds.get(topic);
      if (fd === undefined) this.fds.set(topic, (fd = openSync(wakeFileName(this.file, topic), "w")));
      writeSync(fd, BYTE, 0, 1, 0);
    } catch {
      this.failed = true;
    }
  }

  /** Closes the files. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
