/**
 * The live view of a run as a pure function: a snapshot of the run's nodes in,
 * the lines to show out. The driver (`live-view.ts`) redraws them in place.
 *
 * @module
 */
import type { NodeExecution, NodePhase, PendingSignal } from "../../sdk/runner-port.js";

/** Everything the live view shows, taken at one moment. */
export interface ProgressSnapshot {
  /** What runs: `workflow "wf"`. */
  readonly title: string;
  readonly runId: string;
  /** `running` until the result is known. */
  readonly state: "running" | "succeeded" | "failed";
  /** Time since the run started. */
  readonly elapsedMs: number;
  /** The moment of the snapshot (ms since the epoch), for the nodes' own elapsed times. */
  readonly now: number;
  /** `execution.nodes()`. */
  readonly nodes: readonly NodeExecution[];
  /** `execution.waitingFor()`. */
  readonly waiting: readonly PendingSignal[];
  /** How many nodes the top-level workflow has, when known: gives the "left" count. */
  readonly topLevelNodes?: number;
}

/** How to render. */
export interface RenderOptions {
  /** The terminal's width: no line is longer than `width - 1`, so none wraps. */
  readonly width: number;
  /** At most this many node lines (default 8); the rest are counted. */
  readonly maxNodeLines?: number;
}

const DONE: ReadonlySet<NodePhase> = new Set(["succeeded"]);
const FAILED: ReadonlySet<NodePhase> = new Set(["failed", "timedOut"]);
const ACTIVE: ReadonlySet<NodePhase> = new Set(["queued", "running", "waiting"]);
const BAR_WIDTH = 20;

/**
 * A length of time, short: `850ms`, `4.2s`, `3m07s`, `1h02m`.
 *
 * @example
 * ```ts
 * formatElapsed(187_000); // "3m07s"
 * ```
 */
export function formatElapsed(ms: number): string {
  const t = Math.max(0, ms);
  if (t < 1000) return `${Math.round(t)}ms`;
  if (t < 60_000) return `${(t / 1000).toFixed(1)}s`;
  const s = Math.floor(t / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * A progress bar of `width` cells: `[██████░░░░]`.
 *
 * @example
 * ```ts
 * progressBar(3, 10, 10); // "[███░░░░░░░]"
 * ```
 */
export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total <= 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`;
}

/** Cuts a line to `max` characters, marking the cut with `…`. */
function fit(line: string, max: number): string {
  const chars = Array.from(line);
  if (chars.length <= max) return line;
  return `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " ").trim();
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function counts(s: ProgressSnapshot): string {
  const top = s.nodes.filter((n) => !n.path.includes("/"));
  const done = top.filter((n) => DONE.has(n.phase)).length;
  const running = top.filter((n) => n.phase === "running" || n.phase === "queued").length;
  const waiting = top.filter((n) => n.phase === "waiting").length;
  const failed = top.filter((n) => FAILED.has(n.phase)).length;
  const parts = [`${done} done`];
  if (running > 0 || s.state === "running") parts.push(`${running} running`);
  if (waiting > 0) parts.push(`${waiting} waiting`);
  if (failed > 0) parts.push(`${failed} failed`);
  if (s.topLevelNodes !== undefined && s.state === "running") parts.push(`${Math.max(0, s.topLevelNodes - top.length)} left`);
  let hits = 0;
  let retries = 0;
  for (const n of s.nodes) {
    if (n.cacheStatus === "hit") hits++;
    retries += Math.max(0, n.attempts - 1);
    if (n.elements) {
      hits += n.elements.cacheHits;
      retries += (n.elements as { readonly retries?: number }).retries ?? 0;
    }
  }
  const extra: string[] = [];
  if (hits > 0) extra.push(`${plural(hits, "cache hit")}`);
  if (retries > 0) extra.push(`${plural(retries, "retry", "retries")}`);
  return `  nodes: ${parts.join(", ")}${extra.length > 0 ? ` · ${extra.join(" · ")}` : ""}`;
}

function activeLine(n: NodeExecution, s: ProgressSnapshot): string {
  const gate = s.waiting.find((w) => w.path === n.path);
  if (gate) {
    const what = gate.kind === "approve" ? `an approval of "${gate.name}"` : `signal "${gate.name}" (${gate.type})`;
    return `  ⏸ ${n.path} ${n.entity} · waiting for ${what}`;
  }
  let line = `  ▸ ${n.path} ${n.entity}`;
  const e = n.elements;
  if (e) {
    const finished = e.succeeded + e.failed;
    line += ` ${progressBar(finished, e.total)} ${finished}/${e.total}`;
    if (e.cacheHits > 0) line += ` · ${e.cacheHits} cached`;
    if (e.failed > 0) line += ` · ${e.failed} failed`;
  } else if (n.startedAt) line += ` · ${formatElapsed(s.now - n.startedAt.getTime())}`;
  if (n.attempts > 1) line += ` · attempt ${n.attempts}${n.error ? `, last error: ${oneLine(n.error)}` : ""}`;
  return line;
}

/** Failed nodes, leaving out a subworkflow node whose failing child is shown. */
function failedNodes(nodes: readonly NodeExecution[]): NodeExecution[] {
  const failed = nodes.filter((n) => FAILED.has(n.phase));
  return failed.filter((n) => !failed.some((m) => m.path.startsWith(`${n.path}/`)));
}

/**
 * The lines of the live view: a header (what runs, the run id, the time), the
 * counts of nodes (done, running, waiting, failed, left; cache hits and
 * retries), then one line per node running or waiting (map tasks with a bar
 * of their elements) and per failed node with its error.
 *
 * @example
 * ```ts
 * renderProgress({ title: 'workflow "wf"', runId: "3f2a", state: "running", elapsedMs: 1200, now: Date.now(), nodes: run.nodes(), waiting: [], topLevelNodes: 3 }, { width: 80 });
 * // ['▶ workflow "wf" · run 3f2a · 1.2s', "  nodes: 1 done, 1 running, 1 left", '  ▸ n1 task "intercept" · 0.4s']
 * ```
 */
export function renderProgress(s: ProgressSnapshot, options: RenderOptions): string[] {
  const max = Math.max(20, options.width - 1);
  const limit = options.maxNodeLines ?? 8;
  const icon = s.state === "running" ? "▶" : s.state === "succeeded" ? "✔" : "✖";
  const verb = s.state === "running" ? "" : ` ${s.state}`;
  const lines = [`${icon} ${s.title}${verb} · run ${s.runId} · ${formatElapsed(s.elapsedMs)}`, counts(s)];
  const details: string[] = [];
  if (s.state === "running") for (const n of s.nodes) if (ACTIVE.has(n.phase)) details.push(activeLine(n, s));
  for (const n of failedNodes(s.nodes)) details.push(`  ✖ ${n.path} ${n.entity}: ${oneLine(n.error ?? n.phase)}`);
  const shown = details.length > limit ? details.slice(0, limit - 1) : details;
  if (shown.length < details.length) shown.push(`  … ${details.length - shown.length} more`);
  return [...lines, ...shown].map((l) => fit(l, max));
}
