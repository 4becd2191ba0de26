/**
 * `loadWorkflows(source, { tasks })`: workflows written down as text (flyteidl
 * specs from `pyflyte package`, Aloft pipeline files, Argo workflows), built
 * as ordinary Aloft entities with TypeScript tasks bound by name.
 *
 * @module
 */
import type { TypeRecord } from "../types/type.js";
import type { Entity, EntityLike } from "../sdk/entity.js";
import { definitionOf } from "../sdk/entity.js";
import type { Workflow } from "../sdk/workflow-builder.js";
import { canonicalJson } from "../types/canonical.js";
import { EntityNotFoundError, SpecInvalidError } from "./errors.js";
import { FlyteidlBuilder, taskUses } from "./build-flyteidl.js";
import { checkInterface, requireTasks, tasksByName, type TaskSource } from "./bind-tasks.js";
import type { SpecSet } from "./read-specs.js";

/**
 * An entity loaded from text: a workflow, or a launch plan (with its defaults
 * and fixed inputs).
 *
 * @example
 * ```ts
 * const wf: LoadedEntity = loaded.get("core.control_flow.chain_tasks.chain_tasks_wf");
 * await wf.run({});
 * ```
 */
export type LoadedEntity = Workflow | Entity<TypeRecord, TypeRecord, string>;

/**
 * The entities a text describes.
 *
 * @example
 * ```ts
 * const loaded = await loadWorkflows("_pb_output", { tasks: await import("./tasks.ts") });
 * loaded.names;                // ["core.flyte_basics.lp.my_wf", ...]
 * await loaded.get().run({});  // the only workflow
 * ```
 */
export interface LoadedWorkflows {
  /** Workflows by name (top-level ones and subworkflows). */
  readonly workflows: ReadonlyMap<string, Workflow>;
  /** Launch plans by name. */
  readonly launchPlans: ReadonlyMap<string, LoadedEntity>;
  /** The TypeScript tasks the text's tasks were bound to, by name. */
  readonly tasks: ReadonlyMap<string, EntityLike>;
  /** Names of the top-level workflows and launch plans, in the order read. */
  readonly names: readonly string[];
  /**
   * The entity to run: the launch plan or workflow named (a workflow whose
   * same-named launch plan has defaults or fixed inputs runs through that plan,
   * as flytekit's default launch plan carries the workflow's defaults), or,
   * with no name, the only top-level workflow.
   *
   * @throws EntityNotFoundError naming what the text holds.
   */
  get(name?: string): LoadedEntity;
}

/**
 * Options of `loadWorkflows`.
 *
 * @example
 * ```ts
 * const options: LoadWorkflowsOptions = { tasks: [slope, intercept] };
 * ```
 */
export interface LoadWorkflowsOptions {
  /** The TypeScript tasks the text's tasks are bound to by name: tasks, modules of them, or a list of either. */
  readonly tasks: TaskSource;
}

const ids = new WeakMap<object, number>();
let nextId = 0;
function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
}

/** Built entities by the specs and tasks they came from, so loading the same text twice gives the same entities. */
const cache = new Map<string, LoadedWorkflows>();

function cached(text: string, options: LoadWorkflowsOptions, build: (tasks: ReadonlyMap<string, EntityLike>) => LoadedWorkflows): LoadedWorkflows {
  const tasks = tasksByName(options.tasks);
  const key = canonicalJson({ text, impl: [...tasks.entries()].map(([k, v]) => [k, idOf(v)]) });
  const hit = cache.get(key);
  if (hit) return hit;
  const loaded = build(tasks);
  cache.set(key, loaded);
  return loaded;
}

function setKey(set: SpecSet, tasks: ReadonlyMap<string, EntityLike>): string {
  const plain = (m: ReadonlyMap<string, { value: unknown }>) => [...m.entries()].map(([k, v]) => [k, v.value]);
  return canonicalJson({ t: plain(set.tasks), w: plain(set.workflows), l: plain(set.launchPlans), top: set.topWorkflows, impl: [...tasks.entries()].map(([k, v]) => [k, idOf(v)]) });
}

/**
 * The result of loading: the entities by name, and `get` choosing the one to run.
 *
 * @example
 * ```ts
 * loadedOf(workflows, launchPlans, ["wf"], ["wf"], tasks).get(); // the workflow "wf"
 * ```
 */
export function loadedOf(
  workflows: ReadonlyMap<string, Workflow>,
  plans: ReadonlyMap<string, EntityLike>,
  names: readonly string[],
  topWorkflows: readonly string[],
  tasks: ReadonlyMap<string, EntityLike>,
): LoadedWorkflows {
  const launchPlans = plans as ReadonlyMap<string, LoadedEntity>;
  return {
    workflows,
    launchPlans,
    tasks,
    names,
    get(name?: string): LoadedEntity {
      if (name === undefined) {
        if (topWorkflows.length === 1) return this.get(topWorkflows[0]);
        throw new EntityNotFoundError(
          topWorkflows.length === 0 ? "the specs hold no workflow" : `the specs hold ${topWorkflows.length} workflows; name the one to run: ${topWorkflows.map((n) => JSON.stringify(n)).join(", ")}`,
        );
      }
      const lp = launchPlans.get(name);
      const wf = workflows.get(name);
      if (lp && (!wf || hasInputs(lp as EntityLike))) return lp;
      if (wf) return wf;
      throw new EntityNotFoundError(`the specs hold no workflow or launch plan ${JSON.stringify(name)} (they hold: ${names.map((n) => JSON.stringify(n)).join(", ") || "nothing"})`);
    },
  };
}

function hasInputs(lp: EntityLike): boolean {
  const def = definitionOf(lp);
  return def?.kind === "launchPlan" && (Object.keys(def.defaults).length > 0 || Object.keys(def.fixed).length > 0);
}

/**
 * Builds the entities of a set of flyteidl specs.
 *
 * @throws MissingTasksError, TaskInterfaceMismatchError, SpecUnsupportedError, SpecInvalidError.
 *
 * @example
 * ```ts
 * const loaded = entitiesOfSpecs(readSpecFiles(files), { tasks: [square] });
 * ```
 */
export function entitiesOfSpecs(set: SpecSet, options: LoadWorkflowsOptions): LoadedWorkflows {
  const tasks = tasksByName(options.tasks);
  const uses = taskUses(set);
  requireTasks(
    uses.map((u) => u.task),
    tasks,
  );
  const checked = new Set<string>();
  for (const u of uses) {
    const key = `${u.specTask}\u0000${u.task}`;
    if (checked.has(key)) continue;
    checked.add(key);
    checkInterface({ task: u.task, site: u.site, specInterface: set.tasks.get(u.specTask)?.value.interface, mapped: u.role === "mapped-list", bound: u.bound ?? [] }, tasks.get(u.task)!);
  }
  const key = setKey(set, tasks);
  const cached = cache.get(key);
  if (cached) return cached;
  const builder = new FlyteidlBuilder(set, tasks);
  const workflows = new Map<string, Workflow>();
  for (const name of set.workflows.keys()) workflows.set(name, builder.workflow(name));
  const launchPlans = new Map<string, EntityLike>();
  for (const name of set.launchPlans.keys()) launchPlans.set(name, builder.launchPlan(name));
  const names = [...set.topWorkflows, ...[...set.launchPlans.keys()].filter((n) => !set.topWorkflows.includes(n))];
  const loaded = loadedOf(workflows, launchPlans, names, set.topWorkflows, tasks);
  cache.set(key, loaded);
  return loaded;
}

/**
 * Loads the workflows a text describes and binds its tasks, by name, to
 * TypeScript tasks. `source` is a folder or `.tgz` as `pyflyte package`
 * writes it, a single flyteidl `.pb`, or flyteidl in JSON or YAML (protobuf's
 * JSON mapping). The entities are built through the imperative builder: they
 * run with `.run()`, compile with `compile()`, and register on the engine.
 * Nothing runs or is stored when loading fails.
 *
 * @throws SpecLoadError (one of its subclasses, each with a stable `code`).
 *
 * @example
 * ```ts
 * import { loadWorkflows } from "aloft";
 * import * as tasks from "./tasks.ts";
 *
 * const loaded = await loadWorkflows("_pb_output/", { tasks });
 * await loaded.get("core.control_flow.chain_tasks.chain_tasks_wf").run({});
 * ```
 */
export async function loadWorkflows(source: string, options: LoadWorkflowsOptions): Promise<LoadedWorkflows> {
  if (typeof source !== "string" || source === "") throw new SpecInvalidError("loadWorkflows(source, { tasks }) needs the path of a spec file or folder");
  if (typeof options !== "object" || options === null || options.tasks === undefined) throw new SpecInvalidError("loadWorkflows(source, { tasks }) needs the TypeScript tasks to bind: { tasks: [task, ...] } or { tasks: await import(\"./tasks.ts\") }");
  // The readers (YAML, tar) load only when text is loaded, so importing "aloft" stays quick.
  const { parseText, positionIn, readSpecFiles, specFilesOf, textOf } = await import("./read-specs.js");
  const { isPipelineDocument, PipelineBuilder } = await import("./pipeline/build-pipeline.js");
  const { Source } = await import("./pipeline/yaml-tree.js");
  const { ArgoBuilder, isArgoDocument } = await import("./argo/build-argo.js");
  const files = await specFilesOf(source);
  const only = files.length === 1 ? files[0]! : undefined;
  if (only && /\.(json|ya?ml)$/i.test(only.name)) {
    const text = textOf(only);
    const { docs, counter } = parseText(only.name, text);
    const first = docs[0];
    if (first && isPipelineDocument(first)) {
      if (docs.length > 1) throw new SpecInvalidError("a pipeline file holds one YAML document", positionIn(docs[1]!, counter, only.name, []));
      return cached(`pipeline\u0000${text}`, options, (tasks) => {
        const built = new PipelineBuilder(first, new Source(only.name, counter), tasks).build();
        return loadedOf(built.workflows, built.launchPlans, built.names, [...built.workflows.keys()], tasks);
      });
    }
    if (first && isArgoDocument(first)) {
      if (docs.length > 1) throw new SpecInvalidError("an Argo workflow file holds one YAML document", positionIn(docs[1]!, counter, only.name, []));
      return cached(`argo\u0000${text}`, options, (tasks) => {
        const built = new ArgoBuilder(first, new Source(only.name, counter), tasks).build();
        return loadedOf(built.workflows, built.launchPlans, built.names, built.names, tasks);
      });
    }
  }
  return entitiesOfSpecs(readSpecFiles(files), options);
}
