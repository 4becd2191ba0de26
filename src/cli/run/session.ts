/**
 * One `aloft run` from start to report: starts the run, draws its progress on
 * a terminal, stops it on Ctrl-C or when a gate waits with nobody to answer,
 * then prints its outputs (or JSON) and sets the exit code.
 *
 * @module
 */
import type { LiteralType } from "../../idl/core.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { ExitCode, verboseError } from "../errors.js";
import { LiveView } from "../progress/live-view.js";
import { formatElapsed, type ProgressSnapshot } from "../progress/render.js";
import { GateAnswers } from "./gate-answers.js";
import type { RunBackend, RunHandle } from "./modes.js";
import type { PlanInfo } from "./plan-info.js";
import { stdoutToStderr } from "./task-stdout.js";
import { failureLine, formatOutputs, jsonText, summarizeFailure } from "./report.js";

/** What a session runs and how it reports. */
export interface RunSession {
  readonly ctx: CliContext;
  /** What runs, for the live view: `workflow "wf"`. */
  readonly title: string;
  readonly plan: PlanInfo;
  readonly backend: RunBackend;
  /** Print `{ id, mode, phase, outputs | error }` instead of the outputs. */
  readonly json: boolean;
  /** Add the error's stack to a failure. */
  readonly verbose: boolean;
  /** The gates given their values with `--signal`. */
  readonly given?: ReadonlySet<string>;
}

/** Why a run is aborted when this process is asked to stop, by signal. */
const STOP_REASONS: Readonly<Record<"SIGINT" | "SIGTERM", string>> = {
  SIGINT: "interrupted (Ctrl-C)",
  SIGTERM: "interrupted (SIGTERM: the aloft run process was asked to stop)",
};

/** Why a gate that waits cannot be answered, for the run's abort reason. */
function unanswerable(run: RunHandle): string | undefined {
  const gate = run.waitingFor()[0];
  if (!gate) return undefined;
  const what = gate.kind === "approve" ? "an approval" : `a value of type ${gate.type}`;
  const example = gate.kind === "approve" ? "true" : "<value>";
  return `gate ${JSON.stringify(gate.name)} (node ${gate.path}) waits for ${what} and no one can answer here (not a terminal); give it up front with --signal ${gate.name}=${example}`;
}

/**
 * Starts a run with `start`, follows it to its end and reports it, then
 * closes the backend. Ctrl-C and SIGTERM (`kill <pid>`, a service manager, a
 * terminal closing down) are caught from before the run starts (a task may
 * run as soon as it does) and do the same: the execution is aborted, so that
 * none is left `running` with nothing to run it, and the command exits 130
 * (Ctrl-C) or 143 (SIGTERM). On a server (a backend with `detachHint`), they
 * detach instead: the execution goes on there, and the command says how to
 * follow it (`aloft follow`) and how to abort it (`aloft abort`), as
 * `pyflyte run --remote` leaves an execution to the cluster.
 *
 * @example
 * ```ts
 * await runSession({ ctx, title: describeEntity(found.def), plan, backend, json: false, verbose: false }, () => backend.start(found, inputs, options));
 * ```
 */
export async function runSession(session: RunSession, start: () => RunHandle | Promise<RunHandle>): Promise<void> {
  let stoppedBy: "SIGINT" | "SIGTERM" | undefined;
  let current: RunHandle | undefined;
  const detaches = session.backend.detachHint !== undefined;
  let detach: () => void = () => undefined;
  const detached = new Promise<typeof DETACHED>((resolve) => (detach = () => resolve(DETACHED)));
  const stop = (signal: "SIGINT" | "SIGTERM"): void => {
    if (stoppedBy !== undefined) return;
    stoppedBy = signal;
    if (detaches) detach();
    else current?.abort(STOP_REASONS[signal]);
  };
  const onInterrupt = (): void => stop("SIGINT");
  const onTerminate = (): void => stop("SIGTERM");
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onTerminate);
  // With --json, stdout holds only the JSON: what a task run in this process prints goes to stderr.
  const restoreStdout = session.json ? stdoutToStderr() : () => undefined;
  try {
    const run = (current = await start());
    if (stoppedBy !== undefined && !detaches) run.abort(STOP_REASONS[stoppedBy]);
    await follow(session, run, () => stoppedBy, onInterrupt, detached, restoreStdout);
  } finally {
    restoreStdout();
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onTerminate);
    await session.backend.close?.();
  }
}

const DETACHED = Symbol("detached");

/** Shows the run's progress while it runs, then its result (or, detached, how to follow it). */
async function follow(
  session: RunSession,
  run: RunHandle,
  stoppedBy: () => "SIGINT" | "SIGTERM" | undefined,
  onInterrupt: () => void,
  detached: Promise<typeof DETACHED>,
  restoreStdout: () => void,
): Promise<void> {
  const { ctx, plan, backend } = session;
  const started = Date.now();
  const snapshot = (state: ProgressSnapshot["state"]): ProgressSnapshot => ({
    title: session.title,
    runId: run.id,
    state,
    // Once it ended, the execution's own duration: a followed one began before this command.
    elapsedMs: (state === "running" ? undefined : run.tookMs?.()) ?? Date.now() - started,
    now: Date.now(),
    nodes: run.nodes(),
    waiting: run.waitingFor(),
    topLevelNodes: plan.topLevelNodes,
  });
  const view = new LiveView(ctx.io.stdout, () => snapshot("running"));
  // A durable run's gates can be answered from elsewhere: it waits for them (and asks on a terminal).
  const gates = run.answer
    ? new GateAnswers({ ctx, runId: run.id, answer: run.answer, gateTypes: gateTypesOfPlan(plan), view, dbFlag: backend.dbFlag ?? "", onInterrupt, ...(session.given ? { given: session.given } : {}) })
    : undefined;
  // Not unref'd: while a gate waits, nothing else may keep the process alive.
  const watcher = setInterval(() => {
    if (gates) gates.update(run.waitingFor());
    else if (run.waitingFor().length === 0) view.resume();
    else if (ctx.io.interactive) view.pause(); // the local runner asks on the terminal
    else run.abort(unanswerable(run));
  }, 50);
  view.start();
  try {
    const outputs = await Promise.race([run.result, detached]).finally(restoreStdout);
    if (outputs === DETACHED) {
      view.finish(undefined);
      const signal = stoppedBy();
      const lines = [`${signal === "SIGTERM" ? "SIGTERM" : "Ctrl-C"}: detached from execution ${run.id}; it goes on ${backend.mode === "remote" ? "on the server" : "on the engine that runs it"}`, ...(backend.detachHint?.(run.id) ?? [])];
      if (session.json) printLines(ctx, [jsonText({ id: run.id, mode: backend.mode, phase: "detached" }, 2)]);
      for (const line of lines) ctx.io.stderr.write(`aloft: ${line}\n`);
      ctx.exitCode = signal === "SIGTERM" ? ExitCode.Terminated : ExitCode.Interrupted;
      return;
    }
    view.finish(session.json ? undefined : snapshot("succeeded"));
    if (session.json) printLines(ctx, [jsonText({ id: run.id, mode: backend.mode, phase: "succeeded", outputs }, 2)]);
    else {
      printLines(ctx, [...formatOutputs(outputs), `run ${run.id} succeeded in ${formatElapsed(run.tookMs?.() ?? Date.now() - started)} (${backend.where})`]);
      if (backend.lookHint) printLines(ctx, [backend.lookHint(run.id, false)]);
    }
  } catch (e) {
    const summary = summarizeFailure(e);
    view.finish(session.json ? undefined : snapshot("failed"));
    const phase = run.endPhase?.() ?? (stoppedBy() !== undefined ? "aborted" : "failed");
    if (session.json) printLines(ctx, [jsonText({ id: run.id, mode: backend.mode, phase, error: summary }, 2)]);
    // The error first, then where to look: the hint follows what it is about.
    ctx.io.stderr.write(`error: ${failureLine(run.id, summary, phase)}\n`);
    if (session.verbose) ctx.io.stderr.write(`${verboseError(e)}\n`);
    if (!session.json && backend.lookHint) printLines(ctx, [backend.lookHint(run.id, true)]);
    const signal = stoppedBy();
    ctx.exitCode = signal === "SIGINT" ? ExitCode.Interrupted : signal === "SIGTERM" ? ExitCode.Terminated : ExitCode.Failed;
  } finally {
    clearInterval(watcher);
    gates?.close();
  }
}

/** The types the plan's gates wait for, by signal name. */
function gateTypesOfPlan(plan: PlanInfo): Map<string, LiteralType> {
  return new Map([...plan.gates.values()].map((g) => [g.name, g.type]));
}
