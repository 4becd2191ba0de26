/**
 * One `aloft run` from start to report: starts the run, draws its progress on
 * a terminal, stops it on Ctrl-C or when a gate waits with nobody to answer,
 * then prints its outputs (or JSON) and sets the exit code.
 *
 * @module
 */
import { describeEntity } from "../../sdk/entity.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { ExitCode, verboseError } from "../errors.js";
import type { FoundEntity } from "../load/entities.js";
import { LiveView } from "../progress/live-view.js";
import { formatElapsed, type ProgressSnapshot } from "../progress/render.js";
import type { RunBackend, RunHandle } from "./modes.js";
import type { PlanInfo } from "./plan-info.js";
import { failureLine, formatOutputs, jsonText, summarizeFailure } from "./report.js";

/** What a session runs and how it reports. */
export interface RunSession {
  readonly ctx: CliContext;
  readonly found: FoundEntity;
  readonly plan: PlanInfo;
  readonly backend: RunBackend;
  /** Print `{ id, mode, phase, outputs | error }` instead of the outputs. */
  readonly json: boolean;
  /** Add the error's stack to a failure. */
  readonly verbose: boolean;
}

const INTERRUPTED = "interrupted (Ctrl-C)";

/** Why a gate that waits cannot be answered, for the run's abort reason. */
function unanswerable(run: RunHandle): string | undefined {
  const gate = run.waitingFor()[0];
  if (!gate) return undefined;
  const what = gate.kind === "approve" ? "an approval" : `a value of type ${gate.type}`;
  const example = gate.kind === "approve" ? "true" : "<value>";
  return `gate ${JSON.stringify(gate.name)} (node ${gate.path}) waits for ${what} and no one can answer here (not a terminal); give it up front with --signal ${gate.name}=${example}`;
}

/**
 * Starts a run with `start`, follows it to its end and reports it. Ctrl-C is
 * caught from before the run starts (a task may run as soon as it does).
 *
 * @example
 * ```ts
 * await runSession({ ctx, found, plan, backend, json: false, verbose: false }, () => backend.start(found, inputs, options));
 * ```
 */
export async function runSession(session: RunSession, start: () => RunHandle): Promise<void> {
  let interrupted = false;
  let current: RunHandle | undefined;
  const onInterrupt = (): void => {
    interrupted = true;
    current?.abort(INTERRUPTED);
  };
  process.once("SIGINT", onInterrupt);
  try {
    const run = (current = start());
    if (interrupted) run.abort(INTERRUPTED);
    await follow(session, run, () => interrupted);
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

/** Shows the run's progress while it runs, then its result. */
async function follow(session: RunSession, run: RunHandle, interrupted: () => boolean): Promise<void> {
  const { ctx, found, plan, backend } = session;
  const started = Date.now();
  const snapshot = (state: ProgressSnapshot["state"]): ProgressSnapshot => ({
    title: describeEntity(found.def),
    runId: run.id,
    state,
    elapsedMs: Date.now() - started,
    now: Date.now(),
    nodes: run.nodes(),
    waiting: run.waitingFor(),
    topLevelNodes: plan.topLevelNodes,
  });
  const view = new LiveView(ctx.io.stdout, () => snapshot("running"));
  // Not unref'd: while a gate waits, nothing else may keep the process alive.
  const watcher = setInterval(() => {
    if (run.waitingFor().length === 0) view.resume();
    else if (ctx.io.interactive) view.pause(); // the local runner asks on the terminal
    else run.abort(unanswerable(run));
  }, 50);
  view.start();
  try {
    const outputs = await run.result;
    view.finish(session.json ? undefined : snapshot("succeeded"));
    if (session.json) printLines(ctx, [jsonText({ id: run.id, mode: backend.mode, phase: "succeeded", outputs }, 2)]);
    else printLines(ctx, [...formatOutputs(outputs), `run ${run.id} succeeded in ${formatElapsed(Date.now() - started)} (${backend.where})`]);
  } catch (e) {
    const summary = summarizeFailure(e);
    view.finish(session.json ? undefined : snapshot("failed"));
    if (session.json) printLines(ctx, [jsonText({ id: run.id, mode: backend.mode, phase: interrupted() ? "aborted" : "failed", error: summary }, 2)]);
    ctx.io.stderr.write(`error: ${failureLine(run.id, summary)}\n`);
    if (session.verbose) ctx.io.stderr.write(`${verboseError(e)}\n`);
    ctx.exitCode = interrupted() ? ExitCode.Interrupted : ExitCode.Failed;
  } finally {
    clearInterval(watcher);
  }
}
