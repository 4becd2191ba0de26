/**
 * Gate nodes in the engine: a sleep waits for a timer event; a signal or an
 * approval waits for its answer (kept on the execution when it comes before
 * the gate starts), and fails if its timeout fires first.
 *
 * @module
 */
import type { Literal, LiteralMap } from "../../idl/core.js";
import type { PendingAnswer } from "../../store/execution-parts.js";
import type { Node } from "../../idl/specs.js";
import { durationMs } from "../../compiler/task-policy.js";
import { errorInfo } from "../../rules/failure.js";
import { gateTimeoutError, rejectionError } from "../../rules/timeouts.js";
import { labelOf, type NodeHost } from "./host.js";
import { nodeSpecOf } from "../state.js";

type PendingAnswers = Readonly<Record<string, PendingAnswer>>;

function pendingAnswers(host: NodeHost): PendingAnswers {
  return host.step.state.exec.live.pendingAnswers;
}

function setPendingAnswers(host: NodeHost, pendingAnswers: PendingAnswers): void {
  host.step.patchExec({ live: { ...host.step.state.exec.live, pendingAnswers } });
}

function waitingGate(host: NodeHost, kind: "signal" | "approve", name: string): string | undefined {
  for (const row of host.step.state.nodes.values()) {
    const d = row.data;
    if (row.phase !== "waiting" || d.kind !== "gate") continue;
    if ((kind === "signal" && d.gate === "signal" && d.signal === name) || (kind === "approve" && d.gate === "approve" && d.approve === name)) return row.path;
  }
  return undefined;
}

/**
 * Whether gate `name` already has its answer: one waits for it, or a gate
 * node of that name has ended. The engine refuses a second answer when it is
 * given (`Engine.signal`); one that raced the first into the inbox is dropped
 * here, so the first answer wins.
 */
function alreadyAnswered(host: NodeHost, name: string): boolean {
  if (Object.prototype.hasOwnProperty.call(pendingAnswers(host), name)) return true;
  for (const row of host.step.state.nodes.values()) {
    const d = row.data;
    if (d.kind === "gate" && d.gate !== "sleep" && (d.gate === "signal" ? d.signal : d.approve) === name && row.phase !== "waiting") return true;
  }
  return false;
}

/**
 * Starts gate node `node` at `path`: it waits, and takes an answer given
 * before it started.
 *
 * @example
 * ```ts
 * startGate(host, "n1", node, inputs); // a "waiting" row, and a timer event for a sleep or a timeout
 * ```
 */
export function startGate(host: NodeHost, path: string, node: Node, inputs: LiteralMap): void {
  const { step } = host;
  const gate = node.gateNode!;
  const execId = step.state.exec.id;
  if (gate.sleep) {
    step.newNode(path, labelOf(node), inputs, { kind: "gate", gate: "sleep" }, "waiting");
    step.events.push({ executionId: execId, dueAt: step.now + (durationMs(gate.sleep.duration) ?? 0), body: { type: "timer", path, purpose: "sleep" } });
    return;
  }
  const name = gate.signal?.signalId ?? gate.approve?.signalId ?? "";
  const kind = gate.signal ? "signal" : "approve";
  step.newNode(
    path,
    labelOf(node),
    inputs,
    gate.signal ? { kind: "gate", gate: "signal", signal: name, output: gate.signal.outputVariableName ?? "o0" } : { kind: "gate", gate: "approve", approve: name },
    "waiting",
  );
  const timeoutMs = durationMs(node.metadata?.timeout);
  if (timeoutMs !== undefined) step.events.push({ executionId: execId, dueAt: step.now + timeoutMs, body: { type: "timer", path, purpose: "gateTimeout" } });
  const pending = pendingAnswers(host);
  const answer = pending[name];
  if (answer) {
    const rest = { ...pending };
    delete rest[name];
    setPendingAnswers(host, rest);
    if (answer.kind === "signal" && kind === "signal") signalGate(host, name, answer.value);
    else if (answer.kind === "approval" && kind === "approve") approveGate(host, name, answer.approved, answer.reason);
  }
}

/**
 * A signal's value came: the gate waiting for it succeeds with it, or the
 * value is kept for when the gate starts.
 *
 * @example
 * ```ts
 * signalGate(host, "factor", { scalar: { primitive: { integer: 3 } } });
 * ```
 */
export function signalGate(host: NodeHost, name: string, value: Literal): void {
  const path = waitingGate(host, "signal", name);
  if (!path) {
    if (!alreadyAnswered(host, name)) setPendingAnswers(host, { ...pendingAnswers(host), [name]: { kind: "signal", value } });
    return;
  }
  const d = host.step.row(path)!.data;
  const out = d.kind === "gate" && d.gate === "signal" ? d.output : "o0";
  host.nodeSucceeded(path, { literals: { [out]: value } });
}

/**
 * An approval was answered: the gate passes its input on, or fails when
 * rejected; an answer for a gate not yet started is kept.
 *
 * @example
 * ```ts
 * approveGate(host, "publish", false, "numbers look off"); // the gate fails
 * ```
 */
export function approveGate(host: NodeHost, name: string, approved: boolean, reason: string | undefined): void {
  const path = waitingGate(host, "approve", name);
  if (!path) {
    if (!alreadyAnswered(host, name)) setPendingAnswers(host, { ...pendingAnswers(host), [name]: { kind: "approval", approved, ...(reason ? { reason } : {}) } });
    return;
  }
  if (!approved) return host.nodeFailed(path, errorInfo(rejectionError(name, reason)), "failed");
  const inputs = host.step.row(path)!.inputs?.literals ?? {};
  // The approved value passes through under its own name (flytekit core/gate.py names it after the upstream output).
  host.nodeSucceeded(path, { literals: { ...inputs } });
}

/**
 * A gate's timer fired: a sleep ends, a signal or approval times out (unless
 * it was answered first).
 *
 * @example
 * ```ts
 * gateTimer(host, "n1", "gateTimeout"); // 'gate "never" timed out after 50 ms without a value'
 * ```
 */
export function gateTimer(host: NodeHost, path: string, purpose: "sleep" | "gateTimeout"): void {
  const row = host.step.row(path);
  if (!row || row.phase !== "waiting") return;
  if (purpose === "sleep") return host.nodeSucceeded(path, {});
  const d = row.data;
  if (d.kind !== "gate" || d.gate === "sleep") return;
  const name = d.gate === "signal" ? d.signal : d.approve;
  const timeoutMs = durationMs(nodeSpecOf(host.step.state, path)?.metadata?.timeout) ?? 0;
  host.nodeFailed(path, errorInfo(gateTimeoutError(name, d.gate, timeoutMs)), "timedOut");
}
