/**
 * One execution: its header (phase, times, lineage, abort / relaunch /
 * recover), the DAG, the timeline and the node list, and the panel of the
 * selected node. Live from the event stream until the execution ends.
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, messageOf, type AttemptInfo, type EntityInfo, type NodeExecutionInfo } from "../api.js";
import { Dag } from "../components/Dag.js";
import { NodePanel } from "../components/NodePanel.js";
import { Phase } from "../components/Phase.js";
import { Timeline } from "../components/Timeline.js";
import { Values } from "../components/Value.js";
import { duration, ENDED, span, time } from "../format.js";
import type { WorkflowSpecJson } from "../graph.js";
import { useInner } from "../inner.js";
import { useLiveExecution } from "../live.js";
import { Link, navigate, seg } from "../router.js";
import { compareNodePaths } from "../../../src/rules/node-order.js";

type Tab = "graph" | "timeline" | "nodes";

export function ExecutionPage({ id, url }: { id: string; url: URL }): JSX.Element {
  const { execution: e, nodes, error, live } = useLiveExecution(id);
  const [workflow, setWorkflow] = useState<EntityInfo | undefined>();
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [acting, setActing] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [now, setNow] = useState(Date.now());
  const [attempts, setAttempts] = useState<AttemptInfo[]>([]);
  const inner = useInner(id, expanded, nodes);
  const tab = (url.searchParams.get("tab") ?? "graph") as Tab;
  const selected = url.searchParams.get("node") ?? undefined;
  const wfKey = e ? `${e.workflow.project}/${e.workflow.domain}/${e.workflow.name}/${e.workflow.version}` : undefined;

  useEffect(() => {
    if (!e) return;
    void api.getEntity("workflow", e.workflow).then(setWorkflow, (x: unknown) => setProblem(messageOf(x)));
  }, [wfKey]);

  useEffect(() => {
    if (!live) return;
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(t);
  }, [live]);

  // The timeline's attempt bars: read again as nodes change, at most once a second.
  const changes = useMemo(() => [...nodes.values()].reduce((n, x) => n + x.attempts + (x.endedAt ? 1 : 0), 0), [nodes]);
  useEffect(() => {
    if (tab !== "timeline") return;
    const t = window.setTimeout(() => {
      api.listAttempts(id).then(
        (a) => setAttempts(a.filter((x) => !x.path.includes("["))),
        () => undefined,
      );
    }, 300);
    return () => window.clearTimeout(t);
  }, [id, tab, Math.floor(changes / 5), live]);

  const go = (patch: Record<string, string | undefined>): void => {
    const q = new URLSearchParams(url.search);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) q.delete(k);
      else q.set(k, v);
    }
    const s = q.toString();
    navigate(`/executions/${seg(id)}${s ? `?${s}` : ""}`, true);
  };

  const act = async (what: string, fn: () => Promise<{ id: string }>, open: boolean): Promise<void> => {
    setActing(what);
    setProblem(undefined);
    try {
      const r = await fn();
      if (open) navigate(`/executions/${seg(r.id)}`);
    } catch (x) {
      setProblem(messageOf(x));
    } finally {
      setActing(undefined);
    }
  };

  const toggle = (path: string): void => {
    const next = new Set(expanded);
    if (next.has(path)) next.delete(path);
    else next.add(path);
    setExpanded(next);
  };

  const nodeList = useMemo(() => [...nodes.values()].filter((n) => n.kind !== "element").sort((a, b) => compareNodePaths(a.path, b.path)), [nodes]);

  if (!e) {
    return <section class="page">{error ? <p class="problem" role="alert">{error}</p> : <p class="loading">Loading execution {id}…</p>}</section>;
  }
  const ended = ENDED.has(e.phase);
  const recoverable = ["failed", "aborted", "timedOut"].includes(e.phase);
  const types = Object.fromEntries((workflow?.interface.inputs ?? []).map((i) => [i.name, i.type]));
  const outTypes = Object.fromEntries((workflow?.interface.outputs ?? []).map((i) => [i.name, i.type]));
  const selectedNode = selected ? nodes.get(selected) : undefined;

  return (
    <section class={`page execution${selected ? " with-panel" : ""}`}>
      <div class="main-col">
        <header class="page-head">
          <div>
            <div class="crumbs">
              <Link href="/">Executions</Link> /
            </div>
            <h1 class="mono">
              {e.id} <Phase phase={e.phase} />
              {live && !ended ? <span class="live" title="Updating live from the event stream">● live</span> : null}
            </h1>
            <p class="meta">
              {e.launchPlan ? (
                <>
                  launch plan{" "}
                  <Link href={`/entities/launchPlan/${seg(e.launchPlan.project)}/${seg(e.launchPlan.domain)}/${seg(e.launchPlan.name)}/${seg(e.launchPlan.version)}`}>{e.launchPlan.name}</Link> ·{" "}
                </>
              ) : null}
              workflow{" "}
              <Link href={`/entities/workflow/${seg(e.workflow.project)}/${seg(e.workflow.domain)}/${seg(e.workflow.name)}/${seg(e.workflow.version)}`}>{e.workflow.name}</Link>{" "}
              <span class="muted">{e.workflow.version}</span> · {e.project}/{e.domain} · started {time(e.startedAt ?? e.createdAt)} · {duration(span(e.startedAt, e.endedAt, now))}
              {e.relaunchOf ? (
                <>
                  {" "}
                  · relaunch of <Link href={`/executions/${seg(e.relaunchOf)}`}>{e.relaunchOf}</Link>
                </>
              ) : null}
              {e.recoverOf ? (
                <>
                  {" "}
                  · recovery of <Link href={`/executions/${seg(e.recoverOf)}`}>{e.recoverOf}</Link>
                </>
              ) : null}
              {e.parent ? (
                <>
                  {" "}
                  · child of <Link href={`/executions/${seg(e.parent.executionId)}?node=${seg(e.parent.path)}`}>{e.parent.executionId}</Link> (node {e.parent.path})
                </>
              ) : null}
            </p>
          </div>
          <div class="actions">
            {!ended ? (
              <button class="button danger" disabled={acting !== undefined} onClick={() => void act("abort", () => api.abort(e.id, "aborted from the console"), false)}>
                Abort
              </button>
            ) : null}
            <button class="button" disabled={acting !== undefined} onClick={() => void act("relaunch", () => api.relaunch(e.id), true)}>
              Relaunch
            </button>
            {recoverable ? (
              <button class="button" disabled={acting !== undefined} onClick={() => void act("recover", () => api.recover(e.id), true)}>
                Recover
              </button>
            ) : null}
          </div>
        </header>
        {problem ? (
          <p class="problem" role="alert">
            {problem}
          </p>
        ) : null}
        {error ? <p class="problem">Event stream: {error} (reconnecting)</p> : null}
        {e.error ? (
          <div class="error-box" role="status">
            <strong>Failed{e.error.nodeId ? ` at node ${e.error.nodeId}` : ""}:</strong> <pre>{e.error.message}</pre>
            {e.error.nodeId ? (
              <button class="link" onClick={() => go({ node: e.error?.nodeId })}>
                show the node
              </button>
            ) : null}
          </div>
        ) : null}
        <div class="io">
          <div>
            <h2>Inputs</h2>
            <Values values={e.inputs} types={types} empty="No inputs." />
          </div>
          <div>
            <h2>Outputs</h2>
            <Values values={e.outputs} types={outTypes} empty={e.phase === "succeeded" ? "No outputs." : "Outputs appear once it succeeds."} />
          </div>
        </div>
        <div class="tabs" role="tablist" aria-label="Views">
          {(["graph", "timeline", "nodes"] as Tab[]).map((t) => (
            <button key={t} role="tab" aria-selected={tab === t} class={tab === t ? "active" : ""} onClick={() => go({ tab: t === "graph" ? undefined : t })}>
              {t === "graph" ? "Graph" : t === "timeline" ? "Timeline" : `Nodes (${nodeList.length})`}
            </button>
          ))}
        </div>
        <div role="tabpanel">
          {tab === "graph" ? (
            workflow ? (
              <Dag
                spec={workflow.spec as WorkflowSpecJson}
                states={nodes}
                expanded={expanded}
                inner={inner}
                selected={selected}
                onSelect={(p) => go({ node: p })}
                onSelectChild={(child, p) => navigate(`/executions/${seg(child)}?node=${seg(p)}`)}
                onToggle={toggle}
              />
            ) : (
              <p class="loading">Loading the workflow…</p>
            )
          ) : null}
          {tab === "timeline" ? <Timeline nodes={nodeList} attempts={attempts} now={now} selected={selected} onSelect={(p) => go({ node: p })} /> : null}
          {tab === "nodes" ? <NodeTable nodes={nodeList} now={now} onSelect={(p) => go({ node: p })} /> : null}
        </div>
      </div>
      {selected ? (
        <NodePanel
          key={selected}
          execution={e}
          path={selected}
          node={selectedNode}
          nodes={nodes}
          onClose={() => go({ node: undefined })}
          onSelect={(p) => go({ node: p })}
        />
      ) : null}
    </section>
  );
}

function NodeTable({ nodes, now, onSelect }: { nodes: NodeExecutionInfo[]; now: number; onSelect: (p: string) => void }): JSX.Element {
  return (
    <table class="grid" aria-label="Node executions">
      <thead>
        <tr>
          <th>Node</th>
          <th>Runs</th>
          <th>Phase</th>
          <th>Attempts</th>
          <th>Cache</th>
          <th>Started</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((n) => (
          <tr key={n.path}>
            <td>
              <button class="link mono" onClick={() => onSelect(n.path)}>
                {n.path}
              </button>
            </td>
            <td>{n.entity}</td>
            <td>
              <Phase phase={n.phase} />
            </td>
            <td>{n.attempts}</td>
            <td>{n.cacheStatus}</td>
            <td>{time(n.startedAt)}</td>
            <td>{duration(span(n.startedAt, n.endedAt, now))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
