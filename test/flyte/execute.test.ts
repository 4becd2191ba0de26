/**
 * `aloft execute`, the command a task's container runs on Flyte, run for real
 * as a process: it reads the inputs.pb a test writes and writes what
 * flytekit's entrypoint (`flytekit/bin/entrypoint.py`) would: outputs.pb,
 * error.pb (every kind of error) or futures.pb, and a map element picks its
 * item as `core/array_node_map_task.py` does.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import protobuf from "protobufjs";
import { aloft, assertBuilt, fixtureDir } from "../cli/helpers.js";
import { PROTOS_DIR, TO_OBJECT } from "../helpers/flyteidl.js";

const FLOWS = `
import { task, dynamic, t, RecoverableError } from "aloft";
export const add = task({ name: "ex_add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
export const fails = task({ name: "ex_fails", inputs: { x: t.int } }, ({ x }) => { throw new Error("no good: " + x); });
export const flaky = task({ name: "ex_flaky" }, () => { throw new RecoverableError("the service is busy"); });
export const label = task({ name: "ex_label", inputs: { x: t.int, prefix: t.str }, outputs: t.str }, ({ x, prefix }) => prefix + x);
export const fanout = dynamic({ name: "ex_fanout", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) => {
  const out = [];
  for (let i = 0; i < n; i++) out.push(add({ a: i, b: 10 }));
  return out;
});
export const norm = task({ name: "ex_norm", inputs: { p: t.struct({ x: t.int, y: t.float }), when: t.datetime }, outputs: t.str }, ({ p, when }) => p.x + p.y + "@" + when.toISOString());
export const nothing = dynamic({ name: "ex_nothing", inputs: { n: t.int }, outputs: t.int }, ({ n }) => n * 2);
`;

let dir: string;
let cleanup: () => void;
let root: protobuf.Root;

beforeAll(() => {
  assertBuilt();
  ({ dir, cleanup } = fixtureDir({ "package.json": '{ "type": "module" }\n', "flows.ts": FLOWS }));
  // An independent reader of the official protos (no code shared with src/).
  root = new protobuf.Root();
  root.resolvePath = (_o, target) => (target.startsWith("google/protobuf/") ? target : `${PROTOS_DIR}${target}`);
  root.loadSync(["flyteidl/core/literals.proto", "flyteidl/core/errors.proto", "flyteidl/core/dynamic_job.proto"]);
  root.resolveAll();
});
afterAll(() => cleanup());

const int = (n: number) => ({ scalar: { primitive: { integer: String(n) } } });
const str = (s: string) => ({ scalar: { primitive: { stringValue: s } } });

function writeInputs(name: string, literals: Record<string, unknown>): string {
  const file = path.join(dir, name, "inputs.pb");
  mkdirSync(path.dirname(file), { recursive: true });
  const type = root.lookupType("flyteidl.core.LiteralMap");
  writeFileSync(file, type.encode(type.fromObject({ literals })).finish());
  return file;
}

function read(file: string, message: string): Record<string, unknown> {
  const type = root.lookupType(message);
  return type.toObject(type.decode(readFileSync(file)), TO_OBJECT);
}

function execute(inputs: string, out: string, module: string, taskName: string, extra: readonly string[] = [], env: Record<string, string> = {}) {
  return aloft(dir, ["execute", "--inputs", inputs, "--output-prefix", out, "--raw-output-data-prefix", path.join(dir, "raw"), "--checkpoint-path", path.join(dir, "ckpt"), "--prev-checkpoint", "", ...extra, "--", module, taskName], env);
}

describe.concurrent("aloft execute", () => {
  it("reads inputs.pb, runs the task and writes outputs.pb (file:// URIs and plain paths)", async () => {
    const inputs = writeInputs("add", { a: int(2), b: int(40) });
    const out = path.join(dir, "add", "out");
    const r = await execute(pathToFileURL(inputs).href, pathToFileURL(out).href, "flows.ts", "ex_add");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(read(path.join(out, "outputs.pb"), "flyteidl.core.LiteralMap")).toEqual({ literals: { o0: int(42) } });
    expect(existsSync(path.join(out, "error.pb"))).toBe(false);
  });

  it("reads the values a Python task writes: a dataclass as flytekit's MessagePack Binary, a datetime with microseconds (core/type_engine.py)", async () => {
    // Point(x=3, y=2.5) as msgpack.dumps({"x": 3, "y": 2.5}); datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC).
    const point = { scalar: { binary: { value: Uint8Array.from([0x82, 0xa1, 0x78, 0x03, 0xa1, 0x79, 0xcb, 0x40, 0x04, 0, 0, 0, 0, 0, 0]), tag: "msgpack" } } };
    const when = { scalar: { primitive: { datetime: { seconds: "1704164645", nanos: 123456000 } } } };
    const out = path.join(dir, "norm", "out");
    const r = await execute(writeInputs("norm", { p: point, when }), out, "flows.ts", "ex_norm");
    expect(r.stderr).toBe("");
    expect(read(path.join(out, "outputs.pb"), "flyteidl.core.LiteralMap")).toEqual({ literals: { o0: str("5.5@2024-01-02T03:04:05.123Z") } });
  });

  it("writes error.pb for each kind of failure, as flytekit's entrypoint does, and still exits 0", async () => {
    const cases = [
      // A plain error from the task's code: the user's, final.
      { name: "plain", task: "ex_fails", inputs: { x: int(7) }, code: "USER:RuntimeError", kind: undefined, origin: "USER", message: /Error: no good: 7/ },
      // RecoverableError (flytekit's FlyteRecoverableException): the user's, retried.
      { name: "recoverable", task: "ex_flaky", inputs: {}, code: "USER:Recoverable", kind: "RECOVERABLE", origin: "USER", message: /RecoverableError: the service is busy/ },
      // An input that does not fit the task: the user's, final.
      { name: "badinput", task: "ex_fails", inputs: { x: str("seven") }, code: "USER:RuntimeError", kind: undefined, origin: "USER", message: /input "x"/ },
      // A task the module does not define: the user's, final.
      { name: "unknown", task: "ex_missing", inputs: {}, code: "USER:RuntimeError", kind: undefined, origin: "USER", message: /defines no task named "ex_missing"/ },
    ] as const;
    await Promise.all(
      cases.map(async (c) => {
        const inputs = writeInputs(c.name, c.inputs);
        const out = path.join(dir, c.name, "out");
        const r = await execute(inputs, out, "flows.ts", c.task);
        expect(r.code).toBe(0);
        expect(existsSync(path.join(out, "outputs.pb"))).toBe(false);
        const doc = read(path.join(out, "error.pb"), "flyteidl.core.ErrorDocument") as { error: Record<string, unknown> };
        // NON_RECOVERABLE is the enum's zero value, so the decoded document leaves it out.
        expect(doc.error).toMatchObject({ code: c.code, origin: c.origin });
        expect(doc.error["kind"]).toBe(c.kind);
        expect(doc.error["message"]).toMatch(c.message);
        expect(doc.error["timestamp"]).toMatchObject({ seconds: expect.stringMatching(/^[0-9]+$/) as string });
      }),
    );
    // Inputs that cannot be read: a system failure, recoverable.
    const out = path.join(dir, "noinputs", "out");
    const r = await execute(path.join(dir, "noinputs", "inputs.pb"), out, "flows.ts", "ex_add");
    expect(r.code).toBe(0);
    expect(read(path.join(out, "error.pb"), "flyteidl.core.ErrorDocument")).toMatchObject({ error: { code: "SYSTEM", kind: "RECOVERABLE", origin: "SYSTEM" } });
  });

  it("writes futures.pb, a DynamicJobSpec of the nodes a dynamic workflow builds, and outputs.pb when it builds none", async () => {
    const out = path.join(dir, "fanout", "out");
    const r = await execute(writeInputs("fanout", { n: int(3) }), out, "flows.ts", "ex_fanout");
    expect(r.stderr).toBe("");
    const spec = read(path.join(out, "futures.pb"), "flyteidl.core.DynamicJobSpec") as {
      nodes: { id: string; inputs: unknown[]; taskNode: { referenceId: { name: string } } }[];
      minSuccesses: string;
      outputs: unknown[];
      tasks: { id: { name: string }; container: { args: string[] } }[];
    };
    expect(spec.nodes.map((n) => [n.id, n.taskNode.referenceId.name])).toEqual([
      // Node ids as flytekit writes a dynamic workflow's (core/python_function_task.py, compile_into_workflow: prefix "d").
      ["dn0", "ex_add"],
      ["dn1", "ex_add"],
      ["dn2", "ex_add"],
    ]);
    expect(spec.nodes[2]?.inputs).toEqual([
      { var: "a", binding: int(2) },
      { var: "b", binding: int(10) },
    ]);
    expect(spec.minSuccesses).toBe("3");
    expect(spec.outputs).toEqual([{ var: "o0", binding: { collection: { bindings: ["dn0", "dn1", "dn2"].map((n) => ({ promise: { nodeId: n, var: "o0" } })) } } }]);
    // The tasks it runs come along, each with the container that runs it.
    expect(spec.tasks.map((t) => t.id.name)).toEqual(["ex_add"]);
    expect(spec.tasks[0]?.container.args.slice(-3)).toEqual(["--", "flows.ts", "ex_add"]);

    const none = path.join(dir, "nothing", "out");
    await execute(writeInputs("nothing", { n: int(21) }), none, "flows.ts", "ex_nothing");
    expect(read(path.join(none, "outputs.pb"), "flyteidl.core.LiteralMap")).toEqual({ literals: { o0: int(42) } });
    expect(existsSync(path.join(none, "futures.pb"))).toBe(false);
  });

  it("runs the element of a map task given by BATCH_JOB_ARRAY_INDEX_VAR_NAME and BATCH_JOB_ARRAY_INDEX_OFFSET", async () => {
    const inputs = writeInputs("map", { x: { collection: { literals: [int(10), int(11), int(12), int(13)] } }, prefix: str("#") });
    const out = path.join(dir, "map", "out");
    const env = { BATCH_JOB_ARRAY_INDEX_VAR_NAME: "JOB_COMPLETION_INDEX", JOB_COMPLETION_INDEX: "1", BATCH_JOB_ARRAY_INDEX_OFFSET: "2" };
    const r = await execute(inputs, out, "flows.ts", "ex_label", ["--map", "--bound", "prefix"], env);
    expect(r.stderr).toBe("");
    expect(read(path.join(out, "outputs.pb"), "flyteidl.core.LiteralMap")).toEqual({ literals: { o0: str("#13") } });

    const beyond = path.join(dir, "map", "beyond");
    await execute(inputs, beyond, "flows.ts", "ex_label", ["--map", "--bound", "prefix"], { ...env, JOB_COMPLETION_INDEX: "2" });
    expect(read(path.join(beyond, "error.pb"), "flyteidl.core.ErrorDocument")).toMatchObject({ error: { code: "SYSTEM", origin: "SYSTEM", message: expect.stringMatching(/element 4 is out of range/) as string } });
  });

  it("refuses --bound without --map, with exit code 2", async () => {
    const r = await execute(writeInputs("usage", {}), path.join(dir, "usage", "out"), "flows.ts", "ex_add", ["--bound", "prefix"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--bound names the bound inputs of a map task; give --map too/);
  });
});
