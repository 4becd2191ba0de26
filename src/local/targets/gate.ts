/**
 * Gate nodes in the local runner: sleep, wait for a signal value, wait for an
 * approval. A gate with a timeout fails when it runs out; a rejected approval
 * fails the run.
 *
 * @module
 */
import type { Node } from "../../idl/specs.js";
import { CompileError } from "../../errors.js";
import { nodeLabel } from "../../rules/labels.js";
import { gateTimeoutError, rejectionError } from "../../rules/timeouts.js";
import { describeType } from "../../types/describe.js";
import { GateBoard } from "../gates.js";
import { durationMs } from "../../compiler/task-policy.js";
import type { NodeCall, NodeTarget, Outputs } from "../target.js";

function sleepFor(ms: number, signal: AbortSignal): Promise<Outputs> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve({});
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function waitWithTimeout(call: NodeCall, name: string, kind: "approve" | "signal", type: Parameters<GateBoard["wait"]>[1], timeoutMs: number | undefined): Promise<unknown> {
  const board = call.env.gates;
  call.record.phase = "waiting";
  const waiting = board.wait({ name, kind, type: describeType(type), path: call.path }, type);
  if (timeoutMs === undefined) return waiting;
  // A node whose timeout passes ends timed out (flytepropeller's NodePhaseTimedOut), as a task attempt does.
  const timer = setTimeout(() => {
    call.record.phase = "timedOut";
    board.cancel(name, gateTimeoutError(name, kind, timeoutMs));
  }, timeoutMs);
  return waiting.finally(() => clearTimeout(timer));
}

/**
 * The target of a gate node.
 *
 * @example
 * ```ts
 * gateTarget(node); // node.gateNode is set
 * ```
 */
export function gateTarget(node: Node): NodeTarget {
  const gate = node.gateNode ?? {};
  const label = nodeLabel(node);
  const timeoutMs = durationMs(node.metadata?.timeout);
  if (gate.sleep) {
    const ms = durationMs(gate.sleep.duration) ?? 0;
    return { label, inputTypes: {}, run: (_inputs, call) => sleepFor(ms, call.env.signal) };
  }
  if (gate.signal) {
    const name = gate.signal.signalId ?? "";
    const type = gate.signal.type ?? {};
    const out = gate.signal.outputVariableName ?? "o0";
    return {
      label,
      inputTypes: {},
      run: async (_inputs, call) => ({ [out]: await waitWithTimeout(call, name, "signal", type, timeoutMs) }),
    };
  }
  if (gate.approve) {
    const name = gate.approve.signalId ?? "";
    return {
      label,
      inputTypes: {},
      run: async (inputs, call) => {
        const approved = await waitWithTimeout(call, name, "approve", GateBoard.approvalType, timeoutMs);
        if (approved !== true) throw rejectionError(name, call.env.gates.rejectionReason(name));
        // The approved value passes through under its own name (flytekit core/gate.py names it after the upstream output).
        return { ...inputs };
      },
    };
  }
  throw new CompileError(`gate node ${node.id ?? ""} has no condition (sleep, signal or approve)`);
}
