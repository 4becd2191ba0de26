/**
 * Whether an engine runs over a PostgreSQL database now: the oldest engine
 * whose lease runs (engines record themselves and renew their leases; see
 * the port's `renewEngine`). Several engines may run over one database.
 *
 * @module
 */
import type { EngineLockHolder } from "../sqlite/engine-lock.js";
import { openPostgresStore, type PostgresStoreOptions } from "../postgres-store.js";

/**
 * The oldest live engine over a PostgreSQL database (or schema), as a lock holder is described; undefined when none runs.
 *
 * @example
 * ```ts
 * const running = await livePostgresEngine("postgres://db.internal/aloft");
 * if (running) console.log(`an engine runs: pid ${running.pid} on ${running.host}`);
 * ```
 */
export async function livePostgresEngine(url: string, options: PostgresStoreOptions = {}): Promise<EngineLockHolder | undefined> {
  const store = await openPostgresStore(url, { ...options, poolSize: 1 });
  try {
    const [oldest] = await store.liveEngines(Date.now());
    return oldest && { pid: oldest.pid, host: oldest.host, command: oldest.command, since: oldest.since };
  } finally {
    await store.close();
  }
}
