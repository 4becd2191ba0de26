/**
 * The pure parts of the command line over the engine: node rows as the live
 * view reads them (map-task progress folded from element rows), the failed
 * node a failure is reported at, the filters of `aloft get executions`, and
 * the tables.
 */
import { describe, expect, it } from "vitest";
import { ExecutionError } from "../../src/errors.js";
import type { NodeRow } from "../../src/store/store.js";
import { executionTook, failureOf } from "../../src/cli/engine/follow.js";
import { clip, duration, shortTime, table } from "../../src/cli/engine/format.js";
import { elementOf, failedLeaf, nodeOfInfo, nodeOfRow, nodesView } from "../../src/cli/engine/node-view.js";
import { executionQuery, nodesTable } from "../../src/cli/commands/get.js";
import { storedLines } from "../../src/cli/commands/register.js";
import { summarizeFailure } from "../../src/cli/run/report.js";
import { renderProgress } from "../../src/cli/progress/render.js";
import { nodeInfo } from "../../src/server/views.js";

function row(path: string, over: Partial<NodeRow> = {}): NodeRow {
  return {
    executionId: "a1",
    path,
    entity: 'task "sq"',
    phase: "succeeded",
    attempts: 1,
    systemAttempts: 0,
    cacheStatus: "disabled",
    inputs: undefined,
    outputs: undefined,
    error: undefined,
    startedAt: 1000,
    endedAt: 2000,
    updatedAt: 2000,
    data: { kind: "task", task: { project: "p", domain: "d", name: "t", version: "1" }, taskDigest: "d1", retries: 0 },
    ...over,
  };
}

const MAP_ROWS: NodeRow[] = [
  row("n0", { entity: 'gate "factor"', phase: "succeeded", data: { kind: "gate", gate: "signal", signal: "factor", output: "o0" } }),
  row("n1", { entity: 'map "sq"', phase: "running", endedAt: undefined, data: { kind: "array", task: { project: "p", domain: "d", name: "t", version: "1" }, taskDigest: "d1", retries: 0, total: 5, next: 4, succeeded: 2, failed: 1, inFlight: 1, minSuccesses: 5, parallelism: 5 } }),
  row("n1[0]", { cacheStatus: "hit" }),
  row("n1[1]", { attempts: 3 }),
  row("n1[2]", { phase: "failed", error: "boom" }),
  row("n1[3]", { phase: "running", endedAt: undefined }),
  row("n2", { entity: 'approval "publish"', phase: "waiting", endedAt: undefined, data: { kind: "gate", gate: "approve", approve: "publish" } }),
  row("n3", { entity: 'gate "note"', phase: "waiting", endedAt: undefined, data: { kind: "gate", gate: "signal", signal: "note", output: "o0" } }),
];

describe("nodesView: the engine's node rows for the live view", () => {
  it("folds map-task elements into their array node's progress, and lists the gates that wait", () => {
    const view = nodesView(MAP_ROWS.map(nodeOfRow), new Map([["note", { simple: "STRING" }]]));
    expect(view.nodes.map((n) => n.path)).toEqual(["n0", "n1", "n2", "n3"]);
    expect(view.nodes[1]?.elements).toEqual({ total: 5, succeeded: 2, failed: 1, cacheHits: 1, retries: 2 });
    expect(view.nodes[1]?.startedAt).toEqual(new Date(1000));
    expect(view.waiting).toEqual([
      { name: "publish", kind: "approve", type: "bool", path: "n2" },
      { name: "note", kind: "signal", type: "str", path: "n3" },
    ]);
  });

  it("reads the API's node executions the same way", () => {
    const fromApi = nodesView(MAP_ROWS.map(nodeInfo).map(nodeOfInfo), new Map([["note", { simple: "STRING" }]]));
    expect(fromApi).toEqual(nodesView(MAP_ROWS.map(nodeOfRow), new Map([["note", { simple: "STRING" }]])));
  });

  it("gives the live view a bar of the map task's elements", () => {
    const view = nodesView(MAP_ROWS.map(nodeOfRow));
    const lines = renderProgress({ title: 'workflow "wf"', runId: "a1", state: "running", elapsedMs: 1500, now: 2500, nodes: view.nodes, waiting: view.waiting, topLevelNodes: 4 }, { width: 100 });
    expect(lines[1]).toBe("  nodes: 1 done, 1 running, 2 waiting, 0 left · 1 cache hit · 2 retries");
    expect(lines).toContain('  ▸ n1 map "sq" [████████████░░░░░░░░] 3/5 · 1 cached · 1 failed');
    expect(lines).toContain('  ⏸ n2 approval "publish" · waiting for an approval of "publish"');
  });

  it("names the array node of an element path", () => {
    expect([elementOf("n1[3]"), elementOf("n2/n0[12]"), elementOf("n1"), elementOf("n1[x]")]).toEqual(["n1", "n2/n0", undefined, undefined]);
  });
});

describe("the failure a run is reported with", () => {
  const failed = [
    row("n0", { entity: 'workflow "inner"', phase: "failed", error: "node n0/n0 failed: kaput" }),
    row("n0/n0", { entity: 'task "boom"', phase: "failed", error: "kaput\nsecond line" }),
    row("n1", { entity: 'map "sq"', phase: "failed", error: "1 of 3 elements failed", data: { kind: "array", task: { project: "p", domain: "d", name: "t", version: "1" }, taskDigest: "d1", retries: 0, total: 3, next: 3, succeeded: 2, failed: 1, inFlight: 0, minSuccesses: 3, parallelism: 3 } }),
    row("n1[2]", { phase: "failed", error: "element boom" }),
  ];

  it("starts at a failed node none of whose descendants failed, under the execution's failed node first", () => {
    expect(failedLeaf(failed, "n0")?.path).toBe("n0/n0");
    expect(failedLeaf(failed, "n1")?.path).toBe("n1[2]");
    expect(failedLeaf(failed)?.path).toBe("n0/n0");
    expect(failedLeaf([row("n0")])).toBeUndefined();
  });

  it("is an ExecutionError at that node, which the report turns into one line", () => {
    const e = failureOf("a1", "failed", { message: "node n0 failed", nodeId: "n0" }, failed.map(nodeOfRow));
    expect(e).toBeInstanceOf(ExecutionError);
    expect(summarizeFailure(e)).toEqual({ node: "n0/n0", entity: 'task "boom"', message: "kaput second line" });
    expect(summarizeFailure(failureOf("a1", "aborted", { message: "interrupted (Ctrl-C)" }, []))).toEqual({ node: undefined, entity: undefined, message: "the run was aborted: interrupted (Ctrl-C)" });
    expect(failureOf("a1", "timedOut", { message: "took too long" }, []).message).toBe("the run timed out: took too long");
  });
});

describe("how long an execution took (what run, follow and resume say it succeeded in)", () => {
  it("is its start (or its creation, if it never started) to its end, from the store's numbers or the API's times; nothing before it ended", () => {
    expect(executionTook({ createdAt: 1000, startedAt: 1200, endedAt: 4200 })).toBe(3000);
    expect(executionTook({ createdAt: 1000, startedAt: undefined, endedAt: 1500 })).toBe(500);
    expect(executionTook({ createdAt: "2026-12-02T08:00:00.000Z", startedAt: "2026-12-02T08:00:00.250Z", endedAt: "2026-12-02T08:00:03.250Z" })).toBe(3000);
    expect(executionTook({ createdAt: 1000, startedAt: 1200, endedAt: undefined })).toBeUndefined();
  });
});

describe("aloft get", () => {
  it("parses --filter into the API's query", () => {
    expect(executionQuery(["workflow=wf", "launchPlan=lp", "phase=failed", "after=2024-01-31", "before=2024-02-01T12:00:00Z", "parent=a9"])).toEqual({
      workflow: "wf",
      launchPlan: "lp",
      phase: "failed",
      createdAfter: new Date("2024-01-31T00:00:00Z"),
      createdBefore: new Date("2024-02-01T12:00:00Z"),
      parent: "a9",
    });
    expect(() => executionQuery(["phase=done"])).toThrow("--filter phase=done: expected one of queued, running, failing, succeeded, failed, aborted");
    expect(() => executionQuery(["phase=failed", "phase=running"])).toThrow("--filter phase is given twice");
    expect(() => executionQuery(["after=1706702400"])).toThrow("expected an ISO 8601 time");
  });

  it("prints nodes with attempts, system attempts, cache status and notes", () => {
    const lines = nodesTable(MAP_ROWS.slice(0, 3).map(nodeInfo));
    expect(lines[0]).toMatch(/^NODE {3}ENTITY {9}PHASE {6}ATTEMPTS {2}SYSTEM {2}CACHE {5}STARTED {15}DURATION +NOTE$/);
    expect(lines[2]).toMatch(/^n1 +map "sq" +running +1 +0 +disabled +1970-01-01T00:00:01Z +\S+… +elements 3\/5 done, 1 failed$/);
    expect(lines[3]).toMatch(/^n1\[0\] +task "sq" +succeeded +1 +0 +hit /);
  });

  it("formats tables, times and durations for people", () => {
    expect(table(["A", "LONGER"], [["xyz", "1"], ["", "2"]])).toEqual(["A    LONGER", "xyz  1", "     2"]);
    expect(shortTime("2024-01-31T12:00:00.123Z")).toBe("2024-01-31T12:00:00Z");
    expect(shortTime(undefined)).toBe("-");
    expect(duration("2024-01-31T12:00:00Z", "2024-01-31T12:03:07Z")).toBe("3m07s");
    expect(duration("2024-01-31T12:00:00Z", undefined, Date.parse("2024-01-31T12:00:01.5Z"))).toBe("1.5s…");
    expect(duration(undefined, undefined)).toBe("-");
    expect(clip("a\n  b", 10)).toBe("a b");
    expect(clip("abcdefghijkl", 5)).toBe("abcd…");
  });
});

describe("aloft register", () => {
  it("lists each stored spec once, created if any registration created it", () => {
    const key = (name: string) => ({ project: "p", domain: "d", name, version: "v1" });
    const lines = storedLines([
      { kind: "workflow", key: key("wf"), entities: [{ kind: "task", key: key("t"), created: false }, { kind: "workflow", key: key("wf"), created: true }] },
      { kind: "launchPlan", key: key("lp"), entities: [{ kind: "task", key: key("t"), created: true }, { kind: "launchPlan", key: key("lp"), created: true }] },
    ]);
    expect(lines.map((l) => [l.kind, l.key.name, l.status])).toEqual([
      ["task", "t", "created"],
      ["workflow", "wf", "created"],
      ["launchPlan", "lp", "created"],
    ]);
  });
});
