/**
 * Checking the values that cross an entity's edges in a local run.
 *
 * @module
 */
import type { VariableMap } from "../idl/core.js";
import { InputValueError, OutputValueError } from "../errors.js";
import { describeType } from "../types/describe.js";
import { validatorFor, type Validator } from "../types/validate.js";

/** A compiled check of one variable. */
export interface VariableCheck {
  readonly name: string;
  readonly validate: Validator;
  readonly typeName: string;
  readonly optional: boolean;
}

/** Compiles the checks of a variable map, in declaration order. */
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
 * `null`), none unknown, each of its declared type. Returns the inputs to use.
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

/** Checks one output value; throws `OutputValueError` naming the output. */
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
