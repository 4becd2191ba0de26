/**
 * The runner conformance harness: runs one scenario through the local
 * runner (`wf.run()`) and through the durable engine with the real worker
 * (its claim loop and attempt code, in process), and reduces what a user
 * sees of each run to one comparable observation: the outputs or the error
 * (class, message, fields and cause chain), and every node that ran with its
 * path, phase, attempts, cache status, label and error.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Engine, MemoryStore, startWorker, type AnyEntity, type WorkerHandle } from "aloft";
import type { NodeExecution, StartOptions } from "aloft";

/** One scenario: an entity, its inputs, and what a run is given. */
export interface Scenario {
  readonly name: string;
  /** A workflow or launch plan. */
  readonly entity: AnyEntity;
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** Entities the worker must export besides `entity` (tasks used only inside a dynamic body). */
  readonly also?: readonly AnyEntity[];
  /** Gate answers, given at the start of the run (`true`/`false` approve or reject). */
  readonly signals?: Readonly<Record<string, unknown>>;
  /** Runs in a row on one cache (the last is observed). */
  readonly runs?: number;
  readonly maxParallelism?: number;
  /** What the scenario must show in both runners: the outputs, or the error's class and its causes' classes. */
  readonly expect: { readonly outputs: Readonly<Record<string, unknown>> } | { readonly error: readonly string[] };
}

/** An error as a user sees it: class, message and fields, then its cause's, and so on. */
export interface ErrorShape {
  readonly name: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly handlerError?: string;
}

/** A node as a user sees it. */
export interface NodeShape {
  readonly path: string;
  readonly entity: string;
  readonly phase: string;
  readonly attempts: number;
  readonly cacheStatus: string;
  readonly error: string | undefined;
}

/** What a run showed. */
export interface Observation {
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly error?: readonly ErrorShape[];
  readonly nodes: readonly NodeShape[];
}

const FIELDS_SKIPPED = new Set(["name", "message", "stack", "cause"]);

/** The chain of an error and its causes. */
export function errorChain(e: unknown): ErrorShape[] {
  const out: ErrorShape[] = [];
  let cur: unknown = e;
  while (cur !== undefined) {
    if (!(cur instanceof Error)) {
      out.push({ name: typeof cur, message: String(cur), fields: {} });
      break;
    }
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cur)) if (!FIELDS_SKIPPED.has(k) && (v === null || ["string", "number", "boolean"].includes(typeof v))) fields[k] = v;
    const handler = (cur as { failureHandlerError?: unknown }).failureHandlerError;
    out.push({ name: cur.name, message: cur.message, fields, ...(handler instanceof Error ? { handlerError: `${handler.name}: ${handler.message}` } : {}) });
    cur = cur.cause;
  }
  return out;
}

function byPath(a: NodeShape, b: NodeShape): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

const FAST = { retryBackoff: { initial: 1, max: 4 } } as const;

/** Runs a scenario through the local runner. */
export async function observeLocal(s: Scenario): Promise<Observation> {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "aloft-conformance-cache-"));
  const workDir = mkdtempSync(path.join(os.tmpdir(), "aloft-conformance-work-"));
  let obs: Observation | undefined;
  for (let i = 0; i < (s.runs ?? 1); i++) {
    const run = (s.entity as unknown as { start: (inputs: unknown, options: unknown) => { result: Promise<Record<string, unknown>>; nodes(): NodeExecution[] } }).start(s.inputs ?? {}, {
      ...FAST,
      cacheDir,
      workDir,
      prompt: false,
      ...(s.signals ? { signals: s.signals } : {}),
      ...(s.maxParallelism ? { maxParallelism: s.maxParallelism } : {}),
    });
    let outputs: Record<string, unknown> | undefined;
    let error: ErrorShape[] | undefined;
    try {
      outputs = await run.result;
    } catch (e) {
      error = errorChain(e);
    }
    const nodes = run
      .nodes()
      .map((n) => ({ path: n.path, entity: n.entity, phase: n.phase, attempts: n.attempts, cacheStatus: n.cacheStatus, error: n.error }))
      .sort(byPath);
    obs = { ...(outputs ? { outputs } : {}), ...(error ? { error } : {}), nodes };
  }
  return obs!;
}

/** An engine on a fresh store, with a real worker running its attempts in this process. */
export interface EngineSetup {
  readonly engine: Engine;
  readonly worker: WorkerHandle;
  stop(): Promise<void>;
}

/** Starts an engine and an in-process worker for the given entities (`direct`: the engine hands it work and takes its results directly, as in the embedded setup). */
export async function startEngine(roots: readonly AnyEntity[], options: { readonly direct?: boolean } = {}): Promise<EngineSetup> {
  const store = new MemoryStore();
  const started: { worker?: WorkerHandle } = {};
  const engine = await Engine.open({ store, pollMs: 2, schedules: false, backoff: FAST.retryBackoff, onWork: () => started.worker?.wake(), onError: () => {} });
  const exports = Object.fromEntries(roots.map((r, i) => [`entity${i}`, r]));
  const worker = await startWorker({
    store,
    modules: ["(conformance scenarios)"],
    inProcess: [{ file: "(conformance scenarios)", exports }],
    concurrency: 16,
    pollMs: 2,
    blobDir: path.join(mkdtempSync(path.join(os.tmpdir(), "aloft-conformance-blobs-")), "blobs"),
    log: () => {},
    ...(options.direct ? { direct: engine } : {}),
    onReport: (r) => {
      if (!r.direct) engine.poke();
    },
  });
  if (options.direct) engine.attachWorker(worker);
  started.worker = worker;
  engine.run();
  return {
    engine,
    worker,
    stop: async () => {
      await worker.stop();
      await engine.stop();
    },
  };
}

/** Gives a signal as soon as the engine knows its gate (a gate of a dynamic workflow exists once the workflow is built). */
async function signalWhenKnown(engine: Engine, id: string, name: string, value: unknown): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      return await engine.signal(id, name, value);
    } catch (e) {
      if (tries > 500) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Runs a scenario through the engine. */
export async function observeEngine(s: Scenario, engine: Engine, start: StartOptions = {}): Promise<Observation> {
  let obs: Observation | undefined;
  for (let i = 0; i < (s.runs ?? 1); i++) {
    const exec = await engine.start(s.entity as never, (s.inputs ?? {}) as never, { ...start, ...(s.maxParallelism ? { maxParallelism: s.maxParallelism } : {}) });
    for (const [name, value] of Object.entries(s.signals ?? {})) {
      if (value === true) await engine.approve(exec.id, name);
      else if (value === false) await engine.reject(exec.id, name);
      else await signalWhenKnown(engine, exec.id, name, value);
    }
    let outputs: Record<string, unknown> | undefined;
    let error: ErrorShape[] | undefined;
    try {
      outputs = (await exec.result({ timeoutMs: 30_000 })) as Record<string, unknown>;
    } catch (e) {
      error = errorChain(e);
    }
    const nodes = (await engine.nodes(exec.id))
      .filter((n) => !n.path.endsWith("]"))
      .map((n) => ({ path: n.path, entity: n.entity, phase: n.phase, attempts: n.attempts, cacheStatus: n.cacheStatus, error: n.error }))
      .sort(byPath);
    obs = { ...(outputs ? { outputs } : {}), ...(error ? { error } : {}), nodes };
  }
  return obs!;
}
