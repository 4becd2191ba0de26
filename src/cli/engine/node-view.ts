/**
 * A run's nodes as the live view reads them: one entry per node (a map
 * task's element rows `n1[i]` folded into its progress), and the gates that
 * wait for an answer. They come from the database's node rows or from the
 * API's node executions; both are read through one small shape.
 *
 * @module
 */
import type { LiteralType } from "../../idl/core.js";
import type { CacheStatus, NodePhase } from "../../phases.js";
import type { NodeExecution, PendingSignal } from "../../sdk/runner-port.js";
import type { NodeExecutionInfo } from "../../server/schemas.js";
import type { NodeRow } from "../../store/store.js";
import { describeType } from "../../types/describe.js";

/** What the live view needs of a node execution. */
export interface NodeLike {
  readonly path: string;
  readonly entity: string;
  readonly phase: NodePhase;
  readonly attempts: number;
  readonly cacheStatus: CacheStatus;
  readonly startedAt: number | undefined;
  readonly endedAt: number | undefined;
  readonly error: string | undefined;
  /** A map task's progress. */
  readonly array: { readonly total: number; readonly succeeded: number; readonly failed: number } | undefined;
  /** A gate that waits for a signal or an approval. */
  readonly gate: { readonly kind: "signal" | "approve"; readonly name: string } | undefined;
}

/** What a run's nodes look like at one moment. */
export interface NodesView {
  /** Every node but map-task elements, in the order given (by start time). */
  readonly nodes: NodeExecution[];
  /** The gates waiting for a signal or an approval. */
  readonly waiting: PendingSignal[];
}

const ELEMENT = /^(.*)\[(\d+)\]$/;

function num(v: unknown): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/**
 * The array node a path is an element of (`n1` for `n1[3]`), or undefined.
 *
 * @example
 * ```ts
 * elementOf("n2/n1[3]"); // "n2/n1"
 * ```
 */
export function elementOf(path: string): string | undefined {
  return ELEMENT.exec(path)?.[1];
}

/**
 * A stored node row as a `NodeLike`.
 *
 * @example
 * ```ts
 * (await engine.nodes(id)).map(nodeOfRow);
 * ```
 */
export function nodeOfRow(row: NodeRow): NodeLike {
  const d = row.data;
  const gate =
    d.kind === "gate" && d.gate === "approve"
      ? { kind: "approve" as const, name: d.approve }
      : d.kind === "gate" && d.gate === "signal"
        ? { kind: "signal" as const, name: d.signal }
        : undefined;
  return {
    path: row.path,
    entity: row.entity,
    phase: row.phase,
    attempts: row.attempts,
    cacheStatus: row.cacheStatus,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    error: row.error,
    array: d["kind"] === "array" && d["total"] !== undefined ? { total: num(d["total"]), succeeded: num(d["succeeded"]), failed: num(d["failed"]) } : undefined,
    gate,
  };
}

function time(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso);
}

/**
 * A node execution of the HTTP API as a `NodeLike`.
 *
 * @example
 * ```ts
 * (await client.listNodes(id)).map(nodeOfInfo);
 * ```
 */
export function nodeOfInfo(info: NodeExecutionInfo): NodeLike {
  const g = info.gate;
  return {
    path: info.path,
    entity: info.entity,
    phase: info.phase,
    attempts: info.attempts,
    cacheStatus: info.cacheStatus,
    startedAt: time(info.startedAt),
    endedAt: time(info.endedAt),
    error: info.error,
    array: info.map ? { total: info.map.total, succeeded: info.map.succeeded, failed: info.map.failed } : undefined,
    gate: g && (g.kind === "signal" || g.kind === "approve") && typeof g.name === "string" ? { kind: g.kind, name: g.name } : undefined,
  };
}

/**
 * The view of an execution's nodes. `gateTypes` gives the type each signal
 * gate waits for, by signal name (approvals wait for a `bool`).
 *
 * @example
 * ```ts
 * const { nodes, waiting } = nodesView((await engine.nodes(id)).map(nodeOfRow), new Map([["factor", { simple: "INTEGER" }]]));
 * waiting; // [{ name: "factor", kind: "signal", type: "int", path: "n0" }]
 * ```
 */
export function nodesView(rows: readonly NodeLike[], gateTypes: ReadonlyMap<string, LiteralType> = new Map()): NodesView {
  const elements = new Map<string, { cacheHits: number; retries: number }>();
  for (const row of rows) {
    const array = elementOf(row.path);
    if (array === undefined) continue;
    const e = elements.get(array) ?? { cacheHits: 0, retries: 0 };
    if (row.cacheStatus === "hit") e.cacheHits++;
    e.retries += Math.max(0, row.attempts - 1);
    elements.set(array, e);
  }
  const nodes: NodeExecution[] = [];
  const waiting: PendingSignal[] = [];
  for (const row of rows) {
    if (elementOf(row.path) !== undefined) continue;
    const node: NodeExecution = {
      path: row.path,
      entity: row.entity,
      phase: row.phase,
      attempts: row.attempts,
      cacheStatus: row.cacheStatus,
      startedAt: row.startedAt === undefined ? undefined : new Date(row.startedAt),
      endedAt: row.endedAt === undefined ? undefined : new Date(row.endedAt),
      error: row.error,
    };
    if (row.array) {
      const folded = elements.get(row.path) ?? { cacheHits: 0, retries: 0 };
      const progress = { ...row.array, cacheHits: folded.cacheHits, retries: folded.retries };
      nodes.push({ ...node, elements: progress });
    } else nodes.push(node);
    if (row.phase === "waiting" && row.gate) {
      const name = row.gate.name;
      const declared = gateTypes.get(name);
      const type = row.gate.kind === "approve" ? "bool" : declared ? describeType(declared) : "a value";
      waiting.push({ name, kind: row.gate.kind, type, path: row.path });
    }
  }
  return { nodes, waiting };
}

/**
 * The node a failure started at: a failed node none of whose descendants
 * (nodes inside it, or its map-task elements) failed; one under the
 * execution's failed node first.
 *
 * @example
 * ```ts
 * failedLeaf((await engine.nodes(id)).map(nodeOfRow), "n0")?.path; // "n0/n0"
 * ```
 */
export function failedLeaf<N extends { readonly path: string; readonly phase: string }>(rows: readonly N[], failedNodeId?: string): N | undefined {
  const failed = rows.filter((r) => r.phase === "failed" || r.phase === "timedOut");
  const leaves = failed.filter((r) => !failed.some((o) => o !== r && (o.path.startsWith(`${r.path}/`) || o.path.startsWith(`${r.path}[`))));
  const under = failedNodeId ? leaves.filter((r) => r.path === failedNodeId || r.path.startsWith(`${failedNodeId}/`) || r.path.startsWith(`${failedNodeId}[`)) : [];
  return under[0] ?? leaves[0];
}
