/**
 * Launch-plan schedules, run by the engine: each tick of a registered plan's
 * cron expression or rate starts one execution, with the tick's time as the
 * kickoff input when the plan asks for it. Ticks missed while no engine ran
 * are skipped or caught up, as the plan says, and no tick ever runs twice:
 * the execution id is derived from the plan and the tick, so a second
 * attempt to start it is refused by the store.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { LaunchPlanSpec } from "../idl/specs.js";
import { DuplicateExecutionError } from "../errors.js";
import { MISSED_TICKS_LABEL } from "../compiler/compile.js";
import { rateMs, ticksBetween } from "../sdk/schedule.js";
import type { EntityKey, RegisteredEntity, Store } from "../store/store.js";

/** Starts an execution of a launch plan for a tick (the engine's `startRegistered`). */
export type StartScheduled = (key: EntityKey, inputs: Record<string, unknown>, executionId: string, tickAt: number) => Promise<void>;

/** How late a tick may run under the "skip" policy before it counts as missed. */
export const SKIP_GRACE_MS = 60_000;

/** The execution id of a plan's tick: the same every time it is computed. */
export function scheduledExecutionId(plan: string, tickAt: number): string {
  return `s${createHash("sha256").update(`${plan}@${tickAt}`).digest("hex").slice(0, 20)}`;
}

function latestVersions(entities: readonly RegisteredEntity[]): RegisteredEntity[] {
  const latest = new Map<string, RegisteredEntity>();
  for (const e of entities) {
    const k = `${e.key.project}/${e.key.domain}/${e.key.name}`;
    const seen = latest.get(k);
    if (!seen || seen.createdAt <= e.createdAt) latest.set(k, e);
  }
  return [...latest.values()];
}

/**
 * Fires the due ticks of every scheduled launch plan (the latest registered
 * version of each plan is the active one). Returns how many executions it
 * started.
 *
 * @example
 * ```ts
 * await fireDueTicks(store, Date.now(), (key, inputs, id, at) => engine.startScheduled(key, inputs, id, at));
 * ```
 */
export async function fireDueTicks(store: Store, now: number, start: StartScheduled): Promise<number> {
  let started = 0;
  for (const e of latestVersions(await store.listEntities("launchPlan"))) {
    const spec = e.spec as LaunchPlanSpec;
    const s = spec.entityMetadata?.schedule;
    if (!s) continue;
    const plan = `${e.key.project}/${e.key.domain}/${e.key.name}`;
    const last = (await store.lastScheduleTick(plan)) ?? e.createdAt;
    const schedule = s.cronSchedule?.schedule !== undefined ? { cron: s.cronSchedule.schedule } : { rateMs: rateMs(s.rate?.value ?? 0, s.rate?.unit ?? "MINUTE") };
    let ticks = ticksBetween(schedule, last, now, e.createdAt, 10_000);
    if (spec.labels?.values?.[MISSED_TICKS_LABEL] !== "catchUp") ticks = ticks.filter((t) => now - t <= SKIP_GRACE_MS);
    for (const tick of ticks) {
      const inputs = s.kickoffTimeInputArg ? { [s.kickoffTimeInputArg]: new Date(tick) } : {};
      try {
        await start(e.key, inputs, scheduledExecutionId(plan, tick), tick);
        started++;
      } catch (err) {
        if (!(err instanceof DuplicateExecutionError)) throw err;
      }
      await store.claimScheduleTick(plan, tick);
    }
    // Remember how far the schedule was looked at, so skipped ticks are not considered again.
    const lastTick = ticksBetween(schedule, last, now, e.createdAt, 10_000).at(-1);
    if (lastTick !== undefined) await store.claimScheduleTick(plan, lastTick);
  }
  return started;
}
