/**
 * A Gantt chart of the node executions: one row per node from its start to
 * its end, and inside it one bar per task attempt (as the workers recorded
 * them), so retries show as separate bars, failed ones red.
 */
import type { JSX } from "preact";
import type { AttemptInfo, NodeExecutionInfo } from "../api.js";
import { duration, phaseLabel } from "../format.js";

const OUTCOME_PHASE: Record<string, string> = { succeeded: "succeeded", cacheHit: "succeeded", failed: "failed", timedOut: "timedOut" };

export function Timeline(props: { nodes: NodeExecutionInfo[]; attempts: readonly AttemptInfo[]; now: number; selected: string | undefined; onSelect: (p: string) => void }): JSX.Element {
  const { nodes, now, selected, onSelect } = props;
  const started = nodes.filter((n) => n.startedAt);
  if (started.length === 0) return <p class="muted">No node has started yet.</p>;
  const byPath = new Map<string, AttemptInfo[]>();
  for (const a of props.attempts) {
    const list = byPath.get(a.path);
    if (list) list.push(a);
    else byPath.set(a.path, [a]);
  }
  const t0 = Math.min(...started.map((n) => Date.parse(n.startedAt!)));
  const t1 = Math.max(...started.map((n) => (n.endedAt ? Date.parse(n.endedAt) : now)), t0 + 1);
  const total = t1 - t0;
  const pct = (t: number): number => ((t - t0) / total) * 100;
  return (
    <div class="timeline" role="list" aria-label="Timeline of node executions and their attempts">
      <div class="tl-axis" aria-hidden="true">
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <span key={f} style={{ left: `${f * 100}%` }}>
            {duration(f * total)}
          </span>
        ))}
      </div>
      {started.map((n) => {
        const s = Date.parse(n.startedAt!);
        const e = n.endedAt ? Date.parse(n.endedAt) : now;
        const attempts = byPath.get(n.path) ?? [];
        const tries = Math.max(n.attempts + n.systemAttempts, attempts.length);
        return (
          <div class={`tl-row${selected === n.path ? " selected" : ""}`} role="listitem" key={n.path}>
            <button class="tl-label link" onClick={() => onSelect(n.path)} title={n.entity}>
              <span class="mono">{n.path}</span> {n.entity.replace(/^(task|workflow|branch|map task|launch plan|gate|approval) /, "").replace(/"/g, "")}
            </button>
            <div class="tl-track">
              <div class={`tl-span phase-${n.phase}`} style={{ left: `${pct(s)}%`, width: `${Math.max(pct(e) - pct(s), 0.4)}%` }} title={`${n.path}: ${phaseLabel(n.phase)}, ${duration(e - s)}`} onClick={() => onSelect(n.path)} />
              {attempts.map((a) => {
                const as = Date.parse(a.startedAt);
                const ae = Date.parse(a.endedAt);
                return (
                  <div
                    key={`${a.attempt}.${a.systemAttempt}`}
                    class={`tl-bar phase-${OUTCOME_PHASE[a.outcome] ?? "undefined"}`}
                    style={{ left: `${pct(as)}%`, width: `${Math.max(pct(ae) - pct(as), 0.4)}%` }}
                    title={`${n.path} attempt ${a.attempt}: ${a.outcome}${a.error ? ` (${a.error})` : ""}, ${duration(ae - as)}`}
                    onClick={() => onSelect(n.path)}
                  />
                );
              })}
              {attempts.length === 0 ? <div class={`tl-bar phase-${n.phase}`} style={{ left: `${pct(s)}%`, width: `${Math.max(pct(e) - pct(s), 0.4)}%` }} /> : null}
              <span class="tl-dur" style={{ left: `calc(${Math.min(pct(e), 92)}% + 6px)` }}>
                {duration(e - s)}
                {tries > 1 ? ` · ${tries} attempts` : ""}
              </span>
            </div>
          </div>
        );
      })}
    </div>
  );
}
