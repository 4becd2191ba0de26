/**
 * Gate nodes in the engine: a sleep waits for a timer event; a signal or an
 * approval waits for its answer (kept on the execution when it comes before
 * the gate starts), and fails if its timeout fires first.
 *
 * @module
 */
import type { Literal, LiteralMap } from "../../idl/core.js";
import type { Node } from "../../idl/specs.js";
import { durationMs } from "../../compiler/task-policy.js";
import { errorInfo } from "../../rules/failure.js";
import { gateTimeoutError, rejectionError } from "../../rules/timeouts.js";
import { labelOf, type NodeHost } from "./host.js";
import { nodeSpecOf } from "../state.js";

type PendingSignals = Record<string, unknown>;

function pendingSignals(host: NodeHost): PendingSignals {
  return (host.step.state.exec.options["pendingSignals"] ?? {}) as PendingSignals;
}

function setPendingSignals(host: NodeHost, pending: PendingSignals): void {
  host.step.patchExec({ options: { ...host.step.state.exec.options, pendingSignals: pending } });
}

function waitingGate(host: NodeHost, kind: "signal" | "approve", name: string): string | undefined {
  for (const row of host.step.state.nodes.values()) if (row.phase === "waiting" && row.data[kind] === name) return row.path;
  return undefined;
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
    step.newNode(path, labelOf(node), inputs, { kind: "gate" }, "waiting");
    step.events.push({ executionId: execId, dueAt: step.now + (durationMs(gate.sleep.duration) ?? 0), body: { type: "timer", path, purpose: "sleep" } });
    return;
  }
  const name = gate.signal?.signalId ?? gate.approve?.signalId ?? "";
  const kind = gate.signal ? "signal" : "approve";
  step.newNode(path, labelOf(node), inputs, { kind: "gate", [kind]: name, ...(gate.signal ? { output: gate.signal.outputVariableName ?? "o0" } : {}) }, "waiting");
  const timeoutMs = durationMs(node.metadata?.timeout);
  if (timeoutMs !== undefined) step.events.push({ executionId: execId, dueAt: step.now + timeoutMs, body: { type: "timer", path, purpose: "gateTimeout" } });
  const pending = pendingSignals(host);
  if (name in pending) {
    const value = pending[name];
    const rest = { ...pending };
    delete rest[name];
    setPendingSignals(host, rest);
    if (kind === "signal") signalGate(host, name, value as Literal);
    else {
      const v = value as { approved: boolean; reason?: string };
      approveGate(host, name, v.approved, v.reason);
    }
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
  if (!path) return setPendingSignals(host, { ...pendingSignals(host), [name]: value });
  const out = String(host.step.row(path)!.data["output"] ?? "o0");
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
  if (!path) return setPendingSignals(host, { ...pendingSignals(host), [name]: { approved, ...(reason ? { reason } : {}) } });
  if (!approved) return host.nodeFailed(path, errorInfo(rejectionError(name, reason)), "failed");
  const inputs = (host.step.row(path)!.inputs as LiteralMap | undefined)?.literals ?? {};
  host.nodeSucceeded(path, { literals: inputs["o0"] ? { o0: inputs["o0"] } : {} });
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
  const name = String(row.data["signal"] ?? row.data["approve"] ?? "");
  const timeoutMs = durationMs(nodeSpecOf(host.step.state, path)?.metadata?.timeout) ?? 0;
  host.nodeFailed(path, errorInfo(gateTimeoutError(name, row.data["approve"] !== undefined ? "approve" : "signal", timeoutMs)), "timedOut");
}
