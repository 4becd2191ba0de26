/**
 * `aloft run <file> [entity] --help`: the entity's inputs (types, defaults,
 * how to write them), outputs and gates.
 *
 * @module
 */
import { describeType } from "../../types/describe.js";
import { describeFound, type FoundEntity } from "../load/entities.js";
import { valueHint } from "../inputs/parse-value.js";
import type { PlanInfo } from "./plan-info.js";
import { jsonText } from "./report.js";

function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

/**
 * The help text of an entity, as lines.
 *
 * @example
 * ```ts
 * entityHelp("examples/imperative.ts", found, planInfo(found)).join("\n");
 * // Usage: aloft run examples/imperative.ts default --x <list<int>> --y <list<int>> [options]
 * // ...
 * ```
 */
export function entityHelp(file: string, found: FoundEntity, plan: PlanInfo | undefined): string[] {
  const def = found.def;
  const inputs = Object.entries(def.interface.inputs);
  const defaults: Readonly<Record<string, unknown>> = def.kind === "launchPlan" ? def.defaults : {};
  const required = inputs.filter(([name]) => def.interface.required.has(name)).map(([name, type]) => `--${name} <${describeType(type.literalType)}>`);
  const shownInputs = required.length <= 3 ? [...required, "[inputs]"] : ["--<input> <value> ..."];
  const lines = [`Usage: aloft run ${file} ${found.exportName} ${[...shownInputs, "[options]"].join(" ")}`, "", `${describeFound(found)} from ${file}`, ""];
  if (inputs.length === 0) lines.push("Inputs: none");
  else {
    lines.push("Inputs:");
    const rows = inputs.map(([name, type]): [string, string] => {
      const status = Object.prototype.hasOwnProperty.call(defaults, name)
        ? `default ${jsonText(defaults[name])}`
        : def.interface.required.has(name)
          ? "required"
          : "optional";
      return [`--${name} <${describeType(type.literalType)}>`, `${status} · ${valueHint(type.literalType)}`];
    });
    lines.push(...table(rows));
  }
  if (def.kind === "launchPlan" && Object.keys(def.fixed).length > 0) {
    lines.push("", "Fixed by the launch plan:", ...table(Object.entries(def.fixed).map(([name, value]): [string, string] => [name, jsonText(value)])));
  }
  const outputs = Object.entries(def.interface.outputs);
  lines.push("", outputs.length === 0 ? "Outputs: none" : "Outputs:");
  if (outputs.length > 0) lines.push(...table(outputs.map(([name, type]): [string, string] => [name, describeType(type.literalType)])));
  if (plan && plan.gates.size > 0) {
    lines.push("", "Gates (give their values up front with --signal name=value):");
    lines.push(...table([...plan.gates.values()].map((g): [string, string] => [g.name, g.kind === "approve" ? "approval: true or false" : `${describeType(g.type)} · ${valueHint(g.type)}`])));
  }
  lines.push(
    "",
    "Options: --local, --remote <url>, --db <path>, --workers <n>, --json, --verbose, --signal <name=value>, --cache-dir <dir>, --overwrite-cache, --max-parallelism <n>",
    "An input named like an option is given after --: aloft run <file> <entity> -- --json <value>",
  );
  return lines;
}
