/**
 * The linear-regression workflow in the declarative style: a body over
 * handles, in which tasks are called like functions.
 *
 *   npx tsx examples/declarative.ts     # prints { wf_output: 3 }
 */
import { pathToFileURL } from "node:url";
import { workflow, t } from "aloft";
import { intercept, slope } from "./regression-tasks.js";

const regression = workflow({ name: "declarative_workflow", inputs: { x: t.list(t.int), y: t.list(t.int) } }, ({ x, y }) => {
  const s = slope({ x, y });
  return { wf_output: intercept({ x, y, slope: s }) };
});

export default regression;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await regression.run({ x: [-3, 0, 3], y: [7, 4, -2] }));
}
