/** How the console writes times, durations and phases. */

export function time(iso: string | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const t = d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return sameDay ? t : `${d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" })} ${t}`;
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s - m * 60)}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m - h * 60}m`;
}

/** From start to end, or to now while running. */
export function span(start: string | undefined, end: string | undefined, now = Date.now()): number | undefined {
  if (!start) return undefined;
  return (end ? Date.parse(end) : now) - Date.parse(start);
}

const LABELS: Record<string, string> = { timedOut: "timed out", undefined: "not started" };

export function phaseLabel(phase: string): string {
  return LABELS[phase] ?? phase;
}

/** The phases in which an execution has ended. */
export const ENDED = new Set(["succeeded", "failed", "aborted", "timedOut"]);
