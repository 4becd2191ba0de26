import { describe, expectTypeOf, it } from "vitest";
import type { AloftClient, ExecutionEvent, ExecutionInfo, NodeExecutionInfo, EntityInfo } from "aloft";

declare const client: AloftClient;

describe("the client's types", () => {
  it("types results by endpoint", () => {
    expectTypeOf(client.getExecution("a")).resolves.toEqualTypeOf<ExecutionInfo>();
    expectTypeOf(client.listNodes("a")).resolves.toEqualTypeOf<NodeExecutionInfo[]>();
    expectTypeOf(client.getEntity("workflow", { project: "p", domain: "d", name: "n", version: "v" })).resolves.toEqualTypeOf<EntityInfo>();
    expectTypeOf<ExecutionInfo["phase"]>().toEqualTypeOf<"queued" | "running" | "failing" | "succeeded" | "failed" | "aborted">();
    expectTypeOf<ExecutionInfo["inputs"]>().toEqualTypeOf<Record<string, unknown>>();
    expectTypeOf<NodeExecutionInfo["gate"]>().toEqualTypeOf<{ kind: "signal" | "approve" | "sleep"; name?: string } | undefined>();
  });

  it("narrows events by type", () => {
    const e = {} as ExecutionEvent;
    if (e.type === "node") expectTypeOf(e.data).toEqualTypeOf<NodeExecutionInfo>();
    if (e.type === "end") expectTypeOf(e.data.phase).toEqualTypeOf<ExecutionInfo["phase"]>();
  });

  it("checks requests", () => {
    // @ts-expect-error an entity is named by name
    void client.createExecution({ workflow: { nam: "wf" } });
    // @ts-expect-error options are known
    void client.createExecution({ workflow: { name: "wf" }, options: { parallelism: 2 } });
    // @ts-expect-error phases are known
    void client.listExecutions({ phase: "done" });
    void client.listExecutions({ createdAfter: new Date(), limit: 10 });
  });
});
