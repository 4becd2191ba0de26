/**
 * A worker that runs task attempts in the test's own process, for fast tests
 * of the engine's state machine against a real store. The real worker
 * (src/worker) runs the same protocol with task code in child processes; the
 * crash tests use it.
 */
import { compileBundle, idKey, type AnyEntity } from "aloft";
import type { LiteralMap, TaskSpec, TypedInterface } from "aloft";
import type { Store } from "../../src/store/store.js";
import type { TaskResultEvent } from "../../src/store/events.js";
import { definitionOf } from "../../src/sdk/entity.js";
import { tasksNamed } from "../../src/sdk/known-tasks.js";
import { fromLiteral, toLiteral } from "../../src/types/literal.js";
import { cacheKey } from "../../src/cache/key.js";
import { inflate, offloadLarge } from "../../src/engine/offload.js";
import type { BlobStore } from "../../src/store/blob-store.js";

interface Impl {
  readonly fn: (inputs: Record<string, unknown>, ctx: { taskName: string; attempt: number; signal: AbortSignal }) => unknown;
  readonly shape: string;
  readonly dynamic?: (inputs: Record<string, unknown>) => unknown;
  readonly spec: TaskSpec;
}

function outputsOf(iface: TypedInterface | undefined, shape: string, returned: unknown): LiteralMap {
  const vars = Object.entries(iface?.outputs?.variables ?? {});
  const literals: Record<string, unknown> = {};
  vars.forEach(([name, v], i) => {
    const value = shape === "single" ? returned : shape === "tuple" ? (returned as unknown[])[i] : (returned as Record<string, unknown>)[name];
    literals[name] = toLiteral(v.type ?? {}, value);
  });
  return { literals } as LiteralMap;
}

/** Starts an in-process claim loop for the given entities; returns a stop function. */
export function inlineWorker(store: Store, roots: readonly AnyEntity[], options: { concurrency?: number; pollMs?: number; values?: BlobStore } = {}): () => Promise<void> {
  const byVersion = new Map<string, Map<string, Impl>>();
  const resolve = (project: string, domain: string, version: string, name: string): Impl => {
    const k = `${project}/${domain}/${version}`;
    let m = byVersion.get(k);
    if (!m) {
      m = new Map();
      for (const r of roots) {
        const b = compileBundle(r, { project, domain, version });
        for (const [key, impl] of b.implementations) {
          const spec = b.tasks.get(key)!;
          m.set(spec.template!.id!.name!, { ...impl, spec } as Impl);
        }
      }
      byVersion.set(k, m);
    }
    let impl = m.get(name);
    if (!impl) {
      // A task used only inside a dynamic workflow's body: defined in this process, resolved by name.
      for (const def of tasksNamed(name)) {
        const b = compileBundle(def, { project, domain, version });
        const [key, found] = [...b.implementations][0]!;
        impl = { ...found, spec: b.tasks.get(key)! } as Impl;
        m.set(name, impl);
      }
    }
    if (!impl) throw new Error(`inline worker: no task ${name}`);
    return impl;
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      const items = await store.claimTasks("inline", options.concurrency ?? 8, 30_000, Date.now());
      await Promise.all(
        items.map(async (it) => {
          const impl = resolve(it.task.project, it.task.domain, it.task.version, it.task.name);
          const iface = impl.spec.template?.interface;
          const inputs: Record<string, unknown> = {};
          const given = await inflate(it.inputs as LiteralMap, options.values);
          for (const [k, v] of Object.entries(iface?.inputs?.variables ?? {})) {
            const l = given.literals?.[k];
            inputs[k] = l ? fromLiteral(v.type ?? {}, l) : null;
          }
          const opts = it.options as { cache?: { version: string; ignoredInputs: string[] }; overwriteCache?: boolean; dynamic?: boolean };
          let body: TaskResultEvent;
          try {
            let key: string | undefined;
            if (opts.cache) {
              key = cacheKey({ task: it.task.name, version: opts.cache.version, interface: iface, inputs, ignoredInputs: opts.cache.ignoredInputs });
              const hit = opts.overwriteCache ? undefined : await store.getCached(key);
              if (hit) {
                await store.finishTask(it.id, it.leaseToken, { body: { type: "taskSucceeded", path: it.path, attempt: it.attempt, outputs: hit.outputs as LiteralMap, cacheStatus: "hit" } }, Date.now());
                return;
              }
            }
            if (opts.dynamic && impl.dynamic) {
              const def = impl.dynamic(inputs);
              const b = compileBundle(def as never, { project: it.task.project, domain: it.task.domain, version: it.task.version });
              body = { type: "taskSucceeded", path: it.path, attempt: it.attempt, outputs: { literals: {} }, dynamic: { workflow: b.workflows.get(idKey(b.root))!, tasks: [...b.tasks.values()] } };
            } else {
              const out = await impl.fn(inputs, { taskName: it.task.name, attempt: it.attempt, signal: new AbortController().signal });
              const outputs = await offloadLarge(outputsOf(iface, impl.shape, out), options.values);
              body = { type: "taskSucceeded", path: it.path, attempt: it.attempt, outputs, ...(key ? { cacheStatus: "populated", cacheKey: key } : {}) };
            }
          } catch (e) {
            const retryable = !(e instanceof Error && e.name === "NonRetryableError");
            body = { type: "taskFailed", path: it.path, attempt: it.attempt, message: e instanceof Error ? e.message : String(e), retryable };
          }
          await store.finishTask(it.id, it.leaseToken, { body }, Date.now());
        }),
      );
      if (items.length === 0) await new Promise((r) => setTimeout(r, options.pollMs ?? 5));
    }
  })();
  void definitionOf;
  return async () => {
    running = false;
    await loop;
  };
}
