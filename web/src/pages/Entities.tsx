/** The registry: tasks, workflows and launch plans with their versions, interfaces and specs. */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, messageOf, type EntityInfo, type EntityVersions, type RegisteredKind } from "../api.js";
import { Dag } from "../components/Dag.js";
import { time } from "../format.js";
import type { WorkflowSpecJson } from "../graph.js";
import { Link, navigate, seg } from "../router.js";

const KINDS: [RegisteredKind, string][] = [
  ["workflow", "Workflows"],
  ["launchPlan", "Launch plans"],
  ["task", "Tasks"],
];

export function EntitiesPage(): JSX.Element {
  const [lists, setLists] = useState<Partial<Record<RegisteredKind, EntityVersions[]>>>({});
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    for (const [k] of KINDS) void api.listEntities(k).then((l) => setLists((x) => ({ ...x, [k]: l })), (e: unknown) => setError(messageOf(e)));
  }, []);
  return (
    <section class="page">
      <header class="page-head">
        <h1>Tasks, workflows &amp; launch plans</h1>
      </header>
      {error ? <p class="problem">{error}</p> : null}
      <div class="three-col">
        {KINDS.map(([k, title]) => (
          <div class="card" key={k}>
            <h2>{title}</h2>
            <ul class="plain">
              {(lists[k] ?? [])
                .filter((e) => !e.name.startsWith(".flytegen."))
                .map((e) => (
                  <li key={e.name}>
                    <Link href={`/entities/${k}/${seg(e.project)}/${seg(e.domain)}/${seg(e.name)}/${seg(e.latestVersion)}`}>{e.name}</Link>{" "}
                    <span class="muted small">
                      {e.versions.length} version{e.versions.length === 1 ? "" : "s"} · {time(e.versions[0]?.createdAt)}
                    </span>
                  </li>
                ))}
            </ul>
          </div>
        ))}
      </div>
    </section>
  );
}

export function EntityPage({ params }: { params: Record<string, string> }): JSX.Element {
  const kind = params["kind"] as RegisteredKind;
  const name = { project: params["project"]!, domain: params["domain"]!, name: params["name"]! };
  const [versions, setVersions] = useState<EntityVersions | undefined>();
  const [entity, setEntity] = useState<EntityInfo | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [showSpec, setShowSpec] = useState(false);
  const version = params["version"] ?? versions?.latestVersion;
  const base = `/entities/${kind}/${seg(name.project)}/${seg(name.domain)}/${seg(name.name)}`;
  useEffect(() => {
    void api.getEntityVersions(kind, name).then(setVersions, (e: unknown) => setError(messageOf(e)));
  }, [base]);
  useEffect(() => {
    if (version) void api.getEntity(kind, { ...name, version }).then(setEntity, (e: unknown) => setError(messageOf(e)));
  }, [base, version]);
  const label = kind === "launchPlan" ? "launch plan" : kind;
  return (
    <section class="page">
      <header class="page-head">
        <div>
          <div class="crumbs">
            <Link href="/entities">Tasks, workflows &amp; launch plans</Link> /
          </div>
          <h1>
            <span class="kind-tag">{label}</span> {name.name}
          </h1>
          <p class="meta">
            {name.project}/{name.domain}
            {entity?.workflow ? (
              <>
                {" "}
                · runs workflow{" "}
                <Link href={`/entities/workflow/${seg(entity.workflow.project)}/${seg(entity.workflow.domain)}/${seg(entity.workflow.name)}/${seg(entity.workflow.version)}`}>{entity.workflow.name}</Link>
              </>
            ) : null}
          </p>
        </div>
        <div class="actions">
          {versions ? (
            <label class="inline">
              Version{" "}
              <select value={version} onChange={(e) => navigate(`${base}/${seg(e.currentTarget.value)}`)}>
                {versions.versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    {v.version} · {time(v.createdAt)}
                    {v.version === versions.latestVersion ? " (latest)" : ""}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {kind !== "task" && version ? (
            <Link class="button primary" href={`/launch/${kind}/${seg(name.project)}/${seg(name.domain)}/${seg(name.name)}?version=${seg(version)}`}>
              Launch…
            </Link>
          ) : null}
        </div>
      </header>
      {error ? <p class="problem">{error}</p> : null}
      {entity ? (
        <>
          <div class="two-col">
            <div class="card">
              <h2>Inputs</h2>
              {entity.interface.inputs.length === 0 ? (
                <p class="muted">None.</p>
              ) : (
                <table class="grid">
                  <thead>
                    <tr>
                      <th>Name</th>
                      <th>Type</th>
                      <th>Default</th>
                    </tr>
                  </thead>
                  <tbody>
                    {entity.interface.inputs.map((i) => (
                      <tr key={i.name}>
                        <td class="mono">{i.name}</td>
                        <td class="type">{i.type}</td>
                        <td class="mono">
                          {i.default !== undefined ? JSON.stringify(i.default) : i.required ? <span class="req">required</span> : <span class="muted">optional</span>}
                          {i.fixed ? <span class="kind-tag">fixed</span> : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
            <div class="card">
              <h2>Outputs</h2>
              {entity.interface.outputs.length === 0 ? (
                <p class="muted">None.</p>
              ) : (
                <table class="grid">
                  <tbody>
                    {entity.interface.outputs.map((o) => (
                      <tr key={o.name}>
                        <td class="mono">{o.name}</td>
                        <td class="type">{o.type}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </div>
          {kind === "workflow" ? (
            <div class="card">
              <h2>Graph</h2>
              <Dag spec={entity.spec as WorkflowSpecJson} states={new Map()} expanded={new Set()} selected={undefined} onSelect={() => undefined} onToggle={() => undefined} />
            </div>
          ) : null}
          <div class="card">
            <h2>
              Spec <span class="muted small">flyteidl {kind === "task" ? "TaskSpec" : kind === "workflow" ? "WorkflowSpec" : "LaunchPlanSpec"}, digest {entity.digest.slice(0, 16)}</span>
            </h2>
            <button class="button" aria-expanded={showSpec} onClick={() => setShowSpec(!showSpec)}>
              {showSpec ? "Hide the spec" : "Show the spec"}
            </button>
            {showSpec ? <pre class="spec">{JSON.stringify(entity.spec, null, 2)}</pre> : null}
          </div>
        </>
      ) : (
        <p class="loading">Loading…</p>
      )}
    </section>
  );
}
