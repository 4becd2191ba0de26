import { describe, expect, it } from "vitest";
import { task, workflow, Workflow, t, compile, InvalidOptionError, RecoverableError } from "aloft";

const flaky = task({ name: "flaky_o", inputs: { x: t.int }, outputs: t.int, retries: 1 }, (({ x }, ctx) => {
  if (ctx.attempt < 3) throw new RecoverableError("not yet");
  return x;
}));

describe("node overrides", () => {
  it("override retries, timeout, cache, interruptible, name and resources in the spec", () => {
    const wf = new Workflow("overridden");
    const x = wf.addWorkflowInput("x", t.int);
    const n = wf.addEntity(flaky, { x }).withOverrides({ name: "patient", retries: 5, timeout: "1m", interruptible: true, cache: { version: "7", serialize: true }, resources: { cpu: "2" } });
    wf.addWorkflowOutput("o", n.outputs.o0);
    const node = compile(wf, { version: "v" }).template?.nodes?.[0];
    expect(node?.metadata).toEqual({ name: "patient", retries: { retries: 5 }, timeout: { seconds: "60" }, interruptible: true, cacheable: true, cacheVersion: "7", cacheSerializable: true });
    expect(node?.taskNode?.overrides).toEqual({ resources: { requests: [{ name: "CPU", value: "2" }], limits: [{ name: "CPU", value: "2" }] } });
  });

  it("take effect when the workflow runs (retries), in both styles", async () => {
    const decl = workflow({ name: "retry_more", inputs: { x: t.int } }, ({ x }) => flaky({ x }).withOverrides({ retries: 3 }));
    await expect(decl.run({ x: 4 }, { retryBackoff: { initial: 1 } })).resolves.toEqual({ o0: 4 });
    const plain = workflow({ name: "retry_default", inputs: { x: t.int } }, ({ x }) => flaky({ x }));
    await expect(plain.run({ x: 4 }, { retryBackoff: { initial: 1 } })).rejects.toThrow("not yet");
  });

  it("turn caching off for one node", () => {
    const cached = task({ name: "cached_o", outputs: t.int, cache: { version: "1" } }, () => 1);
    const wf = workflow({ name: "no_cache_here" }, () => cached().withOverrides({ cache: false }));
    expect(compile(wf, { version: "v" }).template?.nodes?.[0]?.metadata).toEqual({ name: "cached_o", cacheable: false });
  });

  it("reject overrides that are not valid for the entity, naming node and option", () => {
    const sub = workflow({ name: "sub_o", inputs: { x: t.int } }, ({ x }) => flaky({ x }));
    expect(() =>
      workflow({ name: "bad_override", inputs: { x: t.int } }, ({ x }) => sub({ x }).withOverrides({ retries: 2 })),
    ).toThrow('workflow "bad_override": node n0 (workflow "sub_o"): override "retries" is not valid for a workflow node (valid: name, interruptible)');
    expect(() => workflow({ name: "bad2", inputs: { x: t.int } }, ({ x }) => flaky({ x }).withOverrides({ retries: -1 }))).toThrow(InvalidOptionError);
    expect(() => workflow({ name: "bad3", inputs: { x: t.int } }, ({ x }) => flaky({ x }).withOverrides({ cache: {} as never }))).toThrow(/needs a version/);
    expect(() => workflow({ name: "bad4", inputs: { x: t.int } }, ({ x }) => flaky({ x }).withOverrides({ colour: "red" } as never))).toThrow(/unknown override "colour"/);
    expect(() => workflow({ name: "bad5", inputs: { x: t.int } }, ({ x }) => x.withOverrides({ retries: 1 }))).toThrow(/is a workflow input, not a node/);
  });
});
