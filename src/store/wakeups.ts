/**
 * Wake-ups across processes: the engine sleeps until an event may be due
 * (a result reported, an execution started, a signal given), and workers
 * until work may be ready, instead of polling. Polls stay only as a safety
 * net, with a long period.
 *
 * - On PostgreSQL, the store's transactions `NOTIFY` on commit (the
 *   notification is sent only if the transaction commits), and each process
 *   `LISTEN`s on a connection of its own, reconnecting when it drops.
 * - On SQLite, the store writes a byte to a wake file beside the database
 *   (`<db>-events`, `<db>-work`) once a transaction that added events or
 *   work has committed (`sqlite/wake-files.ts`); each process watches the
 *   database's directory (inotify on Linux) and wakes when such a file changes.
 * - A commit that ends an execution wakes `ended` (`<db>-ended`), so followers
 *   in other processes (`engine.result()`, `aloft follow`) learn of the end at
 *   once, whichever worker's result ended it (the engine's own worker's,
 *   applied in a commit that adds no event, woke nobody before).
 *
 * Given the process's own store, wake-ups ignore that store's own commits
 * (SQLite: its connection's `data_version` did not move; PostgreSQL: the
 * notification came from one of its connections): whoever wrote them in this
 * process tells the engine or worker directly (`poke`, `wake`), and a second,
 * spurious look would cost a read and a claim per step. What this process
 * writes without telling anyone directly (a claim that turns an exhausted
 * lease into a `taskSystemFailed` event) is found by the safety-net poll.
 *
 * @module
 */
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { isPostgresUrl, PostgresStore } from "./postgres-store.js";
import { postgresTarget } from "./open-store.js";
import { channelName, type WakeTopic } from "./postgres/notify.js";
import { SqliteStore } from "./sqlite-store.js";
import { wakeFileName } from "./sqlite/wake-files.js";
import type { Store } from "./store.js";

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
  /** Calls `fn` whenever something of `topic` may have happened (`events`: the engine's inbox; `work`: the task queue; `ended`: an execution ended). */
  on(topic: WakeTopic, fn: () => void): void;
  /** Stops listening. */
  close(): Promise<void>;
}

/** Options of `openWakeups`. */
export interface WakeupsOptions {
  /** This process's store over the same database: its own commits wake nobody here (see the module's notes). */
  readonly store?: Store;
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

const TOPICS: readonly WakeTopic[] = ["events", "work", "ended"];

/** Wake-ups of a SQLite file: a watch on its directory, firing on writes to its wake files. */
function sqliteWakeups(file: string, own: SqliteStore | undefined): Wakeups {
  const listeners = new Listeners();
  const dir = path.dirname(path.resolve(file));
  const names = new Map(TOPICS.map((t) => [path.basename(wakeFileName(file, t)), t]));
  // The data_version each topic last fired at: an unchanged one means no other connection committed since.
  const seen = new Map<WakeTopic, number>();
  if (own) for (const t of TOPICS) seen.set(t, own.dataVersion());
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_event, name) => {
      const topic = name === null ? undefined : names.get(name);
      if (topic === undefined) return;
      if (own) {
        let version: number;
        try {
          version = own.dataVersion();
        } catch {
          return; // the store closed
        }
        if (seen.get(topic) === version) return;
        seen.set(topic, version);
      }
      listeners.fire(topic);
    });
    watcher.on("error", () => undefined);
  } catch {
    watcher = undefined; // no watch on this file system: the polls remain
  }
  return {
    on: (topic, fn) => listeners.on(topic, fn),
    async close() {
      watcher?.close();
    },
  };
}

/** Wake-ups of a PostgreSQL database: `LISTEN` on a connection of its own, reconnecting after a drop. */
async function postgresWakeups(db: string, own: PostgresStore | undefined): Promise<Wakeups> {
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
      if (own?.ownsBackend(n.processId)) return;
      for (const topic of TOPICS) if (n.channel === channelName(topic, schema)) listeners.fire(topic);
    });
    try {
      await c.connect();
      for (const topic of TOPICS) await c.query(`LISTEN ${channelName(topic, schema)}`);
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
 * const wakeups = await openWakeups("postgres://db.internal/aloft", { store });
 * wakeups.on("events", () => engine.poke());
 * ```
 */
export async function openWakeups(db: string, options: WakeupsOptions = {}): Promise<Wakeups> {
  const { store } = options;
  if (isPostgresUrl(db)) return postgresWakeups(db, store instanceof PostgresStore ? store : undefined);
  return sqliteWakeups(db, store instanceof SqliteStore ? store : undefined);
}
