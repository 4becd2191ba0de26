/**
 * The selected node: what it runs, phase, times, attempts, cache status,
 * inputs and outputs by type, its error, gate answers (approve, reject, a
 * typed value), map elements, and the child execution of a launch-plan node.
 */
import type { JSX } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, messageOf, type ExecutionInfo, type NodeExecutionInfo } from "../api.js";
import { duration, ENDED, span, time } from "../format.js";
import { Link, seg } from "../router.js";
import { Attempts } from "./Attempts.js";
import { Phase } from "./Phase.js";
import { Values } from "./Value.js";
import { compareNodePaths } from "../../../src/rules/node-order.js";

function GateForm({ execution, node }: { execution: ExecutionInfo; node: NodeExecutionInfo }): JSX.Element | null {
  const [value, setValue] = useState("");
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const gate = node.gate;
  if (!gate || gate.kind === "sleep" || !gate.name || (node.phase !== "waiting" && node.phase !== "running") || ENDED.has(execution.phase)) return null;
  const name = gate.name;
  const run = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    setProblem(undefined);
    try {
      await fn();
      setDone(what);
    } catch (e) {
      setProblem(messageOf(e));
    }
  };
  if (done) return <p class="ok">{done}; the execution goes on shortly.</p>;
  return (
    <div class="gate-form">
      <h3>{gate.kind === "approve" ? `Approval "${name}" is waiting` : `Signal "${name}" is waiting for a value`}</h3>
      {gate.kind === "approve" ? (
        <>
          <div class="row">
            <button class="button primary" onClick={() => void run("Approved", () => api.approve(execution.id, name))}>
              Approve
            </button>
            <input aria-label="Reason for rejecting" placeholder="reason (for a rejection)" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            <button class="button danger" onClick={() => void run("Rejected", () => api.reject(execution.id, name, reason || undefined))}>
              Reject
            </button>
          </div>
        </>
      ) : (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            let v: unknown = value;
            try {
              v = JSON.parse(value);
            } catch {
              // Not JSON: sent as the string it is, and the API says whether that fits the type.
            }
            void run(`Sent ${value}`, () => api.signal(execution.id, name, v));
          }}
        >
          <input aria-label={`Value for ${name}`} placeholder="a JSON value, e.g. 3" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
          <button class="button primary" type="submit">
            Send
          </button>
        </form>
      )}
      {problem ? (
        <p class="problem" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

function Elements({ path, nodes, onSelect }: { path: string; nodes: ReadonlyMap<string, NodeExecutionInfo>; onSelect: (p: string) => void }): JSX.Element | null {
  const els = useMemo(() => {
    const out: NodeExecutionInfo[] = [];
    for (const n of nodes.values()) if (n.path.startsWith(`${path}[`) && !n.path.includes("/", path.length)) out.push(n);
    return out.sort((a, b) => compareNodePaths(a.path, b.path));
  }, [nodes, path]);
  if (els.length === 0) return null;
  return (
    <div>
      <h3>Elements</h3>
      <div class="elements" role="list" aria-label="Map task elements">
        {els.map((n) => (
          <button key={n.path} role="listitem" class={`el phase-${n.phase}`} title={`${n.path}: ${n.phase}${n.attempts > 1 ? `, ${n.attempts} attempts` : ""}`} onClick={() => onSelect(n.path)} aria-label={`element ${n.path}, ${n.phase}`} />
        ))}
      </div>
    </div>
  );
}

export function NodePanel(props: {
  execution: ExecutionInfo;
  path: string;
  node: NodeExecutionInfo | undefined;
  nodes: ReadonlyMap<string, NodeExecutionInfo>;
  onClose: () => void;
  onSelect: (p: string) => void;
}): JSX.Element {
  const { execution, path, node: n, onClose } = props;
  const [types, setTypes] = useState<{ inputs: Record<string, string>; outputs: Record<string, string> }>({ inputs: {}, outputs: {} });
  useEffect(() => {
    const k = n?.task;
    // A map task's node takes and gives lists of the task's types: its values are shown as they are.
    if (!k || n.map) return;
    void api.getEntity("task", k).then(
      (t) => setTypes({ inputs: Object.fromEntries(t.interface.inputs.map((i) => [i.name, i.type])), outputs: Object.fromEntries(t.interface.outputs.map((o) => [o.name, o.type])) }),
      () => undefined,
    );
  }, [n?.task?.name, n?.task?.version]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === "Escape") onClose();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [onClose]);
  const map = n?.map;
  return (
    <aside class="panel" aria-label={`Node ${path}`}>
      <header>
        <div>
          <div class="muted small mono">{path}</div>
          <h2>{n ? n.entity : path}</h2>
        </div>
        <button class="button ghost" onClick={onClose} aria-label="Close the node panel">
          ✕
        </button>
      </header>
      {!n ? (
        <p class="muted">This node has not started.</p>
      ) : (
        <>
          <dl class="facts">
            <dt>Phase</dt>
            <dd>
              <Phase phase={n.phase} />
              {n.recovered ? <span class="muted"> (recovered)</span> : null}
            </dd>
            <dt>Kind</dt>
            <dd>{n.kind ?? "—"}</dd>
            <dt>Started</dt>
            <dd>{time(n.startedAt)}</dd>
            <dt>Ended</dt>
            <dd>{time(n.endedAt)}</dd>
            <dt>Duration</dt>
            <dd>{duration(span(n.startedAt, n.endedAt))}</dd>
            <dt>Attempts</dt>
            <dd>
              {n.attempts}
              {n.retries !== undefined ? ` (up to ${n.retries + 1})` : ""}
              {n.systemAttempts > 0 ? `, ${n.systemAttempts} lost to workers` : ""}
            </dd>
            <dt>Cache</dt>
            <dd>{n.cacheStatus}</dd>
            {n.task ? (
              <>
                <dt>Task</dt>
                <dd>
                  <Link href={`/entities/task/${seg(n.task.project)}/${seg(n.task.domain)}/${seg(n.task.name)}/${seg(n.task.version)}`}>{n.task.name}</Link>
                </dd>
              </>
            ) : null}
            {n.branch ? (
              <>
                <dt>Branch taken</dt>
                <dd className="mono">{n.branch}</dd>
              </>
            ) : null}
            {n.childExecutionId ? (
              <>
                <dt>Child execution</dt>
                <dd>
                  <Link href={`/executions/${seg(n.childExecutionId)}`}>{n.childExecutionId}</Link>
                </dd>
              </>
            ) : null}
            {map ? (
              <>
                <dt>Elements</dt>
                <dd>
                  {map.succeeded} done, {map.running} running, {map.failed} failed of {map.total}
                  {map.minSuccesses < map.total ? ` (needs ${map.minSuccesses})` : ""}
                </dd>
              </>
            ) : null}
          </dl>
          <GateForm execution={execution} node={n} />
          {n.error ? (
            <div class={`error-box${n.phase === "succeeded" ? " past" : ""}`}>
              <strong>{n.phase === "succeeded" ? "Error of an earlier attempt" : "Error"}</strong>
              <pre>{n.error}</pre>
            </div>
          ) : null}
          <h3>Inputs</h3>
          <Values values={n.inputs} types={types.inputs} empty="No inputs." />
          <h3>Outputs</h3>
          <Values values={n.outputs} types={types.outputs} empty={n.phase === "succeeded" ? "No outputs." : "None yet."} />
          {map ? <Elements path={path} nodes={props.nodes} onSelect={props.onSelect} /> : null}
          {n.task && !map ? <Attempts executionId={execution.id} path={path} version={`${n.attempts}/${n.phase}`} /> : null}
        </>
      )}
    </aside>
  );
}
