/**
 * Deep copies of the store's rows with exactly the fields of their types, as
 * a database hands them back: JSON values are copied through JSON, so a
 * caller can neither change stored state nor see a field a database would
 * not keep.
 *
 * @module
 */
import { cloneJson } from "./rules.js";
import type { CacheEntry, EntityKey, ExecutionRow, InboxEvent, NodeRow, RegisteredEntity, TaskItem } from "./store.js";


/**
 * A copy of an entity key.
 *
 * @example
 * ```ts
 * const key = copyKey({ project: "p", domain: "d", name: "n", version: "1" });
 * ```
 */
export function copyKey(key: EntityKey): EntityKey {
  return { project: key.project, domain: key.domain, name: key.name, version: key.version };
}

/**
 * A copy of a registered entity.
 *
 * @example
 * ```ts
 * const copy = copyEntity(entity);
 * ```
 */
export function copyEntity(e: RegisteredEntity): RegisteredEntity {
  return { kind: e.kind, key: copyKey(e.key), spec: cloneJson(e.spec), digest: e.digest, createdAt: e.createdAt };
}

/**
 * A copy of an execution row.
 *
 * @example
 * ```ts
 * const copy = copyExecution(row);
 * ```
 */
export function copyExecution(r: ExecutionRow): ExecutionRow {
  return {
    id: r.id,
    project: r.project,
    domain: r.domain,
    workflow: copyKey(r.workflow),
    launchPlan: r.launchPlan ? copyKey(r.launchPlan) : undefined,
    phase: r.phase,
    inputs: cloneJson(r.inputs),
    outputs: cloneJson(r.outputs),
    error: cloneJson(r.error),
    settings: cloneJson(r.settings),
    lineage: cloneJson(r.lineage),
    live: cloneJson(r.live),
    createdAt: r.createdAt,
    startedAt: r.startedAt ?? undefined,
    endedAt: r.endedAt ?? undefined,
    updatedAt: r.updatedAt,
  };
}

/**
 * A copy of a node row.
 *
 * @example
 * ```ts
 * const copy = copyNode(row);
 * ```
 */
export function copyNode(n: NodeRow): NodeRow {
  return {
    executionId: n.executionId,
    path: n.path,
    entity: n.entity,
    phase: n.phase,
    attempts: n.attempts,
    systemAttempts: n.systemAttempts,
    cacheStatus: n.cacheStatus,
    inputs: cloneJson(n.inputs),
    outputs: cloneJson(n.outputs),
    error: n.error ?? undefined,
    startedAt: n.startedAt ?? undefined,
    endedAt: n.endedAt ?? undefined,
    updatedAt: n.updatedAt,
    data: cloneJson(n.data),
  };
}

/**
 * A copy of a task item (without any lease fields).
 *
 * @example
 * ```ts
 * const copy = copyTaskItem(item);
 * ```
 */
export function copyTaskItem(t: TaskItem): TaskItem {
  return {
    id: t.id,
    executionId: t.executionId,
    path: t.path,
    attempt: t.attempt,
    systemAttempts: t.systemAttempts,
    maxSystemAttempts: t.maxSystemAttempts,
    task: copyKey(t.task),
    inputs: cloneJson(t.inputs),
    options: cloneJson(t.options),
    readyAt: t.readyAt,
  };
}

/**
 * A copy of an inbox event.
 *
 * @example
 * ```ts
 * const copy = copyEvent(event);
 * ```
 */
export function copyEvent(e: InboxEvent): InboxEvent {
  return { id: e.id, executionId: e.executionId, dueAt: e.dueAt, body: cloneJson(e.body) };
}

/**
 * A copy of a cache entry.
 *
 * @example
 * ```ts
 * const copy = copyCacheEntry(entry);
 * ```
 */
export function copyCacheEntry(c: CacheEntry): CacheEntry {
  return { key: c.key, task: c.task, version: c.version, outputs: cloneJson(c.outputs), createdAt: c.createdAt };
}
