/**
 * Checking the values that cross an entity's edges, for both runners: the
 * inputs of a run (none missing, none unknown, each of its type; a launch
 * plan's defaults fill in, its fixed inputs cannot be given) and the outputs
 * of a task or workflow.
 *
 * @module
 */
import type { VariableMap } from "../idl/core.js";
import { InputValueError, OutputValueError } from "../errors.js";
import { describeType } from "../types/describe.js";
import { validatorFor, type Validator } from "../types/validate.js";

/**
 * A compiled check of one variable.
 *
 * @example
 * ```ts
 * const c: VariableCheck = variableChecks(iface.inputs)[0];
 * c.typeName; // "list<int>"
 * ```
 */
export interface VariableCheck {
  readonly name: string;
  readonly validate: Validator;
  readonly typeName: string;
  readonly optional: boolean;
}

/**
 * Compiles the checks of a variable map, in declaration order.
 *
 * @example
 * ```ts
 * const checks = variableChecks(template.interface?.inputs);
 * checks[0].validate([1, 2]); // undefined: fits
 * ```
 */
export function variableChecks(map: VariableMap | undefined): VariableCheck[] {
  return Object.entries(map?.variables ?? {}).map(([name, v]) => {
    const type = v.type ?? {};
    return {
      name,
      validate: validatorFor(type),
      typeName: describeType(type),
      optional: type.simple === "NONE" || (type.unionType?.variants ?? []).some((x) => x.simple === "NONE"),
    };
  });
}

/**
 * Checks the inputs given to a run: none missing (optional ones become
 * `null`, left-out ones take `defaults`), none unknown, each of its declared
 * type. Returns the inputs to use.
 *
 * @throws InputValueError naming the input.
 *
 * @example
 * ```ts
 * checkRunInputs(variableChecks(iface.inputs), { x: [1, 2] }, 'workflow "wf"'); // { x: [1, 2], y: null }
 * ```
 */
export function checkRunInputs(checks: readonly VariableCheck[], given: unknown, entity: string, defaults: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new InputValueError(`${entity} takes its inputs as a record, like { x: [1, 2] }; got ${String(given)}`, entity, "");
  }
  const values = given as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const known = new Set<string>();
  for (const c of checks) {
    known.add(c.name);
    let v = values[c.name];
    if (v === undefined) v = Object.prototype.hasOwnProperty.call(defaults, c.name) ? defaults[c.name] : undefined;
    if (v === undefined) {
      if (!c.optional) throw new InputValueError(`${entity} is missing input ${JSON.stringify(c.name)} (${c.typeName})`, entity, c.name);
      v = null;
    }
    const problem = c.validate(v);
    if (problem !== undefined) throw new InputValueError(`input ${JSON.stringify(c.name)} of ${entity} expects ${c.typeName}: ${problem}`, entity, c.name);
    out[c.name] = v;
  }
  for (const name of Object.keys(values)) {
    if (!known.has(name)) {
      throw new InputValueError(`${entity} has no input ${JSON.stringify(name)} (inputs: ${[...known].join(", ") || "none"})`, entity, name);
    }
  }
  return out;
}

/**
 * Checks one output value; throws `OutputValueError` naming the output.
 *
 * @example
 * ```ts
 * checkOutput(check, 3, 'task "slope"'); // 3
 * ```
 */
export function checkOutput(check: VariableCheck, value: unknown, entity: string): unknown {
  const v = value === undefined && check.optional ? null : value;
  const problem = check.validate(v);
  if (problem !== undefined) {
    throw new OutputValueError(
      v === undefined ? `${entity} did not return output ${JSON.stringify(check.name)} (${check.typeName})` : `${entity} returned an ill-typed output ${JSON.stringify(check.name)}: ${problem}`,
      entity,
      check.name,
    );
  }
  return v;
}

/**
 * Refuses inputs that a launch plan fixes: they cannot be given to a run.
 *
 * @throws InputValueError naming the first fixed input given.
 *
 * @example
 * ```ts
 * refuseFixedInputs('launch plan "lp"', { x: 1 }, { x: 2 }); // throws: launch plan "lp" fixes input "x"; it cannot be overridden
 * ```
 */
export function refuseFixedInputs(entity: string, given: unknown, fixed: Readonly<Record<string, unknown>>): void {
  if (typeof given !== "object" || given === null) return;
  for (const name of Object.keys(given)) {
    if (Object.prototype.hasOwnProperty.call(fixed, name)) throw new InputValueError(`${entity} fixes input ${JSON.stringify(name)}; it cannot be overridden`, entity, name);
  }
}

/**
 * The inputs of a launch plan's workflow: its defaults, then the inputs
 * given (or bound, for a launch-plan node), then its fixed inputs (flyteadmin
 * merges a launch plan's `default_inputs` and `fixed_inputs` this way).
 *
 * @example
 * ```ts
 * launchPlanInputs({ x: 1, y: 2 }, { y: 3 }, { z: 4 }); // { x: 1, y: 3, z: 4 }
 * ```
 */
export function launchPlanInputs<V>(defaults: Readonly<Record<string, V>>, given: Readonly<Record<string, V>>, fixed: Readonly<Record<string, V>>): Record<string, V> {
  return { ...defaults, ...given, ...fixed };
}
