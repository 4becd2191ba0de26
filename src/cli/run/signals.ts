/**
 * `--signal name=value`: values for a run's gates given up front, parsed by
 * the type each gate waits for (`true`/`false` for approvals), by the rule
 * `aloft signal` reads its value with (`valueFromText`): a file, directory
 * or dataframe gate takes a local path or URI (JSON of them in a list or map).
 *
 * @module
 */
import { describeType } from "../../types/describe.js";
import { UsageError } from "../errors.js";
import { valueFromText } from "../inputs/file-inputs.js";
import type { PlanInfo } from "./plan-info.js";

/**
 * Parses `--signal` flags into the `signals` of a run; local paths are
 * relative to `cwd` (the backend copies or uploads them with the inputs'
 * `uploadLocalInputs`).
 *
 * @throws UsageError for a flag that is not `name=value`, a gate the entity does not have, or a value of the wrong type.
 *
 * @example
 * ```ts
 * parseSignals(["publish=true", "title=Q3 report"], planInfo(found), process.cwd()); // { publish: true, title: "Q3 report" }
 * parseSignals(["doc=data/sales.csv"], planInfo(found), process.cwd());              // { doc: AloftFile file:///…/data/sales.csv }
 * ```
 */
export function parseSignals(flags: readonly string[], plan: PlanInfo, cwd: string): Record<string, unknown> {
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
    const parsed = valueFromText(text, gate.type, cwd);
    if (!parsed.ok) {
      const what = gate.kind === "approve" ? "an approval (true or false)" : describeType(gate.type);
      throw new UsageError(`--signal ${name} expects ${what}: ${parsed.problem}`);
    }
    out[name] = parsed.value;
  }
  return out;
}
