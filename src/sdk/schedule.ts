/**
 * Launch-plan schedules: a cron expression or a fixed rate, optionally
 * passing the kickoff time as an input, and what to do with ticks missed
 * while nothing ran.
 *
 * @module
 */
import { Cron } from "croner";
import { LaunchPlanError } from "../errors.js";
import { isIdentifier } from "../types/names.js";

/**
 * What to do with ticks that passed while no engine was running.
 *
 * @example
 * ```ts
 * LaunchPlan.create("nightly", wf, { schedule: { cron: "0 3 * * *", missed: "catchUp" satisfies MissedTicks } });
 * ```
 */
export type MissedTicks = "skip" | "catchUp";

/**
 * A schedule given as a cron expression (UTC), e.g. `"0 * * * *"` or `"@hourly"`.
 *
 * @example
 * ```ts
 * const hourly: CronSchedule = { cron: "@hourly", kickoffTimeInput: "at" };
 * ```
 */
export interface CronSchedule {
  readonly cron: string;
  /** Name of a `t.datetime` input that receives the tick's time. */
  readonly kickoffTimeInput?: string;
  /** `"skip"` (default) runs only the latest missed tick; `"catchUp"` runs every missed tick, oldest first. */
  readonly missed?: MissedTicks;
}

/**
 * A schedule given as a fixed rate.
 *
 * @example
 * ```ts
 * const every15: RateSchedule = { rate: { value: 15, unit: "minute" } };
 * ```
 */
export interface RateSchedule {
  readonly rate: { readonly value: number; readonly unit: "minute" | "hour" | "day" };
  readonly kickoffTimeInput?: string;
  readonly missed?: MissedTicks;
}

/**
 * A launch plan's schedule.
 *
 * @example
 * ```ts
 * const schedule: ScheduleOption = { rate: { value: 1, unit: "day" }, missed: "skip" };
 * LaunchPlan.create("daily", wf, { schedule });
 * ```
 */
export type ScheduleOption = CronSchedule | RateSchedule;

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * Validates a schedule against the workflow's inputs.
 *
 * @example
 * ```ts
 * checkSchedule({ cron: "0 9 * * 1-5", kickoffTimeInput: "at" }, "daily_report", { at: t.datetime.literalType });
 * ```
 */
export function checkSchedule(schedule: ScheduleOption, plan: string, inputs: Readonly<Record<string, { simple?: string }>>): ScheduleOption {
  const where = `launch plan ${JSON.stringify(plan)}: schedule`;
  if (typeof schedule !== "object" || schedule === null) throw new LaunchPlanError(`${where} must be { cron: "..." } or { rate: { value, unit } }`, { entity: plan });
  if ("cron" in schedule) {
    if (typeof schedule.cron !== "string" || schedule.cron.trim() === "") throw new LaunchPlanError(`${where}.cron must be a cron expression like "0 * * * *"`, { entity: plan });
    try {
      new Cron(schedule.cron, { paused: true, timezone: "UTC" });
    } catch (e) {
      throw new LaunchPlanError(`${where}.cron ${JSON.stringify(schedule.cron)} is not a valid cron expression: ${(e as Error).message}`, { entity: plan });
    }
  } else if ("rate" in schedule) {
    const r = schedule.rate;
    if (typeof r !== "object" || r === null || !Number.isSafeInteger(r.value) || r.value < 1 || !(r.unit in UNIT_MS)) {
      throw new LaunchPlanError(`${where}.rate must be { value: a whole number of at least 1, unit: "minute" | "hour" | "day" }`, { entity: plan });
    }
  } else throw new LaunchPlanError(`${where} must be { cron: "..." } or { rate: { value, unit } }`, { entity: plan });
  if (schedule.missed !== undefined && schedule.missed !== "skip" && schedule.missed !== "catchUp") throw new LaunchPlanError(`${where}.missed must be "skip" or "catchUp"`, { entity: plan });
  const k = schedule.kickoffTimeInput;
  if (k !== undefined) {
    if (!isIdentifier(k) || !inputs[k]) throw new LaunchPlanError(`${where}.kickoffTimeInput names ${JSON.stringify(k)}, which is not an input of the workflow`, { entity: plan });
    if (inputs[k]?.simple !== "DATETIME") throw new LaunchPlanError(`${where}.kickoffTimeInput ${JSON.stringify(k)} must be a t.datetime input`, { entity: plan });
  }
  return schedule;
}

/**
 * The ticks of a schedule in `(after, upTo]`, oldest first, at most `limit`.
 * A rate schedule ticks every `value` units counted from `anchor`.
 *
 * @example
 * ```ts
 * ticksBetween({ cron: "0 * * * *" }, Date.parse("2026-01-01T00:30Z"), Date.parse("2026-01-01T03:00Z"), 0, 100); // 01:00, 02:00, 03:00
 * ```
 */
export function ticksBetween(schedule: { readonly cron?: string; readonly rateMs?: number }, after: number, upTo: number, anchor: number, limit: number): number[] {
  const out: number[] = [];
  if (schedule.cron !== undefined) {
    const cron = new Cron(schedule.cron, { paused: true, timezone: "UTC" });
    let at = new Date(after);
    while (out.length < limit) {
      const next = cron.nextRun(at);
      if (!next || next.getTime() > upTo) break;
      out.push(next.getTime());
      at = next;
    }
    return out;
  }
  const step = schedule.rateMs ?? 0;
  if (step <= 0) return out;
  let k = Math.floor((after - anchor) / step) + 1;
  for (let t = anchor + k * step; t <= upTo && out.length < limit; t = anchor + ++k * step) if (t > after) out.push(t);
  return out;
}

/**
 * Milliseconds of a rate unit.
 *
 * @example
 * ```ts
 * rateMs(15, "minute"); // 900000
 * ```
 */
export function rateMs(value: number, unit: keyof typeof UNIT_MS | "MINUTE" | "HOUR" | "DAY"): number {
  const u = unit.toLowerCase() as keyof typeof UNIT_MS;
  return value * UNIT_MS[u];
}
