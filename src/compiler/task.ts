/**
 * Compiling a task definition to a flyteidl `TaskTemplate`.
 *
 * @module
 */
import type { Identifier } from "../idl/core.js";
import type { Container, Resources, ResourceName, TaskMetadata, TaskTemplate } from "../idl/specs.js";
import type { TaskDefinition } from "../sdk/entity.js";
import type { ResourceSpec } from "../sdk/task-options.js";
import type { TypeRecord } from "../types/type.js";
import { protoDuration } from "../types/literal.js";
import { compileInterface } from "./bindings.js";
import { ALOFT_VERSION } from "../version.js";
import { containerModule, DEFAULT_IMAGE, entrypointArgs } from "./container.js";

/**
 * The task type Aloft tasks carry in their templates.
 *
 * @example
 * ```ts
 * compile(slope).template.type === TASK_TYPE; // true
 * ```
 */
export const TASK_TYPE = "aloft-task";

/** The task type of dynamic workflows (tasks that build and run a sub-graph at execution time). */
export const DYNAMIC_TASK_TYPE = "aloft-dynamic";

const RESOURCE_NAMES: Record<keyof ResourceSpec, ResourceName> = {
  cpu: "CPU",
  memory: "MEMORY",
  gpu: "GPU",
  storage: "STORAGE",
  ephemeralStorage: "EPHEMERAL_STORAGE",
};

function entries(spec: ResourceSpec): { name: ResourceName; value: string }[] {
  return (Object.keys(RESOURCE_NAMES) as (keyof ResourceSpec)[]).filter((k) => spec[k] !== undefined).map((k) => ({ name: RESOURCE_NAMES[k], value: String(spec[k]) }));
}

/**
 * Normalised resources as flyteidl `Resources`.
 *
 * @example
 * ```ts
 * resourcesOf({ requests: { cpu: "1" }, limits: { cpu: "2" } }); // { requests: [{ name: "CPU", value: "1" }], limits: [...] }
 * ```
 */
export function resourcesOf(r: NonNullable<TaskDefinition["options"]["resources"]>): Resources {
  const out: Resources = {};
  const requests = entries(r.requests);
  const limits = entries(r.limits);
  if (requests.length > 0) out.requests = requests;
  if (limits.length > 0) out.limits = limits;
  return out;
}

/**
 * How tasks get their containers: the image of tasks that name none, and the
 * module a container loads when the task's own file is unknown.
 *
 * @example
 * ```ts
 * const options: ContainerOptions = { image: "ghcr.io/acme/flows:1" };
 * ```
 */
export interface ContainerOptions {
  /** The image of tasks that name none; with it, every task gets a container. */
  readonly image?: string | undefined;
  /** The module the container loads, for tasks whose defining file is unknown. */
  readonly module?: string | undefined;
}

/**
 * The template of a map task's elements, as flytekit's `ArrayNodeMapTask`
 * registers one: the map's list interface, and a container that runs one
 * element (`aloft execute --map`, as `pyflyte-map-execute`), the bound inputs given whole.
 *
 * @example
 * ```ts
 * const map: MapElements = { inputs: def.interface.inputs, outputs: def.interface.outputs, bound: def.fixed };
 * ```
 */
export interface MapElements {
  readonly inputs: TypeRecord;
  readonly outputs: TypeRecord;
  readonly bound: readonly string[];
}

/** The environment variable a task's container carries its image in, so that a dynamic workflow's tasks run in it too. */
export const IMAGE_ENV = "ALOFT_IMAGE";

function container(def: TaskDefinition, options: ContainerOptions, map: MapElements | undefined): Container | undefined {
  const o = def.options;
  const image = o.image ?? options.image;
  if (image === undefined && o.resources === undefined) return undefined;
  const c: Container = { image: image ?? DEFAULT_IMAGE };
  const module = def.source !== undefined ? containerModule(def.source) : options.module;
  if (module !== undefined) c.args = entrypointArgs(module, def.name, map);
  if (o.resources) c.resources = resourcesOf(o.resources);
  c.env = [{ key: IMAGE_ENV, value: c.image! }];
  return c;
}

/**
 * Builds the task template of a task definition (with `map`, of a map task's
 * elements: see `MapElements`): interface, runtime
 * metadata, retries, timeout, interruptible and cache settings, and a
 * container when an image (the task's or `options.image`) or resources are
 * given: the image (default `DEFAULT_IMAGE`), and in `args` the command of
 * `aloft execute` for the module that defines the task (see `./container.ts`).
 *
 * @example
 * ```ts
 * taskTemplate(definitionOf(slope) as TaskDefinition, identifier("TASK", "slope", target)).metadata?.runtime?.flavor; // "aloft"
 * ```
 */
export function taskTemplate(def: TaskDefinition, id: Identifier, options: ContainerOptions = {}, map?: MapElements): TaskTemplate {
  const o = def.options;
  const metadata: TaskMetadata = { runtime: { type: "FLYTE_SDK", version: ALOFT_VERSION, flavor: "aloft" } };
  if (o.retries > 0) metadata.retries = { retries: o.retries };
  if (o.timeoutMs !== undefined) metadata.timeout = protoDuration(o.timeoutMs);
  if (o.interruptible !== undefined) metadata.interruptible = o.interruptible;
  if (o.cache) {
    metadata.discoverable = true;
    metadata.discoveryVersion = o.cache.version;
    if (o.cache.serialize) metadata.cacheSerializable = true;
    if (o.cache.ignoredInputs.length > 0) metadata.cacheIgnoreInputVars = [...o.cache.ignoredInputs];
  }
  const iface = map ? compileInterface(map.inputs, map.outputs) : compileInterface(def.interface.inputs, def.interface.outputs);
  const template: TaskTemplate = { id, type: def.dynamic ? DYNAMIC_TASK_TYPE : TASK_TYPE, metadata, interface: iface };
  const c = container(def, options, map);
  if (c) template.container = c;
  return template;
}
