import { describe, expect, it } from "vitest";
import { task, workflow, LaunchPlan, t, compile, LaunchPlanError } from "aloft";
import { Engine } from "../../src/engine/engine.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { ticksBetween, type ScheduleOption } from "../../src/sdk/schedule.js";

const stamp = task({ name: "stamp_s", inputs: { at: t.datetime, note: t.str }, outputs: t.str }, ({ at, note }) => `${note}@${at.toISOString()}`);
const wf = workflow({ name: "stamped_s", inputs: { at: t.datetime, note: t.str } }, ({ at, note }) => stamp({ at, note }));

async function engineWithPlan(name: string, schedule: ScheduleOption) {
  const store = new MemoryStore();
  const engine = await Engine.open({ store, schedules: false });
  const lp = LaunchPlan.create(name, wf, { defaultInputs: { note: "tick" }, schedule });
  await engine.register(lp, { version: "v1" });
  return { store, engine };
}

describe("launch-plan schedules", () => {
  it("compile to the launch plan spec's schedule", () => {
    const lp = LaunchPlan.create("sched_compile", wf, { defaultInputs: { note: "n" }, schedule: { cron: "*/5 * * * *", kickoffTimeInput: "at", missed: "catchUp" } });
    const spec = compile(lp, { version: "v" });
    expect(spec.entityMetadata).toEqual({ schedule: { cronSchedule: { schedule: "*/5 * * * *" }, kickoffTimeInputArg: "at" } });
    expect(spec.labels).toEqual({ values: { "aloft.schedule.missed": "catchUp" } });
    const rate = compile(LaunchPlan.create("sched_rate", wf, { defaultInputs: { note: "n", at: new Date(0) }, schedule: { rate: { value: 2, unit: "hour" } } }), { version: "v" });
    expect(rate.entityMetadata).toEqual({ schedule: { rate: { value: 2, unit: "HOUR" } } });
  });

  it("are checked when the plan is created", () => {
    expect(() => LaunchPlan.create("bad_cron", wf, { schedule: { cron: "every day" } })).toThrow(LaunchPlanError);
    expect(() => LaunchPlan.create("bad_cron2", wf, { schedule: { cron: "every day" } })).toThrow(/is not a valid cron expression/);
    expect(() => LaunchPlan.create("bad_kick", wf, { schedule: { cron: "* * * * *", kickoffTimeInput: "note" } })).toThrow(/must be a t.datetime input/);
    expect(() => LaunchPlan.create("bad_rate", wf, { schedule: { rate: { value: 0, unit: "minute" } } })).toThrow(/whole number of at least 1/);
  });

  it("lists the ticks of cron and rate schedules", () => {
    const hour = 3_600_000;
    expect(ticksBetween({ cron: "0 * * * *" }, Date.parse("2026-01-01T00:30:00Z"), Date.parse("2026-01-01T03:00:00Z"), 0, 100).map((x) => new Date(x).toISOString())).toEqual([
      "2026-01-01T01:00:00.000Z",
      "2026-01-01T02:00:00.000Z",
      "2026-01-01T03:00:00.000Z",
    ]);
    expect(ticksBetween({ rateMs: 2 * hour }, 5 * hour, 10 * hour, hour, 100)).toEqual([7 * hour, 9 * hour]);
  });

  it("start one execution per tick with the kickoff time, never twice", async () => {
    const { engine } = await engineWithPlan("every_minute", { cron: "* * * * *", kickoffTimeInput: "at" });
    const created = (await engine.list()).items.length;
    expect(created).toBe(0);
    const registeredAt = (await engine.store.listEntities("launchPlan"))[0]!.createdAt;
    const now = registeredAt + 60_000;
    expect(await engine.fireSchedules(now)).toBe(1);
    expect(await engine.fireSchedules(now)).toBe(0);
    const [exec] = (await engine.list()).items;
    const info = await engine.execution(exec!.id);
    const tick = Math.floor(now / 60_000) * 60_000;
    expect(info.inputValues).toEqual({ at: new Date(tick), note: "tick" });
    expect(info.lineage.scheduledAt).toBe(tick);
  });

  it("skip missed ticks by default, or catch them all up", async () => {
    const skip = await engineWithPlan("skipper", { cron: "* * * * *", kickoffTimeInput: "at" });
    // Measured from the minute the plan was registered in, so the count of ticks does not depend on the second it was.
    const minute = (at: number) => Math.floor(at / 60_000) * 60_000;
    const registeredAt = (await skip.store.listEntities("launchPlan"))[0]!.createdAt;
    const later = minute(registeredAt) + 10 * 60_000 + 30_000;
    expect(await skip.engine.fireSchedules(later)).toBe(1);
    expect(await skip.engine.fireSchedules(later + 1000)).toBe(0);
    const catchUp = await engineWithPlan("catcher", { cron: "* * * * *", kickoffTimeInput: "at", missed: "catchUp" });
    const at2 = minute((await catchUp.store.listEntities("launchPlan"))[0]!.createdAt);
    expect(await catchUp.engine.fireSchedules(at2 + 10 * 60_000 + 30_000)).toBe(10);
    expect(await catchUp.engine.fireSchedules(at2 + 10 * 60_000 + 31_000)).toBe(0);
  });
});
