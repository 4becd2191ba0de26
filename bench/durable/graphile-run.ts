/**
 * The peer graphile-worker on PostgreSQL, one measurement in a process of its
 * own: `tsx bench/durable/graphile-run.ts <postgres-url> <workload> <n>` (the
 * URL's `?schema=` is graphile-worker's schema, fresh per run) runs the
 * workload once untimed at a tenth of its size, then once timed, and prints
 * `{ ms, n }` as one JSON line, as `aloft-run.ts` does. One runner with
 * concurrency 2 (Aloft's runs have two task slots). W1: one job that adds N
 * jobs at once (graphile-worker's `add_jobs`), each `x + 1`, timed until the
 * last is done. W2: a chain of N jobs, each adding the next. W3: N jobs added
 * at once.
 *
 * @module
 */
import { Logger, makeWorkerUtils, run, type JobHelpers, type Runner, type WorkerUtils } from "graphile-worker";

/** graphile-worker logs every job by default: a benchmark keeps quiet. */
const quiet = new Logger(() => () => undefined);

const [db = "", workload = "w1", size = "2000"] = process.argv.slice(2);
const n = Number(size);
const u = new URL(db);
const schema = u.searchParams.get("schema") ?? "graphile_worker";
u.searchParams.delete("schema");
const connectionString = u.toString();

let done = 0;
let want = 0;
let finish: () => void = () => undefined;
const tick = (): void => {
  if (++done === want) finish();
};

const taskList = {
  inc: async (payload: unknown) => {
    const { x } = payload as { x: number };
    if (typeof x !== "number") throw new Error("inc: no x");
    tick();
  },
  fan: async (payload: unknown, helpers: JobHelpers) => {
    const { k } = payload as { k: number };
    await helpers.withPgClient((c) =>
      c.query(
        `SELECT ${schema}.add_jobs(ARRAY(SELECT json_populate_record(NULL::${schema}.job_spec, json_build_object('identifier', 'inc', 'payload', json_build_object('x', i))) FROM generate_series(0, $1::int - 1) AS i))`,
        [k],
      ),
    );
  },
  step: async (payload: unknown, helpers: JobHelpers) => {
    const { x, left } = payload as { x: number; left: number };
    if (left > 1) await helpers.addJob("step", { x: x + 1, left: left - 1 });
    tick();
  },
};

async function once(utils: WorkerUtils, k: number): Promise<number> {
  done = 0;
  want = k;
  const all = new Promise<void>((resolve) => (finish = resolve));
  const t0 = performance.now();
  if (workload === "w1") await utils.addJob("fan", { k });
  else if (workload === "w2") await utils.addJob("step", { x: 0, left: k });
  else await Promise.all(Array.from({ length: k }, (_, i) => utils.addJob("inc", { x: i })));
  await all;
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const utils = await makeWorkerUtils({ connectionString, schema, logger: quiet });
  await utils.migrate();
  let runner: Runner | undefined;
  try {
    runner = await run({ connectionString, schema, concurrency: 2, noHandleSignals: true, pollInterval: 1000, taskList, logger: quiet });
    await once(utils, Math.max(1, Math.round(n / 10)));
    const ms = await once(utils, n);
    process.stdout.write(`${JSON.stringify({ ms, n })}\n`);
  } finally {
    await runner?.stop();
    await utils.withPgClient((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    await utils.release();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
