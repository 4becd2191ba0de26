/**
 * The PostgreSQL schema of `PostgresStore` and its versioned migrations. A
 * database (or one schema of it) is migrated in one transaction under an
 * advisory lock, so engines and workers starting together migrate it once;
 * a schema made by a newer Aloft is refused rather than misread.
 *
 * Text that is compared or ordered uses the `"C"` collation, so rows come
 * back in the same (code point) order as from SQLite and memory; JSON values
 * are text, as the store never looks inside them.
 *
 * @module
 */
import { AloftError } from "../../errors.js";
import { transaction } from "./sql.js";
import type pg from "pg";

/**
 * The migrations, in order: migration `i` brings the schema to version `i + 1`.
 *
 * @example
 * ```ts
 * PG_MIGRATIONS.length; // the schema version a new database gets
 * ```
 */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE entities (
    kind text COLLATE "C" NOT NULL,
    project text COLLATE "C" NOT NULL,
    domain text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    version text COLLATE "C" NOT NULL,
    spec text,
    digest text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (kind, project, domain, name, version)
  );
  CREATE INDEX entities_by_name ON entities (kind, name, created_at, version);

  CREATE TABLE executions (
    id text COLLATE "C" PRIMARY KEY,
    project text COLLATE "C" NOT NULL,
    domain text COLLATE "C" NOT NULL,
    workflow text NOT NULL,
    workflow_name text COLLATE "C" NOT NULL,
    launch_plan text,
    launch_plan_name text COLLATE "C",
    phase text NOT NULL,
    inputs text,
    outputs text,
    error text,
    parent_id text COLLATE "C",
    parent_path text,
    options text NOT NULL,
    created_at bigint NOT NULL,
    started_at bigint,
    ended_at bigint,
    updated_at bigint NOT NULL
  );
  CREATE INDEX executions_by_created ON executions (created_at, id);
  CREATE INDEX executions_by_project ON executions (project, domain, created_at, id);
  CREATE INDEX executions_by_workflow ON executions (workflow_name, created_at, id);
  CREATE INDEX executions_by_launch_plan ON executions (launch_plan_name, created_at, id) WHERE launch_plan_name IS NOT NULL;
  CREATE INDEX executions_by_phase ON executions (phase, created_at, id);
  CREATE INDEX executions_by_parent ON executions (parent_id, created_at, id) WHERE parent_id IS NOT NULL;

  CREATE TABLE nodes (
    execution_id text COLLATE "C" NOT NULL REFERENCES executions (id),
    path text COLLATE "C" NOT NULL,
    entity text NOT NULL,
    phase text NOT NULL,
    attempts integer NOT NULL,
    system_attempts integer NOT NULL,
    cache_status text NOT NULL,
    inputs text,
    outputs text,
    error text,
    started_at bigint,
    ended_at bigint,
    updated_at bigint NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (execution_id, path)
  );

  CREATE TABLE events (
    id bigserial PRIMARY KEY,
    execution_id text COLLATE "C" NOT NULL REFERENCES executions (id),
    due_at bigint NOT NULL,
    body text NOT NULL,
    consumed smallint NOT NULL DEFAULT 0
  );
  CREATE INDEX events_pending ON events (due_at, id) WHERE consumed = 0;
  CREATE INDEX events_pending_by_id ON events (id, due_at) WHERE consumed = 0;
  CREATE INDEX events_by_execution ON events (execution_id, id);

  CREATE TABLE task_items (
    id text COLLATE "C" PRIMARY KEY,
    execution_id text COLLATE "C" NOT NULL REFERENCES executions (id),
    path text COLLATE "C" NOT NULL,
    attempt integer NOT NULL,
    system_attempts integer NOT NULL,
    max_system_attempts integer NOT NULL,
    task text NOT NULL,
    inputs text,
    options text NOT NULL,
    ready_at bigint NOT NULL,
    lease_token text,
    lease_owner text,
    lease_expires_at bigint
  );
  CREATE INDEX task_items_ready ON task_items (ready_at, id);
  CREATE INDEX task_items_leases ON task_items (lease_expires_at) WHERE lease_token IS NOT NULL;
  CREATE INDEX task_items_by_node ON task_items (execution_id, path);

  CREATE TABLE cache (
    key text COLLATE "C" PRIMARY KEY,
    task text NOT NULL,
    version text NOT NULL,
    outputs text,
    created_at bigint NOT NULL
  );

  CREATE TABLE cache_locks (
    key text COLLATE "C" PRIMARY KEY,
    owner text NOT NULL,
    expires_at bigint NOT NULL
  );

  CREATE TABLE schedule_ticks (
    schedule text COLLATE "C" NOT NULL,
    tick_at bigint NOT NULL,
    PRIMARY KEY (schedule, tick_at)
  );

  CREATE TABLE engine_lock_holder (
    one smallint PRIMARY KEY CHECK (one = 1),
    pid integer NOT NULL,
    host text NOT NULL,
    command text NOT NULL,
    since bigint NOT NULL
  );
  `,
  // 2: several engines over one database: engines with leases, and which engine owns each execution (the epoch fences stale steps).
  `
  DROP TABLE engine_lock_holder;
  ALTER TABLE executions ADD COLUMN owner text COLLATE "C";
  ALTER TABLE executions ADD COLUMN owner_epoch integer NOT NULL DEFAULT 0;
  CREATE INDEX executions_by_owner ON executions (owner) WHERE owner IS NOT NULL;
  CREATE TABLE engines (
    id text COLLATE "C" PRIMARY KEY,
    pid integer NOT NULL,
    host text NOT NULL,
    command text NOT NULL,
    since bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  `,
  `
  CREATE TABLE attempt_logs (
    execution_id text COLLATE "C" NOT NULL,
    path text COLLATE "C" NOT NULL,
    attempt integer NOT NULL,
    system_attempt integer NOT NULL,
    worker_id text NOT NULL,
    started_at bigint NOT NULL,
    ended_at bigint NOT NULL,
    outcome text NOT NULL,
    error text,
    lines text NOT NULL,
    log_bytes bigint NOT NULL,
    dropped_bytes bigint NOT NULL,
    PRIMARY KEY (execution_id, path, attempt, system_attempt)
  );
  `,
];

/**
 * The schema version this Aloft writes.
 *
 * @example
 * ```ts
 * await pool.query("SELECT MAX(version) AS v FROM schema_version"); // { v: PG_SCHEMA_VERSION }
 * ```
 */
export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/** The advisory lock key migrations take (any fixed number; "aloft" in ASCII). */
const MIGRATION_LOCK = 0x616c6f6674;

/**
 * Brings the connection's schema (its `search_path`) to `PG_SCHEMA_VERSION`,
 * creating it if need be, under a transaction-scoped advisory lock.
 *
 * @example
 * ```ts
 * await migratePostgres(pool); // tables are now at PG_SCHEMA_VERSION
 * ```
 */
export async function migratePostgres(pool: pg.Pool, schema: string | undefined): Promise<void> {
  await transaction(pool, async (q) => {
    await q.run("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    if (schema !== undefined) await q.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await q.run("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
    const row = await q.get<{ version: number | null }>("SELECT MAX(version) AS version FROM schema_version");
    const current = row?.version ?? 0;
    if (current > PG_SCHEMA_VERSION) {
      throw new AloftError(`the PostgreSQL schema is at version ${current}, newer than this Aloft knows (${PG_SCHEMA_VERSION}); upgrade Aloft to use it`);
    }
    for (let v = current; v < PG_SCHEMA_VERSION; v++) {
      for (const statement of splitStatements(PG_MIGRATIONS[v] ?? "")) await q.run(statement);
      await q.run("INSERT INTO schema_version (version) VALUES ($1)", [v + 1]);
    }
  });
}

/** A migration's statements (prepared statements take one at a time). */
function splitStatements(migration: string): string[] {
  return migration
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
