/**
 * Values for people to read: JSON, with long lists and records cut to their
 * first elements and long strings clipped, counting what was left out, so
 * that a 100,000-element output is a line, not 590 KB (`--json` prints all).
 *
 * @module
 */

/** How much of a value a person is shown. */
export interface PreviewLimits {
  /** Elements of a list, or entries of a record, shown (default 20). */
  readonly items?: number;
  /** Characters of a string shown (default 200). */
  readonly chars?: number;
  /** Indentation, as `JSON.stringify`'s third argument (default: none, one line). */
  readonly indent?: number;
}

/** A value as shown, and what was left out of it. */
export interface Preview {
  readonly text: string;
  /** List elements and record entries left out. */
  readonly items: number;
  /** Characters left out of strings. */
  readonly chars: number;
}

/** A value as JSON would see it: `toJSON` applied (dates, file references). */
function plain(value: unknown): unknown {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") return (value as { toJSON: () => unknown }).toJSON();
  return value;
}

/**
 * A value as text for people: JSON, but a list or record longer than
 * `limits.items` shows its first elements then `… N more`, and a string
 * longer than `limits.chars` ends in `… (N more characters)`.
 *
 * @example
 * ```ts
 * previewValue(Array.from({ length: 1000 }, (_, i) => i), { items: 3 }); // { text: "[0,1,2,… 997 more]", items: 997, chars: 0 }
 * previewValue({ a: 1 });                                               // { text: '{"a":1}', items: 0, chars: 0 }
 * ```
 */
export function previewValue(value: unknown, limits: PreviewLimits = {}): Preview {
  const maxItems = limits.items ?? 20;
  const maxChars = limits.chars ?? 200;
  const indent = limits.indent ?? 0;
  let items = 0;
  let chars = 0;
  const write = (raw: unknown, depth: number): string => {
    const v = plain(raw);
    if (typeof v === "string") {
      const points = Array.from(v);
      if (points.length <= maxChars) return JSON.stringify(v);
      chars += points.length - maxChars;
      return `${JSON.stringify(points.slice(0, maxChars).join(""))}… (${points.length - maxChars} more characters)`;
    }
    if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
    const isList = Array.isArray(v);
    const entries: [string, unknown][] = isList ? (v as unknown[]).map((x, i) => [String(i), x]) : Object.entries(v);
    const shown = entries.slice(0, maxItems);
    const parts = shown.map(([k, x]) => (isList ? write(x, depth + 1) : `${JSON.stringify(k)}:${indent > 0 ? " " : ""}${write(x, depth + 1)}`));
    const left = entries.length - shown.length;
    if (left > 0) {
      items += left;
      parts.push(`… ${left.toLocaleString("en-US")} more`);
    }
    const [open, close] = isList ? ["[", "]"] : ["{", "}"];
    if (parts.length === 0) return `${open}${close}`;
    if (indent === 0) return `${open}${parts.join(",")}${close}`;
    const pad = " ".repeat(indent * (depth + 1));
    return `${open}\n${parts.map((p, i) => `${pad}${p}${i < parts.length - 1 ? "," : ""}`).join("\n")}\n${" ".repeat(indent * depth)}${close}`;
  };
  const text = write(value, 0);
  return { text, items, chars };
}

/**
 * The line that says what a preview left out, or `undefined` when nothing was.
 *
 * @example
 * ```ts
 * leftOutNote(997, 0); // "(997 elements left out; --json prints every value in full)"
 * ```
 */
export function leftOutNote(items: number, chars: number): string | undefined {
  if (items === 0 && chars === 0) return undefined;
  const what = [items > 0 ? `${items.toLocaleString("en-US")} element${items === 1 ? "" : "s"}` : "", chars > 0 ? `${chars.toLocaleString("en-US")} character${chars === 1 ? "" : "s"}` : ""].filter(Boolean).join(" and ");
  return `(${what} left out; --json prints every value in full)`;
}
