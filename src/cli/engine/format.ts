/**
 * Tables and values for people: what `aloft get` prints without `--json`.
 *
 * @module
 */
import { formatElapsed } from "../progress/render.js";
import { leftOutNote, previewValue } from "../run/preview.js";

/**
 * Rows under a header, each column as wide as its widest cell, two spaces
 * apart; the last column is not padded.
 *
 * @example
 * ```ts
 * table(["ID", "PHASE"], [["a1", "succeeded"]]); // ["ID  PHASE", "a1  succeeded"]
 * ```
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Array.from(r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(Math.max(0, (widths[i] ?? 0) - Array.from(c).length))))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * A time as people compare times: ISO 8601 in UTC, to the second.
 *
 * @example
 * ```ts
 * shortTime("2024-01-31T12:00:00.123Z"); // "2024-01-31T12:00:00Z"
 * ```
 */
export function shortTime(iso: string | undefined): string {
  if (iso === undefined) return "-";
  return iso.replace(/\.\d+Z$/, "Z");
}

/**
 * How long something took (or has taken so far): `0.4s`, `3m07s`; `-` before it started.
 *
 * @example
 * ```ts
 * duration("2024-01-31T12:00:00Z", "2024-01-31T12:00:01.5Z"); // "1.5s"
 * ```
 */
export function duration(startedAt: string | undefined, endedAt: string | undefined, now = Date.now()): string {
  if (startedAt === undefined) return "-";
  const end = endedAt === undefined ? now : Date.parse(endedAt);
  return `${formatElapsed(end - Date.parse(startedAt))}${endedAt === undefined ? "…" : ""}`;
}

/**
 * Text cut to `max` characters on one line, the cut marked with `…`.
 *
 * @example
 * ```ts
 * clip("a\nlong message", 8); // "a long …"
 * ```
 */
export function clip(text: string, max = 60): string {
  const line = text.replace(/\s*\r?\n\s*/g, " ").trim();
  const chars = Array.from(line);
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join("")}…`;
}

/**
 * Named values, one per line, as `name: value` (values as JSON), indented
 * under a label: the first line carries the label, the others are aligned.
 *
 * @example
 * ```ts
 * labelled("inputs", { a: 1, b: [1, 2] }, 10); // ["inputs    a: 1", "          b: [1,2]"]
 * ```
 */
export function labelled(label: string, values: Readonly<Record<string, unknown>>, width: number): string[] {
  const entries = Object.entries(values);
  if (entries.length === 0) return [`${label.padEnd(width)}(none)`];
  let items = 0;
  let chars = 0;
  const lines = entries.map(([k, v], i) => {
    // Cut short for reading: a 100,000-element list is one short line, and a note says --json prints it all.
    const p = previewValue(v);
    items += p.items;
    chars += p.chars;
    return `${(i === 0 ? label : "").padEnd(width)}${k}: ${p.text}`;
  });
  const note = leftOutNote(items, chars);
  return note === undefined ? lines : [...lines, `${"".padEnd(width)}${note}`];
}

/**
 * An execution's error for people: its message, after the node it started at
 * unless the message names that node already (the engine's messages do:
 * `workflow "wf": node n0 (task "boom") failed: ...`), so that no line reads
 * "node n0: ... node n0 ...".
 *
 * @example
 * ```ts
 * errorText({ nodeId: "n0", message: "too big" });                                  // "node n0: too big"
 * errorText({ nodeId: "n0", message: 'workflow "wf": node n0 (task "t") failed: x' }); // 'workflow "wf": node n0 (task "t") failed: x'
 * ```
 */
export function errorText(error: { readonly nodeId?: string | undefined; readonly message: string }): string {
  const message = error.message.replace(/\s*\r?\n\s*/g, " ");
  const node = error.nodeId;
  if (!node) return message;
  const named = new RegExp(`\\bnode ${node.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`);
  return named.test(message) ? message : `node ${node}: ${message}`;
}

