/**
 * Wake-ups across processes: the engine sleeps until an event may be due
 * (a result reported, an execution started, a signal given), and workers
 * until work may be ready, instead of polling. Polls stay only as a safety
 * net, with a long period.
 *
 * - On PostgreSQL, the store's transactions `NOTIFY` on commit (the
 *   notification is sent only if the transaction commits), and each process
 *   `LISTEN`s on a connection of its own, reconnecting when it drops.
 * - On SQLite, every commit writes the database's `-wal` file; each process
 *   watches the database's directory (inotify on Linux) and wakes when that
 *   file changes. A wake-up may be spurious (any writer wakes everyone);
 *   a woken engine or worker just looks once more.
 *
 * @module
 */
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { isPostgresUrl } from "./postgres-store.js";
import { postgresTarget } from "./open-store.js";
import { channelName, type WakeTopic } from "./postgres/notify.js";

export type { WakeTopic } from "./postgres/notify.js";

/**
 * A subscription to wake-ups of one database.
 *
 * @example
 * ```ts
 * const wakeups = await openWakeups(".aloft/aloft.db");
 * wakeups.on("work", () => worker.wake());
 * ```
 */
export interface Wakeups {
  /** Calls `fn` whenever something of `topic` may have happened (`events`: the engine's inbox; `work`: the task queue). */
  on(topic: WakeTopic, fn: () => void): void;
  /** Stops listening. */
  close(): Promise<void>;
}

class Listeners {
  private readonly fns = new Map<WakeTopic, (() => void)[]>();
  on(topic: WakeTopic, fn: () => void): void {
    const list = this.fns.get(topic) ?? [];
    list.push(fn);
    this.fns.set(topic, list);
  }
  fire(topic: WakeTopic | "all"): void {
    for (const [t, list] of this.fns) if (topic === "all" || t === topic) for (const fn of list) fn();
  }
}

/**
 * When listeners are told again after a write to the `-wal`: the write comes
 * before the commit's sync (`synchronous = FULL`) and before the commit is
 * visible, so one look at once may find nothing yet.
 */
const SETTLE_MS: readonly number[] = [2, 10, 40, 150];

/** Wake-ups of a SQLite file: a watch on its directory, firing on writes to its `-wal`. */
function sqliteWakeups(file: string): Wakeups {
  const listeners = new Listeners();
  const dir = path.dirname(path.resolve(file));
  const wal = `${path.basename(file)}-wal`;
  let watcher: FSWatcher | undefined;
  let settle: NodeJS.Timeout | undefined;
  let step = 0;
  const later = (): void => {
    settle = undefined;
    listeners.fire("all");
    const next = SETTLE_MS[++step];
    if (next !== undefined) settle = setTimeout(later, next - (SETTLE_MS[step - 1] ?? 0));
  };
  try {
    watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name !== wal) return;
      listeners.fire("all");
      // Look again shortly after, once the commit is synced and visible (coalesced: one pending look at a time).
      if (settle) clearTimeout(settle);
      step = 0;
      settle = setTimeout(later, SETTLE_MS[0]);
      settle.unref();
    });
    watcher.on("error", () => undefined);
  } catch {
    watcher = undefined; // no watch on this file system: the polls remain
  }
  return {
    on: (topic, fn) => listeners.on(topic, fn),
    async close() {
      if (settle) clearTimeout(settle);
      watcher?.close();
    },
  };
}

/** Wake-ups of a PostgreSQL database: `LISTEN` on a connection of its own, reconnecting after a drop. */
async function postgresWakeups(db: string): Promise<Wakeups> {
  const { default: driver } = await import("pg");
  const target = postgresTarget(db);
  const schema = target.options.schema;
  const listeners = new Listeners();
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new driver.Client({ connectionString: target.url, application_name: "aloft wake-ups" });
    c.on("error", () => undefined);
    c.on("end", () => {
      if (client === c) client = undefined;
      if (!closed) {
        listeners.fire("all"); // something may have happened while we could not hear it
        retry = setTimeout(() => void connect(), 500);
      }
    });
    c.on("notification", (n) => {
      for (const topic of ["events", "work"] as const) if (n.channel === channelName(topic, schema)) listeners.fire(topic);
    });
    try {
      await c.connect();
      for (const topic of ["events", "work"] as const) await c.query(`LISTEN ${channelName(topic, schema)}`);
      client = c;
      listeners.fire("all");
    } catch {
      await c.end().catch(() => undefined);
    }
  };
  await connect();
  return {
    on: (topic, fn) => listeners.on(topic, fn),
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}

/**
 * Opens wake-ups for the database `db` names (a SQLite file or a PostgreSQL URL).
 *
 * @example
 * ```ts
 * const wakeups = await openWakeups("postgres://db.internal/aloft");
 * wakeups.on("events", () => engine.poke());
 * ```
 */
export async function openWakeups(db: string): Promise<Wakeups> {
  return isPostgresUrl(db) ? postgresWakeups(db) : sqliteWakeups(db);
}
