/**
 * The executions, newest first, one server page at a time (the API pages with
 * a cursor, so 10,000 executions cost one page), filtered by phase, workflow
 * or launch plan, and creation time. The first page refreshes itself.
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, messageOf, type ExecutionPhase, type ExecutionSummary } from "../api.js";
import { Phase } from "../components/Phase.js";
import { duration, span, time } from "../format.js";
import { Link, navigate, seg } from "../router.js";

const PHASES: ExecutionPhase[] = ["queued", "running", "failing", "succeeded", "failed", "aborted"];
const PAGE = 50;
const REFRESH_MS = 2000;

interface Filters {
  phase: string;
  name: string; // "workflow:<name>" or "launchPlan:<name>"
  after: string; // datetime-local
  before: string;
}

function filtersOf(url: URL): Filters {
  const q = url.searchParams;
  return { phase: q.get("phase") ?? "", name: q.get("name") ?? "", after: q.get("after") ?? "", before: q.get("before") ?? "" };
}

function queryOf(f: Filters): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function ExecutionsPage({ url }: { url: URL }): JSX.Element {
  const filters = filtersOf(url);
  const key = queryOf(filters);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [items, setItems] = useState<ExecutionSummary[] | undefined>();
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [names, setNames] = useState<{ workflows: string[]; plans: string[] }>({ workflows: [], plans: [] });
  const [now, setNow] = useState(Date.now());
  const cursor = cursors[cursors.length - 1];

  useEffect(() => setCursors([undefined]), [key]);

  useEffect(() => {
    void Promise.all([api.listEntities("workflow"), api.listEntities("launchPlan")]).then(([w, l]) =>
      setNames({ workflows: w.map((x) => x.name).filter((n) => !n.startsWith(".flytegen.")), plans: l.map((x) => x.name).filter((n) => !n.startsWith(".flytegen.")) }),
    );
  }, []);

  useEffect(() => {
    let stop = false;
    let timer: number | undefined;
    const load = async (): Promise<void> => {
      try {
        const [kind, name] = filters.name.split(/:(.*)/s) as [string, string | undefined];
        const page = await api.listExecutions({
          limit: PAGE,
          ...(cursor ? { cursor } : {}),
          ...(filters.phase ? { phase: filters.phase as ExecutionPhase } : {}),
          ...(name && kind === "workflow" ? { workflow: name } : {}),
          ...(name && kind === "launchPlan" ? { launchPlan: name } : {}),
          ...(filters.after ? { createdAfter: new Date(filters.after) } : {}),
          ...(filters.before ? { createdBefore: new Date(filters.before) } : {}),
        });
        if (stop) return;
        setItems(page.items);
        setNext(page.next);
        setError(undefined);
        setNow(Date.now());
      } catch (e) {
        if (!stop) setError(messageOf(e));
      }
      // Live: the first page follows new executions and phase changes.
      if (!stop && cursor === undefined) timer = window.setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      stop = true;
      window.clearTimeout(timer);
    };
  }, [key, cursor]);

  const set = (patch: Partial<Filters>): void => navigate(`/${queryOf({ ...filters, ...patch })}`, true);
  const pageNo = cursors.length;
  const rows = useMemo(() => items ?? [], [items]);

  return (
    <section class="page">
      <header class="page-head">
        <h1>Executions</h1>
        <Link class="button primary" href="/launch">
          Launch…
        </Link>
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Phase
          <select value={filters.phase} onChange={(e) => set({ phase: e.currentTarget.value })}>
            <option value="">any</option>
            {PHASES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Workflow or launch plan
          <select value={filters.name} onChange={(e) => set({ name: e.currentTarget.value })}>
            <option value="">any</option>
            <optgroup label="Workflows">
              {names.workflows.map((n) => (
                <option key={n} value={`workflow:${n}`}>
                  {n}
                </option>
              ))}
            </optgroup>
            <optgroup label="Launch plans">
              {names.plans.map((n) => (
                <option key={n} value={`launchPlan:${n}`}>
                  {n}
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        <label>
          Created after
          <input type="datetime-local" value={filters.after} onChange={(e) => set({ after: e.currentTarget.value })} />
        </label>
        <label>
          Created before
          <input type="datetime-local" value={filters.before} onChange={(e) => set({ before: e.currentTarget.value })} />
        </label>
        {key ? (
          <button type="button" class="button" onClick={() => navigate("/", true)}>
            Clear filters
          </button>
        ) : null}
      </form>
      {error ? <p class="problem" role="alert">{error}</p> : null}
      <table class="grid executions" aria-label="Executions">
        <thead>
          <tr>
            <th>Execution</th>
            <th>Phase</th>
            <th>Workflow / launch plan</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Lineage</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.id} class={`row-${e.phase}`}>
              <td>
                <Link href={`/executions/${seg(e.id)}`} class="mono">
                  {e.id}
                </Link>
              </td>
              <td>
                <Phase phase={e.phase} />
              </td>
              <td>
                {e.launchPlan ? (
                  <>
                    <span class="kind-tag">LP</span> {e.launchPlan.name}
                  </>
                ) : (
                  e.workflow.name.replace(/^\.flytegen\./, "")
                )}
                <div class="muted small">{e.workflow.name} · {e.workflow.version.slice(0, 12)}</div>
              </td>
              <td>{time(e.startedAt ?? e.createdAt)}</td>
              <td>{duration(span(e.startedAt, e.endedAt, now))}</td>
              <td class="small">
                {e.relaunchOf ? (
                  <>
                    relaunch of <Link href={`/executions/${seg(e.relaunchOf)}`}>{e.relaunchOf}</Link>
                  </>
                ) : e.recoverOf ? (
                  <>
                    recovery of <Link href={`/executions/${seg(e.recoverOf)}`}>{e.recoverOf}</Link>
                  </>
                ) : e.parent ? (
                  <>
                    child of <Link href={`/executions/${seg(e.parent.executionId)}`}>{e.parent.executionId}</Link> ({e.parent.path})
                  </>
                ) : e.scheduledAt ? (
                  <>scheduled {time(e.scheduledAt)}</>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items && rows.length === 0 ? <p class="empty">No executions{key ? " match these filters" : " yet: launch one"}.</p> : null}
      <nav class="pager" aria-label="Pages">
        <button class="button" disabled={pageNo === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <span>page {pageNo}</span>
        <button class="button" disabled={next === undefined} onClick={() => next && setCursors([...cursors, next])}>
          Older →
        </button>
      </nav>
    </section>
  );
}
