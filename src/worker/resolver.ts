/**
 * Task resolution: from a task item's registered key (project, domain, name,
 * version) and digest to the code that runs it, found among the entities the
 * worker's modules export.
 *
 * Every exported root (task, workflow of either kind, launch plan, map task)
 * is compiled with the item's project, domain and version; the task whose
 * template is named like the item's is the one, if its spec has the digest the
 * engine registered. A worker with other code than the one registered refuses
 * to run the task rather than run something else under its name.
 *
 * The spec does not hold the code, so the digest alone cannot tell today's
 * code from the code an older version was registered with (a relaunch or a
 * recovery of an execution started before the code changed). A version Aloft
 * computed (the default: a hash of the specs and the code of every task of the
 * root) can: an item names the entity its execution was started as, and when
 * the worker's modules have that entity, compiling them without a version must
 * give it the item's version; otherwise the item is refused with `TaskVersionError`.
 * A version the user chose is the user's promise about the code, as in Flyte;
 * an entity the modules do not export (a workflow loaded from text, a launch
 * plan made elsewhere) cannot be checked, and the digest is the check.
 *
 * @module
 */
import type { TaskSpec, TaskTemplate } from "../idl/specs.js";
import { NonRetryableError } from "../errors.js";
import { compileBundle, type TaskImplementation } from "../compiler/compile.js";
import { definitionOf, describeEntity, type EntityDefinition } from "../sdk/entity.js";
import { specDigest } from "../engine/digest.js";
import { tasksNamed } from "../sdk/known-tasks.js";
import { mapTask } from "../sdk/map-task.js";
import { mappedTaskName } from "../rules/node-ids.js";
import type { MapSettings } from "../store/events.js";
import { planTask, type PlannedTask } from "../local/targets/task.js";
import type { EntityKey } from "../store/store.js";
import type { TaskItemRoot } from "../store/events.js";

/** A module the worker loaded: its file (for messages) and its exports. */
export interface LoadedModule {
  /** The file, as given to the worker. */
  readonly file: string;
  /** The module's exports. */
  readonly exports: Readonly<Record<string, unknown>>;
}

/** An entity exported by a module. */
export interface ExportedEntity {
  /** The file that exports it. */
  readonly file: string;
  /** The export's name (`default` for a default export). */
  readonly exportName: string;
  /** The exported value (a task, workflow, launch plan or map task). */
  readonly value: unknown;
  /** Its definition. */
  readonly definition: EntityDefinition;
}

/** A task found for an item: its registered spec, its code, and the checks of its values. */
export interface ResolvedTask {
  /** The registered key it was resolved for. */
  readonly key: EntityKey;
  /** The compiled spec, identical to the registered one. */
  readonly spec: TaskSpec;
  /** The spec's template. */
  readonly template: TaskTemplate;
  /** The task's code. */
  readonly impl: TaskImplementation;
  /** The template and code with the checks of its inputs and outputs (what `invokeTask` runs). */
  readonly planned: PlannedTask;
}

/**
 * The worker cannot run a task item: no loaded module has the task, or its
 * code differs from the registered version. The attempt fails without retry.
 *
 * @example
 * ```ts
 * try { resolver.resolve(key, digest); } catch (e) { if (e instanceof TaskResolutionError) console.error(e.task, e.version); }
 * ```
 */
export class TaskResolutionError extends NonRetryableError {
  override name = "TaskResolutionError";
  constructor(
    message: string,
    /** The task's name. */
    readonly task: string,
    /** The registered version. */
    readonly version: string,
  ) {
    super(message);
  }
}

/**
 * The worker does not have the task at the version the execution runs: its
 * modules give the task another version, computed from other code. The
 * attempt fails without retry and the execution fails naming both versions,
 * rather than mix today's code into an execution of another version.
 *
 * @example
 * ```ts
 * // TaskVersionError: the worker does not have task "double" at version "3f1c9a0b7d2e4f61": its modules give it version "9d2e..." (other code) ...
 * ```
 */
export class TaskVersionError extends TaskResolutionError {
  override name = "TaskVersionError";
  /** The stable code of this error. */
  readonly code = "TASK_VERSION_UNAVAILABLE";
  constructor(
    message: string,
    task: string,
    version: string,
    /** The versions the worker's modules give the entity the execution runs. */
    readonly loaded: string,
  ) {
    super(message, task, version);
  }
}

/** The shape of the versions Aloft computes (`compile` without a version). */
const COMPUTED_VERSION = /^[0-9a-f]{16}$/;


interface Candidate {
  readonly spec: TaskSpec;
  readonly digest: string;
  readonly impl: TaskImplementation;
  planned?: PlannedTask;
}

interface Target {
  /** Candidates by task name: usually one; two when two different tasks share a name in different roots. */
  readonly tasks: Map<string, Candidate[]>;
  /** Roots that did not compile for this target, with why. */
  readonly failures: string[];
}

/**
 * Collects every entity among the modules' exports, each value once (an
 * entity exported under two names, or by two modules, is listed once).
 *
 * @example
 * ```ts
 * collectEntities([{ file: "flows.ts", exports: await import("./flows.ts") }]).map((e) => e.definition.name);
 * ```
 */
export function collectEntities(modules: readonly LoadedModule[]): ExportedEntity[] {
  const seen = new Set<unknown>();
  const out: ExportedEntity[] = [];
  for (const m of modules) {
    for (const [exportName, value] of Object.entries(m.exports)) {
      if (seen.has(value)) continue;
      let definition: EntityDefinition | undefined;
      try {
        definition = definitionOf(value);
      } catch {
        definition = undefined; // a workflow builder whose definition cannot be read yet: not an entity to run
      }
      if (!definition) continue;
      seen.add(value);
      out.push({ file: m.file, exportName, value, definition });
    }
  }
  return out;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Finds the code of registered tasks among the entities of loaded modules.
 * Compiles each exported root once per (project, domain, version).
 *
 * @example
 * ```ts
 * const resolver = new TaskResolver([{ file: "flows.ts", exports: await import("./flows.ts") }]);
 * const task = resolver.resolve(item.task, (item.options as TaskItemOptions).taskDigest);
 * task.impl.fn; // the task's function
 * ```
 */
export class TaskResolver {
  /** The entities found in the modules. */
  readonly entities: readonly ExportedEntity[];
  private readonly files: readonly string[];
  private readonly targets = new Map<string, Target>();
  private readonly natural = new Map<string, Map<string, Set<string>>>();

  constructor(modules: readonly LoadedModule[]) {
    this.entities = collectEntities(modules);
    this.files = modules.map((m) => m.file);
  }

  /**
   * The task registered as `key` whose spec digest is `digest`.
   *
   * @throws TaskVersionError when the modules export `root` (what the execution runs) and compiled without a version it is another version (other code).
   * @throws TaskResolutionError when no module has the task, or when the worker's task differs from the registered one.
   */
  resolve(key: EntityKey, digest: string, map?: MapSettings, root?: TaskItemRoot): ResolvedTask {
    const target = this.target(key);
    const candidates = target.tasks.get(key.name) ?? this.definedOnly(target, key) ?? this.mapElements(target, key, map);
    const label = `task ${JSON.stringify(key.name)}`;
    if (!candidates) {
      const where = this.files.length > 0 ? this.files.join(", ") : "no modules";
      const failed = target.failures.length > 0 ? `; ${target.failures.length} exported ${target.failures.length === 1 ? "entity" : "entities"} did not compile: ${target.failures.join("; ")}` : "";
      throw new TaskResolutionError(
        `the worker has no ${label}: none of the entities exported by its modules (${where}) is or uses it; export the task, or a workflow that uses it, and restart the worker${failed}`,
        key.name,
        key.version,
      );
    }
    if (root) this.checkVersion(key, root, label);
    const found = candidates.find((c) => c.digest === digest);
    if (!found) {
      throw new TaskResolutionError(`the worker's code for ${label} differs from the registered version ${key.version}; restart the worker with the same code`, key.name, key.version);
    }
    const spec = found.spec.template ?? {};
    found.planned ??= planTask(spec.id ?? {}, spec, found.impl);
    // The template the attempt reads and writes with: a map element's is the element's (planTask), not the map's.
    return { key, spec: found.spec, template: found.planned.template, impl: found.impl, planned: found.planned };
  }

  /** Refuses an item whose execution runs an entity at a computed version that the worker's own code of it does not give. */
  private checkVersion(key: EntityKey, root: TaskItemRoot, label: string): void {
    if (!COMPUTED_VERSION.test(root.version)) return;
    const versions = this.naturalVersions(key, root);
    if (versions === undefined || versions.has(root.version)) return;
    const loaded = [...versions].join(", ");
    const what = `${root.kind === "launchPlan" ? "launch plan" : "workflow"} ${JSON.stringify(root.name)}`;
    throw new TaskVersionError(
      `the worker does not have ${label} at version ${key.version}: the execution runs ${what} version ${root.version}, and the worker's modules (${this.files.join(", ")}) give it version ${loaded}, ` +
        `from other code (it changed since the execution's version was registered); run a worker with the code of version ${root.version}, or start a new execution of today's code instead of relaunching or recovering this one`,
      key.name,
      key.version,
      loaded,
    );
  }

  /**
   * The versions the modules give `root` compiled without one: every root
   * they export is compiled so, and each workflow and launch plan in its bundle
   * gets the bundle's version (a workflow registered through a launch plan has
   * the launch plan's). Undefined when the modules do not have `root`.
   */
  private naturalVersions(key: EntityKey, root: TaskItemRoot): ReadonlySet<string> | undefined {
    const id = `${key.project}\u0000${key.domain}`;
    let all = this.natural.get(id);
    if (!all) {
      all = new Map();
      for (const e of this.entities) {
        let bundle;
        try {
          bundle = compileBundle(e.definition, { project: key.project, domain: key.domain });
        } catch {
          continue; // it does not compile: target() says so when it matters
        }
        const add = (kind: TaskItemRoot["kind"], name: string, version: string) => {
          const k = `${kind}\u0000${name}`;
          let set = all!.get(k);
          if (!set) all!.set(k, (set = new Set()));
          set.add(version);
        };
        for (const spec of bundle.workflows.values()) add("workflow", spec.template?.id?.name ?? "", spec.template?.id?.version ?? "");
        // Launch plans are keyed `launchPlan:project/domain/name@version`.
        for (const k of bundle.launchPlans.keys()) {
          const rest = k.slice(k.indexOf(":") + 1);
          const at = rest.lastIndexOf("@");
          add("launchPlan", rest.slice(0, at).split("/").slice(2).join("/"), rest.slice(at + 1));
        }
      }
      this.natural.set(id, all);
    }
    return all.get(`${root.kind}\u0000${root.name}`);
  }

  /**
   * Tasks defined by the loaded modules but neither exported nor used by an
   * exported entity (a task used only inside a dynamic workflow's body): found
   * by name among every task defined in this process.
   */
  private definedOnly(target: Target, key: EntityKey): Candidate[] | undefined {
    const found: Candidate[] = [];
    for (const def of tasksNamed(key.name)) {
      try {
        const bundle = compileBundle(def, { project: key.project, domain: key.domain, version: key.version });
        for (const [idKey, spec] of bundle.tasks) {
          const impl = bundle.implementations.get(idKey);
          if (impl) found.push({ spec, digest: specDigest(spec), impl });
        }
      } catch {
        // a task that does not compile cannot be the registered one
      }
    }
    if (found.length === 0) return undefined;
    target.tasks.set(key.name, found);
    return found;
  }

  /**
   * The template of a map's elements (flytekit's `-arraynode` form) that no
   * loaded entity uses (a map built from specs, as `aloft run <specs>` does):
   * compiled from the mapped task, found by the template's name, and the
   * map's settings the task item carries.
   */
  private mapElements(target: Target, key: EntityKey, map: MapSettings | undefined): Candidate[] | undefined {
    const taskName = mappedTaskName(key.name);
    if (map === undefined || taskName === key.name) return undefined;
    const found: Candidate[] = [];
    for (const def of tasksNamed(taskName)) {
      try {
        const options = { fixed: [...map.bound], ...(map.concurrency !== undefined ? { concurrency: map.concurrency } : {}), ...(map.minSuccessRatio !== undefined ? { minSuccessRatio: map.minSuccessRatio } : {}) };
        const bundle = compileBundle(mapTask(def as never, options), { project: key.project, domain: key.domain, version: key.version });
        for (const [idKey, spec] of bundle.tasks) {
          const impl = bundle.implementations.get(idKey);
          if (impl && spec.template?.id?.name === key.name) found.push({ spec, digest: specDigest(spec), impl });
        }
      } catch {
        // a task whose map does not compile cannot be the registered one
      }
    }
    if (found.length === 0) return undefined;
    target.tasks.set(key.name, found);
    return found;
  }

  private target(key: EntityKey): Target {
    const id = `${key.project}\u0000${key.domain}\u0000${key.version}`;
    let target = this.targets.get(id);
    if (target) return target;
    target = { tasks: new Map(), failures: [] };
    for (const e of this.entities) {
      let bundle;
      try {
        bundle = compileBundle(e.definition, { project: key.project, domain: key.domain, version: key.version });
      } catch (err) {
        target.failures.push(`${describeEntity(e.definition)} (export ${e.exportName} of ${e.file}): ${message(err)}`);
        continue;
      }
      for (const [idKey, spec] of bundle.tasks) {
        const impl = bundle.implementations.get(idKey);
        const name = spec.template?.id?.name;
        if (!impl || name === undefined) continue;
        const digest = specDigest(spec);
        const list = target.tasks.get(name);
        if (!list) target.tasks.set(name, [{ spec, digest, impl }]);
        else if (!list.some((c) => c.digest === digest)) list.push({ spec, digest, impl });
      }
    }
    this.targets.set(id, target);
    return target;
  }
}
