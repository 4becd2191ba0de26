/**
 * The rules for values written as text that every surface shares (the HTTP
 * API's JSON, the command line, inputs files): a datetime is an ISO 8601
 * date-time **with a zone** (RFC 3339) or a plain date (midnight UTC), so the
 * same text names the same instant on every machine; an int is one of
 * JavaScript's safe integers, and a whole number outside that range is named
 * as such rather than as "not a whole number".
 *
 * @module
 */

/** RFC 3339 date-time (zone required), or a plain date. */
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2}))?$/;
/** A date-time with no zone: refused, with a hint, since its instant depends on the reader's time zone. */
const ZONELESS_DATETIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/** How a datetime is written, for messages. */
export const DATETIME_HINT = "an ISO 8601 date-time with a zone, like 2024-01-31T12:00:00Z (or a date, 2024-01-31, midnight UTC)";

/**
 * Parses a datetime written as text: an ISO 8601 date-time with a zone
 * (`Z` or `+01:00`), or a plain date (midnight UTC). A date-time without a
 * zone, or a date that does not exist (`2024-02-30`), is `undefined`.
 *
 * @example
 * ```ts
 * parseIsoDatetime("2024-01-31T12:00:00+01:00"); // Date 2024-01-31T11:00:00.000Z
 * parseIsoDatetime("2024-01-31");                // Date 2024-01-31T00:00:00.000Z
 * parseIsoDatetime("2024-01-31T12:00:00");       // undefined (no zone)
 * ```
 */
export function parseIsoDatetime(text: string): Date | undefined {
  const m = ISO_DATETIME.exec(text);
  if (!m) return undefined;
  const d = new Date(m[4] === undefined ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(d.getTime())) return undefined;
  // `new Date` rolls 2024-02-30 over to March: refuse dates that do not exist.
  const [, y, mo, day] = m;
  if (m[4] === undefined && d.toISOString().slice(0, 10) !== `${y}-${mo}-${day}`) return undefined;
  return d;
}

/**
 * What is wrong with a date-time written without a zone (its instant would
 * depend on the reader's time zone), or `undefined` for any other text.
 *
 * @example
 * ```ts
 * zonelessDatetimeProblem("2024-01-31T12:00:00"); // "a date-time needs a zone, ...: 2024-01-31T12:00:00Z for UTC, or an offset such as 2024-01-31T12:00:00+01:00"
 * zonelessDatetimeProblem("yesterday");           // undefined
 * ```
 */
export function zonelessDatetimeProblem(text: string): string | undefined {
  const s = text.trim();
  if (!ZONELESS_DATETIME.test(s)) return undefined;
  return `a date-time needs a zone, so that it means the same instant everywhere: ${s}Z for UTC, or an offset such as ${s}+01:00`;
}

/** The range of `t.int`, as messages state it. */
export const INT_RANGE = `from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`;

/**
 * What is wrong with a whole number too large for `t.int` (JavaScript's safe
 * integers, so that every value is exact), or `undefined` when it fits or is
 * not a whole number.
 *
 * @example
 * ```ts
 * intRangeProblem("99999999999999999999"); // "99999999999999999999 is outside the range of int (whole numbers from -9007199254740991 to 9007199254740991)"
 * intRangeProblem(1e20);                   // "100000000000000000000 is outside the range of int (...)"
 * intRangeProblem("12");                   // undefined
 * ```
 */
export function intRangeProblem(value: string | number): string | undefined {
  if (typeof value === "number") return Number.isInteger(value) && !Number.isSafeInteger(value) ? outOfRange(String(value)) : undefined;
  const s = value.trim();
  return /^[+-]?\d+$/.test(s) && !Number.isSafeInteger(Number(s)) ? outOfRange(s) : undefined;
}

function outOfRange(shown: string): string {
  return `${shown} is outside the range of int (whole numbers ${INT_RANGE})`;
}
