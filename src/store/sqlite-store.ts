/**
 * `SqliteStore`: the `Store` port over one SQLite file (better-sqlite3), the
 * embedded default. Every method is one transaction; writes take the lock up
 * front (`BEGIN IMMEDIATE`), so several processes may share one file and the
 * queue never hands one item to two workers.
 *
 * @module
 */
import type Database from "better-sqlite3";
import {
  checkCacheFilter, checkBatchLimit, checkDuration, checkFirstEvent, checkPageLimit, decodeCursor, endsExecution, startedAtClaim, encodeCursor, isRefusal, registryConflict, storeClosed } from "./rules.js";
import {
  cacheFromCols,
  entityFromCols,
  eventFromCols,
  executionFromCols,
  listedFromCols,
  toJson,
  type CacheCols,
  type EntityCols,
  type EventCols,
  type ExecutionCols,
  type ListedNodeCols,
} from "./sqlite/codec.js";
import { applyStep, insertEvent, insertExecution, StepChecks } from "./sqlite/commit.js";
import { assembleListing } from "./map-elements.js";
import { claim, extendLease, finish, release } from "./sqlite/queue.js";
import { OWNABLE, acquireExecutions, checkFence, engineFromCols, reapEngines, renewEngine } from "./sqlite/ownership.js";
import { openDatabase, SchemaGuard, type SqliteSynchronous } from "./sqlite/schema.js";
import { Sql } from "./sqlite/sql.js";
import { WakeFiles } from "./sqlite/wake-files.js";
import type {
  CacheFilter,
  CacheEntry,
  ClaimedTask,
  EngineRecord,
  EntityKey,
  ExecutionFilter,
  ExecutionRow,
  InboxEvent,
  NewEvent,
  NodeRow,
  Ownership,
  Page,
  RegisteredEntity,
  RegisteredKind,
  StepCommit,
  Store,
  TaskRelease,
  TaskReport,
  TaskResult,
} from "./store.js";


/** The nodes of an execution with their map inputs, and its map elements, in listing order (`Store.listNodes`). */
const LIST_NODES = `SELECT n.execution_id AS execution_id, n.path AS path, n.entity AS entity, n.phase AS phase, n.attempts AS attempts,
    n.system_attempts AS system_attempts, n.cache_status AS cache_status, COALESCE(n.inputs, m.inputs) AS inputs, n.outputs AS outputs, n.error AS error,
    n.started_at AS started_at, n.ended_at AS ended_at, n.updated_at AS updated_at, n.data AS data, NULL AS map_path, NULL AS idx, n.started_at IS NULL AS unstarted
  FROM nodes n LEFT JOIN map_inputs m ON m.execution_id = n.execution_id AND m.path = n.path WHERE n.execution_id = ?
  UNION ALL
  SELECT execution_id, map_path || '[' || idx || ']', '', phase, attempts, system_attempts, cache_status, inputs,
    outputs, error, started_at, ended_at, updated_at, marks, map_path, idx, started_at IS NULL
  FROM map_elements WHERE execution_id = ?
  ORDER BY unstarted, started_at, path`;
/**
 * Options of `openSqliteStore`.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore(".aloft/aloft.db", { busyTimeoutMs: 30_000 });
 * ```
 */
export interface SqliteStoreOptions {
  /** How long a write waits for another connection's lock before failing (default 10 s). */
  readonly busyTimeoutMs?: number;
  /** How durable a commit is: `"full"` (default; survives a power cut) or `"normal"` (survives a crash of any process). See `SqliteSynchronous`. */
  readonly synchronous?: SqliteSynchronous;
}

/**
 * Opens the SQLite store at `file` (its directory and schema are created as
 * needed; `":memory:"` for a private in-memory database).
 *
 * @example
 * ```ts
 * const store = await openSqliteStore(".aloft/aloft.db");
 * try {
 *   console.log(await store.listExecutions({ phase: "running" }, { limit: 20 }));
 * } finally {
 *   await store.close();
 * }
 * ```
 */
export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  return new SqliteStore(await openDatabase(file, options));
}

/**
 * The `Store` port over a better-sqlite3 connection. Build it with
 * `openSqliteStore`, which prepares the database; the constructor takes a
 * connection whose schema is already migrated.
 *
 * @example
 * ```ts
 * const store: Store = await openSqliteStore("/var/lib/aloft/aloft.db");
 * const [item] = await store.claimTasks("worker-1", 1, 30_000, Date.now());
 * ```
 */
export class SqliteStore implements Store {
  private readonly sql: Sql;
  /** Wakes other processes after commits that add events or work (none for an in-memory database). */
  private readonly wake: WakeFiles | undefined;

  /** The connection's `synchronous` level (2: FULL, the default, syncs every commit; 1: NORMAL). */
  private readonly synchronous: number;

  /** Refuses to write once a newer Aloft has migrated the file under this one (`SchemaTooNewError`). */
  private readonly schemaGuard: SchemaGuard;

  constructor(db: Database.Database) {
    this.sql = new Sql(db);
    this.wake = db.memory ? undefined : new WakeFiles(db.name);
    this.synchronous = db.pragma("synchronous", { simple: true }) as number;
    this.schemaGuard = new SchemaGuard(db);
  }

  /**
   * SQLite's `data_version` of this store's connection: it changes when another connection (another
   * process) commits, never for this store's own commits. Wake-ups use it to ignore this process's own writes.
   *
   * @example
   * ```ts
   * const before = store.dataVersion();
   * // ... another process commits ...
   * store.dataVersion() !== before; // true
   * ```
   */
  dataVersion(): number {
    return this.s.db.pragma("data_version", { simple: true }) as number;
  }

  /**
   * The task queue for a worker on this machine (the embedded worker, `aloft worker --db`): its claims,
   * heartbeats, results and cache locks commit without a sync of their own under `synchronous = "full"`; the
   * engine's next commit, which is synced, makes them durable with it (a sync covers every earlier write to the
   * log). No acknowledged transition is lost: what a power cut can take is an attempt's claim or result from
   * before the engine acted on it, and that attempt runs again, as it would have with its worker gone (tasks
   * are idempotent). A worker on another machine (through the server) claims through it too, but reports through
   * the store itself: its result is synced before the server acknowledges it.
   *
   * @example
   * ```ts
   * await startWorker({ store: store.localWorkQueue(), modules: ["flows.ts"], concurrency: 2 });
   * ```
   */
  localWorkQueue(): Pick<Store, "claimTasks" | "heartbeat" | "finishTask" | "finishTasks" | "releaseTasks" | "getCached" | "lockCacheKey" | "unlockCacheKey"> {
    const unsynced = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A): Promise<R> => this.unsynced(() => fn.apply(this, args));
    return {
      claimTasks: unsynced(this.claimTasks),
      heartbeat: unsynced(this.heartbeat),
      finishTask: unsynced(this.finishTask),
      finishTasks: unsynced(this.finishTasks),
      releaseTasks: unsynced(this.releaseTasks),
      getCached: (key) => this.getCached(key),
      lockCacheKey: unsynced(this.lockCacheKey),
      unlockCacheKey: unsynced(this.unlockCacheKey),
    };
  }

  /**
   * Runs one of this store's methods with its writes unsynced (`synchronous = NORMAL` for their transaction).
   * The methods ask `Sql` for their transactions before they first await (better-sqlite3 is synchronous), so
   * only their writes are marked; `Sql` commits a batch at NORMAL only when all its writes are unsynced.
   */
  private unsynced<R>(fn: () => Promise<R>): Promise<R> {
    const sql = this.s;
    if (this.synchronous < 2) return fn();
    sql.unsynced = true;
    try {
      return fn();
    } finally {
      sql.unsynced = false;
    }
  }

  /** Wakes the listeners in other processes once a transaction that wrote events or work has committed. */
  private woke(events: boolean, work: boolean, ended = false): void {
    if (events) this.wake?.touch("events");
    if (work) this.wake?.touch("work");
    if (ended) this.wake?.touch("ended");
  }

  /** The connection, while open; throws the same error as `MemoryStore` after `close`. */
  private get s(): Sql {
    if (!this.sql.db.open) throw storeClosed();
    return this.sql;
  }

  async registerEntity(entity: RegisteredEntity): Promise<"created" | "exists"> {
    const sql = this.s;
    const k = entity.key;
    return sql.write(() => {
      const stored = sql.get<{ digest: string }>(
        "SELECT digest FROM entities WHERE kind = ? AND project = ? AND domain = ? AND name = ? AND version = ?",
        entity.kind,
        k.project,
        k.domain,
        k.name,
        k.version,
      );
      if (stored) {
        if (stored.digest === entity.digest) return "exists";
        throw registryConflict(entity.kind, k, stored.digest, entity.digest);
      }
      sql.run(
        "INSERT INTO entities (kind, project, domain, name, version, spec, digest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        entity.kind,
        k.project,
        k.domain,
        k.name,
        k.version,
        toJson(entity.spec),
        entity.digest,
        entity.createdAt,
      );
      return "created";
    });
  }

  async getEntity(kind: RegisteredKind, key: EntityKey): Promise<RegisteredEntity | undefined> {
    const r = this.s.get<EntityCols>(
      "SELECT * FROM entities WHERE kind = ? AND project = ? AND domain = ? AND name = ? AND version = ?",
      kind,
      key.project,
      key.domain,
      key.name,
      key.version,
    );
    return r && entityFromCols(r);
  }

  async listEntities(kind: RegisteredKind, filter: { readonly project?: string; readonly domain?: string; readonly name?: string } = {}): Promise<RegisteredEntity[]> {
    const rows = this.s.all<EntityCols>(
      `SELECT * FROM entities WHERE kind = ? AND (? IS NULL OR project = ?) AND (? IS NULL OR domain = ?) AND (? IS NULL OR name = ?)
       ORDER BY name, created_at, version`,
      kind,
      ...[filter.project, filter.domain, filter.name].flatMap((v) => [v ?? null, v ?? null]),
    );
    return rows.map(entityFromCols);
  }

  async createExecution(row: ExecutionRow, first: NewEvent, owner?: string): Promise<void> {
    const sql = this.s;
    checkFirstEvent(row, first);
    await sql.batch(() => {
      insertExecution(sql, row, "createExecution");
      if (owner !== undefined) sql.run("UPDATE executions SET owner = ?, owner_epoch = 1 WHERE id = ?", owner, row.id);
      insertEvent(sql, first, 0, "createExecution");
    });
    this.woke(true, false);
  }

  async getExecution(id: string): Promise<ExecutionRow | undefined> {
    const r = this.s.get<ExecutionCols>("SELECT * FROM executions WHERE id = ?", id);
    return r && executionFromCols(r);
  }

  async listExecutions(filter: ExecutionFilter, page: { readonly limit: number; readonly cursor?: string }): Promise<Page<ExecutionRow>> {
    const sql = this.s;
    checkPageLimit(page.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]): void => {
      where.push(clause);
      params.push(...values);
    };
    if (filter.project !== undefined) add("project = ?", filter.project);
    if (filter.domain !== undefined) add("domain = ?", filter.domain);
    if (filter.workflowName !== undefined) add("workflow_name = ?", filter.workflowName);
    if (filter.launchPlanName !== undefined) add("launch_plan_name = ?", filter.launchPlanName);
    if (filter.phase !== undefined) add("phase = ?", filter.phase);
    if (filter.createdAfter !== undefined) add("created_at >= ?", filter.createdAfter);
    if (filter.createdBefore !== undefined) add("created_at < ?", filter.createdBefore);
    if (filter.parentId !== undefined) add("parent_id = ?", filter.parentId);
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor);
      add("(created_at < ? OR (created_at = ? AND id < ?))", after.createdAt, after.createdAt, after.id);
    }
    const rows = sql.all<ExecutionCols>(
      `SELECT * FROM executions ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id DESC LIMIT ?`,
      ...params,
      page.limit + 1,
    );
    const items = rows.slice(0, page.limit).map(executionFromCols);
    const last = items[items.length - 1];
    return { items, next: rows.length > page.limit && last ? encodeCursor(last) : undefined };
  }

  async listNodes(executionId: string): Promise<NodeRow[]> {
    return assembleListing(this.s.all<ListedNodeCols>(LIST_NODES, executionId, executionId).map(listedFromCols));
  }

  async dueEvents(now: number, limit: number): Promise<InboxEvent[]> {
    const sql = this.s;
    checkBatchLimit("dueEvents", limit);
    return sql.all<EventCols>("SELECT * FROM events WHERE consumed = 0 AND due_at <= ? ORDER BY id LIMIT ?", now, limit).map(eventFromCols);
  }

  async pendingEvents(executionId: string): Promise<InboxEvent[]> {
    return this.s.all<EventCols>("SELECT * FROM events WHERE execution_id = ? AND consumed = 0 ORDER BY id", executionId).map(eventFromCols);
  }

  async nextEventDue(): Promise<number | undefined> {
    const r = this.s.get<{ due: number | null }>("SELECT MIN(due_at) AS due FROM events WHERE consumed = 0");
    return r?.due ?? undefined;
  }

  async addEvents(events: readonly NewEvent[]): Promise<void> {
    const sql = this.s;
    await sql.batch(() => {
      for (const e of events) insertEvent(sql, e, 0, "addEvents");
    });
    this.woke(events.length > 0, false);
  }

  async commit(step: StepCommit): Promise<void> {
    const sql = this.s;
    await sql.batch(() => {
      this.schemaGuard.check();
      this.applyFenced(sql, step);
    });
    this.wokeBy([step]);
  }

  /** Wakes the engines when steps add events (or executions), the workers when they enqueue work nobody holds yet (not `leased`), followers when they end an execution. */
  private wokeBy(steps: readonly StepCommit[]): void {
    this.woke(
      steps.some((s) => (s.events?.length ?? 0) > 0 || (s.createExecutions?.length ?? 0) > 0),
      steps.some((s) => (s.enqueue?.length ?? 0) > (s.leased?.length ?? 0)),
      steps.some(endsExecution),
    );
  }

  async commitGroups(groups: readonly (readonly StepCommit[])[]): Promise<(Error | undefined)[]> {
    const sql = this.s;
    const results = await sql.batch(() => {
      this.schemaGuard.check();
      return groups.map((group) => {
        try {
          // A nested transaction is a savepoint: a refused group is rolled back alone.
          const checks = new StepChecks();
          sql.savepoint(() => group.forEach((step) => this.applyFenced(sql, step, checks)));
          return undefined;
        } catch (e) {
          if (isRefusal(e)) return e;
          throw e;
        }
      });
    });
    this.wokeBy(groups.filter((_, i) => results[i] === undefined).flat());
    return results;
  }

  private applyFenced(sql: Sql, step: StepCommit, checks = new StepChecks()): void {
    if (step.fence) checkFence(sql, step.fence, checks);
    applyStep(sql, step, checks);
    if (step.fence) for (const row of step.createExecutions ?? []) sql.run("UPDATE executions SET owner = ?, owner_epoch = 1 WHERE id = ?", step.fence.engineId, row.id);
  }

  async claimTasks(workerId: string, limit: number, leaseMs: number, now: number, ahead?: number): Promise<ClaimedTask[]> {
    const sql = this.s;
    checkBatchLimit("claimTasks", limit);
    checkDuration("claimTasks", "leaseMs", leaseMs);
    const starting = startedAtClaim(limit, ahead);
    // Leases that ran out for good become taskSystemFailed events: the events' AUTOINCREMENT sequence moves.
    const lastEvent = (): number => sql.get<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'")?.seq ?? 0;
    let before = 0;
    let after = 0;
    const claimed = await sql.batch(() => {
      before = lastEvent();
      const out = claim(sql, workerId, limit, leaseMs, now, starting);
      after = lastEvent();
      return out;
    });
    this.woke(after !== before, false);
    return claimed;
  }

  async heartbeat(itemId: string, leaseToken: string, leaseMs: number, now: number, started?: boolean): Promise<boolean> {
    const sql = this.s;
    checkDuration("heartbeat", "leaseMs", leaseMs);
    return sql.batch(() => extendLease(sql, itemId, leaseToken, leaseMs, now, started === true));
  }

  async finishTask(itemId: string, leaseToken: string, result: TaskResult, now: number): Promise<boolean> {
    const sql = this.s;
    const accepted = await sql.batch(() => finish(sql, itemId, leaseToken, result, now));
    this.woke(accepted, false);
    return accepted;
  }

  async releaseTasks(releases: readonly TaskRelease[], now: number): Promise<boolean[]> {
    const sql = this.s;
    const given = await sql.batch(() => releases.map((r) => release(sql, r, now)));
    // Items ready again: other workers claim them at once.
    this.woke(false, given.includes(true));
    return given;
  }

  async finishTasks(reports: readonly TaskReport[], now: number): Promise<boolean[]> {
    const sql = this.s;
    const accepted = await sql.batch(() => reports.map((r) => finish(sql, r.itemId, r.leaseToken, r.result, now)));
    this.woke(accepted.includes(true), false);
    return accepted;
  }

  async getCached(key: string): Promise<CacheEntry | undefined> {
    const r = this.s.get<CacheCols>("SELECT * FROM cache WHERE key = ?", key);
    return r && cacheFromCols(r);
  }

  async clearCache(filter: CacheFilter = {}): Promise<number> {
    const sql = this.s;
    checkCacheFilter(filter);
    return sql.write(
      () => sql.run("DELETE FROM cache WHERE (? IS NULL OR task = ?) AND (? IS NULL OR version = ?)", filter.task ?? null, filter.task ?? null, filter.version ?? null, filter.version ?? null).changes,
    );
  }

  async lockCacheKey(key: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    const sql = this.s;
    checkDuration("lockCacheKey", "ttlMs", ttlMs);
    return sql.write(() => {
      const r = sql.run(
        `INSERT INTO cache_locks (key, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE cache_locks.owner = excluded.owner OR cache_locks.expires_at <= ?`,
        key,
        owner,
        now + ttlMs,
        now,
      );
      return r.changes === 1;
    });
  }

  async unlockCacheKey(key: string, owner: string): Promise<void> {
    const sql = this.s;
    sql.write(() => sql.run("DELETE FROM cache_locks WHERE key = ? AND owner = ?", key, owner));
  }

  async claimScheduleTick(schedule: string, tickAt: number): Promise<boolean> {
    const sql = this.s;
    return sql.write(() => sql.run("INSERT INTO schedule_ticks (schedule, tick_at) VALUES (?, ?) ON CONFLICT DO NOTHING", schedule, tickAt).changes === 1);
  }

  async lastScheduleTick(schedule: string): Promise<number | undefined> {
    const r = this.s.get<{ last: number | null }>("SELECT MAX(tick_at) AS last FROM schedule_ticks WHERE schedule = ?", schedule);
    return r?.last ?? undefined;
  }

  async renewEngine(engine: Omit<EngineRecord, "expiresAt">, leaseMs: number, now: number): Promise<void> {
    const sql = this.s;
    checkDuration("renewEngine", "leaseMs", leaseMs);
    sql.write(() => {
      this.schemaGuard.check();
      renewEngine(sql, engine, leaseMs, now);
    });
  }

  async liveEngines(now: number): Promise<EngineRecord[]> {
    return this.s.all<Parameters<typeof engineFromCols>[0]>("SELECT * FROM engines WHERE expires_at > ? ORDER BY since, id", now).map(engineFromCols);
  }

  async dueEventsFor(engineId: string, now: number, limit: number): Promise<InboxEvent[]> {
    const sql = this.s;
    checkBatchLimit("dueEventsFor", limit);
    return sql
      .all<EventCols>(
        `SELECT ev.* FROM events ev JOIN executions x ON x.id = ev.execution_id
         WHERE ev.consumed = 0 AND ev.due_at <= ? AND ${OWNABLE} ORDER BY ev.id LIMIT ?`,
        now,
        engineId,
        now,
        limit,
      )
      .map(eventFromCols);
  }

  async acquireExecutions(engineId: string, executionIds: readonly string[], now: number): Promise<Ownership[]> {
    const sql = this.s;
    return sql.write(() => acquireExecutions(sql, engineId, executionIds, now));
  }

  async retireEngines(keep: string, now: number): Promise<string[]> {
    const sql = this.s;
    const retired = sql.write(() => reapEngines(sql, now, keep));
    // Their workers' items are handed out again at once.
    this.woke(false, retired.length > 0);
    return retired;
  }

  async releaseEngine(engineId: string): Promise<void> {
    const sql = this.s;
    sql.write(() => {
      sql.run("UPDATE executions SET owner = NULL WHERE owner = ?", engineId);
      sql.run("DELETE FROM engines WHERE id = ?", engineId);
    });
  }

  async close(): Promise<void> {
    if (this.sql.db.open) {
      this.sql.flush(); // the writes asked for before the close land
      this.sql.db.close();
    }
    this.wake?.close();
  }
}
