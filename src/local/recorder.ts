/**
 * What a local run records about each node execution, for `execution.nodes()`.
 *
 * @module
 */
import type { CacheStatus, NodeExecution, NodePhase } from "../sdk/runner-port.js";

/** The mutable record of one node execution. */
export class NodeRecord {
  phase: NodePhase = "running";
  attempts = 0;
  cacheStatus: CacheStatus = "disabled";
  readonly startedAt = Date.now();
  endedAt: number | undefined = undefined;
  error: string | undefined = undefined;
  elements: { total: number; succeeded: number; failed: number; cacheHits: number; retries: number } | undefined = undefined;

  constructor(
    readonly path: string,
    readonly entity: string,
  ) {}

  /** Marks the node as ended in `phase`. */
  end(phase: NodePhase, error?: unknown): void {
    if (this.endedAt !== undefined) return;
    this.phase = phase;
    this.endedAt = Date.now();
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
      startedAt: new Date(this.startedAt),
      endedAt: this.endedAt === undefined ? undefined : new Date(this.endedAt),
      error: this.error,
    };
    return this.elements ? { ...s, elements: { ...this.elements } } : s;
  }
}

/** Every node record of a run, in start order. */
export class Recorder {
  private readonly records: NodeRecord[] = [];

  /** Records that the node at `path` started. */
  start(path: string, entity: string): NodeRecord {
    const r = new NodeRecord(path, entity);
    this.records.push(r);
    return r;
  }

  /** Marks every node still running as aborted. */
  abortRunning(reason: string): void {
    for (const r of this.records) if (r.endedAt === undefined) r.end("aborted", reason);
  }

  /** Snapshots of every record. */
  snapshot(): NodeExecution[] {
    return this.records.map((r) => r.snapshot());
  }
}
