import { describe, expect, it } from "vitest";
import {
  AloftError,
  type EngineError,
  EngineInvariantError,
  EntityNotRegisteredError,
  ExecutionEndedError,
  ExecutionNotFoundError,
  ExecutionNotRecoverableError,
  GateAnsweredError,
  InvalidSignalValueError,
  NotStartableError,
  OffloadedValueError,
  UnknownGateError,
  WaitTimeoutError,
  type EngineErrorCode,
} from "aloft";
import { ENGINE_ERROR_STATUS, toApiError } from "../../src/server/errors.js";
import { ENGINE_ERROR_EXIT, ExitCode, UsageError, describeError, exitCodeOf } from "../../src/cli/errors.js";
import { ClientError } from "../../src/client/client.js";
import { remoteError } from "../../src/cli/engine/source.js";

/** One of each engine error, with the status and exit code its code maps to. */
const CASES: readonly [EngineError, EngineErrorCode, number, ExitCode][] = [
  [new ExecutionNotFoundError("a0000"), "EXECUTION_NOT_FOUND", 404, ExitCode.Usage],
  [EntityNotRegisteredError.of("workflow", { project: "p", domain: "d", name: "wf", version: "v1" }), "ENTITY_NOT_REGISTERED", 404, ExitCode.Usage],
  [new ExecutionEndedError("a1", "aborted", "there is nothing to abort"), "EXECUTION_ENDED", 409, ExitCode.Refused],
  [new ExecutionNotRecoverableError("a1", "succeeded"), "EXECUTION_NOT_RECOVERABLE", 409, ExitCode.Refused],
  [new UnknownGateError('execution a1 has no gate "x" (gates: "factor")', "a1", "x", ["factor"]), "UNKNOWN_GATE", 400, ExitCode.Usage],
  [new GateAnsweredError("a1", "publish", "already has its answer"), "GATE_ANSWERED", 409, ExitCode.Refused],
  [new InvalidSignalValueError('signal "factor" of execution a1 expects int: got "x"', "a1", "factor"), "INVALID_SIGNAL_VALUE", 400, ExitCode.Usage],
  [new NotStartableError("start() takes a workflow or a launch plan"), "NOT_STARTABLE", 400, ExitCode.Usage],
  [new WaitTimeoutError("a1", 10, "running"), "WAIT_TIMEOUT", 504, ExitCode.Failed],
  [new OffloadedValueError("the offloaded value x is damaged", "x"), "OFFLOADED_VALUE_UNAVAILABLE", 500, ExitCode.Failed],
  [new EngineInvariantError("node n0 (gate) runs no task attempt"), "ENGINE_INVARIANT", 500, ExitCode.Failed],
];

describe("engine errors: one class per refusal, a stable code, one table per surface", () => {
  it("covers every code once, each an AloftError with its class name", () => {
    expect(CASES.map(([, code]) => code).sort()).toEqual(Object.keys(ENGINE_ERROR_STATUS).sort());
    expect(Object.keys(ENGINE_ERROR_EXIT).sort()).toEqual(Object.keys(ENGINE_ERROR_STATUS).sort());
    for (const [e, code] of CASES) {
      expect(e).toBeInstanceOf(AloftError);
      expect(e.code).toBe(code);
      expect(e.name).toBe(e.constructor.name);
    }
  });

  it.each(CASES.map((c) => [c[1], ...c] as const))("%s reaches the API as its status and code, with its message", (_, e, code, status) => {
    const api = toApiError(e);
    expect(api.status).toBe(status);
    expect(api.body().error).toMatchObject({ code, message: e.message });
  });

  it.each(CASES.map((c) => [c[1], ...c] as const))("%s reaches the CLI as its exit code and message, also through a server", (_, e, code, _status, exit) => {
    expect(exitCodeOf(e)).toBe(exit);
    expect(describeError(e)).toBe(e.message);
    // From a server: the API's answer, as the CLI's remote commands rethrow it.
    const remote = remoteError(new ClientError(e.message, ENGINE_ERROR_STATUS[code].status, code));
    expect(exitCodeOf(remote)).toBe(exit);
    expect(describeError(remote)).toBe(e.message);
  });

  it("names the field at fault where the API knows it", () => {
    expect(toApiError(new ExecutionNotFoundError("a0000")).body()).toEqual({ error: { code: "EXECUTION_NOT_FOUND", message: 'no execution "a0000"', field: "id" } });
    expect(toApiError(new GateAnsweredError("a1", "publish", "already has its answer")).field).toBe("name");
    expect(toApiError(new InvalidSignalValueError("bad", "a1", "factor")).field).toBe("value");
  });

  it("keeps the exit codes of errors that are not the engine's", () => {
    expect(exitCodeOf(new UsageError("bad flag"))).toBe(ExitCode.Usage);
    expect(exitCodeOf(new Error("boom"))).toBe(ExitCode.Failed);
    expect(exitCodeOf(remoteError(new ClientError("no endpoint", 404, "not_found")))).toBe(ExitCode.Usage);
  });

  it("says what an entity that is not registered is, with or without a version", () => {
    expect(EntityNotRegisteredError.of("launchPlan", { project: "p", domain: "d", name: "lp" }).message).toBe('no launch plan "lp" is registered in p/d');
    expect(EntityNotRegisteredError.of("task", { project: "p", domain: "d", name: "t", version: "v1" }).message).toBe('task "t" version "v1" is not registered in p/d');
  });
});
