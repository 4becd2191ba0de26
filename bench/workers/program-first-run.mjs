// A program's first run, as a user's script has it: a fresh plain `node` process (no tsx, no flags) imports the
// built package, builds one workflow of `size` nodes and runs it once. Prints one JSON line.
//
//   node bench/workers/program-first-run.mjs <size> <chain|fanout>
import process from "node:process";
import { performance } from "node:perf_hooks";
import { t, task, Workflow } from "../../dist/index.js";

const size = Number(process.argv[2] ?? 10_000);
const shape = process.argv[3] ?? "chain";
const inc = task({ name: "inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const wf = new Workflow(`${shape}_${size}`);
wf.addWorkflowInput("x", t.int);
let check;
if (shape === "chain") {
  let prev = wf.addEntity(inc, { x: wf.inputs.x });
  for (let i = 1; i < size; i++) prev = wf.addEntity(inc, { x: prev.outputs.o0 });
  wf.addWorkflowOutput("y", prev.outputs.o0);
  check = (out) => out.y === size;
} else {
  const handles = [];
  for (let i = 0; i < size; i++) handles.push(wf.addEntity(inc, { x: wf.inputs.x }).outputs.o0);
  wf.addWorkflowOutput("out", handles, t.list(t.int));
  check = (out) => out.out.length === size && out.out[size - 1] === 1;
}
const t1 = performance.now();
const cpu1 = process.cpuUsage();
const out = await wf.run({ x: 0 });
const t2 = performance.now();
const cpu2 = process.cpuUsage(cpu1);
if (!check(out)) throw new Error(`${shape} of ${size}: wrong outputs`);
const cpuBuild = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    shape,
    size,
    buildMs: t1 - t0,
    runMs: t2 - t1,
    runCpuMs: (cpu2.user + cpu2.system) / 1000,
    buildCpuMs: (cpuBuild.user + cpuBuild.system - cpu2.user - cpu2.system) / 1000,
  })}\n`,
);
