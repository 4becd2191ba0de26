/**
 * Stored rows as the API shows them: times as ISO strings, literals as JSON
 * values, the engine's bookkeeping reduced to what people look at.
 *
 * @module
 */
import type { LaunchPlanSpec, TaskSpec, WorkflowSpec } from "../idl/specs.js";
import type { Literal, LiteralType, VariableMap } from "../idl/core.js";
import type { EntityKey as StoreKey, ExecutionRow, NodeRow, RegisteredEntity, Store } from "../store/store.js";
import { runsTask } from "../store/node-data.js";
import { DEFAULT_MAX_PARALLELISM } from "../engine/step.js";
import { describeType } from "../types/describe.js";
import { jsonSchemaOfType, literalMapToJson, literalToJson } from "./json-values.js";
import type { EntityInfo, EntityKey, EntityVersions, ExecutionInfo, ExecutionSummary, InputInfo, InterfaceInfo, NodeExecutionInfo, OutputInfo } from "./schemas.js";

const iso = (ms: number): string => new Date(ms).toISOString();

function key(k: StoreKey): EntityKey {
  return { project: k.project, domain: k.domain, name: k.name, version: k.version };
}

function opt<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

/**
 * An execution without inputs and outputs.
 *
 * @example
 * ```ts
 * executionSummary(await store.getExecution(id)); // { id, phase: "running", createdAt: "2024-...", ... }
 * ```
 */
export function executionSummary(row: ExecutionRow): ExecutionSummary {
  const { settings, lineage } = row;
  return {
    id: row.id,
    project: row.project,
    domain: row.domain,
    workflow: key(row.workflow),
    ...opt("launchPlan", row.launchPlan ? key(row.launchPlan) : undefined),
    phase: row.phase,
    ...opt("error", row.error ? { message: row.error.message, ...opt("nodeId", row.error.nodeId) } : undefined),
    ...opt("parent", lineage.parent ? { executionId: lineage.parent.executionId, path: lineage.parent.path } : undefined),
    options: { maxParallelism: settings.maxParallelism ?? DEFAULT_MAX_PARALLELISM, overwriteCache: settings.overwriteCache },
    ...opt("relaunchOf", lineage.relaunchOf),
    ...opt("recoverOf", lineage.recoverOf),
    ...opt("scheduledAt", lineage.scheduledAt === undefined ? undefined : iso(lineage.scheduledAt)),
    createdAt: iso(row.createdAt),
    ...opt("startedAt", row.startedAt === undefined ? undefined : iso(row.startedAt)),
    ...opt("endedAt", row.endedAt === undefined ? undefined : iso(row.endedAt)),
    updatedAt: iso(row.updatedAt),
  };
}

/**
 * An execution with its inputs and (once succeeded) outputs as JSON.
 *
 * @example
 * ```ts
 * executionInfo(row).inputs; // { x: [1, 2], at: "2024-01-31T12:00:00.000Z" }
 * ```
 */
export function executionInfo(row: ExecutionRow): ExecutionInfo {
  return {
    ...executionSummary(row),
    inputs: literalMapToJson(row.inputs) ?? {},
    ...opt("outputs", row.phase === "succeeded" ? (literalMapToJson(row.outputs) ?? {}) : undefined),
  };
}

/**
 * A node execution, with its inputs and outputs as JSON and the parts of the
 * engine's bookkeeping a live view shows (map progress, gate, child execution).
 *
 * @example
 * ```ts
 * nodeInfo(row); // { path: "n0", phase: "succeeded", attempts: 1, cacheStatus: "disabled", ... }
 * ```
 */
export function nodeInfo(row: NodeRow): NodeExecutionInfo {
  const d = row.data;
  const kind = d.kind;
  let gate: NodeExecutionInfo["gate"];
  if (d.kind === "gate") gate = d.gate === "signal" ? { kind: "signal", name: d.signal } : d.gate === "approve" ? { kind: "approve", name: d.approve } : { kind: "sleep" };
  const map = d.kind === "array" ? { total: d.total, succeeded: d.succeeded, failed: d.failed, running: d.inFlight, minSuccesses: d.minSuccesses } : undefined;
  return {
    executionId: row.executionId,
    path: row.path,
    entity: row.entity,
    ...opt("kind", kind),
    phase: row.phase,
    attempts: row.attempts,
    systemAttempts: row.systemAttempts,
    cacheStatus: row.cacheStatus,
    ...opt("inputs", literalMapToJson(row.inputs)),
    ...opt("outputs", literalMapToJson(row.outputs)),
    ...opt("error", row.error),
    ...opt("startedAt", row.startedAt === undefined ? undefined : iso(row.startedAt)),
    ...opt("endedAt", row.endedAt === undefined ? undefined : iso(row.endedAt)),
    updatedAt: iso(row.updatedAt),
    ...opt("task", runsTask(d) ? key(d.task) : undefined),
    ...opt("retries", runsTask(d) ? d.retries : undefined),
    ...opt("recovered", d.kind === "task" && d.recovered === true ? true : undefined),
    ...opt("childExecutionId", d.kind === "launchPlan" ? d.childId : undefined),
    ...opt("branch", d.kind === "branch" && typeof d.chosen === "string" && d.chosen !== "" ? d.chosen : undefined),
    ...opt("gate", gate),
    ...opt("map", map),
  };
}

/**
 * The versions of one entity name, newest first. `rows` are one name's
 * registrations as the store lists them (oldest first).
 *
 * @example
 * ```ts
 * entityVersions(await store.listEntities("task", { project, domain, name })); // { name, latestVersion, versions: [...] }
 * ```
 */
export function entityVersions(rows: readonly RegisteredEntity[]): EntityVersions {
  const newest = [...rows].reverse();
  const first = newest[0]!;
  return {
    kind: first.kind,
    project: first.key.project,
    domain: first.key.domain,
    name: first.key.name,
    latestVersion: first.key.version,
    versions: newest.map((e) => ({ version: e.key.version, createdAt: iso(e.createdAt), digest: e.digest })),
  };
}

/**
 * Groups registrations by name (the store lists them by name, then by creation).
 *
 * @example
 * ```ts
 * groupByName(await store.listEntities("workflow")).map(entityVersions);
 * ```
 */
export function groupByName(rows: readonly RegisteredEntity[]): RegisteredEntity[][] {
  const groups = new Map<string, RegisteredEntity[]>();
  for (const r of rows) {
    const k = `${r.key.project}\u0000${r.key.domain}\u0000${r.key.name}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()];
}

function variable(name: string, v: { type?: LiteralType; description?: string } | undefined): OutputInfo {
  const type = v?.type ?? {};
  return {
    name,
    type: describeType(type),
    literalType: type as Record<string, unknown>,
    schema: jsonSchemaOfType(type),
    ...opt("description", v?.description && v.description !== name ? v.description : undefined),
  };
}

function interfaceOf(inputs: VariableMap | undefined, outputs: VariableMap | undefined): InterfaceInfo {
  const params: InputInfo[] = Object.entries(inputs?.variables ?? {}).map(([name, v]) => {
    const acceptsNone = v.type?.simple === "NONE" || (v.type?.unionType?.variants ?? []).some((x) => x.simple === "NONE");
    return { ...variable(name, v), required: !acceptsNone, fixed: false };
  });
  return { inputs: params, outputs: Object.entries(outputs?.variables ?? {}).map(([name, v]) => variable(name, v)) };
}

function launchPlanInterface(lp: LaunchPlanSpec, workflow: WorkflowSpec | undefined): InterfaceInfo {
  const wfInputs = workflow?.template?.interface?.inputs?.variables ?? {};
  const fixed = lp.fixedInputs?.literals ?? {};
  const inputs: InputInfo[] = [];
  for (const [name, p] of Object.entries(lp.defaultInputs?.parameters ?? {})) {
    inputs.push({
      ...variable(name, p.var ?? wfInputs[name]),
      required: p.required === true,
      ...opt("default", p.default ? literalToJson(p.default) : undefined),
      fixed: false,
    });
  }
  for (const [name, l] of Object.entries(fixed) as [string, Literal][]) {
    inputs.push({ ...variable(name, wfInputs[name]), required: false, default: literalToJson(l), fixed: true });
  }
  return { inputs, outputs: interfaceOf(undefined, workflow?.template?.interface?.outputs).outputs };
}

function workflowKeyOf(lp: LaunchPlanSpec): StoreKey {
  const w = lp.workflowId ?? {};
  return { project: w.project ?? "", domain: w.domain ?? "", name: w.name ?? "", version: w.version ?? "" };
}

/**
 * One registered entity with its interface (inputs with defaults, outputs) and spec.
 *
 * @example
 * ```ts
 * await entityInfo(store, await store.getEntity("launchPlan", key)); // { kind: "launchPlan", interface: { inputs: [...] }, workflow: {...}, spec }
 * ```
 */
export async function entityInfo(store: Store, e: RegisteredEntity): Promise<EntityInfo> {
  const base = { kind: e.kind, key: key(e.key), createdAt: iso(e.createdAt), digest: e.digest, spec: e.spec as Record<string, unknown> };
  if (e.kind === "task") {
    const iface = (e.spec as TaskSpec).template?.interface;
    return { ...base, interface: interfaceOf(iface?.inputs, iface?.outputs) };
  }
  if (e.kind === "workflow") {
    const iface = (e.spec as WorkflowSpec).template?.interface;
    return { ...base, interface: interfaceOf(iface?.inputs, iface?.outputs) };
  }
  const lp = e.spec as LaunchPlanSpec;
  const wk = workflowKeyOf(lp);
  const wf = await store.getEntity("workflow", wk);
  return { ...base, interface: launchPlanInterface(lp, wf?.spec as WorkflowSpec | undefined), workflow: key(wk) };
}
