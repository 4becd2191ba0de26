/**
 * What `aloft run` prints when a run ends: the outputs (readable, or JSON
 * for scripts), the run id, and on failure one line naming the failed node
 * and the cause.
 *
 * @module
 */
import { ExecutionError } from "../../errors.js";
import { describeError } from "../errors.js";
import { leftOutNote, previewValue } from "./preview.js";

/** Why a run failed: the node (a path, `n2/n0` inside subworkflow node `n2`), what it runs, and the cause. */
export interface FailureSummary {
  readonly node: string | undefined;
  readonly entity: string | undefined;
  readonly message: string;
}

/**
 * A value as JSON text (dates as ISO strings).
 *
 * @example
 * ```ts
 * jsonText({ at: new Date(0) }); // '{"at":"1970-01-01T00:00:00.000Z"}'
 * ```
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent) ?? "null";
}

/**
 * The outputs, one per line (`name: value`, values as JSON; lists and
 * records indented over several lines), long lists and strings cut short for
 * reading, with a last line saying what was left out (`--json` prints all).
 *
 * @example
 * ```ts
 * formatOutputs({ wf_output: 3 }); // ["wf_output: 3"]
 * ```
 */
export function formatOutputs(outputs: Readonly<Record<string, unknown>>): string[] {
  const entries = Object.entries(outputs);
  if (entries.length === 0) return ["(no outputs)"];
  let items = 0;
  let chars = 0;
  const lines = entries.map(([name, value]) => {
    const p = previewValue(value, typeof value === "object" && value !== null && !(value instanceof Date) ? { indent: 2 } : {});
    items += p.items;
    chars += p.chars;
    return `${name}: ${p.text}`;
  });
  const note = leftOutNote(items, chars);
  return note === undefined ? lines : [...lines, note];
}

/**
 * The failed node and the cause, from a run's error: follows `ExecutionError`s
 * down through subworkflows to the node that failed first.
 *
 * @example
 * ```ts
 * summarizeFailure(err); // { node: "n2/n0", entity: 'task "boom"', message: "boom" }
 * ```
 */
export function summarizeFailure(error: unknown): FailureSummary {
  const path: string[] = [];
  let entity: string | undefined;
  let current: unknown = error;
  while (current instanceof ExecutionError) {
    path.push(current.nodeId);
    entity = current.entity;
    if (current.cause === undefined) break;
    current = current.cause;
  }
  return { node: path.length > 0 ? path.join("/") : undefined, entity, message: describeError(current) };
}

/** The prefixes of an abort's and a timeout's messages, left out where the line says "was aborted" or "timed out" already. */
const ABORTED = /^the run was aborted: /;
const TIMED_OUT = /^the run timed out: /;

/**
 * The one line `aloft run` writes to stderr when a run does not succeed: it
 * failed (at a node), was aborted (and why), or timed out.
 *
 * @example
 * ```ts
 * failureLine("a1", { node: "n0", entity: 'task "boom"', message: "too big" });          // 'run a1 failed at node n0 (task "boom"): too big'
 * failureLine("a1", { node: undefined, entity: undefined, message: "the run was aborted: changed my mind" }, "aborted"); // "run a1 was aborted: changed my mind"
 * ```
 */
export function failureLine(runId: string, summary: FailureSummary, phase = "failed"): string {
  const where = summary.node === undefined ? "" : ` at node ${summary.node}${summary.entity ? ` (${summary.entity})` : ""}`;
  if (phase === "aborted") return `run ${runId} was aborted${where}: ${summary.message.replace(ABORTED, "")}`;
  if (phase === "timedOut") return `run ${runId} timed out${where}: ${summary.message.replace(TIMED_OUT, "")}`;
  return `run ${runId} failed${where}: ${summary.message}`;
}
