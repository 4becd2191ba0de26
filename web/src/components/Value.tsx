/**
 * A JSON value rendered by its declared type: numbers and strings as they
 * are, lists and records as tables, files as links, large values truncated
 * with a button that shows all of it.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";

const PREVIEW_ITEMS = 20;
const PREVIEW_CHARS = 400;

function Scalar({ v }: { v: unknown }): JSX.Element {
  if (v === null) return <span class="v-none">none</span>;
  if (typeof v === "boolean") return <span class="v-bool">{String(v)}</span>;
  if (typeof v === "number") return <span class="v-num">{String(v)}</span>;
  if (typeof v === "string") return <LongText text={v} />;
  return <LongText text={JSON.stringify(v)} />;
}

function LongText({ text }: { text: string }): JSX.Element {
  const [all, setAll] = useState(false);
  if (text.length <= PREVIEW_CHARS || all) return <span class="v-str">{text}</span>;
  return (
    <span class="v-str">
      {text.slice(0, PREVIEW_CHARS)}…{" "}
      <button class="link" onClick={() => setAll(true)}>
        show all {text.length.toLocaleString()} characters
      </button>
    </span>
  );
}

function isFileLike(v: unknown): v is { uri: string; format?: string } {
  return typeof v === "object" && v !== null && typeof (v as { uri?: unknown }).uri === "string" && Object.keys(v).every((k) => ["uri", "format", "sizeBytes"].includes(k));
}

/** One value. `type` is Aloft's spelling of its type (`list<int>`), when known. */
export function Value({ value, type }: { value: unknown; type?: string | undefined }): JSX.Element {
  const [all, setAll] = useState(false);
  if (isFileLike(value)) {
    return (
      <span class="v-file" title={type}>
        📄 <code>{value.uri}</code>
        {value.format ? <span class="muted"> ({value.format})</span> : null}
      </span>
    );
  }
  if (typeof value === "object" && value !== null && "$offloaded" in value) {
    const o = (value as { $offloaded: { uri?: string; sizeBytes?: number } }).$offloaded;
    return <span class="muted">kept in the blob store: {o.uri} ({o.sizeBytes?.toLocaleString()} bytes)</span>;
  }
  if (Array.isArray(value)) {
    const shown = all ? value : value.slice(0, PREVIEW_ITEMS);
    const scalars = value.every((x) => x === null || typeof x !== "object");
    return (
      <div class="v-list">
        <span class="muted">{value.length.toLocaleString()} items</span>
        {scalars ? (
          <div class="v-chips">
            {shown.map((x, i) => (
              <span class="chip" key={i}>
                <Scalar v={x} />
              </span>
            ))}
          </div>
        ) : (
          <ol start={0}>
            {shown.map((x, i) => (
              <li key={i}>
                <Value value={x} />
              </li>
            ))}
          </ol>
        )}
        {value.length > shown.length ? (
          <button class="link" onClick={() => setAll(true)}>
            show all {value.length.toLocaleString()}
          </button>
        ) : null}
      </div>
    );
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    const shown = all ? entries : entries.slice(0, PREVIEW_ITEMS);
    return (
      <div>
        <table class="kv">
          <tbody>
            {shown.map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>
                  <Value value={v} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {entries.length > shown.length ? (
          <button class="link" onClick={() => setAll(true)}>
            show all {entries.length.toLocaleString()} fields
          </button>
        ) : null}
      </div>
    );
  }
  return <Scalar v={value} />;
}

/** Named values (inputs, outputs) as a table. */
export function Values({ values, types, empty }: { values: Record<string, unknown> | undefined; types?: Record<string, string>; empty: string }): JSX.Element {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return <p class="muted">{empty}</p>;
  return (
    <table class="kv values">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th>
              {k}
              {types?.[k] ? <div class="type">{types[k]}</div> : null}
            </th>
            <td>
              <Value value={v} type={types?.[k]} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
