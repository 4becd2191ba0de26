/**
 * The linear-regression workflow, built with the imperative builder exactly
 * as Flyte's imperative-workflow example builds it.
 *
 *   npx tsx examples/imperative.ts      # prints { wf_output: 3 }
 */
import { pathToFileURL } from "node:url";
import { Workflow, t } from "aloft";
import { intercept, slope } from "./regression-tasks.js";

const wf = new Workflow("imperative_workflow");
wf.addWorkflowInput("x", t.list(t.int));
wf.addWorkflowInput("y", t.list(t.int));
const n1 = wf.addEntity(slope, { x: wf.inputs.x, y: wf.inputs.y });
const n2 = wf.addEntity(intercept, { x: wf.inputs.x, y: wf.inputs.y, slope: n1.outputs.o0 });
wf.addWorkflowOutput("wf_output", n2.outputs["o0"]);

export default wf;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await wf.run({ x: [-3, 0, 3], y: [7, 4, -2] }));
}
