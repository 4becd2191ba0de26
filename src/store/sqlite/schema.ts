/**
 * The SQLite schema of `SqliteStore` and its migrations. Each migration runs
 * once, in order, inside one transaction with the bump of `schema_version`,
 * so a database is always at one known version; a database made by a newer
 * Aloft is refused rather than misread.
 *
 * @module
 */
import type Database from "better-sqlite3";
import { connectSqlite } from "./driver.js";
import { AloftError, SchemaTooNewError } from "../../errors.js";

/**
 * The migrations, in order: migration `i` brings the schema to version `i + 1`.
 *
 * @example
 * ```ts
 * MIGRATIONS.length; // the schema version a new database gets
 * ```
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE entities (
    kind TEXT NOT NULL,
    project TEXT NOT NULL,
    domain TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    spec TEXT,
    digest TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (kind, project, domain, name, version)
  ) WITHOUT ROWID;
  CREATE INDEX entities_by_name ON entities (kind, name, created_at, version);

  CREATE TABLE executions (
    id TEXT PRIMARY KEY NOT NULL,
    project TEXT NOT NULL,
    domain TEXT NOT NULL,
    workflow TEXT NOT NULL,
    workflow_name TEXT NOT NULL,
    launch_plan TEXT,
    launch_plan_name TEXT,
    phase TEXT NOT NULL,
    inputs TEXT,
    outputs TEXT,
    error TEXT,
    parent_id TEXT,
    parent_path TEXT,
    options TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX executions_by_created ON executions (created_at, id);
  CREATE INDEX executions_by_project ON executions (project, domain, created_at, id);
  CREATE INDEX executions_by_workflow ON executions (workflow_name, created_at, id);
  CREATE INDEX executions_by_launch_plan ON executions (launch_plan_name, created_at, id) WHERE launch_plan_name IS NOT NULL;
  CREATE INDEX executions_by_phase ON executions (phase, created_at, id);
  CREATE INDEX executions_by_parent ON executions (parent_id, created_at, id) WHERE parent_id IS NOT NULL;

  CREATE TABLE nodes (
    execution_id TEXT NOT NULL REFERENCES executions (id),
    path TEXT NOT NULL,
    entity TEXT NOT NULL,
    phase TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    system_attempts INTEGER NOT NULL,
    cache_status TEXT NOT NULL,
    inputs TEXT,
    outputs TEXT,
    error TEXT,
    started_at INTEGER,
    ended_at INTEGER,
    updated_at INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (execution_id, path)
  ) WITHOUT ROWID;

  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id TEXT NOT NULL REFERENCES executions (id),
    due_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    consumed INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX events_pending ON events (due_at, id) WHERE consumed = 0;
  CREATE INDEX events_by_execution ON events (execution_id, id);

  CREATE TABLE task_items (
    id TEXT PRIMARY KEY NOT NULL,
    execution_id TEXT NOT NULL REFERENCES executions (id),
    path TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    system_attempts INTEGER NOT NULL,
    max_system_attempts INTEGER NOT NULL,
    task TEXT NOT NULL,
    inputs TEXT,
    options TEXT NOT NULL,
    ready_at INTEGER NOT NULL,
    lease_token TEXT,
    lease_owner TEXT,
    lease_expires_at INTEGER
  );
  CREATE INDEX task_items_ready ON task_items (ready_at, id);
  CREATE INDEX task_items_leases ON task_items (lease_expires_at) WHERE lease_token IS NOT NULL;
  CREATE INDEX task_items_by_node ON task_items (execution_id, path);

  CREATE TABLE cache (
    key TEXT PRIMARY KEY NOT NULL,
    task TEXT NOT NULL,
    version TEXT NOT NULL,
    outputs TEXT,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE cache_locks (
    key TEXT PRIMARY KEY NOT NULL,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );

  CREATE TABLE schedule_ticks (
    schedule TEXT NOT NULL,
    tick_at INTEGER NOT NULL,
    PRIMARY KEY (schedule, tick_at)
  ) WITHOUT ROWID;
  `,
  // 2: due events are read in id order; without this index that read scanned every consumed event too.
  `
  CREATE INDEX events_pending_by_id ON events (id, due_at) WHERE consumed = 0;
  `,
  // 3: engines with leases, and which engine owns each execution (and since which takeover: the epoch that fences stale steps).
  `
  ALTER TABLE executions ADD COLUMN owner TEXT;
  ALTER TABLE executions ADD COLUMN owner_epoch INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX executions_by_owner ON executions (owner) WHERE owner IS NOT NULL;
  CREATE TABLE engines (
    id TEXT PRIMARY KEY NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    command TEXT NOT NULL,
    since INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  // 4: map tasks' elements apart from the nodes, and a map's inputs (the whole list it maps) written once:
  // an element's start or end writes its own small row, not its map's (src/store/map-elements.ts).
  // Rows of executions in flight move over: elements (their data kept whole; only its marks are read) and
  // the inputs of map rows (their running counts stay, never read again: they are counted from the elements).
  `
  CREATE TABLE map_elements (
    execution_id TEXT NOT NULL,
    map_path TEXT NOT NULL,
    idx INTEGER NOT NULL,
    phase TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    system_attempts INTEGER NOT NULL,
    cache_status TEXT NOT NULL,
    inputs TEXT,
    outputs TEXT,
    error TEXT,
    started_at INTEGER,
    ended_at INTEGER,
    updated_at INTEGER NOT NULL,
    marks TEXT NOT NULL,
    PRIMARY KEY (execution_id, map_path, idx),
    FOREIGN KEY (execution_id, map_path) REFERENCES nodes (execution_id, path)
  ) WITHOUT ROWID;
  CREATE TABLE map_inputs (
    execution_id TEXT NOT NULL,
    path TEXT NOT NULL,
    inputs TEXT,
    PRIMARY KEY (execution_id, path),
    FOREIGN KEY (execution_id, path) REFERENCES nodes (execution_id, path)
  ) WITHOUT ROWID;
  INSERT INTO map_inputs (execution_id, path, inputs)
    SELECT execution_id, path, inputs FROM nodes WHERE json_extract(data, '$.kind') = 'array';
  UPDATE nodes SET inputs = NULL WHERE json_extract(data, '$.kind') = 'array';
  INSERT INTO map_elements (execution_id, map_path, idx, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, marks)
    SELECT execution_id, substr(path, 1, instr(path, '[') - 1), CAST(substr(path, instr(path, '[') + 1, length(path) - instr(path, '[') - 1) AS INTEGER),
      phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, data
    FROM nodes WHERE json_extract(data, '$.kind') = 'element';
  DELETE FROM nodes WHERE json_extract(data, '$.kind') = 'element';
  `,
  // 5: whether a leased item's attempt started (1) or waits in its worker, claimed ahead of a free slot (0): a
  // lease that runs out before the attempt started gives the item back counting no system attempt.
  `
  ALTER TABLE task_items ADD COLUMN started INTEGER NOT NULL DEFAULT 1;
  `,
];

/**
 * The schema version this Aloft writes.
 *
 * @example
 * ```ts
 * db.prepare("SELECT MAX(version) AS v FROM schema_version").get(); // { v: SCHEMA_VERSION }
 * ```
 */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Applies the migrations a database lacks, in one immediate transaction (so
 * two processes opening the same new file do not both migrate it).
 *
 * @example
 * ```ts
 * migrate(db); // the schema is now at SCHEMA_VERSION
 * ```
 */
export function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const row = db.prepare<[], { version: number | null }>("SELECT MAX(version) AS version FROM schema_version").get();
    const current = row?.version ?? 0;
    if (current > SCHEMA_VERSION) throw new SchemaTooNewError(db.name, current, SCHEMA_VERSION);
    for (let v = current; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] ?? "");
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(v + 1);
    }
  }).immediate();
}

/**
 * Watches a migrated connection's schema for a newer Aloft migrating it while this one runs: `check()` reads the
 * version table (a few rows, a prepared statement: about a microsecond). Call it inside a write transaction,
 * before writing: a migration bumps the version in its own immediate transaction, so none lands in between.
 *
 * @example
 * ```ts
 * const guard = new SchemaGuard(db);
 * db.transaction(() => { guard.check(); apply(step); })();
 * ```
 */
export class SchemaGuard {
  private readonly version: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.version = db.prepare("SELECT MAX(version) FROM schema_version").pluck();
  }

  /** @throws SchemaTooNewError when the database's schema is now newer than this Aloft knows. */
  check(): void {
    const found = this.version.get() as number | null;
    if (found !== null && found > SCHEMA_VERSION) throw new SchemaTooNewError(this.db.name, found, SCHEMA_VERSION);
  }
}

/**
 * How durable a SQLite commit is (SQLite's `synchronous` in WAL mode):
 * `"full"` (the default) syncs the write-ahead log to disk at every commit,
 * so an acknowledged transition survives a power cut as well as a `kill -9`;
 * `"normal"` syncs only at checkpoints, so it survives a `kill -9` of any
 * process but a power cut or an operating-system crash may lose the last
 * commits (never corrupting the file).
 *
 * @example
 * ```ts
 * await openSqliteStore(".aloft/aloft.db", { synchronous: "normal" }); // faster, not power-cut safe
 * ```
 */
export type SqliteSynchronous = "full" | "normal";

/**
 * The default level: `$ALOFT_SQLITE_SYNCHRONOUS` (`full` or `normal`), else `full`.
 *
 * @throws AloftError for another value, naming the variable.
 *
 * @example
 * ```ts
 * process.env.ALOFT_SQLITE_SYNCHRONOUS = "normal";
 * synchronousFromEnv(); // "normal"
 * ```
 */
export function synchronousFromEnv(): SqliteSynchronous {
  const v = process.env["ALOFT_SQLITE_SYNCHRONOUS"];
  if (v === undefined || v === "") return "full";
  const lower = v.toLowerCase();
  if (lower === "full" || lower === "normal") return lower;
  throw new AloftError(`ALOFT_SQLITE_SYNCHRONOUS must be "full" or "normal", got ${JSON.stringify(v)}`);
}

/**
 * Opens (creating if need be) a SQLite database file for a store: its
 * directory is created, WAL journaling lets readers run beside the writer,
 * `busy_timeout` makes concurrent writers wait instead of failing, foreign
 * keys are enforced, and the schema is migrated. The driver is loaded here,
 * on first use, so importing Aloft never loads the native module.
 *
 * @example
 * ```ts
 * const db = await openDatabase(".aloft/aloft.db");
 * ```
 */
export async function openDatabase(file: string, options: { readonly busyTimeoutMs?: number; readonly synchronous?: SqliteSynchronous } = {}): Promise<Database.Database> {
  const synchronous = options.synchronous ?? synchronousFromEnv();
  const db = await connectSqlite(file);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 10_000))}`);
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous === "normal" ? "NORMAL" : "FULL"}`);
    db.pragma("foreign_keys = ON");
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
