/**
 * `MemoryStore`: the `Store` port over plain maps, for tests and for runs
 * that need no durability. Every method is atomic (it checks everything
 * before it changes anything), and values are deep-copied in and out.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import {
  checkCacheFilter,
  checkBatchLimit,
  checkDuration,
  checkFirstEvent,
  checkPageLimit,
  cloneJson,
  compareText,
  conflict,
  decodeCursor,
  duplicateExecution,
  encodeCursor,
  registryConflict,
  storeClosed,
  systemFailureMessage,
  isRefusal,
  isWorkerOf,
  checkLeased,
  startedAtClaim,
} from "./rules.js";
import type { TaskSystemFailedEvent } from "./events.js";
import { assembleListing, elementOfPath, storedElement } from "./map-elements.js";
import { copyCacheEntry, copyEntity, copyEvent, copyExecution, copyNode, copyTaskItem } from "./rows.js";
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
  TaskItem,
  TaskRelease,
  TaskReport,
  TaskResult,
} from "./store.js";

interface Lease {
  readonly token: string;
  readonly owner: string;
  expiresAt: number;
  /** Its attempt started (a lease that runs out then is a lost lease; before, the item goes back uncounted). */
  started: boolean;
}

interface Queued {
  item: TaskItem;
  lease: Lease | undefined;
}

interface StoredEvent {
  readonly event: InboxEvent;
  consumed: boolean;
}

const entityId = (kind: RegisteredKind, k: EntityKey): string => JSON.stringify([kind, k.project, k.domain, k.name, k.version]);

/** Whether an execution matches a listing filter. */
function matches(r: ExecutionRow, f: ExecutionFilter): boolean {
  return (
    (f.project === undefined || r.project === f.project) &&
    (f.domain === undefined || r.domain === f.domain) &&
    (f.workflowName === undefined || r.workflow.name === f.workflowName) &&
    (f.launchPlanName === undefined || r.launchPlan?.name === f.launchPlanName) &&
    (f.phase === undefined || r.phase === f.phase) &&
    (f.createdAfter === undefined || r.createdAt >= f.createdAfter) &&
    (f.createdBefore === undefined || r.createdAt < f.createdBefore) &&
    (f.parentId === undefined || r.lineage.parent?.executionId === f.parentId)
  );
}

/** Newest first: by creation time, then id, both descending. */
const newestFirst = (a: ExecutionRow, b: ExecutionRow): number => b.createdAt - a.createdAt || compareText(b.id, a.id);

/**
 * The `Store` port in memory: nothing survives the process. Use it in tests
 * and for short-lived engines; `openSqliteStore` is the durable default.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * await store.createExecution(row, { executionId: row.id, body: { type: "start" } });
 * const [event] = await store.dueEvents(Date.now(), 10);
 * ```
 */
export class MemoryStore implements Store {
  private readonly entities = new Map<string, RegisteredEntity>();
  private readonly executions = new Map<string, ExecutionRow>();
  private readonly nodes = new Map<string, Map<string, NodeRow>>();
  private readonly events = new Map<number, StoredEvent>();
  private lastEventId = 0;
  private readonly items = new Map<string, Queued>();
  private readonly cache = new Map<string, CacheEntry>();
  private readonly locks = new Map<string, { owner: string; expiresAt: number }>();
  private readonly ticks = new Map<string, Set<number>>();
  private readonly engines = new Map<string, EngineRecord>();
  /** Who owns each execution, and the epoch of its ownership (0: never owned). */
  private readonly owners = new Map<string, { owner: string | undefined; epoch: number }>();
  private closed = false;

  private check(): void {
    if (this.closed) throw storeClosed();
  }

  async registerEntity(entity: RegisteredEntity): Promise<"created" | "exists"> {
    this.check();
    const id = entityId(entity.kind, entity.key);
    const stored = this.entities.get(id);
    if (stored) {
      if (stored.digest === entity.digest) return "exists";
      throw registryConflict(entity.kind, entity.key, stored.digest, entity.digest);
    }
    this.entities.set(id, copyEntity(entity));
    return "created";
  }

  async getEntity(kind: RegisteredKind, key: EntityKey): Promise<RegisteredEntity | undefined> {
    this.check();
    const e = this.entities.get(entityId(kind, key));
    return e && copyEntity(e);
  }

  async listEntities(kind: RegisteredKind, filter: { readonly project?: string; readonly domain?: string; readonly name?: string } = {}): Promise<RegisteredEntity[]> {
    this.check();
    return [...this.entities.values()]
      .filter(
        (e) =>
          e.kind === kind &&
          (filter.project === undefined || e.key.project === filter.project) &&
          (filter.domain === undefined || e.key.domain === filter.domain) &&
          (filter.name === undefined || e.key.name === filter.name),
      )
      .sort((a, b) => compareText(a.key.name, b.key.name) || a.createdAt - b.createdAt || compareText(a.key.version, b.key.version))
      .map(copyEntity);
  }

  async createExecution(row: ExecutionRow, first: NewEvent, owner?: string): Promise<void> {
    this.check();
    checkFirstEvent(row, first);
    if (this.executions.has(row.id)) throw duplicateExecution(row.id, "createExecution");
    const copy = copyExecution(row);
    const event = this.newEvent(first, 0);
    this.executions.set(copy.id, copy);
    if (owner !== undefined) this.owners.set(copy.id, { owner, epoch: 1 });
    this.pushEvent(event);
  }

  async getExecution(id: string): Promise<ExecutionRow | undefined> {
    this.check();
    const r = this.executions.get(id);
    return r && copyExecution(r);
  }

  async listExecutions(filter: ExecutionFilter, page: { readonly limit: number; readonly cursor?: string }): Promise<Page<ExecutionRow>> {
    this.check();
    checkPageLimit(page.limit);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const rows = [...this.executions.values()]
      .filter((r) => matches(r, filter))
      .filter((r) => !after || r.createdAt < after.createdAt || (r.createdAt === after.createdAt && compareText(r.id, after.id) < 0))
      .sort(newestFirst)
      .slice(0, page.limit + 1);
    const items = rows.slice(0, page.limit).map(copyExecution);
    const last = items[items.length - 1];
    return { items, next: rows.length > page.limit && last ? encodeCursor(last) : undefined };
  }

  async listNodes(executionId: string): Promise<NodeRow[]> {
    this.check();
    const started = (n: NodeRow): number => (n.startedAt === undefined ? 1 : 0);
    const rows = [...(this.nodes.get(executionId)?.values() ?? [])]
      .sort((a, b) => started(a) - started(b) || (a.startedAt ?? 0) - (b.startedAt ?? 0) || compareText(a.path, b.path))
      .map(copyNode);
    // Read back as SQLite and PostgreSQL read them: elements take their map's task run, maps count their elements.
    return assembleListing(
      rows.map((r) => {
        const el = elementOfPath(r.path);
        return el ? storedElement(r, el[0], el[1]) : r;
      }),
    );
  }

  async dueEvents(now: number, limit: number): Promise<InboxEvent[]> {
    this.check();
    checkBatchLimit("dueEvents", limit);
    const out: InboxEvent[] = [];
    // Events are stored as they are numbered, so the map's order is id order: no sort needed.
    for (const s of this.events.values()) {
      if (out.length >= limit) break;
      if (!s.consumed && s.event.dueAt <= now) out.push(copyEvent(s.event));
    }
    return out;
  }

  async pendingEvents(executionId: string): Promise<InboxEvent[]> {
    this.check();
    const out: InboxEvent[] = [];
    for (const s of this.events.values()) if (!s.consumed && s.event.executionId === executionId) out.push(copyEvent(s.event));
    return out;
  }

  async nextEventDue(): Promise<number | undefined> {
    this.check();
    let next: number | undefined;
    for (const s of this.events.values()) if (!s.consumed && (next === undefined || s.event.dueAt < next)) next = s.event.dueAt;
    return next;
  }

  async addEvents(events: readonly NewEvent[]): Promise<void> {
    this.check();
    const staged = events.map((e) => {
      if (!this.executions.has(e.executionId)) throw conflict.executionMissing("addEvents", e.executionId, `event "${e.body.type}"`);
      return this.newEvent(e, 0);
    });
    staged.forEach((e) => this.pushEvent(e));
  }

  async commit(step: StepCommit): Promise<void> {
    this.check();
    // Check everything and copy every value first: nothing is changed until all of it holds.
    const consumed = new Set<number>();
    for (const id of step.consumed) {
      const stored = this.events.get(id);
      // Consumed events are pruned: an id handed out that is gone was consumed.
      if (!stored) throw Number.isInteger(id) && id >= 1 && id <= this.lastEventId ? conflict.eventConsumed(id) : conflict.eventMissing(id);
      if (stored.consumed || consumed.has(id)) throw conflict.eventConsumed(id);
      consumed.add(id);
    }
    const finished = new Set<string>();
    for (const f of step.finished ?? []) {
      const q = this.items.get(f.itemId);
      if (!q?.lease || q.lease.token !== f.leaseToken || finished.has(f.itemId)) throw conflict.leaseLost(f.itemId);
      finished.add(f.itemId);
    }
    const created = new Map<string, ExecutionRow>();
    for (const row of step.createExecutions ?? []) {
      if (this.executions.has(row.id) || created.has(row.id)) throw duplicateExecution(row.id, "commit");
      created.set(row.id, copyExecution(row));
    }
    const known = (id: string): boolean => this.executions.has(id) || created.has(id);
    const changed = (step.executions ?? []).map((row) => {
      if (!known(row.id)) throw conflict.executionMissing("commit", row.id, "changed by the step");
      return copyExecution(row);
    });
    // An element's map row is stored already or written by this step.
    const maps = new Set((step.nodes ?? []).filter((n) => n.data.kind === "array").map((n) => `${n.executionId}\u0000${n.path}`));
    const nodes = (step.nodes ?? []).map((n) => {
      if (!known(n.executionId)) throw conflict.executionMissing("commit", n.executionId, `node "${n.path}"`);
      const el = elementOfPath(n.path);
      if (el && !maps.has(`${n.executionId}\u0000${el[0]}`) && this.nodes.get(n.executionId)?.get(el[0])?.data.kind !== "array") throw conflict.mapMissing(n.executionId, n.path, el[0]);
      return copyNode(n);
    });
    const cancelled = new Set<string>();
    for (const c of step.cancelTasks ?? []) {
      for (const [id, q] of this.items) if (q.item.executionId === c.executionId && q.item.path === c.path) cancelled.add(id);
    }
    const enqueue = new Map<string, TaskItem>();
    for (const item of step.enqueue ?? []) {
      if (!known(item.executionId)) throw conflict.executionMissing("commit", item.executionId, `task item "${item.id}"`);
      if ((this.items.has(item.id) && !cancelled.has(item.id) && !finished.has(item.id)) || enqueue.has(item.id)) throw conflict.taskItemExists(item.id);
      enqueue.set(item.id, copyTaskItem(item));
    }
    checkLeased(step);
    const events = (step.events ?? []).map((e) => {
      if (!known(e.executionId)) throw conflict.executionMissing("commit", e.executionId, `event "${e.body.type}"`);
      return this.newEvent(e, 0);
    });
    const cachePut = (step.cachePut ?? []).map(copyCacheEntry);
    if (step.fence) {
      for (const o of step.fence.executions) {
        const held = this.owners.get(o.executionId);
        if (held?.owner !== step.fence.engineId || held.epoch !== o.epoch) throw conflict.fenced(o.executionId, step.fence.engineId);
      }
    }

    for (const id of consumed) this.events.delete(id);
    for (const id of finished) this.items.delete(id);
    for (const row of [...created.values(), ...changed]) this.executions.set(row.id, row);
    if (step.fence) for (const id of created.keys()) this.owners.set(id, { owner: step.fence.engineId, epoch: 1 });
    for (const n of nodes) {
      let byPath = this.nodes.get(n.executionId);
      if (!byPath) this.nodes.set(n.executionId, (byPath = new Map()));
      // A map's inputs are kept as first written (they never change), as SQLite and PostgreSQL keep them.
      const kept = n.data.kind === "array" ? byPath.get(n.path) : undefined;
      byPath.set(n.path, kept ? { ...n, inputs: kept.inputs } : n);
    }
    for (const id of cancelled) this.items.delete(id);
    const leases = new Map((step.leased ?? []).map((l) => [l.itemId, { token: l.leaseToken, owner: l.owner, expiresAt: l.leaseExpiresAt, started: l.started !== false }]));
    for (const item of enqueue.values()) this.items.set(item.id, { item, lease: leases.get(item.id) });
    events.forEach((e) => this.pushEvent(e));
    for (const c of cachePut) this.cache.set(c.key, c);
  }

  async commitGroups(groups: readonly (readonly StepCommit[])[]): Promise<(Error | undefined)[]> {
    this.check();
    const results: (Error | undefined)[] = [];
    for (const group of groups) {
      // One step is atomic by itself; a longer group is put back whole if a later step is refused.
      const restore = group.length > 1 ? this.snapshot() : () => undefined;
      try {
        for (const step of group) await this.commit(step);
        results.push(undefined);
      } catch (e) {
        restore();
        if (!isRefusal(e)) throw e;
        results.push(e);
      }
    }
    return results;
  }

  /** What `commit` may change, kept aside; the function puts it back (a group whose later step is refused). */
  private snapshot(): () => void {
    const executions = new Map(this.executions);
    const nodes = new Map([...this.nodes].map(([id, byPath]) => [id, new Map(byPath)]));
    const events = new Map([...this.events].map(([id, stored]) => [id, { ...stored }]));
    const lastEventId = this.lastEventId;
    const items = new Map([...this.items].map(([id, q]) => [id, { item: q.item, lease: q.lease && { ...q.lease } }]));
    const cache = new Map(this.cache);
    const owners = new Map([...this.owners].map(([id, o]) => [id, { ...o }]));
    return () => {
      const put = <K, V>(into: Map<K, V>, from: Map<K, V>): void => {
        into.clear();
        for (const [k, v] of from) into.set(k, v);
      };
      put(this.executions, executions);
      put(this.nodes, nodes);
      put(this.events, events);
      this.lastEventId = lastEventId;
      put(this.items, items);
      put(this.cache, cache);
      put(this.owners, owners);
    };
  }

  async claimTasks(workerId: string, limit: number, leaseMs: number, now: number, ahead?: number): Promise<ClaimedTask[]> {
    this.check();
    checkBatchLimit("claimTasks", limit);
    checkDuration("claimTasks", "leaseMs", leaseMs);
    const starting = startedAtClaim(limit, ahead);
    const byReadiness = [...this.items.values()].sort((a, b) => a.item.readyAt - b.item.readyAt || compareText(a.item.id, b.item.id));
    // Items whose last allowed lease expired become system failures.
    for (const q of byReadiness) {
      if (!q.lease || !q.lease.started || q.lease.expiresAt > now || q.item.systemAttempts + 1 < q.item.maxSystemAttempts) continue;
      const lost = q.item.systemAttempts + 1;
      this.items.delete(q.item.id);
      const body: TaskSystemFailedEvent = { type: "taskSystemFailed", path: q.item.path, attempt: q.item.attempt, systemAttempts: lost, message: systemFailureMessage(q.item.id, lost, q.lease.owner) };
      this.pushEvent({ id: 0, executionId: q.item.executionId, dueAt: now, body });
    }
    const claimed: ClaimedTask[] = [];
    for (const q of byReadiness) {
      if (claimed.length >= limit) break;
      if (!this.items.has(q.item.id) || q.item.readyAt > now || (q.lease && q.lease.expiresAt > now)) continue;
      // A lease lost after the attempt started counts; one claimed ahead and never started does not.
      if (q.lease?.started) q.item = { ...q.item, systemAttempts: q.item.systemAttempts + 1 };
      const started = claimed.length < starting;
      q.lease = { token: randomUUID(), owner: workerId, expiresAt: now + leaseMs, started };
      claimed.push({ ...copyTaskItem(q.item), leaseToken: q.lease.token, leaseExpiresAt: q.lease.expiresAt, ...(started ? {} : { ahead: true }) });
    }
    return claimed;
  }

  async heartbeat(itemId: string, leaseToken: string, leaseMs: number, now: number, started?: boolean): Promise<boolean> {
    this.check();
    checkDuration("heartbeat", "leaseMs", leaseMs);
    const lease = this.items.get(itemId)?.lease;
    if (!lease || lease.token !== leaseToken || lease.expiresAt <= now) return false;
    lease.expiresAt = now + leaseMs;
    if (started === true) lease.started = true;
    return true;
  }

  async finishTask(itemId: string, leaseToken: string, result: TaskResult, now: number): Promise<boolean> {
    this.check();
    return this.finishOne(itemId, leaseToken, result, now);
  }

  async finishTasks(reports: readonly TaskReport[], now: number): Promise<boolean[]> {
    this.check();
    return reports.map((r) => this.finishOne(r.itemId, r.leaseToken, r.result, now));
  }

  async releaseTasks(releases: readonly TaskRelease[], now: number): Promise<boolean[]> {
    this.check();
    return releases.map((r) => {
      const q = this.items.get(r.itemId);
      if (!q?.lease || q.lease.token !== r.leaseToken || q.lease.expiresAt <= now) return false;
      if (r.started) {
        q.lease.expiresAt = now;
        q.lease.started = true;
      } else {
        q.lease = undefined;
      }
      return true;
    });
  }

  private finishOne(itemId: string, leaseToken: string, result: TaskResult, now: number): boolean {
    const q = this.items.get(itemId);
    if (!q?.lease || q.lease.token !== leaseToken) return false;
    const event = this.newEvent({ executionId: q.item.executionId, dueAt: now, body: result.body }, now);
    this.items.delete(itemId);
    this.pushEvent(event);
    return true;
  }

  async getCached(key: string): Promise<CacheEntry | undefined> {
    this.check();
    const c = this.cache.get(key);
    return c && copyCacheEntry(c);
  }

  async clearCache(filter: CacheFilter = {}): Promise<number> {
    this.check();
    checkCacheFilter(filter);
    let n = 0;
    for (const [key, c] of this.cache) {
      if ((filter.task === undefined || c.task === filter.task) && (filter.version === undefined || c.version === filter.version)) {
        this.cache.delete(key);
        n++;
      }
    }
    return n;
  }

  async lockCacheKey(key: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    this.check();
    checkDuration("lockCacheKey", "ttlMs", ttlMs);
    const lock = this.locks.get(key);
    if (lock && lock.owner !== owner && lock.expiresAt > now) return false;
    this.locks.set(key, { owner, expiresAt: now + ttlMs });
    return true;
  }

  async unlockCacheKey(key: string, owner: string): Promise<void> {
    this.check();
    if (this.locks.get(key)?.owner === owner) this.locks.delete(key);
  }

  async claimScheduleTick(schedule: string, tickAt: number): Promise<boolean> {
    this.check();
    let ticks = this.ticks.get(schedule);
    if (!ticks) this.ticks.set(schedule, (ticks = new Set()));
    if (ticks.has(tickAt)) return false;
    ticks.add(tickAt);
    return true;
  }

  async lastScheduleTick(schedule: string): Promise<number | undefined> {
    this.check();
    const ticks = this.ticks.get(schedule);
    let last: number | undefined;
    for (const t of ticks ?? []) if (last === undefined || t > last) last = t;
    return last;
  }

  async renewEngine(engine: Omit<EngineRecord, "expiresAt">, leaseMs: number, now: number): Promise<void> {
    this.check();
    checkDuration("renewEngine", "leaseMs", leaseMs);
    this.engines.set(engine.id, { id: engine.id, pid: engine.pid, host: engine.host, command: engine.command, since: engine.since, expiresAt: now + leaseMs });
  }

  async liveEngines(now: number): Promise<EngineRecord[]> {
    this.check();
    return [...this.engines.values()].filter((e) => e.expiresAt > now).sort((a, b) => a.since - b.since || compareText(a.id, b.id)).map((e) => ({ ...e }));
  }

  /** Whether no live engine but `engineId` owns the execution. */
  private ownable(executionId: string, engineId: string, now: number): boolean {
    const owner = this.owners.get(executionId)?.owner;
    if (owner === undefined || owner === engineId) return true;
    const e = this.engines.get(owner);
    return e === undefined || e.expiresAt <= now;
  }

  async dueEventsFor(engineId: string, now: number, limit: number): Promise<InboxEvent[]> {
    this.check();
    checkBatchLimit("dueEventsFor", limit);
    const out: InboxEvent[] = [];
    for (const s of this.events.values()) {
      if (out.length >= limit) break;
      if (!s.consumed && s.event.dueAt <= now && this.ownable(s.event.executionId, engineId, now)) out.push(copyEvent(s.event));
    }
    return out;
  }

  /** Clears up dead engines (or, with `keep`, every other): frees their executions and hands their workers' items out again. */
  private reap(now: number, keep?: string): string[] {
    const dead = [...this.engines.values()].filter((e) => (keep === undefined ? e.expiresAt <= now : e.id !== keep)).map((e) => e.id);
    for (const id of dead) {
      this.engines.delete(id);
      for (const o of this.owners.values()) if (o.owner === id) o.owner = undefined;
      for (const q of this.items.values()) if (q.lease && isWorkerOf(q.lease.owner, id) && q.lease.expiresAt > now) q.lease.expiresAt = now;
    }
    return dead;
  }

  async acquireExecutions(engineId: string, executionIds: readonly string[], now: number): Promise<Ownership[]> {
    this.check();
    this.reap(now);
    const out: Ownership[] = [];
    for (const id of new Set(executionIds)) {
      if (!this.executions.has(id) || !this.ownable(id, engineId, now)) continue;
      const held = this.owners.get(id) ?? { owner: undefined, epoch: 0 };
      if (held.owner !== engineId) this.owners.set(id, { owner: engineId, epoch: held.epoch + 1 });
      out.push({ executionId: id, epoch: this.owners.get(id)?.epoch ?? 0 });
    }
    return out;
  }

  async retireEngines(keep: string, now: number): Promise<string[]> {
    this.check();
    return this.reap(now, keep).sort(compareText);
  }

  async releaseEngine(engineId: string): Promise<void> {
    this.check();
    this.engines.delete(engineId);
    for (const o of this.owners.values()) if (o.owner === engineId) o.owner = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** A copy of a new event, not yet numbered (numbers are given when it is stored). */
  private newEvent(e: NewEvent, defaultDueAt: number): InboxEvent {
    return { id: 0, executionId: e.executionId, dueAt: e.dueAt ?? defaultDueAt, body: cloneJson(e.body) };
  }

  private pushEvent(e: InboxEvent): void {
    const event = { ...e, id: ++this.lastEventId };
    this.events.set(event.id, { event, consumed: false });
  }
}
