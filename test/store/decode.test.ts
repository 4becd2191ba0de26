import { describe, expect, it } from "vitest";
import { StoredRowError } from "../../src/errors.js";
import { decodeEvent, decodeTaskItemOptions } from "../../src/store/events.js";
import { decodeExecutionParts, encodeExecutionParts } from "../../src/store/execution-parts.js";
import { decodeNodeData } from "../../src/store/node-data.js";

const task = { project: "p", domain: "d", name: "t", version: "1" };

describe("stored rows read back as typed values", () => {
  it("reads each node kind, and rows written before the types (gates without `gate`, `waitingSlot: true`, `cacheVersion`)", () => {
    expect(decodeNodeData({ kind: "gate", signal: "factor", output: "o1" }, "node e/n0")).toStrictEqual({ kind: "gate", gate: "signal", signal: "factor", output: "o1" });
    expect(decodeNodeData({ kind: "gate", approve: "publish" }, "node e/n0")).toStrictEqual({ kind: "gate", gate: "approve", approve: "publish" });
    expect(decodeNodeData({ kind: "gate" }, "node e/n0")).toStrictEqual({ kind: "gate", gate: "sleep" });
    expect(decodeNodeData({ kind: "task", task, taskDigest: "x", retries: 2, waitingSlot: true, cacheVersion: "1", cache: { version: "1", serialize: false, ignoredInputs: [] } }, "node e/n1")).toStrictEqual({
      kind: "task",
      task,
      taskDigest: "x",
      retries: 2,
      waitingSlot: 0,
      cache: { version: "1", serialize: false, ignoredInputs: [] },
    });
    expect(decodeNodeData({ kind: "branch", chosen: null }, "node e/n2")).toStrictEqual({ kind: "branch", chosen: null });
    expect(decodeNodeData({ kind: "launchPlan", childId: "e-n3" }, "node e/n3")).toStrictEqual({ kind: "launchPlan", childId: "e-n3" });
  });

  it("refuses data of another shape with a StoredRowError naming the row and the field", () => {
    const bad = (json: unknown) => {
      try {
        decodeNodeData(json, "node e1/n3");
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const unknownKind = bad({ kind: "widget" });
    expect(unknownKind).toBeInstanceOf(StoredRowError);
    expect(unknownKind).toMatchObject({ row: "node e1/n3", field: "data.kind", message: 'node e1/n3: data.kind is string "widget", expected one of task, dynamic, array, element, workflow, launchPlan, branch, gate, unknown' });
    expect(bad({ kind: "launchPlan" })).toMatchObject({ field: "data.childId", message: "node e1/n3: data.childId is missing, expected a string" });
    expect(bad({ kind: "array", task, taskDigest: "x", total: "5" })).toMatchObject({ field: "data.total" });
    expect(bad([])).toMatchObject({ field: "data", message: "node e1/n3: data is a list, expected an object" });
  });

  it("reads events and refuses one without its fields", () => {
    expect(decodeEvent({ type: "approval", name: "publish", approved: false, reason: "no" }, "event 7")).toStrictEqual({ type: "approval", name: "publish", approved: false, reason: "no" });
    expect(() => decodeEvent({ type: "signal", name: "s" }, "event 7")).toThrow("event 7: body.value is missing, expected a flyteidl object");
    expect(() => decodeEvent({ type: "explode" }, "event 8")).toThrow(StoredRowError);
    expect(() => decodeTaskItemOptions({ timeoutMs: 5 }, "task item e|n0|1")).toThrow("task item e|n0|1: options.taskDigest is missing, expected a string");
  });

  it("keeps an execution's settings, lineage and live state apart, stored as the options JSON of earlier releases", () => {
    const parts = {
      settings: { maxParallelism: 4, overwriteCache: true, modules: ["/w/flows.ts"] },
      lineage: { recoverOf: "a1", scheduledAt: 60_000 },
      live: { pendingAnswers: { s: { kind: "signal" as const, value: { scalar: { primitive: { integer: "3" } } } }, a: { kind: "approval" as const, approved: true } } },
    };
    const stored = JSON.parse(JSON.stringify(encodeExecutionParts(parts))) as unknown;
    expect(decodeExecutionParts(stored, undefined, "execution a2")).toStrictEqual(parts);
    // Answers kept before they were tagged: an approval `{ approved }`, a signal the bare literal.
    const legacy = { maxParallelism: 25, overwriteCache: false, pendingSignals: { s: { scalar: { primitive: { integer: "3" } } }, a: { approved: false, reason: "no" } } };
    expect(decodeExecutionParts(legacy, { executionId: "p", path: "n1" }, "execution a3")).toStrictEqual({
      settings: { maxParallelism: 25, overwriteCache: false },
      lineage: { parent: { executionId: "p", path: "n1" } },
      live: { pendingAnswers: { s: { kind: "signal", value: { scalar: { primitive: { integer: "3" } } } }, a: { kind: "approval", approved: false, reason: "no" } } },
    });
    expect(() => decodeExecutionParts({ maxParallelism: "many" }, undefined, "execution a4")).toThrow("execution a4: options.maxParallelism is string \"many\", expected a number");
  });
});
