/**
 * `GET /executions/{id}/dynamic?node=`: the workflow a dynamic node built,
 * as flyteadmin gives it with a node execution's data (`dynamic_workflow`,
 * flyteadmin pkg/manager/impl/node_execution_manager.go GetNodeExecutionData).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamic, task, t, workflow } from "aloft";
import { ClientError } from "../../src/client/client.js";
import { startApi, type Api } from "./harness.js";

const square = task({ name: "square_dyn", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * x);
const addUp = task({ name: "add_up_dyn", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));
const squares = dynamic({ name: "squares_dyn", inputs: { n: t.int }, outputs: t.int }, ({ n }) => addUp({ xs: Array.from({ length: n }, (_, i) => square({ x: i })) }));
const wf = workflow({ name: "dyn_api", inputs: { n: t.int } }, ({ n }) => ({ total: squares({ n }), first: square({ x: n }) }));

let api: Api;
let id = "";
beforeAll(async () => {
  api = await startApi([wf]);
  id = (await api.client.createExecution({ workflow: { name: "dyn_api" }, inputs: { n: 3 } })).id;
  expect((await api.client.waitForEnd(id)).phase).toBe("succeeded");
});
afterAll(async () => {
  await api.close();
  expect(api.serverErrors).toEqual([]);
});

describe("GET /executions/{id}/dynamic", () => {
  it("gives the workflow the dynamic node built: its nodes and the edges into the sum", async () => {
    const dynNode = (await api.client.listNodes(id)).find((n) => n.kind === "dynamic")!;
    const built = await api.client.getDynamicWorkflow(id, dynNode.path);
    expect(built.node).toBe(dynNode.path);
    const nodes = (built.workflow["template"] as { nodes: { id: string; upstreamNodeIds?: string[]; taskNode?: { referenceId?: { name?: string } } }[] }).nodes;
    expect(nodes.map((n) => n.taskNode?.referenceId?.name)).toEqual(["square_dyn", "square_dyn", "square_dyn", "add_up_dyn"]);
    const sum = nodes[3]!;
    expect([...(sum.upstreamNodeIds ?? [])].sort()).toEqual(nodes.slice(0, 3).map((n) => n.id).sort());
    expect(built.tasks.length).toBeGreaterThan(0);
    // Its sub-nodes ran under the dynamic node's path, by the ids the built workflow gives them.
    const paths = new Set((await api.client.listNodes(id)).map((n) => n.path));
    for (const n of nodes) expect(paths.has(`${dynNode.path}/${n.id}`), n.id).toBe(true);
  });

  it("answers 404 naming the node when it is not dynamic or does not exist, and the execution when that does not exist", async () => {
    const taskNode = (await api.client.listNodes(id)).find((n) => n.kind === "task" && !n.path.includes("/"))!;
    const notDynamic = await api.request("GET", `/api/v1/executions/${id}/dynamic?node=${taskNode.path}`);
    expect(notDynamic.status).toBe(404);
    expect(notDynamic.body).toEqual({ error: { code: "not_found", message: `node ${taskNode.path} of execution ${id} is a task node, not a dynamic one`, field: "node" } });
    const missing = await api.client.getDynamicWorkflow(id, "n99").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ClientError);
    expect((missing as ClientError).message).toBe(`execution ${id} has no node n99`);
    const noExecution = await api.request("GET", `/api/v1/executions/nope/dynamic?node=n0`);
    expect(noExecution.status).toBe(404);
    const noNode = await api.request("GET", `/api/v1/executions/${id}/dynamic`);
    expect(noNode.status).toBe(400);
  });
});
