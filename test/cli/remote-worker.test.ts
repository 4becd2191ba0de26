/**
 * `aloft worker --server URL --token T`, as real processes: a server with no
 * workers of its own (`aloft serve --workers 0`) and one worker that joins
 * through its HTTP API run a workflow of several tasks, with a file and a
 * directory passing between tasks (sent to and fetched from the server) and
 * a retried attempt; a worker with a missing or wrong token is refused.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { aloftInBackground, killBackground, useEngineProjects, type Background } from "./engine-helpers.js";
import { aloft } from "./helpers.js";

const project = useEngineProjects();
afterAll(() => killBackground());

const FILES_MJS = `
import { existsSync, writeFileSync } from "node:fs";
import { task, workflow, t, RecoverableError } from "aloft";
export const write = task({ name: "write", inputs: { n: t.int }, outputs: t.file({ format: "txt" }) }, ({ n }, ctx) =>
  ctx.blobs.writeFile("nums.txt", Array.from({ length: n }, (_, i) => String(i + 1)).join("\\n"), { format: "txt" }));
export const split = task({ name: "split", inputs: { f: t.file({ format: "txt" }) }, outputs: t.dir }, async ({ f }, ctx) => {
  const d = await ctx.blobs.newDirectory("parts");
  for (const line of (await f.text()).split("\\n")) await d.writeFile("part-" + line + ".txt", line);
  return d.done();
});
export const flaky = task({ name: "flaky", inputs: { d: t.dir }, outputs: t.int, retries: 2 }, async ({ d }) => {
  if (!existsSync(process.env.MARKER)) { writeFileSync(process.env.MARKER, "1"); throw new RecoverableError("the first attempt fails on purpose"); }
  let total = 0;
  for (const name of await d.list()) total += Number(await (await d.file(name)).text());
  return total;
});
export const report = task({ name: "report", inputs: { f: t.file({ format: "txt" }), total: t.int }, outputs: t.file({ format: "txt" }) }, async ({ f, total }, ctx) =>
  ctx.blobs.writeFile("report.txt", (await f.text()).split("\\n").length + " numbers read from " + f.uri + " sum to " + total, { format: "txt" }));
export const files_wf = workflow({ name: "files_wf", inputs: { n: t.int } }, ({ n }) => {
  const f = write({ n });
  const total = flaky({ d: split({ f }) });
  return { total, report: report({ f, total }) };
});
`;

const TOKEN = "s3cret-token";

async function serve(dir: string): Promise<{ server: Background; url: string }> {
  const server = aloftInBackground(dir, ["serve", "files.mjs", "--workers", "0", "--port", "0", "--token", TOKEN]);
  const [, url] = await server.waitFor("stdout", /^Aloft server on (http:\/\/\S+) /m);
  return { server, url: url! };
}

describe("aloft worker --server", () => {
  it("runs a workflow through the server alone: files and directories pass between tasks, a failed attempt is retried", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "files.mjs"), FILES_MJS);
    const { server, url } = await serve(dir);
    // The worker's files live apart from the server's; it has no --db and its token comes from the environment.
    const worker = aloftInBackground(dir, ["worker", "files.mjs", "--server", url, "--concurrency", "2", "--blob-dir", "elsewhere/blobs"], {
      ALOFT_TOKEN: TOKEN,
      MARKER: path.join(dir, "marker"),
    });
    await worker.waitFor("stdout", /^worker \S+ joined the server /m);
    const run = await aloft(dir, ["run", "files.mjs", "--n", "10", "--remote", url, "--token", TOKEN, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { outputs: { total: number; report: { uri: string } } };
    expect(out.outputs.total).toBe(55);
    // The report the worker wrote was sent to the server's blob directory...
    const reportPath = fileURLToPath(out.outputs.report.uri);
    expect(reportPath.startsWith(path.join(dir, ".aloft", "blobs") + path.sep)).toBe(true);
    // ...and the file it read had been fetched from the server into the worker's own folder.
    const text = readFileSync(reportPath, "utf8");
    expect(text).toMatch(new RegExp(`^10 numbers read from file://${path.join(dir, "elsewhere", "blobs", "fetched")}/\\S+/nums\\.txt sum to 55$`));
    const nodes = await aloft(dir, ["get", "nodes", (JSON.parse(run.stdout) as { id: string }).id, "--remote", url, "--token", TOKEN, "--json"]);
    const rows = JSON.parse(nodes.stdout) as { path: string; phase: string; attempts: number }[];
    expect(rows.map((r) => [r.path, r.phase, r.attempts])).toEqual([
      ["n0", "succeeded", 1],
      ["n1", "succeeded", 1],
      ["n2", "succeeded", 2],
      ["n3", "succeeded", 1],
    ]);
    // The attempts' logs reached the server too.
    const attempts = await aloft(dir, ["logs", (JSON.parse(run.stdout) as { id: string }).id, "n2", "--remote", url, "--token", TOKEN]);
    expect(attempts.stderr).toMatch(/n2 attempt 1: failed: the first attempt fails on purpose .*\n.*n2 attempt 2: succeeded/);
    worker.child.kill("SIGTERM");
    server.child.kill("SIGTERM");
    expect((await worker.done).code).toBe(0);
    await server.done;
  }, 150_000);

  it("refuses a worker with a missing or wrong token, saying so (exit 2)", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "files.mjs"), FILES_MJS);
    const { server, url } = await serve(dir);
    const missing = await aloft(dir, ["worker", "files.mjs", "--server", url], { ALOFT_TOKEN: "" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/refused GET \/events: this server needs a token/);
    const wrong = await aloft(dir, ["worker", "files.mjs", "--server", url, "--token", "guess"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is not this server's token/);
    const both = await aloft(dir, ["worker", "files.mjs", "--server", url, "--db", ".aloft/aloft.db"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--db and --server cannot be given together/);
    server.child.kill("SIGTERM");
    await server.done;
  }, 120_000);
});
