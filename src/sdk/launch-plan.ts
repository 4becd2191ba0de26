/**
 * `LaunchPlan`: a workflow with default and fixed inputs (and, later, a
 * schedule). A launch plan is an entity: it can be run, called in a body, or
 * added to a workflow as a node.
 *
 * @module
 */
import type { Simplify, TypeRecord, ValuesOf } from "../types/type.js";
import { InvalidNameError, LaunchPlanError } from "../errors.js";
import { validatorFor } from "../types/validate.js";
import { describeType } from "../types/describe.js";
import { canonicalJson } from "../types/canonical.js";
import { INTERNAL, definitionOf, makeCallable, runnableMethods, type Entity, type EntityLike, type LaunchPlanDefinition } from "./entity.js";
import { makeInterface, type OutputsSpec } from "./interface.js";
import { callEntity } from "./call.js";
import type { Workflow } from "./workflow-builder.js";
import { checkSchedule, type ScheduleOption } from "./schedule.js";

/**
 * Settings of a launch plan.
 *
 * @example
 * ```ts
 * LaunchPlan.create("regression_lp", regression, { defaultInputs: { y: [1, 2, 3] }, fixedInputs: { x: [0, 1, 2] }, maxParallelism: 4 });
 * ```
 */
export interface LaunchPlanOptions<I extends TypeRecord, Dflt = Partial<ValuesOf<I>>, Fx = Partial<ValuesOf<I>>> {
  /** Values used for inputs the caller does not give. */
  readonly defaultInputs?: Dflt;
  /** Values that callers cannot change; these inputs leave the plan's interface. */
  readonly fixedInputs?: Fx;
  /** How many nodes of an execution may run at once. */
  readonly maxParallelism?: number;
  /** Run on a schedule while an engine runs (a cron expression or a fixed rate). */
  readonly schedule?: ScheduleOption;
}

/**
 * A launch plan of a workflow with inputs `I` (those in `D` have defaults) and outputs `O`.
 *
 * @example
 * ```ts
 * const lp = LaunchPlan.create("regression_lp", regression, { defaultInputs: { y: [7, 4, -2] } });
 * await lp.run({ x: [-3, 0, 3] }); // { wf_output: 3 }
 * ```
 */
export type LaunchPlan<I extends TypeRecord, O extends OutputsSpec, D extends PropertyKey = never> = Entity<I, O, D> & { readonly kind: "launchPlan" };

type WorkflowLike<I extends TypeRecord, O extends OutputsSpec> = Entity<I, O, PropertyKey> | Entity<I, O> | Workflow;

/** The inputs left open by fixing those in `Fx`. */
type OpenInputs<I extends TypeRecord, Fx> = Simplify<Omit<I, keyof Fx & keyof I>>;

const plans = new Map<string, { def: LaunchPlanDefinition; entity: EntityLike }>();

const planPrototype = {
  ...runnableMethods,
  toString(this: EntityLike) {
    return `LaunchPlan(${this.name})`;
  },
};

function sameValues(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function checkValues(kind: string, values: unknown, name: string, inputs: TypeRecord): Record<string, unknown> {
  if (values === undefined) return {};
  if (typeof values !== "object" || values === null || Array.isArray(values)) throw new LaunchPlanError(`launch plan ${JSON.stringify(name)}: ${kind} must be a record of input values`, { entity: name });
  for (const [k, v] of Object.entries(values)) {
    const type = Object.prototype.hasOwnProperty.call(inputs, k) ? inputs[k] : undefined;
    if (!type) throw new LaunchPlanError(`launch plan ${JSON.stringify(name)}: ${kind} names ${JSON.stringify(k)}, which is not an input of the workflow (inputs: ${Object.keys(inputs).join(", ") || "none"})`, { entity: name });
    const problem = validatorFor(type.literalType)(v);
    if (problem !== undefined) throw new LaunchPlanError(`launch plan ${JSON.stringify(name)}: ${kind} value of ${JSON.stringify(k)} does not fit ${describeType(type.literalType)}: ${problem}`, { entity: name });
  }
  return { ...(values as Record<string, unknown>) };
}

function create<I extends TypeRecord, O extends OutputsSpec, const Dflt extends Partial<ValuesOf<I>> = {}, const Fx extends Partial<ValuesOf<I>> = {}>(
  name: string,
  wf: WorkflowLike<I, O>,
  options: LaunchPlanOptions<I, Dflt, Fx> = {},
): LaunchPlan<OpenInputs<I, Fx>, O, keyof Dflt> {
  type Result = LaunchPlan<OpenInputs<I, Fx>, O, keyof Dflt>;
  if (typeof name !== "string" || name.trim() === "") throw new InvalidNameError("a launch plan needs a non-empty name");
  const wdef = definitionOf(wf);
  if (!wdef || wdef.kind !== "workflow") throw new LaunchPlanError(`launch plan ${JSON.stringify(name)} needs a workflow, got ${String(wf)}`, { entity: name });
  const inputs = wdef.interface.inputs;
  const defaults = checkValues("defaultInputs", options.defaultInputs, name, inputs);
  const fixed = checkValues("fixedInputs", options.fixedInputs, name, inputs);
  for (const k of Object.keys(fixed)) {
    if (k in defaults) throw new LaunchPlanError(`launch plan ${JSON.stringify(name)}: input ${JSON.stringify(k)} is both a default and a fixed input`, { entity: name });
  }
  const mp = options.maxParallelism;
  if (mp !== undefined && (!Number.isSafeInteger(mp) || mp < 1)) throw new LaunchPlanError(`launch plan ${JSON.stringify(name)}: maxParallelism must be a whole number of at least 1`, { entity: name });
  const schedule = options.schedule === undefined ? undefined : checkSchedule(options.schedule, name, Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.literalType])));
  if (schedule?.kickoffTimeInput !== undefined && Object.prototype.hasOwnProperty.call(fixed, schedule.kickoffTimeInput)) {
    throw new LaunchPlanError(`launch plan ${JSON.stringify(name)}: the kickoff time input ${JSON.stringify(schedule.kickoffTimeInput)} cannot also be fixed`, { entity: name });
  }
  const existing = plans.get(name);
  if (existing) {
    const e = existing.def;
    if (e.workflow === wf && sameValues(e.defaults, defaults) && sameValues(e.fixed, fixed) && e.maxParallelism === mp && canonicalJson(e.schedule ?? null) === canonicalJson(schedule ?? null)) {
      return existing.entity as Result;
    }
    throw new LaunchPlanError(`a launch plan named ${JSON.stringify(name)} already exists with different settings; give this one another name`, { entity: name });
  }
  const open: Record<string, (typeof inputs)[string]> = {};
  for (const [k, v] of Object.entries(inputs)) if (!(k in fixed)) open[k] = v;
  const def: LaunchPlanDefinition = {
    kind: "launchPlan",
    name,
    interface: makeInterface(open, wdef.interface.outputs, wdef.interface.shape, new Set(Object.keys(defaults))),
    workflow: wf as EntityLike,
    defaults,
    fixed,
    maxParallelism: mp,
    schedule,
  };
  const entity = makeCallable<Result>(planPrototype, (...args) => callEntity(def, args), { kind: "launchPlan", name, interface: def.interface, [INTERNAL]: def });
  plans.set(name, { def, entity });
  return entity;
}

/**
 * Launch plans, as in Flyte.
 *
 * @example
 * ```ts
 * const lp = LaunchPlan.create("regression_lp", wf, { defaultInputs: { y: [7, 4, -2] } });
 * await lp.run({ x: [-3, 0, 3] });            // { wf_output: 3 }
 * const dflt = LaunchPlan.getOrCreate(wf);     // the default plan, named after the workflow
 * ```
 */
export const LaunchPlan = {
  /** Creates a launch plan; a second plan under the same name must have the same settings. */
  create,
  /** The default launch plan of a workflow (no defaults, nothing fixed), named after it. */
  getOrCreate<I extends TypeRecord, O extends OutputsSpec>(wf: WorkflowLike<I, O>): LaunchPlan<I, O> {
    type Result = LaunchPlan<I, O>;
    const wdef = definitionOf(wf);
    if (!wdef || wdef.kind !== "workflow") throw new LaunchPlanError(`LaunchPlan.getOrCreate needs a workflow, got ${String(wf)}`);
    const existing = plans.get(wdef.name);
    if (existing && existing.def.workflow === wf) return existing.entity as Result;
    return create(wdef.name, wf) as unknown as Result;
  },
} as const;
