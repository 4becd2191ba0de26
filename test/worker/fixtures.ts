/**
 * User modules for the worker tests, written to a temporary directory (a
 * TypeScript one and a JavaScript one, both importing `aloft`), and helpers to
 * enqueue their tasks in a store the way the engine does.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileBundle } from "aloft";
import type { LiteralMap, TaskSpec } from "aloft";
import { definitionOf } from "../../src/sdk/entity.js";
import { specDigest } from "../../src/engine/digest.js";
import { toLiteral } from "../../src/types/literal.js";
import type { TaskItemOptions } from "../../src/engine/events.js";
import type { EntityKey, ExecutionRow, InboxEvent, Store, TaskItem } from "../../src/store/store.js";

/** A result event with its fields open to look into (tests compare them loosely). */
export type ResultBody = InboxEvent["body"] & Readonly<Record<string, unknown>>;

function pathOf(body: InboxEvent["body"]): string {
  return "path" in body ? body.path : "";
}

export const FLOWS_TS = `
import { appendFileSync, writeFileSync } from "node:fs";
import { task, dynamic, workflow, LaunchPlan, t, NonRetryableError, RecoverableError } from "aloft";

const label: string = "typescript";

export const add = task({ name: "add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
export const whoami = task({ name: "whoami", outputs: { pid: t.int, lang: t.str } }, () => ({ pid: process.pid, lang: label }));
export const flaky = task({ name: "flaky", inputs: { n: t.int }, outputs: t.int }, ({ n }) => {
  throw new RecoverableError("flaky failed on " + n);
});
export const doomed = task({ name: "doomed", inputs: { n: t.int }, outputs: t.int }, ({ n }) => {
  throw new NonRetryableError("doomed refuses " + n);
});
export const polite = task({ name: "polite", inputs: { ms: t.int, log: t.str }, outputs: t.int }, ({ ms, log }, ctx) =>
  new Promise<number>((resolve, reject) => {
    appendFileSync(log, "started\\n");
    const timer = setTimeout(() => resolve(ms), ms);
    ctx.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      appendFileSync(log, "aborted: " + String(ctx.signal.reason) + "\\n");
      reject(ctx.signal.reason);
    });
  }),
);
export const rude = task({ name: "rude", inputs: { ms: t.int }, outputs: t.int }, ({ ms }) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {}
  return ms;
});
export const crash = task({ name: "crash", inputs: { code: t.int }, outputs: t.int }, ({ code }) => process.exit(code));
export const counted = task(
  { name: "counted", inputs: { x: t.int, log: t.str, ms: t.int }, outputs: t.int, cache: { version: "1", serialize: true, ignoredInputs: ["log", "ms"] } },
  async ({ x, log, ms }) => {
    appendFileSync(log, "start " + Date.now() + "\\n");
    await new Promise((r) => setTimeout(r, ms));
    appendFileSync(log, "end " + Date.now() + "\\n");
    return x * 10;
  },
);
export const squares = dynamic({ name: "squares", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) => {
  const out = [];
  for (let i = 0; i < n; i++) out.push(add({ a: i, b: i }));
  return out;
});
const hidden = task({ name: "hidden", inputs: { s: t.str }, outputs: t.str }, ({ s }) => s + "!");
export const usesHidden = workflow({ name: "uses_hidden", inputs: { s: t.str } }, ({ s }) => hidden({ s }));
export const usesHiddenPlan = LaunchPlan.create("uses_hidden_lp", usesHidden);
export const touch = task({ name: "touch", inputs: { file: t.str } }, ({ file }) => writeFileSync(file, "ran"));
`;

export const MORE_MJS = `
import { task, t } from "aloft";
export const shout = task({ name: "shout", inputs: { s: t.str }, outputs: t.str }, ({ s }) => s.toUpperCase());
`;

export const BROKEN_MJS = `
throw new Error("this module is broken on purpose");
`;

/** A temporary directory with the fixture modules. */
export function writeFixtures(): { dir: string; flows: string; more: string; broken: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "aloft-worker-"));
  const flows = path.join(dir, "flows.ts");
  const more = path.join(dir, "more.mjs");
  const broken = path.join(dir, "broken.mjs");
  // An ESM project, as Aloft's users have (Aloft is ESM-only).
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(flows, FLOWS_TS);
  writeFileSync(more, MORE_MJS);
  writeFileSync(broken, BROKEN_MJS);
  return { dir, flows, more, broken };
}

export const KEY = { project: "p", domain: "d", version: "v1" } as const;

/** The registered spec of the task named `name` that `entity` compiles (as the engine registers it). */
export function registeredSpec(entity: unknown, name: string, key: Omit<EntityKey, "name"> = KEY): TaskSpec {
  const def = definitionOf(entity);
  if (!def) throw new Error(`not an entity: ${String(entity)}`);
  const bundle = compileBundle(def, key);
  const spec = [...bundle.tasks.values()].find((s) => s.template?.id?.name === name);
  if (!spec) throw new Error(`no task ${name}`);
  return spec;
}

/** Inputs as a LiteralMap, typed by the spec's interface. */
export function literalInputs(spec: TaskSpec, values: Record<string, unknown>): LiteralMap {
  const variables = spec.template?.interface?.inputs?.variables ?? {};
  const literals: NonNullable<LiteralMap["literals"]> = {};
  for (const [name, v] of Object.entries(values)) literals[name] = toLiteral(variables[name]!.type!, v);
  return { literals };
}

let seq = 0;

/** A task item for the task `name` of `entity`, as the engine enqueues it. */
export function taskItem(
  entity: unknown,
  name: string,
  values: Record<string, unknown>,
  options: Partial<TaskItemOptions> = {},
  extra: { executionId?: string; path?: string; attempt?: number } = {},
): TaskItem {
  const spec = registeredSpec(entity, name);
  const executionId = extra.executionId ?? "e1";
  const p = extra.path ?? `n${seq++}`;
  const attempt = extra.attempt ?? 1;
  return {
    id: `${executionId}|${p}|${attempt}`,
    executionId,
    path: p,
    attempt,
    systemAttempts: 0,
    maxSystemAttempts: 3,
    task: { ...KEY, name },
    inputs: literalInputs(spec, values),
    options: { taskDigest: specDigest(spec), ...options },
    readyAt: 0,
  };
}

function executionRow(id: string): ExecutionRow {
  const now = Date.now();
  return {
    id,
    project: KEY.project,
    domain: KEY.domain,
    workflow: { ...KEY, name: "wf" },
    launchPlan: undefined,
    phase: "running",
    inputs: { literals: {} },
    outputs: undefined,
    error: undefined,
    settings: { overwriteCache: false },
    lineage: {},
    live: { pendingAnswers: {} },
    createdAt: now,
    startedAt: now,
    endedAt: undefined,
    updatedAt: now,
  };
}

/** Creates the execution `id` (if new) and enqueues `items`, consuming its start event. */
export async function enqueue(store: Store, items: readonly TaskItem[], executionId = "e1"): Promise<void> {
  if (!(await store.getExecution(executionId))) {
    await store.createExecution(executionRow(executionId), { executionId, body: { type: "start" } });
    const [start] = await store.dueEvents(Date.now(), 1000).then((es) => es.filter((e) => e.executionId === executionId && e.body.type === "start"));
    await store.commit({ consumed: start ? [start.id] : [], enqueue: items });
    return;
  }
  await store.commit({ consumed: [], enqueue: items });
}

/** Waits until the store holds the result events of the given node paths, and consumes them. */
export async function results(store: Store, paths: readonly string[], timeoutMs = 60_000): Promise<Map<string, ResultBody>> {
  const found = new Map<string, ResultBody>();
  const deadline = Date.now() + timeoutMs;
  while (found.size < paths.length) {
    const due = await store.dueEvents(Date.now() + 60_000, 1000);
    const mine = due.filter((e) => paths.includes(pathOf(e.body)) && !found.has(pathOf(e.body)));
    for (const e of mine) found.set(pathOf(e.body), e.body as ResultBody);
    if (mine.length > 0) await store.commit({ consumed: mine.map((e) => e.id) });
    if (found.size < paths.length) {
      if (Date.now() > deadline) throw new Error(`no result for ${paths.filter((p) => !found.has(p)).join(", ")} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return found;
}

/** The one result of `path`. */
export async function result(store: Store, p: string, timeoutMs?: number): Promise<ResultBody> {
  return (await results(store, [p], timeoutMs)).get(p)!;
}
