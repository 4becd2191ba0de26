/**
 * Bad text never crashes or hangs the loader: a seeded run of truncated and
 * mutated .pb, JSON and YAML files (flyteidl, pipeline and Argo) ends, every
 * time, in success or in one of the documented SpecLoadError classes.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compile, loadWorkflows, SpecLoadError, type SpecLoadErrorCode } from "aloft";
import * as snacks from "./snacks-tasks.js";
import * as regression from "../../examples/regression-tasks.js";
import * as argoTasks from "../../examples/argo-tasks.js";
import * as featureTasks from "../../examples/pipeline-tasks.js";
import imperative from "../../examples/imperative.js";
import { packageFiles } from "./flytekit-specs.js";
import { basicBoolean, launchPlans, mapTasks, nestedConditions, subworkflows } from "./snacks-packages.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CODES: readonly SpecLoadErrorCode[] = ["SPEC_UNREADABLE", "SPEC_INVALID", "SPEC_UNSUPPORTED", "TASKS_MISSING", "TASK_INTERFACE_MISMATCH", "ENTITY_NOT_FOUND"];

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(bytes: Uint8Array, r: () => number, text: boolean): Uint8Array {
  const b = Array.from(bytes);
  const at = () => Math.floor(r() * (b.length + 1));
  const junk = () => (text ? " :-[]{}\",'$#&*!|>\n\t0123456789abcnull".charCodeAt(Math.floor(r() * 37)) : Math.floor(r() * 256));
  const kind = Math.floor(r() * 5);
  const times = 1 + Math.floor(r() * 4);
  for (let i = 0; i < times; i++) {
    if (kind === 0) return Uint8Array.from(b.slice(0, at())); // truncate
    if (kind === 1 && b.length > 0) b[Math.min(b.length - 1, at())] = junk(); // replace
    if (kind === 2) b.splice(at(), 0, junk()); // insert
    if (kind === 3) b.splice(at(), 1 + Math.floor(r() * 8)); // delete
    if (kind === 4) {
      const s = at();
      b.splice(at(), 0, ...b.slice(s, s + 1 + Math.floor(r() * 16))); // duplicate a range
    }
  }
  return Uint8Array.from(b);
}

interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly tasks: object;
}

function seeds(): Seed[] {
  const out: Seed[] = [];
  for (const pkg of [basicBoolean(), nestedConditions(), launchPlans(), mapTasks(), subworkflows()]) {
    for (const f of packageFiles(pkg)) out.push({ name: f.name.replace(/^\d+_/, "fz_"), bytes: f.bytes, tasks: snacks });
  }
  out.push({ name: "wf.pb", bytes: packageFiles(subworkflows()).find((f) => f.name.endsWith("_2.pb"))!.bytes, tasks: snacks });
  const enc = new TextEncoder();
  out.push({ name: "spec.json", bytes: enc.encode(JSON.stringify(compile(imperative), null, 1)), tasks: regression });
  for (const f of ["pipeline.yaml", "pipeline-features.yaml", "argo-dag.yaml", "argo-steps.yaml"]) {
    out.push({ name: f, bytes: readFileSync(path.join(root, "examples", f)), tasks: f.startsWith("argo") ? argoTasks : f === "pipeline.yaml" ? regression : featureTasks });
  }
  out.push({ name: "pipeline.json", bytes: enc.encode(JSON.stringify({ pipeline: 1, workflows: { j: { inputs: { x: "list[int]", y: "list[int]" }, nodes: [{ id: "s", task: "slope", inputs: { x: "$inputs.x", y: "$inputs.y" } }], outputs: { o: "$s.o0" } } } })), tasks: regression });
  return out;
}

describe("the loader under bad text", () => {
  it("ends every one of 3,000 mutated files in success or a documented error class", { timeout: 240_000 }, async () => {
    const all = seeds();
    const dir = await mkdtemp(path.join(os.tmpdir(), "aloft-fuzz-"));
    const r = rng(20261202);
    const seen = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < 3000; i++) {
      const seed = all[Math.floor(r() * all.length)]!;
      const text = !seed.name.endsWith(".pb");
      const file = path.join(dir, `${i}-${seed.name}`);
      await writeFile(file, mutate(seed.bytes, r, text));
      try {
        await loadWorkflows(file, { tasks: seed.tasks as never });
        seen.set("loaded", (seen.get("loaded") ?? 0) + 1);
      } catch (e) {
        if (!(e instanceof SpecLoadError)) throw new Error(`case ${i} (${seed.name}) threw ${String(e)}, not a SpecLoadError`, { cause: e });
        expect(CODES, `case ${i}`).toContain(e.code);
        expect(e.message.startsWith(file) || !e.at, `case ${i}: ${e.message}`).toBe(true);
        seen.set(e.code, (seen.get(e.code) ?? 0) + 1);
      }
    }
    expect(Date.now() - started).toBeLessThan(200_000);
    // the mutations reach the parsers and the builders, not only one of them
    expect(seen.get("SPEC_UNREADABLE") ?? 0).toBeGreaterThan(100);
    expect(seen.get("SPEC_INVALID") ?? 0).toBeGreaterThan(100);
  });
});
