/**
 * An execution row's three kinds of record besides its phase and values:
 * its settings (fixed at start), its lineage (where it came from) and its
 * live state (what the engine keeps while it runs). Databases keep them in
 * one JSON column, `options`, with the field names stored since the first
 * release; `encodeExecutionParts` and `decodeExecutionParts` are the one
 * mapping between the two.
 *
 * @module
 */
import type { Literal } from "../idl/core.js";
import { Fields } from "./fields.js";

/**
 * How an execution runs, fixed when it starts.
 *
 * @example
 * ```ts
 * const settings: ExecutionSettings = { maxParallelism: 25, overwriteCache: false };
 * ```
 */
export interface ExecutionSettings {
  /** Task attempts that may run at once (absent: the engine's default, 25 as in Flyte). */
  readonly maxParallelism?: number;
  /** Run cached tasks again and store their new outputs. */
  readonly overwriteCache: boolean;
  /** The modules `aloft run` loaded the tasks from, for workers started later (relaunch, recover). */
  readonly modules?: readonly string[];
}

/**
 * Where an execution came from.
 *
 * @example
 * ```ts
 * const lineage: ExecutionLineage = { recoverOf: "a1b2" };
 * if (row.lineage.parent) console.log(`started by node ${row.lineage.parent.path} of ${row.lineage.parent.executionId}`);
 * ```
 */
export interface ExecutionLineage {
  /** The execution and node that started this one (launch-plan nodes). */
  readonly parent?: { readonly executionId: string; readonly path: string };
  /** The execution this one runs again. */
  readonly relaunchOf?: string;
  /** The execution whose succeeded task nodes this one reuses. */
  readonly recoverOf?: string;
  /** The schedule tick that started it, in milliseconds since the epoch. */
  readonly scheduledAt?: number;
}

/**
 * An answer to a gate given before the gate started, kept until it does.
 *
 * @example
 * ```ts
 * const early: PendingAnswer = { kind: "approval", approved: true };
 * ```
 */
export type PendingAnswer = { readonly kind: "signal"; readonly value: Literal } | { readonly kind: "approval"; readonly approved: boolean; readonly reason?: string };

/**
 * What the engine keeps on an execution while it runs.
 *
 * @example
 * ```ts
 * const live: ExecutionLiveState = { pendingAnswers: { factor: { kind: "signal", value: literal } } };
 * ```
 */
export interface ExecutionLiveState {
  /** Answers to gates that had not started, by signal name. */
  readonly pendingAnswers: Readonly<Record<string, PendingAnswer>>;
}

/**
 * The three parts as one JSON object, as databases store them.
 *
 * @example
 * ```ts
 * JSON.stringify(encodeExecutionParts(row)); // '{"maxParallelism":25,"overwriteCache":false,"recoverOf":"a1b2"}'
 * ```
 */
export function encodeExecutionParts(parts: { readonly settings: ExecutionSettings; readonly lineage: ExecutionLineage; readonly live: ExecutionLiveState }): Record<string, unknown> {
  const { settings: s, lineage: l, live } = parts;
  const pending = Object.entries(live.pendingAnswers);
  return {
    ...(s.maxParallelism !== undefined ? { maxParallelism: s.maxParallelism } : {}),
    overwriteCache: s.overwriteCache,
    ...(s.modules ? { modules: [...s.modules] } : {}),
    ...(l.relaunchOf !== undefined ? { relaunchOf: l.relaunchOf } : {}),
    ...(l.recoverOf !== undefined ? { recoverOf: l.recoverOf } : {}),
    ...(l.scheduledAt !== undefined ? { scheduledAt: l.scheduledAt } : {}),
    ...(pending.length > 0 ? { pendingSignals: Object.fromEntries(pending) } : {}),
  };
}

function pendingAnswer(f: Fields): PendingAnswer {
  const kind = f.raw("kind");
  if (kind === "signal") return { kind, value: f.idl<Literal>("value") };
  if (kind === "approval") return { kind, approved: f.boolean("approved"), ...(f.has("reason") ? { reason: f.string("reason") } : {}) };
  // Rows written before answers were tagged: an approval is `{ approved, reason }`, a signal the bare literal.
  if (typeof f.raw("approved") === "boolean") return { kind: "approval", approved: f.boolean("approved"), ...(f.has("reason") ? { reason: f.string("reason") } : {}) };
  return { kind: "signal", value: f.asIdl<Literal>() };
}

/**
 * Reads the three parts back from their stored JSON (and the parent, kept in
 * columns of its own); throws `StoredRowError` naming `row` when a field is
 * not what Aloft writes.
 *
 * @example
 * ```ts
 * const { settings, lineage, live } = decodeExecutionParts(JSON.parse(cols.options), undefined, "execution a1b2");
 * ```
 */
export function decodeExecutionParts(
  json: unknown,
  parent: ExecutionLineage["parent"],
  row: string,
): { settings: ExecutionSettings; lineage: ExecutionLineage; live: ExecutionLiveState } {
  const f = Fields.of(json, row, "options");
  const pendingAnswers: Record<string, PendingAnswer> = {};
  const pending = f.optionalObject("pendingSignals");
  for (const name of pending?.keys() ?? []) pendingAnswers[name] = pendingAnswer(pending!.object(name));
  const maxParallelism = f.optionalNumber("maxParallelism");
  const modules = f.has("modules") ? f.strings("modules") : undefined;
  const relaunchOf = f.optionalString("relaunchOf");
  const recoverOf = f.optionalString("recoverOf");
  const scheduledAt = f.optionalNumber("scheduledAt");
  return {
    settings: { ...(maxParallelism !== undefined ? { maxParallelism } : {}), overwriteCache: f.optionalBoolean("overwriteCache") ?? false, ...(modules ? { modules } : {}) },
    lineage: {
      ...(parent ? { parent } : {}),
      ...(relaunchOf !== undefined ? { relaunchOf } : {}),
      ...(recoverOf !== undefined ? { recoverOf } : {}),
      ...(scheduledAt !== undefined ? { scheduledAt } : {}),
    },
    live: { pendingAnswers },
  };
}
