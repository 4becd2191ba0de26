/**
 * Watching executions for the event stream. One poll loop per watched
 * execution, however many clients watch it: every `pollMs` it reads the
 * execution and its nodes from the store, compares them with what it sent
 * last, and hands the changes to every subscriber. A subscriber that joins
 * late gets the current state first. When the execution ends the watch sends
 * `end` and stops.
 *
 * @module
 */
import { isExecutionEnded } from "../phases.js";
import type { Store } from "../store/store.js";
import type { StoredValues } from "./stored-values.js";
import { type ExecutionEnd, type ExecutionInfo, type NodeExecutionInfo } from "./schemas.js";
import { executionInfo, nodeInfo } from "./views.js";

/** An event of an execution's stream. */
export type WatchEvent =
  | { readonly type: "execution"; readonly data: ExecutionInfo }
  | { readonly type: "node"; readonly data: NodeExecutionInfo }
  | { readonly type: "end"; readonly data: ExecutionEnd };

/** Receives a watch's events. */
export type WatchSubscriber = (event: WatchEvent) => void;

interface Seen<T> {
  readonly data: T;
  readonly text: string;
}

class ExecutionWatch {
  private readonly subscribers = new Set<WatchSubscriber>();
  private exec: Seen<ExecutionInfo> | undefined;
  private readonly nodes = new Map<string, Seen<NodeExecutionInfo>>();
  private end: ExecutionEnd | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling = false;

  constructor(
    private readonly store: Store,
    private readonly values: StoredValues,
    private readonly id: string,
    private readonly pollMs: number,
    private readonly onIdle: () => void,
    private readonly onError: (e: unknown) => void,
  ) {}

  subscribe(fn: WatchSubscriber): () => void {
    if (this.exec) {
      fn({ type: "execution", data: this.exec.data });
      for (const n of this.nodes.values()) fn({ type: "node", data: n.data });
      if (this.end) {
        fn({ type: "end", data: this.end });
        return () => {};
      }
    }
    this.subscribers.add(fn);
    if (!this.timer && !this.polling) this.schedule(0);
    return () => {
      this.subscribers.delete(fn);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, ms);
  }

  private stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.onIdle();
  }

  private emit(event: WatchEvent): void {
    for (const fn of [...this.subscribers]) fn(event);
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    this.polling = true;
    try {
      const row = await this.store.getExecution(this.id);
      if (!row) throw new Error(`execution ${this.id} disappeared from the store`);
      const rows = await this.store.listNodes(this.id);
      if (this.stopped) return;
      const events: WatchEvent[] = [];
      const first = this.exec === undefined;
      const exec = executionInfo(await this.values.execution(row));
      const execText = JSON.stringify(exec);
      const execChanged = execText !== this.exec?.text;
      this.exec = { data: exec, text: execText };
      if (first) events.push({ type: "execution", data: exec });
      for (const r of rows) {
        const n = nodeInfo(await this.values.node(r));
        const text = JSON.stringify(n);
        if (this.nodes.get(n.path)?.text === text) continue;
        this.nodes.set(n.path, { data: n, text });
        events.push({ type: "node", data: n });
      }
      if (!first && execChanged) events.push({ type: "execution", data: exec });
      if (isExecutionEnded(row.phase)) {
        this.end = { id: row.id, phase: row.phase, ...(row.error ? { error: { message: row.error.message, ...(row.error.nodeId !== undefined ? { nodeId: row.error.nodeId } : {}) } } : {}) };
        events.push({ type: "end", data: this.end });
      }
      for (const e of events) this.emit(e);
      if (this.end) {
        this.subscribers.clear();
        this.stop();
        return;
      }
    } catch (e) {
      this.onError(e);
    } finally {
      this.polling = false;
    }
    this.schedule(this.pollMs);
  }
}

/**
 * The watches of one server, by execution id.
 *
 * @example
 * ```ts
 * const watches = new Watches(store, new StoredValues(blobs), 50, console.error);
 * const unsubscribe = watches.subscribe(id, (event) => console.log(event.type, event.data));
 * ```
 */
export class Watches {
  private readonly watches = new Map<string, ExecutionWatch>();

  constructor(
    private readonly store: Store,
    private readonly values: StoredValues,
    private readonly pollMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Subscribes to an execution's events; returns the function that unsubscribes. */
  subscribe(id: string, fn: WatchSubscriber): () => void {
    let w = this.watches.get(id);
    if (!w) {
      const created: ExecutionWatch = new ExecutionWatch(
        this.store,
        this.values,
        id,
        this.pollMs,
        () => {
          if (this.watches.get(id) === created) this.watches.delete(id);
        },
        this.onError,
      );
      w = created;
      this.watches.set(id, w);
    }
    return w.subscribe(fn);
  }

  /** How many executions are being watched. */
  get size(): number {
    return this.watches.size;
  }
}
