/**
 * `PostgresStore`: the `Store` port over PostgreSQL (the `pg` driver), for
 * engines and workers on many machines. Every method is one transaction (or
 * one statement); queue claims skip rows other claimers hold, so workers
 * anywhere share one queue and never take the same item.
 *
 * @module
 */
import type pg from "pg";
import { AloftError, SchemaTooNewError } from "../errors.js";
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
import { assembleListing } from "./map-elements.js";
import { commitSteps, createExecution, MapInputsSent, ExistingExecutions, insertEvent } from "./postgres/commit.js";
import { claimTasks, extendLease, finishTask, finishTasks, releaseTask, sweepExhausted } from "./postgres/queue.js";
import { migratePostgres, PG_SCHEMA_VERSION } from "./postgres/schema.js";
import { channelName, type WakeTopic } from "./postgres/notify.js";
import { OWNABLE, acquireExecutions, engineFromCols, reapEngines } from "./postgres/ownership.js";
import { Queries, transaction } from "./postgres/sql.js";
import { LogCarrier } from "./postgres/attempt-logs.js";
import type { AttemptRecord } from "./attempt-logs.js";
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
const LIST_NODES = `SELECT n.execution_id, n.path, n.entity, n.phase, n.attempts, n.system_attempts, n.cache_status, COALESCE(n.inputs, m.inputs) AS inputs,
    n.outputs, n.error, n.started_at, n.ended_at, n.updated_at, n.data, NULL AS map_path, NULL::integer AS idx, n.started_at IS NULL AS unstarted
  FROM nodes n LEFT JOIN map_inputs m ON m.execution_id = n.execution_id AND m.path = n.path WHERE n.execution_id = $1
  UNION ALL
  SELECT execution_id, map_path || '[' || idx || ']', '', phase, attempts, system_attempts, cache_status, inputs,
    outputs, error, started_at, ended_at, updated_at, marks, map_path, idx, started_at IS NULL
  FROM map_elements WHERE execution_id = $1
  ORDER BY unstarted, started_at, path`;
/**
 * Options of `openPostgresStore`.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore("postgres://aloft@db.internal/aloft", { schema: "team_a", poolSize: 8 });
 * ```
 */
export interface PostgresStoreOptions {
  /** The schema to keep Aloft's tables in (created if need be; default: the connection's `search_path`, usually `public`). */
  readonly schema?: string;
  /** Connections the store may open at once (default 10). */
  readonly poolSize?: number;
}

/**
 * Whether `db` names a PostgreSQL database (`postgres://` or `postgresql://`) rather than a file.
 *
 * @example
 * ```ts
 * isPostgresUrl("postgres://localhost/aloft"); // true
 * isPostgresUrl(".aloft/aloft.db");            // false
 * ```
 */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/**
 * A PostgreSQL URL as it may be shown: without its password.
 *
 * @example
 * ```ts
 * redactUrl("postgres://u:secret@h/db"); // "postgres://u:***@h/db"
 * ```
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

/** Checks a schema name: a plain lower-case SQL identifier (it is written into statements, so nothing else is taken). */
function checkSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new AloftError(`PostgreSQL schema name ${JSON.stringify(schema)} is not allowed: use lower-case letters, digits and _ (starting with a letter or _), at most 63 characters`);
  }
  return schema;
}

/**
 * Makes a `pg` pool for `url`: 64-bit integers as numbers (Aloft's times and
 * ids fit), errors of idle connections survived (the pool drops them), and
 * the schema, if any, first on the `search_path`.
 *
 * @example
 * ```ts
 * const pool = await postgresPool("postgres://localhost/aloft", { schema: "aloft" });
 * ```
 */
export async function postgresPool(
  url: string,
  options: PostgresStoreOptions & { readonly applicationName?: string; /** Commits return before their WAL is flushed (`synchronous_commit = off`). */ readonly asynchronousCommit?: boolean } = {},
): Promise<pg.Pool> {
  const { default: driver } = await import("pg");
  const schema = options.schema === undefined ? undefined : checkSchema(options.schema);
  const settings = [...(schema ? [`-c search_path=${schema}`] : []), ...(options.asynchronousCommit ? ["-c synchronous_commit=off"] : [])];
  const pool = new driver.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? "aloft",
    ...(settings.length > 0 ? { options: settings.join(" ") } : {}),
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === driver.types.builtins.INT8 ? (v: string) => Number(v) : driver.types.getTypeParser(oid, format)) as typeof driver.types.getTypeParser,
    },
  });
  pool.on("error", () => undefined);
  // The server processes of this pool's connections: notifications they sent come from this process.
  const backends = new Set<number>();
  pool.on("connect", (client) => {
    // Every connection hears its own 'error' events for its whole life: the pool listens only while a connection
    // is idle, and a query only until its first error, so a second one (the server restarting: the terminate
    // message, then the socket's end) or one after the pool let a broken connection go would be unheard and end
    // the process (test/crash/workers.test.ts saw it once in `aloft run`). The query in flight still fails with it.
    client.on("error", () => undefined);
    const pid = (client as { processID?: number | null }).processID;
    if (typeof pid === "number") backends.add(pid);
  });
  pool.on("remove", (client) => {
    const pid = (client as { processID?: number | null }).processID;
    if (typeof pid === "number") backends.delete(pid);
  });
  poolBackends.set(pool, backends);
  return pool;
}

/** A PostgreSQL store as messages name it: its URL without the password, and its schema. */
function describePostgres(url: string, schema: string | undefined): string {
  return `${redactUrl(url)}${schema === undefined ? "" : ` (schema ${schema})`}`;
}

/** The server process ids of each pool's open connections (see `PostgresStore.ownsBackend`). */
const poolBackends = new WeakMap<pg.Pool, ReadonlySet<number>>();

/**
 * Opens the PostgreSQL store at `url`, migrating its schema as needed.
 *
 * @throws AloftError naming the (password-less) URL when the server does not answer.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore("postgres://postgres@localhost:5432/aloft");
 * try {
 *   console.log(await store.listExecutions({ phase: "running" }, { limit: 20 }));
 * } finally {
 *   await store.close();
 * }
 * ```
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const pool = await postgresPool(url, options);
  try {
    await migratePostgres(pool, options.schema, describePostgres(url, options.schema));
  } catch (e) {
    await pool.end().catch(() => undefined);
    if (e instanceof AloftError) throw e;
    throw new AloftError(`cannot open the PostgreSQL store at ${redactUrl(url)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return new PostgresStore(pool, url, options.schema);
}

/**
 * The `Store` port over a `pg` pool whose schema is migrated (build it with `openPostgresStore`).
 *
 * @example
 * ```ts
 * const store: Store = await openPostgresStore(process.env.DATABASE_URL!);
 * const [item] = await store.claimTasks("worker-1", 1, 30_000, Date.now());
 * ```
 */
export class PostgresStore implements Store {
  private closed = false;
  /** Map inputs committed by this store: a map's row written again goes without them (they never change). */
  private readonly mapInputsSent = new MapInputsSent();

  constructor(
    /** The pool (for the engine's and workers' own coordination: leases, notifications). */
    readonly pool: pg.Pool,
    /** The URL it was opened with. */
    readonly url: string,
    /** The schema, when not the default. */
    readonly schema: string | undefined,
    /** On the store `localWorkQueue` gives: the attempt records of the worker beside the engine, which the engine's commits write. */
    readonly logCarrier?: LogCarrier,
  ) {}

  /**
   * Whether the PostgreSQL server process `pid` serves one of this store's connections: a notification it
   * sent came from this process's own commit (wake-ups ignore those; in-process callers were told already).
   *
   * @example
   * ```ts
   * listener.on("notification", (n) => { if (!store.ownsBackend(n.processId)) wake(); });
   * ```
   */
  ownsBackend(pid: number): boolean {
    return (poolBackends.get(this.pool)?.has(pid) ?? false) || (this.local?.ownsBackend(pid) ?? false);
  }

  /** The store `localWorkQueue` gave, over connections of its own. */
  private local: PostgresStore | undefined;

  /**
   * The task queue (and the attempt logs' connections) for a worker in this process, beside its engine (the
   * embedded pool): a store over connections of its own whose commits return before PostgreSQL flushes them
   * (`synchronous_commit = off`). The engine's next commit, which acts on a claim or a result, is synchronous,
   * and flushing it flushes every earlier commit with it. What a crash of PostgreSQL can then take is a claim or
   * a result from before the engine acted on it, and that attempt runs again, as it would with its worker gone
   * (tasks are idempotent). Workers in other processes use the store itself: their results are flushed before
   * they are acknowledged. Closed with this store.
   *
   * Its attempt logs (`attemptLogsOf` it) write no statement of their own: a record waits for this store's
   * next commit (`logCarrier`), which writes it in the same statement as its step (the step that applies the
   * attempt's result, when the worker handed it over), or is written on its own after `logDelayMs` (default
   * 50) when no commit took it. A crash of this process can take records not written yet, with the results
   * they go with.
   *
   * @example
   * ```ts
   * await startWorker({ store: await store.localWorkQueue(), modules: ["flows.ts"], concurrency: 2 });
   * ```
   */
  async localWorkQueue(options: { readonly logDelayMs?: number } = {}): Promise<PostgresStore> {
    if (this.closed) throw storeClosed();
    if (!this.local) {
      const pool = await postgresPool(this.url, { ...(this.schema ? { schema: this.schema } : {}), poolSize: 6, applicationName: "aloft worker", asynchronousCommit: true });
      const carrier = new LogCarrier(pool, (e) => process.stderr.write(`aloft: cannot keep attempt logs: ${e instanceof Error ? e.message : String(e)}\n`), options.logDelayMs);
      this.local = new PostgresStore(pool, this.url, this.schema, carrier);
    }
    return this.local;
  }

  private get p(): pg.Pool {
    if (this.closed) throw storeClosed();
    return this.pool;
  }

  private get q(): Queries {
    return new Queries(this.p);
  }

  private tx<T>(fn: (q: Queries) => Promise<T>): Promise<T> {
    return transaction(this.p, fn);
  }

  /** Wakes the listeners of `topic` when the caller's transaction commits (PostgreSQL sends notifications only then). */
  private async notify(q: Queries, topic: WakeTopic): Promise<void> {
    await q.run("SELECT pg_notify($1, '')", [channelName(topic, this.schema)]);
  }

  async registerEntity(entity: RegisteredEntity): Promise<"created" | "exists"> {
    const k = entity.key;
    return this.tx(async (q) => {
      const inserted = await q.run(
        `INSERT INTO entities (kind, project, domain, name, version, spec, digest, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT DO NOTHING`,
        [entity.kind, k.project, k.domain, k.name, k.version, toJson(entity.spec), entity.digest, entity.createdAt],
      );
      if (inserted === 1) return "created";
      const stored = await q.get<{ digest: string }>(
        "SELECT digest FROM entities WHERE kind = $1 AND project = $2 AND domain = $3 AND name = $4 AND version = $5",
        [entity.kind, k.project, k.domain, k.name, k.version],
      );
      if (stored && stored.digest !== entity.digest) throw registryConflict(entity.kind, k, stored.digest, entity.digest);
      return "exists";
    });
  }

  async getEntity(kind: RegisteredKind, key: EntityKey): Promise<RegisteredEntity | undefined> {
    const r = await this.q.get<EntityCols>("SELECT * FROM entities WHERE kind = $1 AND project = $2 AND domain = $3 AND name = $4 AND version = $5", [
      kind,
      key.project,
      key.domain,
      key.name,
      key.version,
    ]);
    return r && entityFromCols(r);
  }

  async listEntities(kind: RegisteredKind, filter: { readonly project?: string; readonly domain?: string; readonly name?: string } = {}): Promise<RegisteredEntity[]> {
    const rows = await this.q.all<EntityCols>(
      `SELECT * FROM entities WHERE kind = $1 AND ($2::text IS NULL OR project = $2) AND ($3::text IS NULL OR domain = $3) AND ($4::text IS NULL OR name = $4)
       ORDER BY name, created_at, version`,
      [kind, filter.project ?? null, filter.domain ?? null, filter.name ?? null],
    );
    return rows.map(entityFromCols);
  }

  async createExecution(row: ExecutionRow, first: NewEvent, owner?: string): Promise<void> {
    checkFirstEvent(row, first);
    await createExecution(this.q, row, first, channelName("events", this.schema), owner);
  }

  async getExecution(id: string): Promise<ExecutionRow | undefined> {
    const r = await this.q.get<ExecutionCols>("SELECT * FROM executions WHERE id = $1", [id]);
    return r && executionFromCols(r);
  }

  async listExecutions(filter: ExecutionFilter, page: { readonly limit: number; readonly cursor?: string }): Promise<Page<ExecutionRow>> {
    checkPageLimit(page.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (n: number) => string, value: unknown): void => {
      params.push(value);
      where.push(clause(params.length));
    };
    if (filter.project !== undefined) add((n) => `project = $${n}`, filter.project);
    if (filter.domain !== undefined) add((n) => `domain = $${n}`, filter.domain);
    if (filter.workflowName !== undefined) add((n) => `workflow_name = $${n}`, filter.workflowName);
    if (filter.launchPlanName !== undefined) add((n) => `launch_plan_name = $${n}`, filter.launchPlanName);
    if (filter.phase !== undefined) add((n) => `phase = $${n}`, filter.phase);
    if (filter.createdAfter !== undefined) add((n) => `created_at >= $${n}`, filter.createdAfter);
    if (filter.createdBefore !== undefined) add((n) => `created_at < $${n}`, filter.createdBefore);
    if (filter.parentId !== undefined) add((n) => `parent_id = $${n}`, filter.parentId);
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor);
      params.push(after.createdAt, after.id);
      where.push(`(created_at < $${params.length - 1} OR (created_at = $${params.length - 1} AND id < $${params.length}))`);
    }
    params.push(page.limit + 1);
    const rows = await this.q.all<ExecutionCols>(
      `SELECT * FROM executions ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, page.limit).map(executionFromCols);
    const last = items[items.length - 1];
    return { items, next: rows.length > page.limit && last ? encodeCursor(last) : undefined };
  }

  async listNodes(executionId: string): Promise<NodeRow[]> {
    return assembleListing((await this.q.all<ListedNodeCols>(LIST_NODES, [executionId])).map(listedFromCols));
  }

  async dueEvents(now: number, limit: number): Promise<InboxEvent[]> {
    checkBatchLimit("dueEvents", limit);
    const rows = await this.q.all<EventCols>("SELECT * FROM events WHERE consumed = 0 AND due_at <= $1 ORDER BY id LIMIT $2", [now, limit]);
    return rows.map(eventFromCols);
  }

  async pendingEvents(executionId: string): Promise<InboxEvent[]> {
    const rows = await this.q.all<EventCols>("SELECT * FROM events WHERE execution_id = $1 AND consumed = 0 ORDER BY id", [executionId]);
    return rows.map(eventFromCols);
  }

  async nextEventDue(): Promise<number | undefined> {
    const r = await this.q.get<{ due: number | null }>("SELECT MIN(due_at) AS due FROM events WHERE consumed = 0");
    return r?.due ?? undefined;
  }

  async addEvents(events: readonly NewEvent[]): Promise<void> {
    await this.tx(async (q) => {
      const known = new ExistingExecutions(q);
      for (const e of events) await insertEvent(q, e, 0, "addEvents", known);
      if (events.length > 0) await this.notify(q, "events");
    });
  }

  async commit(step: StepCommit): Promise<void> {
    await this.withLogs((logs) => commitSteps(this.q, [{ steps: [step], notify: this.channelsOf([step]) }], true, logs, this.mapInputsSent));
  }

  async commitGroups(groups: readonly (readonly StepCommit[])[]): Promise<(Error | undefined)[]> {
    if (groups.length === 0) return [];
    const [only] = groups;
    if (only && groups.length === 1) {
      // One group (a tick that stepped one execution): no subtransaction; a refusal fails the statement whole.
      try {
        return await this.withLogs((logs) => commitSteps(this.q, [{ steps: only, notify: this.channelsOf(only) }], true, logs, this.mapInputsSent));
      } catch (e) {
        if (isRefusal(e)) return [e];
        throw e;
      }
    }
    return this.withLogs((logs) => commitSteps(this.q, groups.map((g) => ({ steps: g, notify: this.channelsOf(g) })), false, logs, this.mapInputsSent));
  }

  /**
   * Runs a commit with the attempt records the worker beside this engine kept since the last one (see
   * `localWorkQueue`): they are written with it, or given back to be written with the next.
   */
  private async withLogs<T>(commit: (logs: readonly AttemptRecord[]) => Promise<T>): Promise<T> {
    const carrier = this.local?.logCarrier;
    const logs = carrier?.take() ?? [];
    try {
      return await commit(logs);
    } catch (e) {
      carrier?.putBack(logs);
      throw e;
    }
  }

  /** The channels to notify for steps that commit: events when they add events, work when they enqueue items not leased already, ended when they end an execution. */
  private channelsOf(steps: readonly StepCommit[]): string[] {
    const channels: string[] = [];
    if (steps.some((s) => (s.events?.length ?? 0) > 0)) channels.push(channelName("events", this.schema));
    if (steps.some((s) => (s.enqueue?.length ?? 0) > (s.leased?.length ?? 0))) channels.push(channelName("work", this.schema));
    if (steps.some(endsExecution)) channels.push(channelName("ended", this.schema));
    return channels;
  }

  async claimTasks(workerId: string, limit: number, leaseMs: number, now: number, ahead?: number): Promise<ClaimedTask[]> {
    checkBatchLimit("claimTasks", limit);
    checkDuration("claimTasks", "leaseMs", leaseMs);
    const starting = startedAtClaim(limit, ahead);
    const channel = channelName("events", this.schema);
    if (limit === 0) {
      await this.tx((q) => sweepExhausted(q, now, channel));
      return [];
    }
    return claimTasks(this.q, workerId, limit, leaseMs, now, channel, (fn) => this.tx(fn), starting);
  }

  async heartbeat(itemId: string, leaseToken: string, leaseMs: number, now: number, started?: boolean): Promise<boolean> {
    checkDuration("heartbeat", "leaseMs", leaseMs);
    return extendLease(this.q, itemId, leaseToken, leaseMs, now, started === true);
  }

  async finishTask(itemId: string, leaseToken: string, result: TaskResult, now: number): Promise<boolean> {
    return finishTask(this.q, itemId, leaseToken, result, now, channelName("events", this.schema));
  }

  async finishTasks(reports: readonly TaskReport[], now: number): Promise<boolean[]> {
    if (reports.length === 0) return [];
    const channel = channelName("events", this.schema);
    // A lone result is one statement on its own (no BEGIN and COMMIT round trips): a chain reports one at a time.
    const [only] = reports;
    if (only && reports.length === 1) return [await finishTask(this.q, only.itemId, only.leaseToken, only.result, now, channel)];
    // Many results of distinct items: one statement too. (An item reported twice in one batch goes one by one,
    // so that each report is answered as finishTask would have answered it at that point.)
    if (new Set(reports.map((r) => r.itemId)).size === reports.length) return finishTasks(this.q, reports, now, channel);
    return this.tx(async (q) => {
      const accepted: boolean[] = [];
      for (const r of reports) accepted.push(await finishTask(q, r.itemId, r.leaseToken, r.result, now, channel));
      return accepted;
    });
  }

  async releaseTasks(releases: readonly TaskRelease[], now: number): Promise<boolean[]> {
    if (releases.length === 0) return [];
    return this.tx(async (q) => {
      const given: boolean[] = [];
      for (const r of releases) given.push(await releaseTask(q, r, now));
      // Items ready again: other workers claim them at once.
      if (given.includes(true)) await this.notify(q, "work");
      return given;
    });
  }

  async getCached(key: string): Promise<CacheEntry | undefined> {
    const r = await this.q.get<CacheCols>("SELECT * FROM cache WHERE key = $1", [key]);
    return r && cacheFromCols(r);
  }

  async clearCache(filter: CacheFilter = {}): Promise<number> {
    checkCacheFilter(filter);
    return this.q.run("DELETE FROM cache WHERE ($1::text IS NULL OR task = $1) AND ($2::text IS NULL OR version = $2)", [filter.task ?? null, filter.version ?? null]);
  }

  async lockCacheKey(key: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    checkDuration("lockCacheKey", "ttlMs", ttlMs);
    const changed = await this.q.run(
      `INSERT INTO cache_locks (key, owner, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE cache_locks.owner = excluded.owner OR cache_locks.expires_at <= $4`,
      [key, owner, now + ttlMs, now],
    );
    return changed === 1;
  }

  async unlockCacheKey(key: string, owner: string): Promise<void> {
    await this.q.run("DELETE FROM cache_locks WHERE key = $1 AND owner = $2", [key, owner]);
  }

  async claimScheduleTick(schedule: string, tickAt: number): Promise<boolean> {
    return (await this.q.run("INSERT INTO schedule_ticks (schedule, tick_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", [schedule, tickAt])) === 1;
  }

  async lastScheduleTick(schedule: string): Promise<number | undefined> {
    const r = await this.q.get<{ last: number | null }>("SELECT MAX(tick_at) AS last FROM schedule_ticks WHERE schedule = $1", [schedule]);
    return r?.last ?? undefined;
  }

  async renewEngine(engine: Omit<EngineRecord, "expiresAt">, leaseMs: number, now: number): Promise<void> {
    checkDuration("renewEngine", "leaseMs", leaseMs);
    // The schema's version comes back with the renewal: an engine still running when a newer Aloft migrated the
    // schema stops here (within a third of its lease), rather than write rows where the newer one no longer reads them.
    const r = await this.q.get<{ version: number | null }>(
      `WITH renewed AS (
         INSERT INTO engines (id, pid, host, command, since, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at RETURNING 1)
       SELECT (SELECT MAX(version) FROM schema_version) AS version FROM renewed`,
      [engine.id, engine.pid, engine.host, engine.command, engine.since, now + leaseMs],
    );
    const found = r?.version ?? 0;
    if (found > PG_SCHEMA_VERSION) throw new SchemaTooNewError(describePostgres(this.url, this.schema), found, PG_SCHEMA_VERSION);
  }

  async liveEngines(now: number): Promise<EngineRecord[]> {
    return (await this.q.all<Parameters<typeof engineFromCols>[0]>("SELECT * FROM engines WHERE expires_at > $1 ORDER BY since, id", [now])).map(engineFromCols);
  }

  async dueEventsFor(engineId: string, now: number, limit: number): Promise<InboxEvent[]> {
    checkBatchLimit("dueEventsFor", limit);
    const rows = await this.q.all<EventCols>(
      `SELECT ev.* FROM events ev JOIN executions x ON x.id = ev.execution_id
       WHERE ev.consumed = 0 AND ev.due_at <= $2 AND ${OWNABLE} ORDER BY ev.id LIMIT $3`,
      [engineId, now, limit],
    );
    return rows.map(eventFromCols);
  }

  async acquireExecutions(engineId: string, executionIds: readonly string[], now: number): Promise<Ownership[]> {
    return this.tx((q) => acquireExecutions(q, engineId, executionIds, now));
  }

  async retireEngines(keep: string, now: number): Promise<string[]> {
    return this.tx((q) => reapEngines(q, now, keep));
  }

  async releaseEngine(engineId: string): Promise<void> {
    await this.tx(async (q) => {
      await q.run("UPDATE executions SET owner = NULL WHERE owner = $1", [engineId]);
      await q.run("DELETE FROM engines WHERE id = $1", [engineId]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.local?.close();
    await this.logCarrier?.close();
    await this.pool.end();
  }
}
