/**
 * Launching: pick a workflow or launch plan, fill a form made from its
 * interface (launch-plan defaults filled in, fixed inputs shown), checked by
 * the API as you type (`validateExecution`, the same messages as a launch),
 * and on submit the new execution opens.
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, fieldOf, messageOf, type EntityInfo, type EntityVersions, type InputInfo, type RegisteredKind } from "../api.js";
import { Link, navigate, seg } from "../router.js";

type Simple = "INTEGER" | "FLOAT" | "STRING" | "BOOLEAN" | "DATETIME" | "DURATION";

function simpleOf(i: InputInfo): Simple | undefined {
  const s = (i.literalType as { simple?: string }).simple;
  return s === "INTEGER" || s === "FLOAT" || s === "STRING" || s === "BOOLEAN" || s === "DATETIME" || s === "DURATION" ? s : undefined;
}

/** The text a field starts with: the default, in the field's own form. */
function initialText(i: InputInfo): string {
  if (i.default === undefined) return "";
  const s = simpleOf(i);
  if (s === "STRING" || s === "DATETIME") return typeof i.default === "string" ? i.default : JSON.stringify(i.default);
  if (s === "BOOLEAN") return i.default === true ? "true" : "false";
  return JSON.stringify(i.default, null, 2);
}

/** The JSON value of a field's text; text that is not the type's form is sent as it is, for the API to name the problem. */
function valueOf(i: InputInfo, text: string): unknown {
  const s = simpleOf(i);
  if (s === "STRING" || s === "DATETIME") return text;
  if (s === "BOOLEAN") return text === "true";
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function Chooser(): JSX.Element {
  const [lists, setLists] = useState<{ workflows: EntityVersions[]; plans: EntityVersions[] } | undefined>();
  useEffect(() => {
    void Promise.all([api.listEntities("workflow"), api.listEntities("launchPlan")]).then(([workflows, plans]) => setLists({ workflows, plans }));
  }, []);
  if (!lists) return <p class="loading">Loading…</p>;
  const item = (kind: RegisteredKind, e: EntityVersions): JSX.Element => (
    <li key={e.name}>
      <Link href={`/launch/${kind}/${seg(e.project)}/${seg(e.domain)}/${seg(e.name)}`}>{e.name.replace(/^\.flytegen\./, "task ")}</Link> <span class="muted small">{e.versions.length} versions</span>
    </li>
  );
  return (
    <div class="two-col">
      <div class="card">
        <h2>Launch plans</h2>
        <ul class="plain">{lists.plans.filter((p) => !p.name.startsWith(".flytegen.")).map((e) => item("launchPlan", e))}</ul>
      </div>
      <div class="card">
        <h2>Workflows</h2>
        <ul class="plain">{lists.workflows.map((e) => item("workflow", e))}</ul>
      </div>
    </div>
  );
}

export function LaunchForm({ entity }: { entity: EntityInfo }): JSX.Element {
  const kind = entity.kind === "launchPlan" ? "launchPlan" : "workflow";
  const free = entity.interface.inputs.filter((i) => !i.fixed);
  const fixed = entity.interface.inputs.filter((i) => i.fixed);
  const [texts, setTexts] = useState<Record<string, string>>(() => Object.fromEntries(free.map((i) => [i.name, initialText(i)])));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [problem, setProblem] = useState<{ message: string; field: string | undefined } | undefined>();
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);

  const body = (t: Record<string, string>): Parameters<typeof api.createExecution>[0] => {
    const inputs: Record<string, unknown> = {};
    for (const i of free) {
      const text = t[i.name] ?? "";
      if (text === "" && simpleOf(i) !== "STRING") continue;
      if (text === "" && !i.required) continue;
      inputs[i.name] = valueOf(i, text);
    }
    const ref = { project: entity.key.project, domain: entity.key.domain, name: entity.key.name, version: entity.key.version };
    return kind === "launchPlan" ? { launchPlan: ref, inputs } : { workflow: ref, inputs };
  };

  // The API checks the form as it changes: its own messages, before anything starts.
  useEffect(() => {
    const n = ++seq.current;
    const t = window.setTimeout(() => {
      api.validateExecution(body(texts)).then(
        () => n === seq.current && setProblem(undefined),
        (e: unknown) => n === seq.current && setProblem({ message: messageOf(e), field: fieldOf(e) }),
      );
    }, 250);
    return () => window.clearTimeout(t);
  }, [texts]);

  const shown = (name: string | undefined): boolean => submitted || (name !== undefined && touched.has(name));
  const fieldName = problem?.field?.startsWith("inputs.") ? problem.field.slice("inputs.".length) : undefined;

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setSubmitted(true);
    setBusy(true);
    try {
      const created = await api.createExecution(body(texts));
      navigate(`/executions/${seg(created.id)}`);
    } catch (x) {
      setProblem({ message: messageOf(x), field: fieldOf(x) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="launch-form card" onSubmit={(e) => void submit(e)} noValidate aria-label={`Launch ${entity.key.name}`}>
      {free.length === 0 ? <p class="muted">No inputs to give.</p> : null}
      {free.map((i) => {
        const s = simpleOf(i);
        const id = `in-${i.name}`;
        const text = texts[i.name] ?? "";
        const set = (v: string): void => {
          setTexts({ ...texts, [i.name]: v });
          setTouched(new Set(touched).add(i.name));
        };
        const bad = fieldName === i.name && shown(i.name);
        return (
          <div class={`field${bad ? " invalid" : ""}`} key={i.name}>
            <label for={id}>
              {i.name} <span class="type">{i.type}</span>
              {i.required && i.default === undefined ? <span class="req"> required</span> : i.default !== undefined ? <span class="muted small"> default {JSON.stringify(i.default)}</span> : <span class="muted small"> optional</span>}
            </label>
            {i.description ? <div class="muted small">{i.description}</div> : null}
            {s === "BOOLEAN" ? (
              <input id={id} type="checkbox" checked={text === "true"} onChange={(e) => set(e.currentTarget.checked ? "true" : "false")} />
            ) : s === "INTEGER" || s === "FLOAT" || s === "DURATION" ? (
              <input id={id} inputMode="decimal" value={text} onInput={(e) => set(e.currentTarget.value)} placeholder={s === "DURATION" ? "milliseconds" : s === "INTEGER" ? "a whole number" : "a number"} aria-invalid={bad} aria-describedby={bad ? `${id}-problem` : undefined} />
            ) : s === "STRING" || s === "DATETIME" ? (
              <input id={id} value={text} onInput={(e) => set(e.currentTarget.value)} placeholder={s === "DATETIME" ? "2024-01-31T12:00:00Z" : ""} aria-invalid={bad} aria-describedby={bad ? `${id}-problem` : undefined} />
            ) : (
              <textarea id={id} rows={Math.min(Math.max(text.split("\n").length, 2), 10)} value={text} onInput={(e) => set(e.currentTarget.value)} placeholder="JSON" class="mono" aria-invalid={bad} aria-describedby={bad ? `${id}-problem` : undefined} />
            )}
            {bad ? (
              <p class="problem" id={`${id}-problem`} role="alert">
                {problem?.message}
              </p>
            ) : null}
          </div>
        );
      })}
      {fixed.length > 0 ? (
        <div class="fixed">
          <h3>Fixed by the launch plan</h3>
          <table class="kv">
            <tbody>
              {fixed.map((i) => (
                <tr key={i.name}>
                  <th>
                    {i.name} <span class="type">{i.type}</span>
                  </th>
                  <td class="mono">{JSON.stringify(i.default)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {problem && shown(fieldName) && fieldName === undefined ? (
        <p class="problem" role="alert">
          {problem.message}
        </p>
      ) : null}
      {problem && submitted && fieldName !== undefined && !free.some((i) => i.name === fieldName) ? (
        <p class="problem" role="alert">
          {problem.message}
        </p>
      ) : null}
      <div class="row">
        <button class="button primary" type="submit" disabled={busy}>
          {busy ? "Launching…" : "Launch"}
        </button>
      </div>
    </form>
  );
}

export function LaunchPage({ target }: { url: URL; target?: Record<string, string> }): JSX.Element {
  const [versions, setVersions] = useState<EntityVersions | undefined>();
  const [version, setVersion] = useState<string | undefined>();
  const [entity, setEntity] = useState<EntityInfo | undefined>();
  const [error, setError] = useState<string | undefined>();
  const kind = target?.["kind"] as RegisteredKind | undefined;
  const name = target ? { project: target["project"]!, domain: target["domain"]!, name: target["name"]! } : undefined;
  const nameKey = name ? `${kind}/${name.project}/${name.domain}/${name.name}` : "";

  useEffect(() => {
    if (!kind || !name) return;
    setEntity(undefined);
    void api.getEntityVersions(kind, name).then(
      (v) => {
        setVersions(v);
        setVersion(new URL(location.href).searchParams.get("version") ?? v.latestVersion);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, [nameKey]);
  useEffect(() => {
    if (!kind || !name || !version) return;
    void api.getEntity(kind, { ...name, version }).then(setEntity, (e: unknown) => setError(messageOf(e)));
  }, [nameKey, version]);

  return (
    <section class="page">
      <header class="page-head">
        <div>
          <div class="crumbs">
            <Link href="/launch">Launch</Link> /
          </div>
          <h1>{name ? `Launch ${kind === "launchPlan" ? "launch plan" : "workflow"} ${name.name}` : "Launch an execution"}</h1>
        </div>
        {versions ? (
          <label class="inline">
            Version{" "}
            <select value={version} onChange={(e) => setVersion(e.currentTarget.value)}>
              {versions.versions.map((v) => (
                <option key={v.version} value={v.version}>
                  {v.version}
                  {v.version === versions.latestVersion ? " (latest)" : ""}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </header>
      {error ? (
        <p class="problem" role="alert">
          {error}
        </p>
      ) : null}
      {!target ? <Chooser /> : entity ? <LaunchForm key={`${nameKey}@${entity.key.version}`} entity={entity} /> : <p class="loading">Loading…</p>}
    </section>
  );
}
