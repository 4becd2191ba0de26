/**
 * `PostgresAttemptLogs`: the AttemptLog port in the PostgreSQL database the
 * store uses (table `attempt_logs`), so that the attempts workers ran on any
 * machine reach every server, console and `aloft logs`.
 *
 * @module
 */
import type pg from "pg";
import { checkAttemptRecord, type AttemptLogStore, type AttemptOutcome, type AttemptRecord, type AttemptSummary, type LogLine } from "../attempt-logs.js";
import { Queries } from "./sql.js";

interface SummaryCols {
  readonly execution_id: string;
  readonly path: string;
  readonly attempt: number;
  readonly system_attempt: number;
  readonly worker_id: string;
  readonly started_at: number;
  readonly ended_at: number;
  readonly outcome: string;
  readonly error: string | null;
  readonly log_bytes: number;
  readonly dropped_bytes: number;
}
interface RecordCols extends SummaryCols {
  readonly lines: string;
}

const SUMMARY = "execution_id, path, attempt, system_attempt, worker_id, started_at, ended_at, outcome, error, log_bytes, dropped_bytes";
const ORDER = "ORDER BY path, attempt, system_attempt";

function summaryOf(c: SummaryCols): AttemptSummary {
  return {
    executionId: c.execution_id,
    path: c.path,
    attempt: Number(c.attempt),
    systemAttempt: Number(c.system_attempt),
    workerId: c.worker_id,
    startedAt: Number(c.started_at),
    endedAt: Number(c.ended_at),
    outcome: c.outcome as AttemptOutcome,
    ...(c.error !== null ? { error: c.error } : {}),
    droppedBytes: Number(c.dropped_bytes),
    logBytes: Number(c.log_bytes),
  };
}

/**
 * Attempts and their logs in PostgreSQL, over the store's pool (the table comes with the store's migrations).
 *
 * @example
 * ```ts
 * const store = await openPostgresStore(url);
 * const logs = new PostgresAttemptLogs(store.pool);
 * (await logs.list(executionId, "n1")).map((a) => a.outcome); // ["failed", "succeeded"]
 * ```
 */
export class PostgresAttemptLogs implements AttemptLogStore {
  private readonly q: Queries;

  /** @param carrier with it, a record is handed to the carrier, to go with the next commit of the engine's store. */
  constructor(
    pool: pg.Pool,
    private readonly carrier?: LogCarrier,
  ) {
    this.q = new Queries(pool);
  }

  async put(r: AttemptRecord): Promise<void> {
    checkAttemptRecord(r);
    if (this.carrier) {
      this.carrier.add(r);
      return;
    }
    const bytes = r.lines.reduce((n, l) => n + Buffer.byteLength(l.text), 0);
    await this.q.run(
      `INSERT INTO attempt_logs (${SUMMARY}, lines) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (execution_id, path, attempt, system_attempt) DO UPDATE SET worker_id = EXCLUDED.worker_id, started_at = EXCLUDED.started_at,
         ended_at = EXCLUDED.ended_at, outcome = EXCLUDED.outcome, error = EXCLUDED.error, log_bytes = EXCLUDED.log_bytes,
         dropped_bytes = EXCLUDED.dropped_bytes, lines = EXCLUDED.lines`,
      [r.executionId, r.path, r.attempt, r.systemAttempt, r.workerId, r.startedAt, r.endedAt, r.outcome, r.error ?? null, bytes, r.droppedBytes, JSON.stringify(r.lines)],
    );
  }

  async list(executionId: string, path?: string): Promise<AttemptSummary[]> {
    const rows =
      path === undefined
        ? await this.q.all<SummaryCols>(`SELECT ${SUMMARY} FROM attempt_logs WHERE execution_id = $1 ${ORDER}`, [executionId])
        : await this.q.all<SummaryCols>(`SELECT ${SUMMARY} FROM attempt_logs WHERE execution_id = $1 AND path = $2 ${ORDER}`, [executionId, path]);
    return rows.map(summaryOf);
  }

  async records(executionId: string, path: string): Promise<AttemptRecord[]> {
    const rows = await this.q.all<RecordCols>(`SELECT ${SUMMARY}, lines FROM attempt_logs WHERE execution_id = $1 AND path = $2 ${ORDER}`, [executionId, path]);
    return rows.map((c) => {
      const { logBytes: _bytes, ...rest } = summaryOf(c);
      return { ...rest, lines: JSON.parse(c.lines) as LogLine[] };
    });
  }
}

/** The columns of `attempt_logs` in the order `INSERT_LOGS` takes them. */
const LOG_COLS = `${SUMMARY}, lines`;

/**
 * Attempt records as one statement's `json` parameter (`json_populate_recordset` over `attempt_logs`).
 *
 * @example
 * ```ts
 * await pool.query(`WITH l AS (${insertLogs("$1")}) SELECT count(*) FROM l`, [logsJson(records)]);
 * ```
 */
export function logsJson(records: readonly AttemptRecord[]): string {
  return JSON.stringify(
    records.map((r) => ({
      execution_id: r.executionId,
      path: r.path,
      attempt: r.attempt,
      system_attempt: r.systemAttempt,
      worker_id: r.workerId,
      started_at: r.startedAt,
      ended_at: r.endedAt,
      outcome: r.outcome,
      error: r.error ?? null,
      log_bytes: r.lines.reduce((n, l) => n + Buffer.byteLength(l.text), 0),
      dropped_bytes: r.droppedBytes,
      lines: JSON.stringify(r.lines),
    })),
  );
}

/**
 * The insert of the records of JSON parameter `param` (made by `logsJson`), the last of a key winning, as
 * `put` one after another leaves them; `RETURNING 1`, so that it can be a data-modifying `WITH` of another statement.
 *
 * @example
 * ```ts
 * await pool.query(`WITH l AS (${insertLogs("$1")}) SELECT count(*) FROM l`, [logsJson(records)]);
 * ```
 */
export function insertLogs(param: string): string {
  return `INSERT INTO attempt_logs (${LOG_COLS})
    SELECT DISTINCT ON (execution_id, path, attempt, system_attempt) ${LOG_COLS} FROM json_populate_recordset(NULL::attempt_logs, ${param}::json) WITH ORDINALITY AS r
    ORDER BY execution_id, path, attempt, system_attempt, ordinality DESC
    ON CONFLICT (execution_id, path, attempt, system_attempt) DO UPDATE SET worker_id = EXCLUDED.worker_id, started_at = EXCLUDED.started_at,
      ended_at = EXCLUDED.ended_at, outcome = EXCLUDED.outcome, error = EXCLUDED.error, log_bytes = EXCLUDED.log_bytes,
      dropped_bytes = EXCLUDED.dropped_bytes, lines = EXCLUDED.lines
    RETURNING 1`;
}

/**
 * The attempt records of the worker beside its engine (the embedded pool), waiting to go with the engine
 * store's next commit: the commit that applies an attempt's result is then the one that keeps its record,
 * so a result costs no statement of its own for its logs, and once the node shows the outcome its logs are
 * there. Records no commit took within `delayMs` (a result refused, or reported to the store instead) are
 * written on their own; a write that fails is tried again, a second later and then every second, until
 * `close`, which writes what is left once (and reports what it cannot).
 *
 * @example
 * ```ts
 * const carrier = new LogCarrier(pool, (e) => console.error(e));
 * const logs = new PostgresAttemptLogs(pool, carrier); // put() hands records to the carrier
 * const records = carrier.take();                       // the committing store writes them with its step
 * ```
 */
export class LogCarrier {
  private pending: AttemptRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failing = false;
  private readonly q: Queries;

  constructor(
    pool: pg.Pool,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = 50,
  ) {
    this.q = new Queries(pool);
  }

  /** Keeps a record for the next commit (or the next write of its own). */
  add(record: AttemptRecord): void {
    this.pending.push(record);
    this.arm();
  }

  /** The records waiting, now the caller's to write (`putBack` those its write did not keep). */
  take(): AttemptRecord[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  /** Records a write taken with `take` did not keep, to go with the next one. */
  putBack(records: readonly AttemptRecord[]): void {
    if (records.length === 0) return;
    this.pending = [...records, ...this.pending];
    this.arm();
  }

  /** Writes what waits, on its own; resolves once written (or, failed, put back and reported). */
  async flush(): Promise<void> {
    const records = this.take();
    if (records.length === 0) return;
    try {
      await this.q.run(insertLogs("$1"), [logsJson(records)]);
      this.failing = false;
    } catch (e) {
      this.failing = true;
      this.putBack(records);
      throw e;
    }
  }

  /** Writes what is left once; what cannot be written is reported, not kept. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const records = this.take();
    if (records.length === 0) return;
    try {
      await this.q.run(insertLogs("$1"), [logsJson(records)]);
    } catch (e) {
      this.onError(e);
    }
  }

  private arm(): void {
    if (this.timer || this.pending.length === 0) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const was = this.failing;
        this.flush().catch((e: unknown) => {
          if (!was) this.onError(e); // reported once, when writes start failing
        });
      },
      this.failing ? 1000 : this.delayMs,
    );
    this.timer.unref();
  }
}
