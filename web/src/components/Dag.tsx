/** The DAG as SVG: nodes coloured by phase, expandable containers, map progress, the branch taken. */
import type { JSX } from "preact";
import { useMemo } from "preact/hooks";
import type { NodeExecutionInfo } from "../api.js";
import { phaseLabel } from "../format.js";
import { draw, type DrawnNode, type Inner, type WorkflowSpecJson } from "../graph.js";

const KIND_LABEL: Record<string, string> = {
  task: "task",
  workflow: "subworkflow",
  launchPlan: "launch plan",
  branch: "conditional",
  gate: "gate",
  array: "map task",
  dynamic: "dynamic",
};

function MapBar({ n, d }: { n: DrawnNode; d: NonNullable<NodeExecutionInfo["map"]> }): JSX.Element {
  const w = n.width - 20;
  const total = Math.max(d.total, 1);
  const ok = (d.succeeded / total) * w;
  const bad = (d.failed / total) * w;
  const run = (d.running / total) * w;
  return (
    <g transform={`translate(10, ${n.height - 14})`}>
      <rect width={w} height={6} rx={3} class="bar-bg" />
      <rect width={ok} height={6} rx={3} class="bar-ok" />
      <rect x={ok} width={run} height={6} class="bar-run" />
      <rect x={ok + run} width={bad} height={6} class="bar-bad" />
    </g>
  );
}

function Node({ n, selected, onSelect, onToggle }: { n: DrawnNode; selected: boolean; onSelect: (p: string) => void; onToggle: (p: string) => void }): JSX.Element {
  const phase = n.state?.phase ?? (n.branchCase?.decided && !n.branchCase.taken ? "skipped" : "undefined");
  const map = n.state?.map;
  const sub = map ? `${map.succeeded} done · ${map.running} running · ${map.failed} failed of ${map.total}` : `${KIND_LABEL[n.kind] ?? n.kind} · ${phaseLabel(phase)}`;
  const shown = map ? `${map.succeeded}/${map.total} done${map.running ? ` · ${map.running} running` : ""}${map.failed ? ` · ${map.failed} failed` : ""}` : sub;
  const onKey = (e: KeyboardEvent): void => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onSelect(n.path);
    } else if (n.expandable && (e.key === "+" || e.key === "-" || e.key === "ArrowRight" || e.key === "ArrowLeft")) {
      e.preventDefault();
      if ((e.key === "+" || e.key === "ArrowRight") !== n.expanded) onToggle(n.path);
    }
  };
  if (n.expanded) {
    return (
      <g class={`cluster phase-${phase}`} transform={`translate(${n.x}, ${n.y})`} data-path={n.path}>
        <rect width={n.width} height={n.height} rx={10} />
        <g class="cluster-head" role="button" tabindex={0} aria-label={`${n.label}, ${KIND_LABEL[n.kind]}, ${phaseLabel(phase)}; collapse`} onClick={() => onToggle(n.path)} onKeyDown={onKey}>
          <text x={10} y={16}>
            ▾ {n.label} <tspan class="muted">{KIND_LABEL[n.kind]} · {phaseLabel(phase)}</tspan>
          </text>
        </g>
      </g>
    );
  }
  return (
    <g
      class={`node phase-${phase}${selected ? " selected" : ""}${n.branchCase?.taken ? " taken" : ""}`}
      transform={`translate(${n.x}, ${n.y})`}
      role="button"
      tabindex={0}
      data-path={n.path}
      data-phase={phase}
      aria-label={`${n.label}: ${sub}`}
      aria-pressed={selected}
      onClick={() => onSelect(n.path)}
      onKeyDown={onKey}
    >
      <rect width={n.width} height={n.height} rx={8} class="box" />
      <rect width={6} height={n.height} rx={3} class="stripe" />
      {n.branchCase ? (
        <text x={n.width - 8} y={14} class="case" text-anchor="end">
          {n.branchCase.label}
          {n.branchCase.taken ? " ✓ taken" : n.branchCase.decided ? " · not taken" : ""}
        </text>
      ) : null}
      <text x={16} y={24} class="title">
        {n.label.length > 27 ? `${n.label.slice(0, 26)}…` : n.label}
      </text>
      <text x={16} y={map ? 38 : 42} class="sub">
        {shown.length > 36 ? `${shown.slice(0, 35)}…` : shown}
      </text>
      {map ? <MapBar n={n} d={map} /> : null}
      {n.expandable ? (
        <g
          class="expand"
          onClick={(e) => {
            e.stopPropagation();
            onToggle(n.path);
          }}
        >
          <circle cx={n.width - 14} cy={n.height - 14} r={9} />
          <text x={n.width - 14} y={n.height - 10} text-anchor="middle">
            +
          </text>
        </g>
      ) : null}
    </g>
  );
}

export function Dag(props: {
  spec: WorkflowSpecJson;
  states: ReadonlyMap<string, NodeExecutionInfo>;
  expanded: ReadonlySet<string>;
  /** What was read for expanded dynamic and launch-plan nodes. */
  inner?: Inner;
  selected: string | undefined;
  onSelect: (path: string) => void;
  /** A node of a launch plan's child execution was selected: its execution and its path there. */
  onSelectChild?: (executionId: string, path: string) => void;
  onToggle: (path: string) => void;
}): JSX.Element {
  const { spec, states, expanded, inner } = props;
  const d = useMemo(() => draw(spec, states, expanded, inner), [spec, states, expanded, inner]);
  const byPath = useMemo(() => new Map(d.nodes.map((n) => [n.path, n])), [d]);
  const select = (p: string): void => {
    const child = byPath.get(p)?.child;
    if (child && props.onSelectChild) props.onSelectChild(child.executionId, child.path);
    else props.onSelect(p);
  };
  const clusters = d.nodes.filter((n) => n.expanded);
  const leaves = d.nodes.filter((n) => !n.expanded);
  return (
    <div class="dag" role="group" aria-label="Workflow graph: Tab to a node, Enter to select it, + or - to expand or collapse it">
      <svg width={d.width} height={d.height} viewBox={`0 0 ${d.width} ${d.height}`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow" />
          </marker>
        </defs>
        {clusters.map((n) => (
          <Node key={n.path} n={n} selected={false} onSelect={select} onToggle={props.onToggle} />
        ))}
        {d.edges.map((e) => (
          <path key={`${e.from}>${e.to}`} class="edge" data-from={e.from} data-to={e.to} marker-end="url(#arrow)" d={e.points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x},${p.y}`).join(" ")} />
        ))}
        {leaves.map((n) => (
          <Node key={n.path} n={n} selected={props.selected === n.path} onSelect={select} onToggle={props.onToggle} />
        ))}
      </svg>
    </div>
  );
}
