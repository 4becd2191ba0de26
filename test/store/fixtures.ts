/**
 * Rows for the store conformance suite: complete, with every field set, so
 * that a round trip can be checked with `toStrictEqual`.
 *
 * @module
 */
import type { TaskSucceededEvent } from "../../src/store/events.js";
import type { CacheEntry, EntityKey, ExecutionRow, NewEvent, NodeRow, RegisteredEntity, Store, TaskItem } from "../../src/store/store.js";

/** A fixed start of time, so tests never read the clock. */
export const T0 = 1_700_000_000_000;

export function key(name: string, version = "v1", project = "proj", domain = "dev"): EntityKey {
  return { project, domain, name, version };
}

export function entity(kind: RegisteredEntity["kind"], name: string, overrides: Partial<RegisteredEntity> = {}): RegisteredEntity {
  return { kind, key: key(name), spec: { template: { id: name }, nested: [1, { a: "b" }] }, digest: `digest-${name}`, createdAt: T0, ...overrides };
}

export function execution(id: string, overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    id,
    project: "proj",
    domain: "dev",
    workflow: key("wf"),
    launchPlan: undefined,
    phase: "queued",
    inputs: { literals: { x: { scalar: { primitive: { integer: "3" } } } } },
    outputs: undefined,
    error: undefined,
    settings: { maxParallelism: 4, overwriteCache: false },
    lineage: {},
    live: { pendingAnswers: {} },
    createdAt: T0,
    startedAt: undefined,
    endedAt: undefined,
    updatedAt: T0,
    ...overrides,
  };
}

export function node(executionId: string, path: string, overrides: Partial<NodeRow> = {}): NodeRow {
  return {
    executionId,
    path,
    entity: `task "${path}"`,
    phase: "running",
    attempts: 1,
    systemAttempts: 0,
    cacheStatus: "disabled",
    inputs: { literals: {} },
    outputs: undefined,
    error: undefined,
    startedAt: T0,
    endedAt: undefined,
    updatedAt: T0,
    data: { kind: "task", task: key(`task-${path}`), taskDigest: "d1", retries: 0, dispatched: true },
    ...overrides,
  };
}

/** Element `index` of map task `mapPath`, running, as the engine writes it (`nodes/map.ts`). */
export function element(executionId: string, mapPath: string, index: number, overrides: Partial<NodeRow> = {}): NodeRow {
  return node(executionId, `${mapPath}[${index}]`, { data: { kind: "element", task: key(`task-${mapPath}`), taskDigest: "d1", retries: 0, dispatched: true }, ...overrides });
}

export function item(executionId: string, path: string, overrides: Partial<TaskItem> = {}): TaskItem {
  const attempt = overrides.attempt ?? 1;
  return {
    id: `${executionId}|${path}|${attempt}`,
    executionId,
    path,
    attempt,
    systemAttempts: 0,
    maxSystemAttempts: 3,
    task: key(`task-${path}`),
    inputs: { literals: { n: { scalar: { primitive: { integer: "1" } } } } },
    options: { taskDigest: "d1", timeoutMs: 1000 },
    readyAt: T0,
    ...overrides,
  };
}

export function cacheEntry(k: string, overrides: Partial<CacheEntry> = {}): CacheEntry {
  return { key: k, task: "slope", version: "1", outputs: { literals: { o0: { scalar: { primitive: { integer: "1" } } } } }, createdAt: T0, ...overrides };
}

export const start = (executionId: string, dueAt?: number): NewEvent => ({ executionId, ...(dueAt === undefined ? {} : { dueAt }), body: { type: "start" } });

/** Creates executions with their start events, consuming nothing. */
export async function seed(store: Store, ...rows: ExecutionRow[]): Promise<void> {
  for (const row of rows) await store.createExecution(row, start(row.id));
}

/** Everything of a store a test can see without changing it: executions, their nodes, pending events, the given cache keys. */
export async function snapshot(store: Store, cacheKeys: readonly string[] = []): Promise<unknown> {
  const executions = (await store.listExecutions({}, { limit: 1000 })).items;
  const nodes = await Promise.all(executions.map((e) => store.listNodes(e.id)));
  const events = await store.dueEvents(Number.MAX_SAFE_INTEGER, 1000);
  const cache = await Promise.all(cacheKeys.map((k) => store.getCached(k)));
  return { executions, nodes, events, next: await store.nextEventDue(), cache };
}

/** The ids of pending events' bodies' types, for short assertions. */
export async function pendingTypes(store: Store, now = Number.MAX_SAFE_INTEGER): Promise<string[]> {
  return (await store.dueEvents(now, 1000)).map((e) => `${e.executionId}:${e.body.type}`);
}

/** A worker's report that attempt 1 of `path` succeeded with no outputs. */
export function succeeded(path: string): TaskSucceededEvent {
  return { type: "taskSucceeded", path, attempt: 1, outputs: { literals: {} } };
}
