/**
 * Checking and converting the values of an execution's edges: inputs given as
 * JavaScript values become a flyteidl `LiteralMap` only after every one has
 * been checked against the interface; outputs come back as values.
 *
 * @module
 */
import type { LiteralMap, Literal, VariableMap } from "../idl/core.js";
import type { Parameter } from "../idl/specs.js";
import { InputValueError } from "../errors.js";
import { describeType } from "../types/describe.js";
import { fromLiteral, toLiteral } from "../types/literal.js";
import { validatorFor } from "../types/validate.js";

function acceptsNone(type: { simple?: string; unionType?: { variants?: { simple?: string }[] } }): boolean {
  return type.simple === "NONE" || (type.unionType?.variants ?? []).some((v) => v.simple === "NONE");
}

/**
 * Checks inputs against an interface and converts them to literals. Inputs
 * left out take the launch plan's defaults; fixed inputs cannot be given.
 *
 * @example
 * ```ts
 * inputsToLiterals(template.interface.inputs, { x: [1, 2] }, 'workflow "wf"', {}, {});
 * ```
 */
export function inputsToLiterals(
  vars: VariableMap | undefined,
  given: unknown,
  entity: string,
  defaults: Readonly<Record<string, Parameter>> = {},
  fixed: Readonly<Record<string, Literal>> = {},
): LiteralMap {
  if (typeof given !== "object" || given === null || Array.isArray(given)) throw new InputValueError(`${entity} takes its inputs as a record, like { x: [1, 2] }`, entity, "");
  const values = given as Record<string, unknown>;
  const variables = vars?.variables ?? {};
  for (const name of Object.keys(values)) {
    if (Object.prototype.hasOwnProperty.call(fixed, name)) throw new InputValueError(`${entity} fixes input ${JSON.stringify(name)}; it cannot be overridden`, entity, name);
    if (!Object.prototype.hasOwnProperty.call(variables, name)) {
      throw new InputValueError(`${entity} has no input ${JSON.stringify(name)} (inputs: ${Object.keys(variables).join(", ") || "none"})`, entity, name);
    }
  }
  const literals: Record<string, Literal> = {};
  for (const [name, v] of Object.entries(variables)) {
    const type = v.type ?? {};
    if (Object.prototype.hasOwnProperty.call(fixed, name)) {
      literals[name] = fixed[name]!;
      continue;
    }
    let value = values[name];
    if (value === undefined) {
      const d = defaults[name]?.default;
      if (d) {
        literals[name] = d;
        continue;
      }
      if (!acceptsNone(type)) throw new InputValueError(`${entity} is missing input ${JSON.stringify(name)} (${describeType(type)})`, entity, name);
      value = null;
    }
    const problem = validatorFor(type)(value);
    if (problem !== undefined) throw new InputValueError(`input ${JSON.stringify(name)} of ${entity} expects ${describeType(type)}: ${problem}`, entity, name);
    literals[name] = toLiteral(type, value);
  }
  return { literals };
}

/** Converts a literal map to values by an interface. */
export function literalsToValues(vars: VariableMap | undefined, map: LiteralMap | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(vars?.variables ?? {})) {
    const l = map?.literals?.[name];
    out[name] = l ? fromLiteral(v.type ?? {}, l) : null;
  }
  return out;
}
