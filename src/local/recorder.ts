/**
 * What a local run records about each node execution, for `execution.nodes()`.
 *
 * @module
 */
import type { CacheStatus, NodeExecution, NodePhase } from "../sdk/runner-port.js";
import { keepShape } from "../shapes.js";

/**
 * Times are kept in milliseconds after this instant: small integers, which
 * V8 stores in the record itself, where a `Date.now()` would be a boxed
 * double (two more objects a node, on every run).
 */
const ORIGIN = Date.now();

/**
 * Milliseconds after `ORIGIN`: an int (a small integer V8 keeps unboxed) for the first 12 days of the process, a double
 * after. The executor reads it once between two synchronous nodes, for the end of one and the start of the next: a
 * clock read is a system call on some virtual machines.
 */
export function sinceOrigin(): number {
  const ms = Date.now() - ORIGIN;
  return ms < 0x3fffffff ? ms | 0 : ms;
}

/** The mutable record of one node execution. */
export class NodeRecord {
  // Declared, and set in the constructor: class fields would run an initializer function for each record.
  declare readonly path: string;
  declare readonly entity: string;
  declare phase: NodePhase;
  declare attempts: number;
  declare cacheStatus: CacheStatus;
  /** Milliseconds after `ORIGIN`. */
  private declare readonly started: number;
  /** Milliseconds after `ORIGIN`, or -1 while the node runs. */
  private declare ended: number;
  declare error: string | undefined;
  declare elements: { total: number; succeeded: number; failed: number; cacheHits: number; retries: number } | undefined;
  /** The recorder that counts this record among its running ones, if any. */
  private declare readonly owner: Recorder | undefined;

  /** `started` is a `sinceOrigin()` reading (now, when not given). */
  constructor(path: string, entity: string, started = sinceOrigin(), owner?: Recorder) {
    this.path = path;
    this.entity = entity;
    this.phase = "running";
    this.attempts = 0;
    this.cacheStatus = "disabled";
    this.started = started;
    this.ended = -1;
    this.error = undefined;
    this.elements = undefined;
    this.owner = owner;
  }

  /** Whether the node ended. */
  get hasEnded(): boolean {
    return this.ended >= 0;
  }

  /** Marks the node as ended in `phase`, at `at` (a `sinceOrigin()` reading; now, when not given). */
  end(phase: NodePhase, error?: unknown, at?: number): void {
    if (this.ended >= 0) return;
    this.phase = phase;
    this.ended = at ?? sinceOrigin();
    if (this.owner !== undefined) this.owner.running--;
    if (error !== undefined) this.error = error instanceof Error ? error.message : String(error);
  }

  /** A snapshot for callers. */
  snapshot(): NodeExecution {
    const s: NodeExecution = {
      path: this.path,
      entity: this.entity,
      phase: this.phase,
      attempts: this.attempts,
      cacheStatus: this.cacheStatus,
      startedAt: new Date(ORIGIN + this.started),
      endedAt: this.ended < 0 ? undefined : new Date(ORIGIN + this.ended),
      error: this.error,
    };
    return this.elements ? { ...s, elements: { ...this.elements } } : s;
  }
}

/** Every node record of a run, in start order. */
export class Recorder {
  private readonly records: NodeRecord[] = [];
  /** How many of the records have not ended: a run that ends with none skips the walk over its records. */
  running = 0;

  /** Records that the node at `path` started (at `at`, a `sinceOrigin()` reading; now, when not given). */
  start(path: string, entity: string, at = sinceOrigin()): NodeRecord {
    const r = new NodeRecord(path, entity, at, this);
    this.records.push(r);
    this.running++;
    return r;
  }

  /** Marks every node still running as aborted. */
  abortRunning(reason: string): void {
    if (this.running === 0) return;
    const records = this.records;
    for (let i = 0; i < records.length; i++) if (!records[i]!.hasEnded) records[i]!.end("aborted", reason);
  }

  /** Snapshots of every record. */
  snapshot(): NodeExecution[] {
    return this.records.map((r) => r.snapshot());
  }
}

// A run's records are garbage once the run ends: one sample of each keeps their shapes, and the code using them, across
// major GCs (shapes.ts).
keepShape(new NodeRecord("", ""));
keepShape(new Recorder());
