import { describe, expect, it } from "vitest";
import type { NodeExecution, PendingSignal } from "aloft";
import { formatElapsed, progressBar, renderProgress, type ProgressSnapshot } from "../../src/cli/progress/render.js";
import { LiveView } from "../../src/cli/progress/live-view.js";

const T0 = Date.UTC(2024, 0, 1);

function node(path: string, over: Partial<NodeExecution> = {}): NodeExecution {
  return { path, entity: `task "t_${path}"`, phase: "running", attempts: 1, cacheStatus: "disabled", startedAt: new Date(T0), endedAt: undefined, error: undefined, ...over };
}

function snap(over: Partial<ProgressSnapshot> = {}): ProgressSnapshot {
  return { title: 'workflow "wf"', runId: "run-1", state: "running", elapsedMs: 2_300, now: T0 + 1_200, nodes: [], waiting: [], topLevelNodes: 5, ...over };
}

describe("renderProgress", () => {
  it("shows the run, its node counts and the running nodes", () => {
    const nodes = [node("n0", { phase: "succeeded", endedAt: new Date(T0) }), node("n1"), node("n2", { cacheStatus: "hit", phase: "succeeded" })];
    expect(renderProgress(snap({ nodes }), { width: 80 })).toEqual([
      '▶ workflow "wf" · run run-1 · 2.3s',
      "  nodes: 2 done, 1 running, 2 left · 1 cache hit",
      '  ▸ n1 task "t_n1" · 1.2s',
    ]);
  });

  it("shows retries with the last error, and nested nodes", () => {
    const nodes = [node("n0", { entity: 'workflow "sub"' }), node("n0/n0", { attempts: 3, error: "connection reset\nby peer" })];
    expect(renderProgress(snap({ nodes, topLevelNodes: 1 }), { width: 100 })).toEqual([
      '▶ workflow "wf" · run run-1 · 2.3s',
      "  nodes: 0 done, 1 running, 0 left · 2 retries",
      '  ▸ n0 workflow "sub" · 1.2s',
      '  ▸ n0/n0 task "t_n0/n0" · 1.2s · attempt 3, last error: connection reset by peer',
    ]);
  });

  it("draws a map task's elements as a bar, with cache hits and failures", () => {
    const elements = { total: 40, succeeded: 18, failed: 2, cacheHits: 5, retries: 3 } as NodeExecution["elements"];
    const nodes = [node("n0", { entity: 'map task "square"', elements })];
    const lines = renderProgress(snap({ nodes, topLevelNodes: 1 }), { width: 100 });
    expect(lines[1]).toBe("  nodes: 0 done, 1 running, 0 left · 5 cache hits · 3 retries");
    expect(lines[2]).toBe('  ▸ n0 map task "square" [██████████░░░░░░░░░░] 20/40 · 5 cached · 2 failed');
  });

  it("shows what a waiting gate waits for", () => {
    const waiting: PendingSignal[] = [{ name: "publish", kind: "approve", type: "bool", path: "n1" }, { name: "title", kind: "signal", type: "str", path: "n2" }];
    const nodes = [node("n1", { phase: "waiting", entity: 'approval "publish"' }), node("n2", { phase: "waiting", entity: 'gate "title"' })];
    expect(renderProgress(snap({ nodes, waiting, topLevelNodes: 3 }), { width: 100 }).slice(1)).toEqual([
      "  nodes: 0 done, 0 running, 2 waiting, 1 left",
      '  ⏸ n1 approval "publish" · waiting for an approval of "publish"',
      '  ⏸ n2 gate "title" · waiting for signal "title" (str)',
    ]);
  });

  it("shows the failing node's error when the run fails, not the subworkflow node around it", () => {
    const nodes = [
      node("n0", { phase: "succeeded" }),
      node("n1", { phase: "failed", entity: 'workflow "sub"', error: 'workflow "sub": node n0 failed: boom' }),
      node("n1/n0", { phase: "failed", error: "boom" }),
      node("n2", { phase: "aborted" }),
    ];
    expect(renderProgress(snap({ nodes, state: "failed" }), { width: 80 })).toEqual([
      '✖ workflow "wf" failed · run run-1 · 2.3s',
      "  nodes: 1 done, 1 failed",
      '  ✖ n1/n0 task "t_n1/n0": boom',
    ]);
  });

  it("ends with the counts alone when the run succeeds", () => {
    const nodes = [node("n0", { phase: "succeeded" }), node("n1", { phase: "succeeded", attempts: 2 })];
    expect(renderProgress(snap({ nodes, state: "succeeded" }), { width: 80 })).toEqual(['✔ workflow "wf" succeeded · run run-1 · 2.3s', "  nodes: 2 done · 1 retry"]);
  });

  it("keeps every line shorter than the terminal and counts the nodes it leaves out", () => {
    const nodes = Array.from({ length: 12 }, (_, i) => node(`n${i}`, { entity: `task "a_task_with_a_rather_long_name_number_${i}"` }));
    const lines = renderProgress(snap({ nodes, topLevelNodes: 12 }), { width: 40, maxNodeLines: 4 });
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe("  … 9 more");
    for (const line of lines) expect(Array.from(line).length).toBeLessThanOrEqual(39);
    expect(lines[2]).toMatch(/…$/);
  });
});

describe("formatElapsed and progressBar", () => {
  it("formats lengths of time briefly", () => {
    expect([formatElapsed(850), formatElapsed(4_240), formatElapsed(187_000), formatElapsed(3_720_000)]).toEqual(["850ms", "4.2s", "3m07s", "1h02m"]);
  });
  it("fills a bar in proportion, full when there is nothing to do", () => {
    expect([progressBar(3, 10, 10), progressBar(0, 0, 4), progressBar(12, 10, 4)]).toEqual(["[███░░░░░░░]", "[████]", "[████]"]);
  });
});

describe("LiveView", () => {
  function stream(isTTY: boolean) {
    const chunks: string[] = [];
    return { chunks, out: { isTTY, columns: 60, write: (s: string) => chunks.push(s) } };
  }

  it("writes nothing at all when the output is not a terminal", () => {
    const { chunks, out } = stream(false);
    const view = new LiveView(out, () => snap());
    view.start();
    view.pause();
    view.resume();
    view.finish(snap({ state: "succeeded" }));
    expect(chunks).toEqual([]);
  });

  it("redraws in place on a terminal, and leaves the final frame", () => {
    const { chunks, out } = stream(true);
    let nodes = [node("n0")];
    const view = new LiveView(out, () => snap({ nodes }), 60_000);
    view.start();
    nodes = [node("n0", { phase: "succeeded" }), node("n1")];
    (view as unknown as { draw(): void }).draw();
    view.finish(snap({ nodes: [node("n0", { phase: "succeeded" })], state: "succeeded" }));
    const text = chunks.join("");
    expect(text.startsWith("\x1b[?25l▶ workflow")).toBe(true);
    expect(text).toContain("\r\x1b[3A\x1b[J▶ workflow"); // back over the three lines drawn, then redraw
    expect(text.endsWith('\r\x1b[3A\x1b[J✔ workflow "wf" succeeded · run run-1 · 2.3s\n  nodes: 1 done\n\x1b[?25h')).toBe(true);
  });

  it("stops drawing while paused for a prompt, then starts a new frame below it", () => {
    const { chunks, out } = stream(true);
    const view = new LiveView(out, () => snap({ nodes: [node("n0")] }), 60_000);
    view.start();
    view.pause();
    (view as unknown as { draw(): void }).draw();
    const whilePaused = chunks.length;
    view.resume();
    view.finish();
    expect(chunks.slice(whilePaused - 1, whilePaused)).toEqual(["\x1b[?25h"]);
    expect(chunks[whilePaused]).toBe("\x1b[?25l");
    expect(chunks[whilePaused + 1]?.startsWith("▶ workflow")).toBe(true); // no cursor movement over the prompt
  });
});
