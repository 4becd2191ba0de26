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

  constructor(pool: pg.Pool) {
    this.q = new Queries(pool);
  }

  async put(r: AttemptRecord): Promise<void> {
    checkAttemptRecord(r);
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
