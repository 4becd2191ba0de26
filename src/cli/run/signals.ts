/**
 * `--signal name=value`: values for a run's gates given up front, parsed by
 * the type each gate waits for (`true`/`false` for approvals).
 *
 * @module
 */
import { describeType } from "../../types/describe.js";
import { UsageError } from "../errors.js";
import { parseValue } from "../inputs/parse-value.js";
import type { PlanInfo } from "./plan-info.js";

/**
 * Parses `--signal` flags into the `signals` of a run.
 *
 * @throws UsageError for a flag that is not `name=value`, a gate the entity does not have, or a value of the wrong type.
 *
 * @example
 * ```ts
 * parseSignals(["publish=true", "title=Q3 report"], planInfo(found)); // { publish: true, title: "Q3 report" }
 * ```
 */
export function parseSignals(flags: readonly string[], plan: PlanInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    if (eq <= 0) throw new UsageError(`--signal takes name=value, got ${JSON.stringify(flag)}`);
    const name = flag.slice(0, eq);
    const text = flag.slice(eq + 1);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new UsageError(`--signal ${name} is given twice`);
    const gate = plan.gates.get(name);
    if (!gate) {
      if (!plan.dynamic) {
        const known = [...plan.gates.keys()];
        throw new UsageError(`--signal ${name}: no gate waits for a signal named ${JSON.stringify(name)} (${known.length === 0 ? "the entity has no gates" : `gates: ${known.join(", ")}`})`);
      }
      // A dynamic workflow's gates are known only when it runs: JSON if it parses, else the text.
      try {
        out[name] = JSON.parse(text) as unknown;
      } catch {
        out[name] = text;
      }
      continue;
    }
    const parsed = parseValue(text, gate.type);
    if (!parsed.ok) {
      const what = gate.kind === "approve" ? "an approval (true or false)" : describeType(gate.type);
      throw new UsageError(`--signal ${name} expects ${what}: ${parsed.problem}`);
    }
    out[name] = parsed.value;
  }
  return out;
}
