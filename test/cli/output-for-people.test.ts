/**
 * What the command line shows people (issue 13): `get nodes` sorted `n1[10]`
 * before `n1[2]`; `run` printed a 1,000-element list as 1,002 lines and
 * `get execution` a 100,000-element list as one 590 KB line; an execution's
 * error read "node n0: ... node n0 ..."; an abort was reported as "failed:
 * the run was aborted"; the failure hint came before the error line.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { errorText, labelled } from "../../src/cli/engine/format.js";
import { compareNodePaths as naturalCompare } from "../../src/rules/node-order.js";
import { leftOutNote, previewValue } from "../../src/cli/run/preview.js";
import { failureLine, formatOutputs } from "../../src/cli/run/report.js";
import { BIN, aloft } from "./helpers.js";
import { useEngineProjects } from "./engine-helpers.js";

const project = useEngineProjects();

describe("node ids sort naturally", () => {
  it("n1[2] before n1[10], n2 before n10, a node before the nodes inside it", () => {
    const paths = ["n1[10]", "n10", "n1[2]", "n1/n0", "n2", "n1", "n1[0]", "n1[1]/n0", "n0"];
    expect([...paths].sort(naturalCompare)).toEqual(["n0", "n1", "n1/n0", "n1[0]", "n1[1]/n0", "n1[2]", "n1[10]", "n2", "n10"]);
    expect(naturalCompare("n1[99999999999999999999]", "n1[100000000000000000000]")).toBeLessThan(0);
  });
});

describe("long values are cut short for people", () => {
  const thousand = Array.from({ length: 1000 }, (_, i) => i);

  it("a 1,000-element output is a few lines and says what was left out (it was 1,002 lines)", () => {
    const lines = formatOutputs({ l: thousand, n: 3 }).join("\n").split("\n");
    expect(lines.length).toBeLessThan(30);
    expect(lines.slice(-3)).toEqual(["]", "n: 3", "(980 elements left out; --json prints every value in full)"]);
    expect(lines).toContain("  … 980 more");
    expect(formatOutputs({ small: [1, 2] })).toEqual(["small: [\n  1,\n  2\n]"]);
  });

  it("a 100,000-element value is one short line in get execution (it was 590 KB)", () => {
    const lines = labelled("outputs", { l: Array.from({ length: 100_000 }, (_, i) => i), at: new Date("2024-01-31T00:00:00Z") }, 8);
    expect(lines.every((l) => l.length < 200)).toBe(true);
    expect(lines[0]).toBe(`outputs l: [${thousand.slice(0, 20).join(",")},… 99,980 more]`);
    expect(lines[1]).toBe('        at: "2024-01-31T00:00:00.000Z"');
    expect(lines[2]).toBe("        (99,980 elements left out; --json prints every value in full)");
  });

  it("cuts records and strings too, and nested lists, counting everything left out", () => {
    const p = previewValue({ s: "x".repeat(250), m: Object.fromEntries(thousand.slice(0, 25).map((i) => [`k${i}`, [i, i, i]])) }, { items: 2, chars: 5 });
    expect(p.text).toBe('{"s":"xxxxx"… (245 more characters),"m":{"k0":[0,0,… 1 more],"k1":[1,1,… 1 more],… 23 more}}');
    expect([p.items, p.chars]).toEqual([25, 245]);
    expect(leftOutNote(p.items, p.chars)).toBe("(25 elements and 245 characters left out; --json prints every value in full)");
    expect(leftOutNote(0, 0)).toBeUndefined();
  });
});

describe("wording", () => {
  it("an execution's error names its node once (it read 'node n0: ... node n0 ...')", () => {
    expect(errorText({ nodeId: "n0", message: 'workflow "wfb": node n0 (task "boom") failed: too big' })).toBe('workflow "wfb": node n0 (task "boom") failed: too big');
    expect(errorText({ nodeId: "n1", message: "node n10 failed" })).toBe("node n1: node n10 failed");
    expect(errorText({ nodeId: "n0", message: "too big\nsecond line" })).toBe("node n0: too big second line");
    expect(errorText({ message: "the run was aborted: why" })).toBe("the run was aborted: why");
  });

  it("an abort is reported as aborted, not 'failed: the run was aborted'", () => {
    expect(failureLine("a1", { node: undefined, entity: undefined, message: "the run was aborted: changed my mind" }, "aborted")).toBe("run a1 was aborted: changed my mind");
    expect(failureLine("a1", { node: undefined, entity: undefined, message: "the run timed out: after 1s" }, "timedOut")).toBe("run a1 timed out: after 1s");
    expect(failureLine("a1", { node: "n0", entity: 'task "boom"', message: "too big" })).toBe('run a1 failed at node n0 (task "boom"): too big');
  });

  it("aloft run: the error line comes before the hint of where to look (the hint came first)", async () => {
    const dir = project();
    const merged = await sh(dir, `"${process.execPath}" "${BIN}" run flows.mjs failing --msg no --workers 1 2>&1`);
    expect(merged.code).toBe(1);
    expect(merged.stdout).toMatch(/^error: run (a[0-9a-f]{20}) failed at node n0\/n0 \(task "boom"\): no second line\nlook at it: aloft get nodes \1\n$/);
  });

  it("an input named help can be given after --, whatever comes before it", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "helpful.mjs"), HELPFUL_MJS);
    for (const args of [
      ["run", "helpful.mjs", "--local", "--", "--help", "3"],
      ["run", "helpful.mjs", "--json", "--local", "--", "--help", "3"],
      ["run", "helpful.mjs", "--local", "--", "--help=3"],
    ]) {
      const r = await aloft(dir, args);
      expect([args.join(" "), r.code, r.stderr]).toEqual([args.join(" "), 0, ""]);
      expect(r.stdout).toMatch(/y: 3|"y": 3/);
    }
    const help = await aloft(dir, ["run", "helpful.mjs", "--help"]);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("--help")]);
  });
});

const HELPFUL_MJS = `
import { task, workflow, t } from "aloft";
const id = task({ name: "id", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x);
export const h = workflow({ name: "helpful_wf", inputs: { help: t.int } }, ({ help }) => ({ y: id({ x: help }) }));
`;

/** Runs a shell command line in \`cwd\` (for \`2>&1\`: one pipe keeps the order of aloft's writes to stdout and stderr). */
function sh(cwd: string, line: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile("sh", ["-c", line], { cwd, env: { ...process.env, ALOFT_HOME: path.join(cwd, ".aloft-home"), NO_COLOR: "1" }, timeout: 120_000 }, (error, stdout) =>
      resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout }),
    );
  });
}
