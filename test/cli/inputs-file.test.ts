/**
 * Issue 13: `--inputs-file inputs.yaml|json`, in the shape `flytectl create
 * execution --execFile` takes (flytectl's ExecutionConfig: `inputs:` beside
 * `workflow`/`task`, `version`, `iamRoleARN`, ...), merged with the command
 * line's inputs (the command line wins), with the file and line of every problem.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { aloft, assertBuilt, fixtureDir } from "./helpers.js";
import { aloftInBackground } from "./engine-helpers.js";

const MOD = `
import { task, workflow, t } from "aloft";
const describe = task({ name: "describe_in", inputs: { n: t.int, xs: t.list(t.float), wait: t.duration, label: t.str, f: t.file }, outputs: t.str },
  async ({ n, xs, wait, label, f }) => [n, xs.join("+"), wait, label, (await f.text()).trim()].join("|"));
export const wf = workflow({ name: "inputs_wf", inputs: { n: t.int, xs: t.list(t.float), wait: t.duration, label: t.str, f: t.file } }, (i) => ({ out: describe(i) }));
`;

const { dir, cleanup } = fixtureDir({ "package.json": JSON.stringify({ type: "module" }), "flows.mjs": MOD });
afterAll(cleanup);

function write(name: string, text: string): string {
  writeFileSync(path.join(dir, name), text);
  return name;
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return aloft(dir, ["run", "flows.mjs", ...args, "--local", "--json"]);
}

describe("--inputs-file", () => {
  it("takes flytectl's execFile (inputs: and the entity), with the command line winning, and file paths relative to the file", async () => {
    assertBuilt();
    write("data.txt", "from the file\n");
    const yaml = write(
      "exec.yaml",
      ["iamRoleARN: \"\"", "inputs:", "  n: 3", "  xs: [1.5, 2]", "  wait: 10m", "  label: from yaml", "  f: data.txt", "kubeServiceAcct: \"\"", "targetDomain: \"\"", "targetProject: \"\"", "workflow: inputs_wf", "version: \"\"", ""].join("\n"),
    );
    const r = await run("--inputs-file", yaml);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toMatchObject({ phase: "succeeded", outputs: { out: "3|1.5+2|600000|from yaml|from the file" } });
    const over = await run("wf", "--inputs-file", yaml, "--n", "7");
    expect(JSON.parse(over.stdout)).toMatchObject({ outputs: { out: "7|1.5+2|600000|from yaml|from the file" } });
  });

  it("takes a plain JSON map of inputs", async () => {
    const json = write("inputs.json", JSON.stringify({ n: 1, xs: [], wait: 5, label: "j", f: "data.txt" }, null, 2));
    const r = await run("wf", "--inputs-file", json);
    expect(JSON.parse(r.stdout)).toMatchObject({ outputs: { out: "1||5|j|from the file" } });
  });

  it("names the file and line of what is wrong (exit 2)", async () => {
    const cases: [string, string, RegExp][] = [
      ["bad-value.yaml", "inputs:\n  n: 3\n  xs: [1, \"a\"]\n", /^error: bad-value\.yaml:3: input --xs \(list<float>\): /],
      ["unknown.yaml", "inputs:\n  n: 3\n  z: 1\n", /^error: unknown\.yaml:3: unknown input "z": wf \(workflow "inputs_wf"\) has inputs --n \(int\)/],
      ["syntax.yaml", "inputs:\n  n: [1, 2\n", /^error: syntax\.yaml:\d+: not valid YAML: /],
      ["syntax.json", '{\n  "n": 1,\n  "xs": [1,,]\n}\n', /^error: syntax\.json:3: not valid JSON: /],
      ["flyte.yaml", "inputs:\n  n: 1\niamRoleARN: arn:aws:iam::1:role/x\n", /^error: flyte\.yaml:3: iamRoleARN: is a setting of a Flyte cluster that aloft run does not apply; leave it empty or remove it\n$/],
      ["field.yaml", "inputs: {}\nworkflw: wf\n", /^error: field\.yaml:2: unknown field "workflw" \(an execution file has inputs, workflow, launchPlan or task, overwriteCache/],
      ["missing-file.yaml", "inputs:\n  f: nowhere.txt\n", /^error: missing-file\.yaml:2: input --f \(file\): the file path: \S+nowhere\.txt cannot be read/],
    ];
    for (const [name, text, want] of cases) {
      const r = await run("wf", "--inputs-file", write(name, text), "--n", "1", "--xs", "[]", "--wait", "1", "--label", "x");
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(want);
    }
    const gone = await run("wf", "--inputs-file", "none.yaml");
    expect(gone.stderr).toMatch(/^error: --inputs-file none\.yaml: cannot be read: ENOENT/);
    const missing = await run("wf", "--inputs-file", write("partial.yaml", "inputs:\n  n: 1\n"));
    expect(missing.stderr).toMatch(/^error: missing inputs --xs \(list<float>\), --wait \(duration\), --label \(str\), --f \(file\) of wf \(workflow "inputs_wf"\)/);
  });
});

/**
 * flytectl's execFile `version` (it launches that registered version; it
 * was refused when set): with --remote the server runs the registered
 * version named, and a version it does not have is refused; on the engine the
 * code given is what runs, so the version must be that code's; --local refuses it.
 */
describe("--inputs-file version", () => {
  it("runs the registered version named with --remote, checks it against the code on the engine, and is refused with --local", async () => {
    assertBuilt();
    write("data.txt", "v\n");
    const base = ["inputs:", "  n: 1", "  xs: [1]", "  wait: 1s", "  label: l", "  f: data.txt"];
    const wrong = await aloft(dir, ["run", "flows.mjs", "wf", "--inputs-file", write("v-wrong.yaml", [...base, "version: v0", ""].join("\n")), "--json"]);
    expect(wrong.code).toBe(2);
    const [, actual = ""] = /is not the version of workflow "inputs_wf" in this code \((\S+)\);/.exec(wrong.stderr) ?? [];
    expect(wrong.stderr).toMatch(/\nerror: v-wrong\.yaml:7: version "v0" is not the version of workflow "inputs_wf" in this code \(\S+\); the engine runs the code it is given/);
    expect(actual).not.toBe("");
    const right = write("v-right.yaml", [...base, `version: "${actual}"`, ""].join("\n"));
    const engine = await aloft(dir, ["run", "flows.mjs", "wf", "--inputs-file", right, "--json"]);
    expect(engine.code, engine.stderr).toBe(0);
    expect(JSON.parse(engine.stdout)).toMatchObject({ phase: "succeeded", outputs: { out: "1|1|1000|l|v" } });
    const local = await aloft(dir, ["run", "flows.mjs", "wf", "--inputs-file", right, "--local"]);
    expect([local.code, local.stderr]).toEqual([2, `error: v-right.yaml:7: version ${JSON.stringify(actual)} names a registered version; --local runs the code in process (run on the engine, or with --remote on a server that registered it)\n`]);

    const server = aloftInBackground(dir, ["serve", "flows.mjs", "--port", "0", "--db", "served/aloft.db", "--workers", "1"]);
    try {
      const [, url = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:\d+) /);
      const remote = await aloft(dir, ["run", "flows.mjs", "wf", "--inputs-file", right, "--remote", url, "--json"]);
      expect(remote.code, remote.stderr).toBe(0);
      expect(JSON.parse(remote.stdout)).toMatchObject({ phase: "succeeded", outputs: { out: "1|1|1000|l|v" } });
      const missing = await aloft(dir, ["run", "flows.mjs", "wf", "--inputs-file", write("v-missing.yaml", [...base, "version: v0", ""].join("\n")), "--remote", url]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/\nerror: workflow "inputs_wf" version "v0" is not registered in aloft\/development\n$/);
    } finally {
      server.child.kill("SIGTERM");
      await server.done;
    }
  }, 120_000);
});
