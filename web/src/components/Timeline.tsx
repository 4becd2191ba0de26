/** A Gantt chart of the node executions: one bar per node from start to end, retries marked. */
import type { JSX } from "preact";
import type { NodeExecutionInfo } from "../api.js";
import { duration, phaseLabel } from "../format.js";

export function Timeline({ nodes, now, selected, onSelect }: { nodes: NodeExecutionInfo[]; now: number; selected: string | undefined; onSelect: (p: string) => void }): JSX.Element {
  const started = nodes.filter((n) => n.startedAt);
  if (started.length === 0) return <p class="muted">No node has started yet.</p>;
  const t0 = Math.min(...started.map((n) => Date.parse(n.startedAt!)));
  const t1 = Math.max(...started.map((n) => (n.endedAt ? Date.parse(n.endedAt) : now)), t0 + 1);
  const total = t1 - t0;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div class="timeline" role="list" aria-label="Timeline of node executions">
      <div class="tl-axis" aria-hidden="true">
        {ticks.map((f) => (
          <span key={f} style={{ left: `${f * 100}%` }}>
            {duration(f * total)}
          </span>
        ))}
      </div>
      {started.map((n) => {
        const s = Date.parse(n.startedAt!) - t0;
        const e = (n.endedAt ? Date.parse(n.endedAt) : now) - t0;
        const left = (s / total) * 100;
        const width = Math.max(((e - s) / total) * 100, 0.4);
        const tries = n.attempts + n.systemAttempts;
        return (
          <div class={`tl-row${selected === n.path ? " selected" : ""}`} role="listitem" key={n.path}>
            <button class="tl-label link" onClick={() => onSelect(n.path)} title={n.entity}>
              <span class="mono">{n.path}</span> {n.entity.replace(/^(task|workflow|branch|map task|launch plan) /, "").replace(/"/g, "")}
            </button>
            <div class="tl-track">
              <div
                class={`tl-bar phase-${n.phase}`}
                style={{ left: `${left}%`, width: `${width}%` }}
                title={`${n.path}: ${phaseLabel(n.phase)}, ${duration(e - s)}${tries > 1 ? `, ${tries} attempts` : ""}`}
                onClick={() => onSelect(n.path)}
              >
                {tries > 1 ? Array.from({ length: tries - 1 }, (_, i) => <i key={i} class="tl-retry" style={{ left: `${((i + 1) / tries) * 100}%` }} />) : null}
              </div>
              <span class="tl-dur" style={{ left: `calc(${Math.min(left + width, 92)}% + 6px)` }}>
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
