/**
 * Regressions of answers to gates through the API (issue #8): gates inside
 * dynamic workflows could not be answered with POST /signal; /approve and
 * /reject took names of gates that do not exist; a second answer was
 * accepted (202) and dropped; POST /signal refused approval gates that
 * `aloft signal` accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approve, dynamic, task, t, waitForInput, workflow } from "aloft";
import { ClientError } from "../../src/client/client.js";
import { startApi, until, type Api } from "./harness.js";

const double = task({ name: "sga_double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);
const asks = dynamic({ name: "sga_asks", inputs: { n: t.int }, outputs: t.int }, ({ n }) => approve(double({ x: n > 0 ? waitForInput("factor", t.int) : 0 }), "publish"));
const dynWf = workflow({ name: "sga_dyn" }, () => asks({ n: 1 }));

let api: Api;
beforeAll(async () => {
  api = await startApi([dynWf]);
});
afterAll(async () => {
  await api.close();
});

async function refusal(p: Promise<unknown>): Promise<ClientError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof ClientError)) throw new Error(`expected a ClientError, got ${String(e)}`);
  return e;
}

async function waitsAt(id: string, name: string): Promise<void> {
  await until(async () => (await api.client.listNodes(id)).some((n) => n.phase === "waiting" && n.gate?.name === name));
}

describe("answers to gates through the API", () => {
  it("answers the gates of a dynamic workflow with POST /signal, an approval with true; refuses unknown and second answers", async () => {
    const e = await api.client.createExecution({ workflow: { name: "sga_dyn" } });
    await waitsAt(e.id, "factor");
    const unknown = await refusal(api.client.approve(e.id, "pubish"));
    expect(unknown).toMatchObject({ status: 400, code: "UNKNOWN_GATE", field: "name" });
    expect(unknown.message).toBe(`execution ${e.id} has no approval gate "pubish" (approvals: "publish")`);
    const unknownSignal = await refusal(api.client.signal(e.id, "nope", 1));
    expect(unknownSignal.message).toBe(`execution ${e.id} has no gate "nope" (gates: "factor", "publish")`);
    const badApproval = await refusal(api.client.signal(e.id, "publish", "yes"));
    expect(badApproval).toMatchObject({ status: 400, code: "INVALID_SIGNAL_VALUE", field: "value" });

    expect((await api.request("POST", `/api/v1/executions/${e.id}/signal`, { body: { name: "factor", value: 21 } })).status).toBe(202);
    const second = await refusal(api.client.signal(e.id, "factor", 4));
    expect(second).toMatchObject({ status: 409, code: "GATE_ANSWERED", field: "name" });
    expect(second.message).toBe(`gate "factor" of execution ${e.id} already has its answer; it takes one answer`);

    await waitsAt(e.id, "publish");
    expect((await api.request("POST", `/api/v1/executions/${e.id}/signal`, { body: { name: "publish", value: true } })).status).toBe(202);
    const again = await refusal(api.client.reject(e.id, "publish", "too late"));
    expect(again.status).toBe(409);
    expect(["GATE_ANSWERED", "EXECUTION_ENDED"]).toContain(again.code);
    await until(async () => (await api.client.getExecution(e.id)).phase === "succeeded");
    expect((await api.client.getExecution(e.id)).outputs).toEqual({ o0: 42 });
  });

  it("rejects with POST /signal false", async () => {
    const e = await api.client.createExecution({ workflow: { name: "sga_dyn" } });
    await waitsAt(e.id, "factor");
    await api.client.signal(e.id, "factor", 1);
    await waitsAt(e.id, "publish");
    await api.client.signal(e.id, "publish", false);
    await until(async () => (await api.client.getExecution(e.id)).phase === "failed");
    expect((await api.client.getExecution(e.id)).error?.message).toMatch(/approval "publish" was rejected: rejected through the API/);
  });
});
