/** Every attempt of a task node: outcome, times, error, and what it wrote to stdout and stderr. */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, messageOf, type NodeLogs } from "../api.js";
import { duration, time } from "../format.js";

type Attempt = NodeLogs["items"][number];

const TAIL_LINES = 200;

function Log({ a }: { a: Attempt }): JSX.Element {
  const [all, setAll] = useState(false);
  if (a.lines.length === 0) return <p class="muted small">It wrote nothing to stdout or stderr.</p>;
  const shown = all ? a.lines : a.lines.slice(-TAIL_LINES);
  return (
    <div>
      {a.lines.length > shown.length ? (
        <button class="link small" onClick={() => setAll(true)}>
          show all {a.lines.length.toLocaleString()} chunks ({(a.logBytes / 1024).toFixed(1)} KiB)
        </button>
      ) : null}
      <pre class="log" aria-label={`Output of attempt ${a.attempt}`}>
        {shown.map((l, i) => (
          <span key={i} class={l.stream === "stderr" ? "err" : undefined} title={`${l.stream} at ${time(l.at)}`}>
            {l.text}
          </span>
        ))}
      </pre>
      {a.droppedBytes > 0 ? <p class="muted small">{a.droppedBytes.toLocaleString()} more bytes were written and not kept (1 MiB is kept per attempt).</p> : null}
    </div>
  );
}

/** Reloads when `version` changes (the node's `updatedAt`: a new attempt ended). */
export function Attempts({ executionId, path, version }: { executionId: string; path: string; version: string }): JSX.Element | null {
  const [items, setItems] = useState<Attempt[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let stop = false;
    api.nodeLogs(executionId, path).then(
      (a) => !stop && setItems(a),
      (e: unknown) => !stop && setError(messageOf(e)),
    );
    return () => {
      stop = true;
    };
  }, [executionId, path, version]);
  if (error) return <p class="problem">{error}</p>;
  if (!items) return <p class="loading">Loading the attempts…</p>;
  if (items.length === 0) return null;
  return (
    <div class="attempts">
      <h3>Attempts and logs</h3>
      {items.map((a, i) => (
        <details key={`${a.attempt}.${a.systemAttempt}`} open={i === items.length - 1}>
          <summary>
            Attempt {a.attempt}
            {a.systemAttempt > 0 ? ` (after ${a.systemAttempt} lost lease${a.systemAttempt === 1 ? "" : "s"})` : ""} · <span class={`phase phase-${a.outcome === "cacheHit" ? "succeeded" : a.outcome}`}>{a.outcome === "cacheHit" ? "cache hit" : a.outcome}</span> · {duration(Date.parse(a.endedAt) - Date.parse(a.startedAt))} · {time(a.startedAt)}
          </summary>
          {a.error ? <pre class="attempt-error">{a.error}</pre> : null}
          <Log a={a} />
          <p class="muted small">worker {a.workerId}</p>
        </details>
      ))}
    </div>
  );
}
