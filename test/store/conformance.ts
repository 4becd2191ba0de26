/**
 * The `Store` conformance suite: one set of tests every implementation of the
 * port must pass, plugged in with a tiny initializer (as LangGraph.js's
 * checkpoint validation does).
 *
 * @example
 * ```ts
 * describeStoreConformance("MemoryStore", async () => new MemoryStore());
 * ```
 *
 * @module
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AloftError, DuplicateExecutionError, RegistryConflictError, StoreConflictError } from "../../src/errors.js";
import type { LiteralMap } from "../../src/idl/core.js";
import type { ArrayNodeData, NodeMarks } from "../../src/store/node-data.js";
import type { ClaimedTask, ExecutionRow, NodeRow, StepCommit, Store } from "../../src/store/store.js";
import { T0, cacheEntry, element, entity, execution, item, key, node, pendingTypes, seed, snapshot, start, succeeded } from "./fixtures.js";

const LEASE = 10_000;

/**
 * Declares the conformance tests of a `Store`. `makeStore` is called before
 * each test and must return a new, empty store; the suite closes it.
 */
export function describeStoreConformance(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    /** Consumes every pending event (so tests of the inbox start clean). */
    async function drain(): Promise<void> {
      const ids = (await store.dueEvents(Number.MAX_SAFE_INTEGER, 1000)).map((e) => e.id);
      if (ids.length) await store.commit({ consumed: ids });
    }

    /** Queues items (under executions that must exist), consuming nothing. */
    async function enqueue(...items: ReturnType<typeof item>[]): Promise<void> {
      await store.commit({ consumed: [], enqueue: items });
    }

    describe("registry", () => {
      it("registers an entity once: created, then exists for the same digest, and reads it back whole", async () => {
        const e = entity("task", "slope");
        expect(await store.registerEntity(e)).toBe("created");
        expect(await store.registerEntity({ ...e, createdAt: T0 + 5 })).toBe("exists");
        expect(await store.getEntity("task", e.key)).toStrictEqual(e);
        expect(await store.getEntity("workflow", e.key)).toBeUndefined();
        expect(await store.getEntity("task", key("slope", "v2"))).toBeUndefined();
      });

      it("refuses another digest under a taken key with RegistryConflictError naming kind and key, keeping the first", async () => {
        const e = entity("workflow", "wf");
        await store.registerEntity(e);
        const err = await store.registerEntity({ ...e, digest: "other", spec: { changed: true } }).catch((x: unknown) => x);
        expect(err).toBeInstanceOf(RegistryConflictError);
        const c = err as RegistryConflictError;
        expect(c.kind).toBe("workflow");
        expect(c.key).toStrictEqual(e.key);
        expect(c.message).toContain("workflow proj/dev/wf@v1");
        expect(c.message).toContain("digest-wf");
        expect(c.message).toContain("other");
        expect(await store.getEntity("workflow", e.key)).toStrictEqual(e);
      });

      it("keeps kinds apart: the same key may be a task and a launch plan", async () => {
        expect(await store.registerEntity(entity("task", "x", { digest: "a" }))).toBe("created");
        expect(await store.registerEntity(entity("launchPlan", "x", { digest: "b" }))).toBe("created");
        expect((await store.getEntity("launchPlan", key("x")))?.digest).toBe("b");
      });

      it("lists one kind, filtered by project, domain and name, ordered by name then creation", async () => {
        await store.registerEntity(entity("task", "b", { createdAt: T0 + 1 }));
        await store.registerEntity(entity("task", "a", { key: key("a", "v2"), createdAt: T0 + 3 }));
        await store.registerEntity(entity("task", "a", { key: key("a", "v1"), createdAt: T0 + 2 }));
        await store.registerEntity(entity("task", "c", { key: key("c", "v1", "other"), createdAt: T0 }));
        await store.registerEntity(entity("task", "d", { key: key("d", "v1", "proj", "prod"), createdAt: T0 }));
        await store.registerEntity(entity("workflow", "a"));
        const ids = (list: { key: { name: string; version: string } }[]): string[] => list.map((e) => `${e.key.name}@${e.key.version}`);
        expect(ids(await store.listEntities("task"))).toEqual(["a@v1", "a@v2", "b@v1", "c@v1", "d@v1"]);
        expect(ids(await store.listEntities("task", { project: "proj" }))).toEqual(["a@v1", "a@v2", "b@v1", "d@v1"]);
        expect(ids(await store.listEntities("task", { project: "proj", domain: "dev" }))).toEqual(["a@v1", "a@v2", "b@v1"]);
        expect(ids(await store.listEntities("task", { name: "a" }))).toEqual(["a@v1", "a@v2"]);
        expect(ids(await store.listEntities("workflow"))).toEqual(["a@v1"]);
        expect(await store.listEntities("launchPlan")).toEqual([]);
      });

      it("copies specs in and out: callers cannot change what is stored", async () => {
        const spec = { nodes: [{ id: "n0" }] };
        const e = entity("task", "t", { spec });
        await store.registerEntity(e);
        spec.nodes.push({ id: "n1" });
        const got = await store.getEntity("task", e.key);
        (got?.spec as { nodes: unknown[] }).nodes.push({ id: "n2" });
        expect((await store.getEntity("task", e.key))?.spec).toStrictEqual({ nodes: [{ id: "n0" }] });
        expect((await store.listEntities("task"))[0]?.spec).toStrictEqual({ nodes: [{ id: "n0" }] });
      });
    });

    describe("executions", () => {
      it("creates an execution with its first event, atomically, and reads every field back", async () => {
        const row = execution("e1", {
          launchPlan: key("lp"),
          phase: "running",
          outputs: { literals: { o0: { scalar: { primitive: { integer: "1" } } } } },
          error: { message: "boom", nodeId: "n1" },
          lineage: { parent: { executionId: "e0", path: "n3" }, recoverOf: "e0" },
          settings: { maxParallelism: 4, overwriteCache: true, modules: ["/work/flows.ts"] },
          live: { pendingAnswers: { s: { kind: "signal", value: { scalar: { primitive: { integer: "1" } } } }, a: { kind: "approval", approved: false, reason: "no" } } },
          startedAt: T0 + 1,
          endedAt: T0 + 2,
          updatedAt: T0 + 3,
        });
        await store.createExecution(row, start("e1", T0 + 7));
        expect(await store.getExecution("e1")).toStrictEqual(row);
        const events = await store.dueEvents(T0 + 7, 10);
        expect(events).toHaveLength(1);
        expect(events[0]).toStrictEqual({ id: events[0]?.id, executionId: "e1", dueAt: T0 + 7, body: { type: "start" } });
        expect(await store.getExecution("nope")).toBeUndefined();
      });

      it("refuses a taken id with DuplicateExecutionError and writes nothing (no second first event)", async () => {
        await seed(store, execution("e1"));
        const err = await store.createExecution(execution("e1", { phase: "running" }), start("e1")).catch((x: unknown) => x);
        expect(err).toBeInstanceOf(DuplicateExecutionError);
        expect((err as Error).message).toContain('"e1"');
        expect((await store.getExecution("e1"))?.phase).toBe("queued");
        expect(await pendingTypes(store)).toEqual(["e1:start"]);
      });

      it("refuses a first event addressed to another execution, writing nothing", async () => {
        await expect(store.createExecution(execution("e1"), start("e2"))).rejects.toThrow(RangeError);
        expect(await store.getExecution("e1")).toBeUndefined();
        expect(await pendingTypes(store)).toEqual([]);
      });

      it("copies rows in and out", async () => {
        const row = execution("e1");
        await store.createExecution(row, start("e1"));
        (row.inputs as { literals: Record<string, unknown> }).literals["y"] = 1;
        const got = (await store.getExecution("e1")) as ExecutionRow;
        (got.settings as { maxParallelism: number }).maxParallelism = 99;
        expect(await store.getExecution("e1")).toStrictEqual(execution("e1"));
      });
    });

    describe("listExecutions", () => {
      const rows = [
        execution("a", { createdAt: T0 + 1 }),
        execution("b", { createdAt: T0 + 2, phase: "running", launchPlan: key("lp1") }),
        execution("c", { createdAt: T0 + 2, project: "other", workflow: key("wf2") }),
        execution("d", { createdAt: T0 + 3, domain: "prod", lineage: { parent: { executionId: "a", path: "n1" } } }),
        execution("e", { createdAt: T0 + 4, phase: "succeeded", launchPlan: key("lp2"), lineage: { parent: { executionId: "a", path: "n2" } } }),
      ];
      const ids = (page: { items: readonly ExecutionRow[] }): string[] => page.items.map((r) => r.id);

      it("lists newest first (ties by id, descending) and pages with an opaque cursor until `next` is absent", async () => {
        await seed(store, ...rows);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listExecutions({}, { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...ids(page));
          cursor = page.next;
          pages++;
        } while (cursor !== undefined);
        expect(seen).toEqual(["e", "d", "c", "b", "a"]);
        expect(pages).toBe(3);
        const full = await store.listExecutions({}, { limit: 5 });
        expect(ids(full)).toEqual(["e", "d", "c", "b", "a"]);
        expect(full.next).toBeUndefined();
        expect(full.items[4]).toStrictEqual(rows[0]);
      });

      it("gives no `next` when the last page is exactly full, and a cursor survives newer executions", async () => {
        await seed(store, ...rows.slice(0, 4));
        const p1 = await store.listExecutions({}, { limit: 2 });
        expect(ids(p1)).toEqual(["d", "c"]);
        await seed(store, execution("z", { createdAt: T0 + 100 }));
        const p2 = await store.listExecutions({}, { limit: 2, cursor: p1.next ?? "" });
        expect(ids(p2)).toEqual(["b", "a"]);
        expect(p2.next).toBeUndefined();
      });

      it("applies every filter, alone and together, also across pages", async () => {
        await seed(store, ...rows);
        const list = async (f: Parameters<Store["listExecutions"]>[0]): Promise<string[]> => ids(await store.listExecutions(f, { limit: 100 }));
        expect(await list({ project: "other" })).toEqual(["c"]);
        expect(await list({ project: "proj" })).toEqual(["e", "d", "b", "a"]);
        expect(await list({ domain: "prod" })).toEqual(["d"]);
        expect(await list({ workflowName: "wf2" })).toEqual(["c"]);
        expect(await list({ workflowName: "wf" })).toEqual(["e", "d", "b", "a"]);
        expect(await list({ launchPlanName: "lp1" })).toEqual(["b"]);
        expect(await list({ phase: "running" })).toEqual(["b"]);
        expect(await list({ phase: "succeeded" })).toEqual(["e"]);
        expect(await list({ createdAfter: T0 + 2 })).toEqual(["e", "d", "c", "b"]);
        expect(await list({ createdBefore: T0 + 3 })).toEqual(["c", "b", "a"]);
        expect(await list({ createdAfter: T0 + 2, createdBefore: T0 + 3 })).toEqual(["c", "b"]);
        expect(await list({ parentId: "a" })).toEqual(["e", "d"]);
        expect(await list({ parentId: "a", domain: "dev" })).toEqual(["e"]);
        expect(await list({ project: "proj", domain: "dev", workflowName: "wf", phase: "queued" })).toEqual(["a"]);
        expect(await list({ project: "none" })).toEqual([]);
        const p1 = await store.listExecutions({ project: "proj" }, { limit: 3 });
        expect(ids(p1)).toEqual(["e", "d", "b"]);
        const p2 = await store.listExecutions({ project: "proj" }, { limit: 3, cursor: p1.next ?? "" });
        expect(ids(p2)).toEqual(["a"]);
        expect(p2.next).toBeUndefined();
      });

      it("validates the limit (an integer from 1 to 1000) and the cursor with a clear RangeError", async () => {
        await seed(store, ...rows);
        for (const limit of [0, -1, 1001, 1.5, Number.NaN]) {
          await expect(store.listExecutions({}, { limit })).rejects.toThrow(/limit must be an integer from 1 to 1000/);
          await expect(store.listExecutions({}, { limit })).rejects.toBeInstanceOf(RangeError);
        }
        expect(ids(await store.listExecutions({}, { limit: 1 }))).toEqual(["e"]);
        expect(ids(await store.listExecutions({}, { limit: 1000 }))).toHaveLength(5);
        await expect(store.listExecutions({}, { limit: 2, cursor: "not a cursor" })).rejects.toThrow(RangeError);
        await expect(store.listExecutions({}, { limit: 2, cursor: Buffer.from('{"a":1}').toString("base64url") })).rejects.toThrow(/cursor/);
      });
    });

    describe("inbox", () => {
      it("lists one execution's unconsumed events, due or not, in id order (pendingEvents)", async () => {
        await seed(store, execution("e1"), execution("e2"));
        await drain();
        await store.addEvents([
          { executionId: "e1", dueAt: T0 + 30, body: { type: "timer", path: "n1", purpose: "sleep" } },
          { executionId: "e2", body: { type: "signal", name: "s", value: {} } },
          { executionId: "e1", body: { type: "approval", name: "publish", approved: true } },
        ]);
        const pending = await store.pendingEvents("e1");
        expect(pending.map((e) => e.body.type)).toEqual(["timer", "approval"]);
        expect(pending.every((e) => e.executionId === "e1")).toBe(true);
        await store.commit({ consumed: [pending[1]?.id ?? -1] });
        expect((await store.pendingEvents("e1")).map((e) => e.body.type)).toEqual(["timer"]);
        expect(await store.pendingEvents("nope")).toEqual([]);
      });

      it("hands out only due, unconsumed events, in id order, at most `limit`", async () => {
        await seed(store, execution("e1"), execution("e2"));
        await drain();
        await store.addEvents([
          { executionId: "e1", dueAt: T0 + 30, body: { type: "timer", path: "n1", purpose: "sleep" } },
          { executionId: "e2", dueAt: T0 + 10, body: { type: "signal", name: "s", value: {} } },
          { executionId: "e1", dueAt: T0 + 20, body: { type: "abort", reason: "r" } },
        ]);
        expect(await store.dueEvents(T0 + 9, 10)).toEqual([]);
        const due = await store.dueEvents(T0 + 20, 10);
        expect(due.map((e) => e.body.type)).toEqual(["signal", "abort"]);
        expect(due[0]).toStrictEqual({ id: due[0]?.id, executionId: "e2", dueAt: T0 + 10, body: { type: "signal", name: "s", value: {} } });
        expect((due[0]?.id ?? 0) < (due[1]?.id ?? 0)).toBe(true);
        expect((await store.dueEvents(T0 + 100, 2)).map((e) => e.body.type)).toEqual(["timer", "signal"]);
        expect(await store.dueEvents(T0 + 100, 0)).toEqual([]);
        await store.commit({ consumed: [due[0]?.id ?? -1] });
        expect((await store.dueEvents(T0 + 100, 10)).map((e) => e.body.type)).toEqual(["timer", "abort"]);
        await expect(store.dueEvents(T0, -1)).rejects.toThrow(RangeError);
      });

      it("tells the earliest dueAt among events not consumed, or undefined", async () => {
        expect(await store.nextEventDue()).toBeUndefined();
        await store.createExecution(execution("e1"), start("e1", T0 + 50));
        expect(await store.nextEventDue()).toBe(T0 + 50);
        await store.addEvents([{ executionId: "e1", dueAt: T0 + 20, body: { type: "timer", path: "n1", purpose: "sleep" } }]);
        expect(await store.nextEventDue()).toBe(T0 + 20);
        const [timer] = await store.dueEvents(T0 + 20, 10);
        await store.commit({ consumed: [timer?.id ?? -1] });
        expect(await store.nextEventDue()).toBe(T0 + 50);
        await drain();
        expect(await store.nextEventDue()).toBeUndefined();
      });

      it("makes events without dueAt due at once, and adds a batch all or nothing", async () => {
        await seed(store, execution("e1"));
        await drain();
        await store.addEvents([{ executionId: "e1", body: { type: "abort", reason: "user" } }]);
        expect(await pendingTypes(store, 0)).toEqual(["e1:abort"]);
        const err = await store
          .addEvents([
            { executionId: "e1", body: { type: "signal", name: "s", value: {} } },
            { executionId: "ghost", body: { type: "signal", name: "s", value: {} } },
          ])
          .catch((x: unknown) => x);
        expect(err).toBeInstanceOf(StoreConflictError);
        expect((err as StoreConflictError).reason).toBe("executionMissing");
        expect((err as Error).message).toContain('"ghost"');
        expect(await pendingTypes(store)).toEqual(["e1:abort"]);
      });

      it("copies event bodies in and out", async () => {
        await seed(store, execution("e1"));
        await drain();
        const body = { type: "signal" as const, name: "s", value: { collection: { literals: [{ scalar: { primitive: { integer: "1" } } }] } } };
        await store.addEvents([{ executionId: "e1", body }]);
        body.value.collection.literals.push({ scalar: { primitive: { integer: "2" } } });
        const [got] = await store.dueEvents(T0, 1);
        if (got?.body.type === "signal") got.body.value.collection?.literals?.push({ scalar: { primitive: { integer: "3" } } });
        expect((await store.dueEvents(T0, 1))[0]?.body).toStrictEqual({ type: "signal", name: "s", value: { collection: { literals: [{ scalar: { primitive: { integer: "1" } } }] } } });
      });
    });

    describe("commit", () => {
      async function setUp(): Promise<{ startId: number }> {
        await seed(store, execution("e1"));
        const [ev] = await store.dueEvents(T0, 10);
        return { startId: ev?.id ?? -1 };
      }

      it("applies a whole step: events consumed, executions created and changed, nodes, queue, events, cache", async () => {
        const { startId } = await setUp();
        const child = execution("e1-n2", { lineage: { parent: { executionId: "e1", path: "n2" } }, createdAt: T0 + 1 });
        await store.commit({
          consumed: [startId],
          createExecutions: [child],
          executions: [execution("e1", { phase: "running", startedAt: T0 + 1, updatedAt: T0 + 1 })],
          nodes: [node("e1", "n1"), node("e1", "n2", { entity: 'launch plan "lp"', data: { kind: "launchPlan", childId: "e1-n2" } })],
          enqueue: [item("e1", "n1")],
          events: [start("e1-n2"), { executionId: "e1", dueAt: T0 + 60_000, body: { type: "timer", path: "n3", purpose: "sleep" } }],
          cachePut: [cacheEntry("k1")],
        });
        expect(await store.getExecution("e1")).toStrictEqual(execution("e1", { phase: "running", startedAt: T0 + 1, updatedAt: T0 + 1 }));
        expect(await store.getExecution("e1-n2")).toStrictEqual(child);
        expect(await store.listNodes("e1")).toStrictEqual([node("e1", "n1"), node("e1", "n2", { entity: 'launch plan "lp"', data: { kind: "launchPlan", childId: "e1-n2" } })]);
        expect(await pendingTypes(store, T0)).toEqual(["e1-n2:start"]);
        expect(await store.nextEventDue()).toBe(0);
        expect(await pendingTypes(store)).toEqual(["e1-n2:start", "e1:timer"]);
        expect(await store.getCached("k1")).toStrictEqual(cacheEntry("k1"));
        const claimed = await store.claimTasks("w", 10, LEASE, T0);
        expect(claimed.map((c) => c.id)).toEqual(["e1|n1|1"]);
        expect((await store.listExecutions({ parentId: "e1" }, { limit: 10 })).items.map((r) => r.id)).toEqual(["e1-n2"]);
      });

      it("upserts nodes and lists them by start time (not started last) then path", async () => {
        await setUp();
        await store.commit({
          consumed: [],
          nodes: [node("e1", "n2", { startedAt: T0 + 5 }), node("e1", "n1", { startedAt: undefined }), node("e1", "n10", { startedAt: T0 + 5 }), node("e1", "n0", { startedAt: T0 + 9 })],
        });
        expect((await store.listNodes("e1")).map((n) => n.path)).toEqual(["n10", "n2", "n0", "n1"]);
        await store.commit({ consumed: [], nodes: [node("e1", "n1", { startedAt: T0, phase: "succeeded", outputs: { literals: { o0: { scalar: { primitive: { integer: "1" } } } } }, endedAt: T0 + 3 })] });
        const nodes = await store.listNodes("e1");
        expect(nodes.map((n) => n.path)).toEqual(["n1", "n10", "n2", "n0"]);
        expect(nodes[0]).toStrictEqual(node("e1", "n1", { startedAt: T0, phase: "succeeded", outputs: { literals: { o0: { scalar: { primitive: { integer: "1" } } } } }, endedAt: T0 + 3 }));
        expect(await store.listNodes("other")).toEqual([]);
      });

      it("replaces cache entries of the same key", async () => {
        await store.commit({ consumed: [], cachePut: [cacheEntry("k", { outputs: { literals: { v: { scalar: { primitive: { integer: "1" } } } } } })] });
        await store.commit({ consumed: [], cachePut: [cacheEntry("k", { outputs: { literals: { v: { scalar: { primitive: { integer: "2" } } } } }, createdAt: T0 + 1 })] });
        expect(await store.getCached("k")).toStrictEqual(cacheEntry("k", { outputs: { literals: { v: { scalar: { primitive: { integer: "2" } } } } }, createdAt: T0 + 1 }));
        expect(await store.getCached("missing")).toBeUndefined();
      });

      /** A step that changes a bit of everything, to which one bad part is added. */
      async function failingStep(makeBad: (startId: number) => Partial<StepCommit>): Promise<{ err: unknown; before: unknown; after: unknown }> {
        const { startId } = await setUp();
        const bad = makeBad(startId);
        await seed(store, execution("taken", { createdAt: T0 - 1 }));
        await enqueue(item("e1", "old"), item("e1", "keep"));
        await store.commit({ consumed: [], nodes: [node("e1", "n0")] });
        const before = await snapshot(store, ["k"]);
        const good: StepCommit = {
          consumed: [startId],
          createExecutions: [execution("child", { createdAt: T0 + 1 })],
          executions: [execution("e1", { phase: "running" })],
          nodes: [node("e1", "n0", { phase: "succeeded" }), node("e1", "n1")],
          cancelTasks: [{ executionId: "e1", path: "old" }],
          enqueue: [item("e1", "n1")],
          events: [start("child")],
          cachePut: [cacheEntry("k")],
        };
        const step: StepCommit = {
          consumed: [...good.consumed, ...(bad.consumed ?? [])],
          createExecutions: [...(good.createExecutions ?? []), ...(bad.createExecutions ?? [])],
          executions: [...(good.executions ?? []), ...(bad.executions ?? [])],
          nodes: [...(good.nodes ?? []), ...(bad.nodes ?? [])],
          cancelTasks: good.cancelTasks ?? [],
          enqueue: [...(good.enqueue ?? []), ...(bad.enqueue ?? [])],
          events: [...(good.events ?? []), ...(bad.events ?? [])],
          cachePut: good.cachePut ?? [],
        };
        const err = await store.commit(step).catch((x: unknown) => x);
        const after = await snapshot(store, ["k"]);
        // The withdrawn item is still there, and the new one is not.
        const claimed = await store.claimTasks("w", 10, LEASE, T0);
        expect(claimed.map((c) => c.id)).toEqual(["e1|keep|1", "e1|old|1"]);
        return { err, before, after };
      }

      const cases: [string, (startId: number) => Partial<StepCommit>, new (...a: never[]) => Error, string | undefined, RegExp][] = [
        ["an event that does not exist", () => ({ consumed: [987_654] }), StoreConflictError, "eventMissing", /event 987654 does not exist/],
        ["the same event twice", (startId) => ({ consumed: [startId] }), StoreConflictError, "eventConsumed", /already consumed/],
        ["an execution id that exists", () => ({ createExecutions: [execution("taken")] }), DuplicateExecutionError, undefined, /execution "taken" already exists/],
        ["a change to an unknown execution", () => ({ executions: [execution("ghost")] }), StoreConflictError, "executionMissing", /execution "ghost" does not exist/],
        ["a node of an unknown execution", () => ({ nodes: [node("ghost", "n1")] }), StoreConflictError, "executionMissing", /"ghost".*node "n1"/],
        ["a task item id queued twice", () => ({ enqueue: [item("e1", "n1")] }), StoreConflictError, "taskItemExists", /task item "e1\|n1\|1" is already queued/],
        ["a task item id that is taken", () => ({ enqueue: [item("e1", "keep")] }), StoreConflictError, "taskItemExists", /task item "e1\|keep\|1" is already queued/],
        ["a task item of an unknown execution", () => ({ enqueue: [item("ghost", "n1")] }), StoreConflictError, "executionMissing", /"ghost"/],
        ["an event for an unknown execution", () => ({ events: [start("ghost")] }), StoreConflictError, "executionMissing", /"ghost".*event "start"/],
        ["an element of a map task that has no row", () => ({ nodes: [element("e1", "n7", 0)] }), StoreConflictError, "mapMissing", /node "n7\[0\]".*element of map task "n7", which has no row/],
        ["an element of a node that is not a map task", () => ({ nodes: [element("e1", "n0", 0)] }), StoreConflictError, "mapMissing", /element of map task "n0"/],
      ];
      for (const [what, bad, type, reason, message] of cases) {
        it(`writes nothing of a step that has ${what}, and says what`, async () => {
          const { err, before, after } = await failingStep(bad);
          expect(err).toBeInstanceOf(type);
          if (reason) expect((err as StoreConflictError).reason).toBe(reason);
          expect((err as Error).message).toMatch(message);
          expect((err as Error).message).toContain("nothing of the step was written");
          expect(after).toStrictEqual(before);
          expect(await store.getExecution("child")).toBeUndefined();
        });
      }

      it("writes many nodes and items of one step, a node written twice keeping its last row", async () => {
        const { startId } = await setUp();
        await store.commit({
          consumed: [startId],
          nodes: [node("e1", "n1"), node("e1", "n2"), node("e1", "n1", { phase: "succeeded", endedAt: T0 + 5 })],
          enqueue: [item("e1", "n2"), item("e1", "n3")],
        });
        const nodes = await store.listNodes("e1");
        expect(nodes.map((n) => [n.path, n.phase, n.endedAt])).toEqual([
          ["n1", "succeeded", T0 + 5],
          ["n2", "running", undefined],
        ]);
        expect((await store.claimTasks("w", 10, LEASE, T0)).map((c) => c.id)).toEqual(["e1|n2|1", "e1|n3|1"]);
      });

      it("refuses to consume an event a previous step consumed (another engine got there first)", async () => {
        const { startId } = await setUp();
        await store.commit({ consumed: [startId], nodes: [node("e1", "n1")] });
        const err = await store.commit({ consumed: [startId], nodes: [node("e1", "n2")] }).catch((x: unknown) => x);
        expect(err).toBeInstanceOf(StoreConflictError);
        expect((err as StoreConflictError).reason).toBe("eventConsumed");
        expect((err as Error).message).toContain(`event ${startId} was already consumed`);
        expect((await store.listNodes("e1")).map((n) => n.path)).toEqual(["n1"]);
      });

      it("withdraws queued and leased items of (execution, path): their leases stop, their results are ignored", async () => {
        await setUp();
        await drain();
        await enqueue(item("e1", "n1"), item("e1", "n2"), item("e1", "n3", { readyAt: T0 + 1000 }));
        const [leased] = await store.claimTasks("w", 1, LEASE, T0);
        expect(leased?.path).toBe("n1");
        await store.commit({
          consumed: [],
          cancelTasks: [
            { executionId: "e1", path: "n1" },
            { executionId: "e1", path: "n3" },
            { executionId: "e1", path: "nothing-there" },
          ],
        });
        const lease = leased as ClaimedTask;
        expect(await store.heartbeat(lease.id, lease.leaseToken, LEASE, T0 + 1)).toBe(false);
        expect(await store.finishTask(lease.id, lease.leaseToken, { body: succeeded("n1") }, T0 + 2)).toBe(false);
        expect(await pendingTypes(store)).toEqual([]);
        expect((await store.claimTasks("w", 10, LEASE, T0 + 5000)).map((c) => c.path)).toEqual(["n2"]);
      });

      it("applies cancelTasks before the step's enqueue, so a node's attempt can be replaced in one step", async () => {
        await setUp();
        await enqueue(item("e1", "n1"));
        const [first] = await store.claimTasks("w", 1, LEASE, T0);
        await store.commit({ consumed: [], cancelTasks: [{ executionId: "e1", path: "n1" }], enqueue: [item("e1", "n1", { readyAt: T0 + 5 }), item("e1", "n1", { attempt: 2 })] });
        expect(await store.heartbeat(first?.id ?? "", first?.leaseToken ?? "", LEASE, T0 + 1)).toBe(false);
        expect((await store.claimTasks("w", 10, LEASE, T0 + 5)).map((c) => c.id)).toEqual(["e1|n1|2", "e1|n1|1"]);
      });
    });

    describe("map tasks", () => {
      const list = (xs: number[]): LiteralMap => ({ literals: { x: { collection: { literals: xs.map((x) => ({ scalar: { primitive: { integer: String(x) } } })) } } } });
      const mapNode = (overrides: Partial<NodeRow> = {}, counts: Partial<ArrayNodeData> = {}): NodeRow =>
        node("e1", "n0", {
          entity: 'task "inc"',
          inputs: list([1, 2, 3, 4, 5]),
          data: { kind: "array", task: key("inc"), taskDigest: "d9", retries: 2, timeoutMs: 500, total: 5, next: 0, inFlight: 0, succeeded: 0, failed: 0, minSuccesses: 5, parallelism: 5, ...counts },
          ...overrides,
        });
      /** Element `i` of map `n0` as the engine holds it: the map's entity and task run, and its own marks. */
      const own = (i: number, overrides: Partial<NodeRow> = {}, marks: NodeMarks = { dispatched: true }): NodeRow =>
        node("e1", `n0[${i}]`, {
          entity: 'task "inc"',
          startedAt: T0 + 1,
          inputs: { literals: { x: { scalar: { primitive: { integer: String(i + 1) } } } } },
          data: { kind: "element", task: key("inc"), taskDigest: "d9", retries: 2, timeoutMs: 500, ...marks },
          ...overrides,
        });

      it("keeps elements apart: each reads back with its map's entity and task run, the map with the counts of its elements, not those written on its row", async () => {
        await seed(store, execution("e1"));
        const failure = { name: "Error", message: "boom" };
        await store.commit({
          consumed: [],
          nodes: [
            mapNode({}, { next: 1, inFlight: 1 }),
            own(0, { phase: "succeeded", outputs: { literals: { o0: { scalar: { primitive: { integer: "2" } } } } }, endedAt: T0 + 2 }, { dispatched: false }),
            // What an element's row says of its task is its map's: only its own marks are kept.
            own(1, { entity: "something else", phase: "failed", error: "boom", endedAt: T0 + 2, data: { kind: "element", task: key("other"), taskDigest: "zz", retries: 0, dispatched: false, errorInfo: failure } }),
            own(2, { phase: "timedOut", endedAt: T0 + 3 }),
            own(3),
            own(4, { phase: "aborted", endedAt: T0 + 3 }),
          ],
        });
        expect(await store.listNodes("e1")).toStrictEqual([
          mapNode({}, { next: 5, inFlight: 1, succeeded: 1, failed: 2 }),
          own(0, { phase: "succeeded", outputs: { literals: { o0: { scalar: { primitive: { integer: "2" } } } } }, endedAt: T0 + 2 }, { dispatched: false }),
          own(1, { phase: "failed", error: "boom", endedAt: T0 + 2 }, { dispatched: false, errorInfo: failure }),
          own(2, { phase: "timedOut", endedAt: T0 + 3 }),
          own(3),
          own(4, { phase: "aborted", endedAt: T0 + 3 }),
        ]);
      });

      it("writes an element without its map's row, lists elements among the other nodes by start time then path, and keeps a map's inputs as first written", async () => {
        await seed(store, execution("e1"));
        await store.commit({ consumed: [], nodes: [node("e1", "n9", { startedAt: T0 + 2 }), mapNode(), own(1, { startedAt: T0 + 2 }), own(0, { startedAt: T0 + 3 })] });
        // Later steps write elements alone, and the map's row with the same inputs (a map's inputs never change).
        await store.commit({ consumed: [], nodes: [own(1, { startedAt: T0 + 2, phase: "succeeded", endedAt: T0 + 4 })] });
        await store.commit({ consumed: [], nodes: [mapNode({ inputs: list([9]), updatedAt: T0 + 5 }, { waitingSlot: 3 }), own(2, { startedAt: T0 + 1 })] });
        const listed = await store.listNodes("e1");
        expect(listed.map((n) => n.path)).toEqual(["n0", "n0[2]", "n0[1]", "n9", "n0[0]"]);
        expect(listed[0]).toStrictEqual(mapNode({ updatedAt: T0 + 5 }, { waitingSlot: 3, next: 3, inFlight: 2, succeeded: 1 }));
        expect(listed[2]).toStrictEqual(own(1, { startedAt: T0 + 2, phase: "succeeded", endedAt: T0 + 4 }));
        expect(await store.listNodes("other")).toEqual([]);
      });

      it("writes a map's inputs with the same rows committed again after a step (or group) that first wrote them was refused", async () => {
        await seed(store, execution("e1"), execution("e2", { createdAt: T0 + 1 }));
        const map = mapNode();
        const other = { ...mapNode(), executionId: "e2" };
        await expect(store.commit({ consumed: [987_654], nodes: [map] })).rejects.toThrow(StoreConflictError);
        const refused = await store.commitGroups([[{ consumed: [], nodes: [other] }], [{ consumed: [987_654], nodes: [map] }]]);
        expect(refused.map((r) => r?.constructor.name)).toEqual([undefined, "StoreConflictError"]);
        await store.commit({ consumed: [], nodes: [map, own(0)] });
        expect((await store.listNodes("e1")).map((n) => n.inputs)).toStrictEqual([list([1, 2, 3, 4, 5]), own(0).inputs]);
        expect((await store.listNodes("e2")).map((n) => n.inputs)).toStrictEqual([list([1, 2, 3, 4, 5])]);
      });

      it("lists a map without elements with nothing started", async () => {
        await seed(store, execution("e1"));
        await store.commit({ consumed: [], nodes: [mapNode({}, { next: 2, inFlight: 2 })] });
        expect(await store.listNodes("e1")).toStrictEqual([mapNode()]);
      });
    });

    describe("task queue", () => {
      beforeEach(async () => {
        await seed(store, execution("e1"), execution("e2"));
        await drain();
      });

      it("claims ready items in readyAt then id order, each with a fresh lease, at most `limit`", async () => {
        await enqueue(item("e1", "b", { readyAt: T0 + 2 }), item("e1", "a", { readyAt: T0 + 2 }), item("e2", "z", { readyAt: T0 + 1 }), item("e1", "later", { readyAt: T0 + 50 }));
        const claimed = await store.claimTasks("w1", 2, LEASE, T0 + 10);
        expect(claimed.map((c) => c.id)).toEqual(["e2|z|1", "e1|a|1"]);
        const { leaseToken, leaseExpiresAt, ...plain } = claimed[0] as ClaimedTask;
        expect(plain).toStrictEqual(item("e2", "z", { readyAt: T0 + 1 }));
        expect(leaseExpiresAt).toBe(T0 + 10 + LEASE);
        expect(typeof leaseToken).toBe("string");
        expect(leaseToken.length).toBeGreaterThanOrEqual(16);
        expect(claimed[1]?.leaseToken).not.toBe(leaseToken);
        expect((await store.claimTasks("w2", 10, LEASE, T0 + 10)).map((c) => c.id)).toEqual(["e1|b|1"]);
        expect(await store.claimTasks("w2", 10, LEASE, T0 + 49)).toEqual([]);
        expect((await store.claimTasks("w2", 10, LEASE, T0 + 50)).map((c) => c.id)).toEqual(["e1|later|1"]);
        expect(await store.claimTasks("w2", 0, LEASE, T0 + 50)).toEqual([]);
      });

      it("validates limit and leaseMs", async () => {
        await expect(store.claimTasks("w", -1, LEASE, T0)).rejects.toThrow(RangeError);
        await expect(store.claimTasks("w", 1.5, LEASE, T0)).rejects.toThrow(RangeError);
        await expect(store.claimTasks("w", 1, 0, T0)).rejects.toThrow(/leaseMs/);
        await expect(store.heartbeat("x", "t", -5, T0)).rejects.toThrow(/leaseMs/);
      });

      it("re-issues an item whose lease expired with systemAttempts one higher and a new token; the old token is dead", async () => {
        await enqueue(item("e1", "n1"));
        const [a] = await store.claimTasks("w1", 1, LEASE, T0);
        expect(await store.claimTasks("w2", 1, LEASE, T0 + LEASE - 1)).toEqual([]);
        const [b] = await store.claimTasks("w2", 1, LEASE, T0 + LEASE);
        expect(b?.id).toBe("e1|n1|1");
        expect(b?.systemAttempts).toBe(1);
        expect(b?.leaseToken).not.toBe(a?.leaseToken);
        expect(b?.leaseExpiresAt).toBe(T0 + 2 * LEASE);
        expect(await store.heartbeat("e1|n1|1", a?.leaseToken ?? "", LEASE, T0 + LEASE + 1)).toBe(false);
        expect(await store.finishTask("e1|n1|1", a?.leaseToken ?? "", { body: succeeded("n1") }, T0 + LEASE + 1)).toBe(false);
        expect(await store.heartbeat("e1|n1|1", b?.leaseToken ?? "", LEASE, T0 + LEASE + 1)).toBe(true);
        expect(await pendingTypes(store)).toEqual([]);
      });

      it("gives back uncounted an item claimed ahead whose lease ran out before its attempt started, however often; one whose start a heartbeat recorded counts", async () => {
        await enqueue(item("e1", "n1", { maxSystemAttempts: 2 }), item("e1", "n2", { maxSystemAttempts: 2 }), item("e1", "n3", { maxSystemAttempts: 2 }));
        // Three asked for, the last two ahead of a free slot.
        const first = await store.claimTasks("w1", 3, LEASE, T0, 2);
        expect(first.map((x) => [x.id, x.ahead === true])).toEqual([["e1|n1|1", false], ["e1|n2|1", true], ["e1|n3|1", true]]);
        // n2 started: its heartbeat says so.
        expect(await store.heartbeat("e1|n2|1", first[1]?.leaseToken ?? "", LEASE, T0 + 1, true)).toBe(true);
        // The worker dies: every lease runs out, again and again, with nothing ever started but n1 and n2.
        let now = T0 + 1 + LEASE;
        const second = await store.claimTasks("w2", 3, LEASE, now, 3);
        expect(second.map((x) => [x.id, x.systemAttempts, x.ahead === true])).toEqual([["e1|n1|1", 1, true], ["e1|n2|1", 1, true], ["e1|n3|1", 0, true]]);
        for (let i = 0; i < 5; i++) {
          now += LEASE;
          const again = await store.claimTasks(`w${i + 3}`, 3, LEASE, now, 3);
          expect(again.map((x) => [x.id, x.systemAttempts])).toEqual([["e1|n1|1", 1], ["e1|n2|1", 1], ["e1|n3|1", 0]]);
        }
        expect(await pendingTypes(store)).toEqual([]);
        // Started under its last allowed lease, n3's lost lease fails it (maxSystemAttempts 2 reached for n1 and n2 too).
        const [, , n3] = await store.claimTasks("w9", 3, LEASE, (now += LEASE), 0);
        expect(n3?.ahead).toBeUndefined();
        now += LEASE;
        const last = await store.claimTasks("w10", 3, LEASE, now, 0);
        expect(last.map((x) => [x.id, x.systemAttempts])).toEqual([["e1|n3|1", 1]]);
        expect(await pendingTypes(store)).toEqual(["e1:taskSystemFailed", "e1:taskSystemFailed"]);
      });

      it("a step's lease given as not started (started: false) expires uncounted until a heartbeat records the start", async () => {
        const a = item("e1", "n1");
        const b = item("e1", "n2");
        const grant = (it: ReturnType<typeof item>) => ({ itemId: it.id, owner: "engine-a/pool", leaseToken: `${it.path}-0123456789abcdef`, leaseExpiresAt: T0 + LEASE, started: false });
        await store.commit({ consumed: [], enqueue: [a, b], leased: [grant(a), grant(b)] });
        expect(await store.heartbeat(a.id, grant(a).leaseToken, LEASE, T0 + 1, true)).toBe(true);
        const again = await store.claimTasks("w2", 10, LEASE, T0 + 1 + LEASE);
        expect(again.map((x) => [x.id, x.systemAttempts])).toEqual([[a.id, 1], [b.id, 0]]);
      });

      it("refuses an ahead that is not an integer of 0 or more", async () => {
        await expect(store.claimTasks("w1", 1, LEASE, T0, -1)).rejects.toThrow(/ahead must be an integer of 0 or more, got -1/);
        await expect(store.claimTasks("w1", 1, LEASE, T0, 0.5)).rejects.toThrow(RangeError);
      });

      it("turns an item that lost maxSystemAttempts leases into a taskSystemFailed event, in the claim itself", async () => {
        await enqueue(item("e1", "n1", { maxSystemAttempts: 2, attempt: 3 }), item("e2", "n9", { readyAt: T0 + 2 * LEASE }));
        const [a] = await store.claimTasks("w1", 1, LEASE, T0);
        expect(a?.systemAttempts).toBe(0);
        const [b] = await store.claimTasks("w2", 1, LEASE, T0 + LEASE);
        expect(b?.systemAttempts).toBe(1);
        expect(await pendingTypes(store)).toEqual([]);
        // The second lease expires: two leases lost, the item is withdrawn and reported; the limit goes to ready work.
        const c = await store.claimTasks("w3", 1, LEASE, T0 + 2 * LEASE);
        expect(c.map((x) => x.id)).toEqual(["e2|n9|1"]);
        const events = await store.dueEvents(T0 + 2 * LEASE, 10);
        expect(events).toHaveLength(1);
        const ev = events[0];
        expect(ev?.executionId).toBe("e1");
        expect(ev?.dueAt).toBe(T0 + 2 * LEASE);
        expect(ev?.body).toStrictEqual({ type: "taskSystemFailed", path: "n1", attempt: 3, systemAttempts: 2, message: ev?.body.type === "taskSystemFailed" ? ev.body.message : "" });
        expect(ev?.body.type === "taskSystemFailed" ? ev.body.message : "").toMatch(/e1\|n1\|3.*lost 2 leases.*w2/);
        expect(await store.heartbeat("e1|n1|3", b?.leaseToken ?? "", LEASE, T0 + 2 * LEASE)).toBe(false);
        expect(await store.finishTask("e1|n1|3", b?.leaseToken ?? "", { body: succeeded("n1") }, T0 + 2 * LEASE)).toBe(false);
        expect((await store.claimTasks("w4", 10, LEASE, T0 + 10 * LEASE)).map((x) => x.id)).toEqual(["e2|n9|1"]);
        expect(await pendingTypes(store)).toEqual(["e1:taskSystemFailed"]);
      });

      it("fails an item with maxSystemAttempts 1 at its first lost lease, even when the claim's limit is 0", async () => {
        await enqueue(item("e1", "n1", { maxSystemAttempts: 1 }));
        await store.claimTasks("w1", 1, LEASE, T0);
        expect(await store.claimTasks("w2", 0, LEASE, T0 + LEASE)).toEqual([]);
        const [ev] = await store.dueEvents(T0 + LEASE, 10);
        expect(ev?.body).toMatchObject({ type: "taskSystemFailed", path: "n1", attempt: 1, systemAttempts: 1 });
      });

      it("heartbeat extends only a matching live lease", async () => {
        await enqueue(item("e1", "n1"));
        const [a] = await store.claimTasks("w1", 1, LEASE, T0);
        const lease = a as ClaimedTask;
        expect(await store.heartbeat(lease.id, "wrong", LEASE, T0 + 1)).toBe(false);
        expect(await store.heartbeat("unknown", lease.leaseToken, LEASE, T0 + 1)).toBe(false);
        expect(await store.heartbeat(lease.id, lease.leaseToken, LEASE, T0 + LEASE - 1)).toBe(true);
        // Extended to T0 + 2*LEASE - 1: nobody can take it before then.
        expect(await store.claimTasks("w2", 1, LEASE, T0 + 2 * LEASE - 2)).toEqual([]);
        expect(await store.heartbeat(lease.id, lease.leaseToken, LEASE, T0 + 2 * LEASE - 1)).toBe(false);
      });

      it("heartbeat is false after expiry and reclaim by another worker, whose heartbeat is true", async () => {
        await enqueue(item("e1", "n1"));
        const [a] = await store.claimTasks("w1", 1, LEASE, T0);
        const [b] = await store.claimTasks("w2", 1, LEASE, T0 + LEASE + 5);
        expect(await store.heartbeat(a?.id ?? "", a?.leaseToken ?? "", LEASE, T0 + LEASE + 6)).toBe(false);
        expect(await store.heartbeat(b?.id ?? "", b?.leaseToken ?? "", LEASE, T0 + LEASE + 6)).toBe(true);
      });

      it("finishTask removes the item and adds its result as an event, atomically, only with the matching token", async () => {
        await enqueue(item("e1", "n1"), item("e1", "n2"));
        const [a, b] = await store.claimTasks("w1", 2, LEASE, T0);
        const body = { type: "taskSucceeded" as const, path: "n1", attempt: 1, outputs: { literals: { o0: { scalar: { primitive: { integer: "2" } } } } } };
        expect(await store.finishTask(a?.id ?? "", "wrong", { body }, T0 + 1)).toBe(false);
        expect(await pendingTypes(store)).toEqual([]);
        expect(await store.finishTask(a?.id ?? "", a?.leaseToken ?? "", { body }, T0 + 2)).toBe(true);
        const events = await store.dueEvents(T0 + 2, 10);
        expect(events).toStrictEqual([{ id: events[0]?.id, executionId: "e1", dueAt: T0 + 2, body }]);
        expect(await store.finishTask(a?.id ?? "", a?.leaseToken ?? "", { body }, T0 + 3)).toBe(false);
        expect(await store.heartbeat(a?.id ?? "", a?.leaseToken ?? "", LEASE, T0 + 3)).toBe(false);
        expect(await store.dueEvents(T0 + 3, 10)).toHaveLength(1);
        // A late result whose lease expired but was not taken over is accepted; once re-leased it is not.
        expect(await store.finishTask(b?.id ?? "", b?.leaseToken ?? "", { body: { type: "taskFailed", path: "n2", attempt: 1, message: "boom", retryable: false } }, T0 + LEASE + 1)).toBe(true);
        expect(await pendingTypes(store)).toEqual(["e1:taskSucceeded", "e1:taskFailed"]);
        expect(await store.claimTasks("w2", 10, LEASE, T0 + 10 * LEASE)).toEqual([]);
      });

      it("a step finishes items held under their lease (results the engine applies itself): removed with the step, no event; a lease lost refuses the step whole", async () => {
        await enqueue(item("e1", "n3"));
        const [c] = (await store.claimTasks("w1", 1, LEASE, T0)) as [ClaimedTask];
        await enqueue(item("e1", "n1"), item("e1", "n2"));
        const [a, b] = (await store.claimTasks("w1", 2, LEASE, T0 + 5)) as [ClaimedTask, ClaimedTask];
        // c's lease expires and another worker takes it: the first token no longer finishes it.
        const [c2] = await store.claimTasks("w2", 1, LEASE, T0 + LEASE);
        expect(c2?.id).toBe(c.id);
        const wrong = store.commit({ consumed: [], finished: [{ itemId: a.id, leaseToken: "wrong" }], nodes: [node("e1", "n1", { phase: "succeeded" })] });
        await expect(wrong).rejects.toThrow(StoreConflictError);
        await expect(wrong).rejects.toMatchObject({ reason: "leaseLost" });
        const lost = store.commit({ consumed: [], finished: [{ itemId: a.id, leaseToken: a.leaseToken }, { itemId: c.id, leaseToken: c.leaseToken }], nodes: [node("e1", "n1", { phase: "succeeded" })] });
        await expect(lost).rejects.toMatchObject({ reason: "leaseLost" });
        // Nothing of the refused steps was written: a is still held, the node not there.
        expect(await store.listNodes("e1")).toEqual([]);
        expect(await store.heartbeat(a.id, a.leaseToken, LEASE, T0 + LEASE + 1)).toBe(true);
        await store.commit({ consumed: [], finished: [{ itemId: a.id, leaseToken: a.leaseToken }], nodes: [node("e1", "n1", { phase: "succeeded" })] });
        expect((await store.listNodes("e1")).map((n) => [n.path, n.phase])).toEqual([["n1", "succeeded"]]);
        expect(await store.heartbeat(a.id, a.leaseToken, LEASE, T0 + LEASE + 2)).toBe(false);
        expect(await store.finishTask(a.id, a.leaseToken, { body: succeeded("n1") }, T0 + LEASE + 2)).toBe(false);
        await expect(store.commit({ consumed: [], finished: [{ itemId: a.id, leaseToken: a.leaseToken }] })).rejects.toMatchObject({ reason: "leaseLost" });
        // A lease that expired but was not taken over still finishes its item, as finishTask accepts a late result.
        await store.commit({ consumed: [], finished: [{ itemId: b.id, leaseToken: b.leaseToken }] });
        expect(await pendingTypes(store)).toEqual([]);
        expect((await store.claimTasks("w3", 10, LEASE, T0 + 10 * LEASE)).map((x) => x.id)).toEqual([c.id]);
      });

      it("a step enqueues items already leased (handed straight to a worker): not claimable while the lease runs, heartbeats and results take its token, and it expires as a claimed lease does", async () => {
        const lease = (it: ReturnType<typeof item>, token: string) => ({ itemId: it.id, owner: "engine-a/pool", leaseToken: `${token}-0123456789abcdef`, leaseExpiresAt: T0 + LEASE });
        const a = item("e1", "n1");
        const b = item("e1", "n2");
        const free = item("e2", "n1");
        await store.commit({ consumed: [], enqueue: [a, b, free], leased: [lease(a, "ta"), lease(b, "tb")] });
        expect((await store.claimTasks("w1", 10, LEASE, T0 + 1)).map((x) => x.id)).toEqual([free.id]);
        expect(await store.heartbeat(a.id, "wrong", LEASE, T0 + 2)).toBe(false);
        expect(await store.heartbeat(a.id, lease(a, "ta").leaseToken, LEASE, T0 + 2)).toBe(true);
        expect(await store.finishTask(a.id, lease(a, "ta").leaseToken, { body: succeeded("n1") }, T0 + 3)).toBe(true);
        expect(await pendingTypes(store)).toEqual(["e1:taskSucceeded"]);
        // b's lease runs out: handed out again as a lost lease, one system attempt more, and its token is dead.
        const [again] = await store.claimTasks("w2", 10, LEASE, T0 + LEASE);
        expect(again?.id).toBe(b.id);
        expect(again?.systemAttempts).toBe(1);
        expect(await store.finishTask(b.id, lease(b, "tb").leaseToken, { body: succeeded("n2") }, T0 + LEASE + 1)).toBe(false);
        // A lease on an item the step does not enqueue refuses the step, writing nothing.
        const stray = store.commit({ consumed: [], nodes: [node("e1", "n9")], enqueue: [item("e1", "n9")], leased: [lease(item("e1", "n8"), "tx")] });
        await expect(stray).rejects.toThrow(StoreConflictError);
        await expect(stray).rejects.toMatchObject({ reason: "taskItemMissing" });
        await expect(store.commit({ consumed: [], leased: [lease(free, "tf")] })).rejects.toMatchObject({ reason: "taskItemMissing" });
        expect((await store.listNodes("e1")).map((n) => n.path)).toEqual([]);
        expect((await store.claimTasks("w3", 10, LEASE, T0 + LEASE + 2)).map((x) => x.id)).toEqual([free.id]); // its claim at T0 + 1 ran out; no n9
      });

      it("finishTasks takes a batch in order, each answered as finishTask would, a refused one writing nothing", async () => {
        await enqueue(item("e1", "n1"), item("e2", "n2"), item("e1", "n3"));
        const [a, b, c] = (await store.claimTasks("w1", 3, LEASE, T0)) as [ClaimedTask, ClaimedTask, ClaimedTask];
        // a's lease expires and is taken over: its old token is refused, in the middle of the batch.
        const [a2] = await store.claimTasks("w2", 1, LEASE, T0 + LEASE);
        expect(a2?.id).toBe(a.id);
        const report = (x: ClaimedTask) => ({ itemId: x.id, leaseToken: x.leaseToken, result: { body: succeeded(x.path) } });
        expect(await store.finishTasks([report(b), report(a), report(c), report(b)], T0 + LEASE + 1)).toEqual([true, false, true, false]);
        const events = await store.dueEvents(T0 + LEASE + 1, 10);
        expect(events.map((e) => [e.executionId, e.dueAt, e.body])).toStrictEqual([
          ["e1", T0 + LEASE + 1, succeeded("n3")],
          ["e2", T0 + LEASE + 1, succeeded("n2")],
        ]);
        expect(await store.heartbeat(a2?.id ?? "", a2?.leaseToken ?? "", LEASE, T0 + LEASE + 2)).toBe(true);
        expect(await store.finishTasks([], T0 + LEASE + 2)).toEqual([]);
        expect(await store.finishTasks([report(a2 as ClaimedTask)], T0 + LEASE + 3)).toEqual([true]);
        expect(await pendingTypes(store)).toEqual(["e1:taskSucceeded", "e2:taskSucceeded", "e1:taskSucceeded"]);
      });

      it("finishTasks of distinct items answers each and adds the accepted results' events in the order of the reports", async () => {
        await enqueue(item("e1", "n1"), item("e2", "n2"), item("e1", "n3"), item("e2", "n4"));
        const [a, b, c, d] = (await store.claimTasks("w1", 4, LEASE, T0)) as [ClaimedTask, ClaimedTask, ClaimedTask, ClaimedTask];
        const report = (x: ClaimedTask, token = x.leaseToken) => ({ itemId: x.id, leaseToken: token, result: { body: succeeded(x.path) } });
        expect(await store.finishTasks([report(d), report(a, "stale"), report(b), report(c)], T0 + 1)).toEqual([true, false, true, true]);
        expect((await store.dueEvents(T0 + 1, 10)).map((e) => [e.executionId, e.body])).toStrictEqual([
          ["e2", succeeded(d.path)],
          [b.executionId, succeeded(b.path)],
          [c.executionId, succeeded(c.path)],
        ]);
        expect(await store.heartbeat(a.id, a.leaseToken, LEASE, T0 + 2)).toBe(true); // the refused one is still held
      });

      it("refuses the result of a lease that was taken over", async () => {
        await enqueue(item("e1", "n1"));
        const [a] = await store.claimTasks("w1", 1, LEASE, T0);
        const [b] = await store.claimTasks("w2", 1, LEASE, T0 + LEASE);
        expect(await store.finishTask(a?.id ?? "", a?.leaseToken ?? "", { body: succeeded("n1") }, T0 + LEASE + 1)).toBe(false);
        expect(await pendingTypes(store)).toEqual([]);
        expect(await store.finishTask(b?.id ?? "", b?.leaseToken ?? "", { body: succeeded("n1") }, T0 + LEASE + 2)).toBe(true);
        expect(await pendingTypes(store)).toEqual(["e1:taskSucceeded"]);
      });

      it("releaseTasks gives back held items at once: one never started as if never claimed, one cut short as a lost lease; a dead token writes nothing", async () => {
        await enqueue(item("e1", "n1"), item("e1", "n2"), item("e2", "n3"));
        const [a, b, c] = (await store.claimTasks("w1", 3, LEASE, T0)) as [ClaimedTask, ClaimedTask, ClaimedTask];
        // c's lease runs out and w2 takes it; a's and b's are kept alive.
        expect(await store.heartbeat(a.id, a.leaseToken, LEASE, T0 + LEASE - 1)).toBe(true);
        expect(await store.heartbeat(b.id, b.leaseToken, LEASE, T0 + LEASE - 1)).toBe(true);
        const [c2] = await store.claimTasks("w2", 1, LEASE, T0 + LEASE);
        expect(c2?.id).toBe(c.id);
        const given = await store.releaseTasks(
          [
            { itemId: a.id, leaseToken: a.leaseToken, started: false },
            { itemId: b.id, leaseToken: b.leaseToken, started: true },
            { itemId: c.id, leaseToken: c.leaseToken, started: false },
            { itemId: "unknown", leaseToken: a.leaseToken, started: false },
          ],
          T0 + LEASE + 1,
        );
        expect(given).toEqual([true, true, false, false]);
        // The old tokens are dead; c's new lease (w2) is untouched.
        expect(await store.heartbeat(a.id, a.leaseToken, LEASE, T0 + LEASE + 2)).toBe(false);
        expect(await store.finishTask(b.id, "wrong", { body: succeeded("n2") }, T0 + LEASE + 2)).toBe(false);
        expect(await store.heartbeat(c2?.id ?? "", c2?.leaseToken ?? "", LEASE, T0 + LEASE + 2)).toBe(true);
        // Both are handed out again at once, long before their leases would have run out.
        const again = await store.claimTasks("w3", 10, LEASE, T0 + LEASE + 2);
        expect(again.map((x) => [x.id, x.systemAttempts])).toEqual([
          ["e1|n1|1", 0],
          ["e1|n2|1", 1],
        ]);
        expect(await store.releaseTasks([], T0 + LEASE + 3)).toEqual([]);
        expect(await pendingTypes(store)).toEqual([]);
      });

      it("releaseTasks of a started item at its last allowed lease fails it at the next claim, as a lost lease would", async () => {
        await enqueue(item("e1", "n1", { maxSystemAttempts: 1 }));
        const [a] = (await store.claimTasks("w1", 1, LEASE, T0)) as [ClaimedTask];
        expect(await store.releaseTasks([{ itemId: a.id, leaseToken: a.leaseToken, started: true }], T0 + 1)).toEqual([true]);
        expect(await store.claimTasks("w2", 1, LEASE, T0 + 2)).toEqual([]);
        expect(await pendingTypes(store)).toEqual(["e1:taskSystemFailed"]);
      });

      it("copies claimed items out", async () => {
        await enqueue(item("e1", "n1"));
        const [a] = await store.claimTasks("w1", 1, LEASE, T0);
        (a?.inputs as { literals: Record<string, unknown> }).literals["extra"] = 1;
        const [again] = await store.claimTasks("w2", 1, LEASE, T0 + LEASE);
        expect(again?.inputs).toStrictEqual(item("e1", "n1").inputs);
      });
    });

    describe("clearing the cache", () => {
      it("removes every entry, one task's, or one cache version of one task, and says how many (aloft cache clear)", async () => {
        const entries = [cacheEntry("a1"), cacheEntry("a2", { version: "2" }), cacheEntry("b1", { task: "intercept" }), cacheEntry("b2", { task: "intercept", version: "2" })];
        await store.commit({ consumed: [], cachePut: entries });
        expect(await store.clearCache({ task: "slope", version: "2" })).toBe(1);
        expect(await store.getCached("a2")).toBeUndefined();
        expect(await store.getCached("a1")).toStrictEqual(entries[0]);
        expect(await store.clearCache({ task: "slope", version: "2" })).toBe(0);
        expect(await store.clearCache({ task: "intercept" })).toBe(2);
        expect([await store.getCached("b1"), await store.getCached("b2"), await store.getCached("a1")]).toStrictEqual([undefined, undefined, entries[0]]);
        await expect(store.clearCache({ version: "1" })).rejects.toThrow(RangeError);
        expect(await store.getCached("a1")).toStrictEqual(entries[0]);
        await store.commit({ consumed: [], cachePut: [cacheEntry("c1", { task: "other" })] });
        expect(await store.clearCache()).toBe(2);
        expect([await store.getCached("a1"), await store.getCached("c1")]).toStrictEqual([undefined, undefined]);
      });
    });

    describe("cache locks", () => {
      it("takes a key's lock for one owner until it expires, re-entrantly, and releases it only for its owner", async () => {
        expect(await store.lockCacheKey("k", "a", 100, T0)).toBe(true);
        expect(await store.lockCacheKey("k", "b", 100, T0 + 50)).toBe(false);
        expect(await store.lockCacheKey("other", "b", 100, T0 + 50)).toBe(true);
        expect(await store.lockCacheKey("k", "a", 100, T0 + 60)).toBe(true); // extended to T0 + 160
        expect(await store.lockCacheKey("k", "b", 100, T0 + 159)).toBe(false);
        await store.unlockCacheKey("k", "b");
        expect(await store.lockCacheKey("k", "b", 100, T0 + 159)).toBe(false);
        await store.unlockCacheKey("k", "a");
        expect(await store.lockCacheKey("k", "b", 100, T0 + 159)).toBe(true);
        expect(await store.lockCacheKey("k", "a", 100, T0 + 200)).toBe(false);
        expect(await store.lockCacheKey("k", "a", 100, T0 + 259)).toBe(true); // b's lock expired at T0 + 259
        await expect(store.lockCacheKey("k", "a", 0, T0)).rejects.toThrow(/ttlMs/);
      });
    });

    describe("schedules", () => {
      it("claims each (schedule, tick) once and remembers the latest tick", async () => {
        expect(await store.lastScheduleTick("nightly")).toBeUndefined();
        expect(await store.claimScheduleTick("nightly", T0 + 100)).toBe(true);
        expect(await store.claimScheduleTick("nightly", T0 + 100)).toBe(false);
        expect(await store.claimScheduleTick("hourly", T0 + 100)).toBe(true);
        expect(await store.claimScheduleTick("nightly", T0)).toBe(true);
        expect(await store.lastScheduleTick("nightly")).toBe(T0 + 100);
        expect(await store.claimScheduleTick("nightly", T0 + 200)).toBe(true);
        expect(await store.lastScheduleTick("nightly")).toBe(T0 + 200);
        expect(await store.lastScheduleTick("hourly")).toBe(T0 + 100);
      });
    });

    describe("group commit", () => {
      it("applies groups in one call; a refused group writes nothing of itself and its error stands in its place", async () => {
        await store.createExecution(execution("e1"), start("e1"));
        await store.createExecution(execution("e2"), start("e2"));
        await store.createExecution(execution("e3"), start("e3"));
        const due = await store.dueEvents(T0, 10);
        const id = (exec: string): number => due.find((e) => e.executionId === exec)?.id ?? -1;
        const results = await store.commitGroups([
          [
            { consumed: [id("e1")], executions: [execution("e1", { phase: "running" })] },
            { consumed: [], nodes: [node("e1", "n1")], enqueue: [item("e1", "n1")] },
          ],
          [
            { consumed: [id("e2")], executions: [execution("e2", { phase: "running" })], enqueue: [item("e2", "n1")] },
            { consumed: [id("e2")] }, // consumed twice: the whole group is refused
          ],
          [{ consumed: [id("e3")], nodes: [node("e3", "n1")] }],
        ]);
        expect(results.map((r) => r?.constructor.name)).toEqual([undefined, "StoreConflictError", undefined]);
        expect((results[1] as StoreConflictError).reason).toBe("eventConsumed");
        expect((await store.getExecution("e1"))?.phase).toBe("running");
        expect((await store.getExecution("e2"))?.phase).toBe("queued");
        expect((await store.dueEvents(T0, 10)).map((e) => e.executionId)).toEqual(["e2"]);
        expect((await store.claimTasks("w", 10, LEASE, T0)).map((c) => c.id)).toEqual([item("e1", "n1").id]);
        expect((await store.listNodes("e3")).map((n) => n.path)).toEqual(["n1"]);
        expect(await store.commitGroups([])).toEqual([]);
      });

      it("refuses alone a group whose step finishes an item under a lost lease, and applies the others with their finished items", async () => {
        await store.createExecution(execution("e1"), start("e1"));
        await store.createExecution(execution("e2"), start("e2"));
        await drain();
        await store.commit({ consumed: [], enqueue: [item("e1", "n1"), item("e2", "n1")] });
        const [a, b] = (await store.claimTasks("w", 2, LEASE, T0)) as [ClaimedTask, ClaimedTask];
        const results = await store.commitGroups([
          [{ consumed: [], finished: [{ itemId: a.id, leaseToken: a.leaseToken }], nodes: [node(a.executionId, "n1", { phase: "succeeded" })], enqueue: [item(a.executionId, "n2")] }],
          [{ consumed: [], finished: [{ itemId: b.id, leaseToken: "stale" }], nodes: [node(b.executionId, "n1", { phase: "succeeded" })] }],
        ]);
        expect(results.map((r) => (r as StoreConflictError | undefined)?.reason)).toEqual([undefined, "leaseLost"]);
        expect((await store.listNodes(a.executionId)).map((n) => n.phase)).toEqual(["succeeded"]);
        expect(await store.listNodes(b.executionId)).toEqual([]);
        expect(await store.heartbeat(b.id, b.leaseToken, LEASE, T0 + 1)).toBe(true);
        expect((await store.claimTasks("w", 10, LEASE, T0 + 1)).map((c) => c.id)).toEqual([item(a.executionId, "n2").id]);
      });

      it("refuses a fenced group alone", async () => {
        await store.createExecution(execution("e1"), start("e1"));
        await store.createExecution(execution("e2"), start("e2"));
        await store.renewEngine({ id: "engine-a", pid: 1, host: "h", command: "c", since: T0 }, 15_000, T0);
        const owned = await store.acquireExecutions("engine-a", ["e1", "e2"], T0);
        const fence = (exec: string, epoch: number) => ({ engineId: "engine-a", executions: [{ executionId: exec, epoch }] });
        const results = await store.commitGroups([
          [{ consumed: [], executions: [execution("e1", { phase: "running" })], fence: fence("e1", owned[0]!.epoch) }],
          [{ consumed: [], executions: [execution("e2", { phase: "running" })], fence: fence("e2", owned[1]!.epoch + 1) }],
        ]);
        expect(results.map((r) => (r as StoreConflictError | undefined)?.reason)).toEqual([undefined, "fenced"]);
        expect((await store.getExecution("e2"))?.phase).toBe("queued");
      });

      it("commits or refuses a lone group whole: one fence checked once for all its steps, and a refused one writes nothing", async () => {
        await store.createExecution(execution("e1"), start("e1"));
        await store.renewEngine({ id: "engine-a", pid: 1, host: "h", command: "c", since: T0 }, 15_000, T0);
        const [owned] = await store.acquireExecutions("engine-a", ["e1"], T0);
        const fence = (epoch: number) => ({ engineId: "engine-a", executions: [{ executionId: "e1", epoch }] });
        const [startEvent] = await store.dueEvents(T0, 10);
        const stale = await store.commitGroups([[{ consumed: [startEvent?.id ?? -1], nodes: [node("e1", "n1")], fence: fence(owned!.epoch + 1) }]]);
        expect(stale.map((r) => (r as StoreConflictError | undefined)?.reason)).toEqual(["fenced"]);
        expect(await store.listNodes("e1")).toEqual([]);
        const twice = await store.commitGroups([[
          { consumed: [startEvent?.id ?? -1], nodes: [node("e1", "n1")], fence: fence(owned!.epoch) },
          { consumed: [startEvent?.id ?? -1], nodes: [node("e1", "n2")], fence: fence(owned!.epoch) }, // consumed twice
        ]]);
        expect(twice.map((r) => (r as StoreConflictError | undefined)?.reason)).toEqual(["eventConsumed"]);
        expect(await store.listNodes("e1")).toEqual([]);
        const ok = await store.commitGroups([[
          { consumed: [startEvent?.id ?? -1], nodes: [node("e1", "n1")], fence: fence(owned!.epoch) },
          { consumed: [], enqueue: [item("e1", "n1")], fence: fence(owned!.epoch) },
        ]]);
        expect(ok).toEqual([undefined]);
        expect((await store.listNodes("e1")).map((n) => n.path)).toEqual(["n1"]);
        expect((await store.claimTasks("w", 10, LEASE, T0)).map((c) => c.id)).toEqual([item("e1", "n1").id]);
      });
    });

    describe("engines and ownership", () => {
      const LEASE_E = 15_000;
      const engineA = { id: "engine-a", pid: 1, host: "h1", command: "aloft serve", since: T0 };
      const engineB = { id: "engine-b", pid: 2, host: "h2", command: "aloft serve", since: T0 + 1 };

      it("records engines with leases; only live ones are listed, oldest first", async () => {
        await store.renewEngine(engineB, LEASE_E, T0);
        await store.renewEngine(engineA, LEASE_E, T0);
        expect((await store.liveEngines(T0)).map((e) => e.id)).toEqual(["engine-a", "engine-b"]);
        expect(await store.liveEngines(T0)).toContainEqual({ ...engineA, expiresAt: T0 + LEASE_E });
        await store.renewEngine(engineA, LEASE_E, T0 + 10_000);
        expect((await store.liveEngines(T0 + LEASE_E)).map((e) => e.id)).toEqual(["engine-a"]);
      });

      it("hands an execution to one live engine at a time; the other sees none of its events until the owner's lease expires, then takes it one epoch higher", async () => {
        await store.createExecution(execution("e1"), start("e1"));
        await store.createExecution(execution("e2"), start("e2"));
        await store.renewEngine(engineA, LEASE_E, T0);
        await store.renewEngine(engineB, LEASE_E, T0);
        expect((await store.dueEventsFor("engine-a", T0, 10)).map((e) => e.executionId)).toEqual(["e1", "e2"]);
        expect(await store.acquireExecutions("engine-a", ["e1", "e1"], T0)).toEqual([{ executionId: "e1", epoch: 1 }]);
        expect(await store.acquireExecutions("engine-a", ["e1"], T0 + 1)).toEqual([{ executionId: "e1", epoch: 1 }]); // already its own
        expect(await store.acquireExecutions("engine-b", ["e1", "e2", "nope"], T0)).toEqual([{ executionId: "e2", epoch: 1 }]);
        expect((await store.dueEventsFor("engine-b", T0, 10)).map((e) => e.executionId)).toEqual(["e2"]);
        expect((await store.dueEventsFor("engine-a", T0, 10)).map((e) => e.executionId)).toEqual(["e1"]);
        // engine-a stops renewing: past its lease, engine-b sees and takes e1
        await store.renewEngine(engineB, LEASE_E, T0 + 10_000);
        const later = T0 + LEASE_E + 1;
        expect((await store.dueEventsFor("engine-b", later, 10)).map((e) => e.executionId)).toEqual(["e1", "e2"]);
        expect(await store.acquireExecutions("engine-b", ["e1"], later)).toEqual([{ executionId: "e1", epoch: 2 }]);
        expect((await store.liveEngines(later)).map((e) => e.id)).toEqual(["engine-b"]);
      });

      it("refuses a step from an engine that lost the execution (fenced), writing nothing; the owner's step goes through", async () => {
        await store.createExecution(execution("e1"), start("e1"));
        await store.renewEngine(engineA, LEASE_E, T0);
        const [ev] = await store.dueEvents(T0, 1);
        const [held] = await store.acquireExecutions("engine-a", ["e1"], T0);
        const later = T0 + LEASE_E + 1;
        await store.renewEngine(engineB, LEASE_E, later);
        const [taken] = await store.acquireExecutions("engine-b", ["e1"], later);
        const step: StepCommit = { consumed: [ev?.id ?? -1], executions: [execution("e1", { phase: "running" })], enqueue: [item("e1", "n1")] };
        const err = await store.commit({ ...step, fence: { engineId: "engine-a", executions: [held!] } }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StoreConflictError);
        expect((err as StoreConflictError).reason).toBe("fenced");
        expect((err as Error).message).toContain('engine "engine-a" no longer owns execution "e1"');
        expect((await store.getExecution("e1"))?.phase).toBe("queued");
        expect(await store.claimTasks("w", 10, LEASE, later)).toEqual([]);
        // engine-a taking it back later is a new epoch: its old copy is still fenced off
        await store.commit({ ...step, fence: { engineId: "engine-b", executions: [taken!] } });
        expect((await store.getExecution("e1"))?.phase).toBe("running");
      });

      it("gives executions a step creates to the committing engine, at epoch 1", async () => {
        await store.createExecution(execution("parent"), start("parent"));
        await store.renewEngine(engineA, LEASE_E, T0);
        const [held] = await store.acquireExecutions("engine-a", ["parent"], T0);
        await store.commit({ consumed: [], createExecutions: [execution("child")], events: [start("child")], fence: { engineId: "engine-a", executions: [held!] } });
        await store.renewEngine(engineB, LEASE_E, T0);
        expect((await store.dueEventsFor("engine-b", T0, 10)).map((e) => e.executionId)).toEqual([]);
        expect(await store.acquireExecutions("engine-a", ["child"], T0)).toEqual([{ executionId: "child", epoch: 1 }]);
      });

      it("creates an execution owned by the engine named at createExecution, at epoch 1 and fenced as such; one created without an owner is no engine's", async () => {
        await store.renewEngine(engineA, LEASE_E, T0);
        await store.renewEngine(engineB, LEASE_E, T0);
        await store.createExecution(execution("mine"), start("mine"), "engine-a");
        await store.createExecution(execution("free"), start("free"));
        expect((await store.dueEventsFor("engine-b", T0, 10)).map((e) => e.executionId)).toEqual(["free"]);
        expect((await store.dueEventsFor("engine-a", T0, 10)).map((e) => e.executionId)).toEqual(["mine", "free"]);
        expect(await store.acquireExecutions("engine-b", ["mine"], T0)).toEqual([]);
        const [ev] = await store.dueEventsFor("engine-a", T0, 1);
        const fenced = await store.commit({ consumed: [ev?.id ?? -1], executions: [execution("mine", { phase: "running" })], fence: { engineId: "engine-a", executions: [{ executionId: "mine", epoch: 2 }] } }).catch((e: unknown) => e);
        expect((fenced as StoreConflictError).reason).toBe("fenced");
        await store.commit({ consumed: [ev?.id ?? -1], executions: [execution("mine", { phase: "running" })], fence: { engineId: "engine-a", executions: [{ executionId: "mine", epoch: 1 }] } });
        expect((await store.getExecution("mine"))?.phase).toBe("running");
        expect(await store.acquireExecutions("engine-a", ["mine"], T0 + 1)).toEqual([{ executionId: "mine", epoch: 1 }]); // already its own
        // past engine-a's lease, engine-b takes it one epoch higher
        const later = T0 + LEASE_E + 1;
        await store.renewEngine(engineB, LEASE_E, later);
        expect(await store.acquireExecutions("engine-b", ["mine", "free"], later)).toEqual([
          { executionId: "mine", epoch: 2 },
          { executionId: "free", epoch: 1 },
        ]);
        await expect(store.createExecution(execution("mine"), start("mine"), "engine-b")).rejects.toThrow(DuplicateExecutionError);
      });

      it("hands out again at once the items a dead engine's own workers leased, when another engine finds it dead; other workers keep theirs", async () => {
        await store.createExecution(execution("e1"), start("e1"));
        await drain();
        await enqueue(item("e1", "n1"), item("e1", "n2"));
        await store.renewEngine(engineA, LEASE_E, T0);
        const [mine] = await store.claimTasks("engine-a/pool", 1, 60_000, T0);
        const [theirs] = await store.claimTasks("elsewhere-9", 1, 60_000, T0);
        await store.acquireExecutions("engine-a", ["e1"], T0);
        const later = T0 + LEASE_E + 1;
        expect(await store.claimTasks("w2", 10, LEASE, later)).toEqual([]); // the worker leases (60 s) still run
        await store.renewEngine(engineB, LEASE_E, later);
        expect(await store.acquireExecutions("engine-b", ["e1"], later)).toEqual([{ executionId: "e1", epoch: 2 }]);
        const again = await store.claimTasks("w2", 10, LEASE, later);
        expect(again.map((c) => [c.id, c.systemAttempts])).toEqual([[mine?.id, 1]]);
        expect(await store.heartbeat(theirs?.id ?? "", theirs?.leaseToken ?? "", LEASE, later)).toBe(true);
        expect(await store.heartbeat(mine?.id ?? "", mine?.leaseToken ?? "", LEASE, later)).toBe(false);
      });

      it("retireEngines ends every other engine at once (their executions free, their workers' items handed out again); releaseEngine frees one's own", async () => {
        await store.createExecution(execution("e1"), start("e1"));
        await store.createExecution(execution("e2"), start("e2"));
        await store.renewEngine(engineA, LEASE_E, T0);
        await store.acquireExecutions("engine-a", ["e1"], T0);
        await store.commit({ consumed: [], enqueue: [item("e1", "n1")] });
        await store.claimTasks("engine-a/pool", 1, 60_000, T0);
        await store.renewEngine(engineB, LEASE_E, T0 + 1);
        expect(await store.retireEngines("engine-b", T0 + 2)).toEqual(["engine-a"]);
        expect((await store.liveEngines(T0 + 2)).map((e) => e.id)).toEqual(["engine-b"]);
        expect((await store.claimTasks("w", 1, LEASE, T0 + 2)).map((c) => c.systemAttempts)).toEqual([1]);
        expect(await store.acquireExecutions("engine-b", ["e1", "e2"], T0 + 2)).toEqual([
          { executionId: "e1", epoch: 2 },
          { executionId: "e2", epoch: 1 },
        ]);
        await store.releaseEngine("engine-b");
        expect(await store.liveEngines(T0 + 2)).toEqual([]);
        await store.renewEngine(engineA, LEASE_E, T0 + 3);
        expect(await store.acquireExecutions("engine-a", ["e2"], T0 + 3)).toEqual([{ executionId: "e2", epoch: 2 }]);
      });
    });

    describe("close", () => {
      it("refuses every use after close, and may be closed twice", async () => {
        await store.close();
        await store.close();
        await expect(store.getExecution("e1")).rejects.toBeInstanceOf(AloftError);
        await expect(store.claimTasks("w", 1, LEASE, T0)).rejects.toThrow(/closed/);
        await expect(store.commit({ consumed: [] })).rejects.toThrow(/closed/);
      });
    });
  });
}
