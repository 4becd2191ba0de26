/**
 * Issue 13: remote runs as a Flyte user expects. `aloft run --remote --detach`
 * returns the execution id at once (as `pyflyte run --remote` does); Ctrl-C on
 * an attached remote run detaches, leaving the execution to the server, and
 * says how to follow and abort it; `aloft follow <id>` attaches to any
 * execution, on a server or on the database, and exits as it ends.
 */
import { describe, expect, it } from "vitest";
import { aloft } from "./helpers.js";
import { EXEC_ID, aloftInBackground, useEngineProjects } from "./engine-helpers.js";

const project = useEngineProjects();
const ID = EXEC_ID.source;

describe.concurrent("remote runs and aloft follow", () => {
  it("--detach returns the id at once; follow attaches; Ctrl-C detaches without aborting; abort then ends it", async () => {
    const dir = project();
    const server = aloftInBackground(dir, ["serve", "gates.mjs", "--port", "0", "--db", "served/aloft.db", "--workers", "1"]);
    const [, url = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:\d+) /);

    const detached = await aloft(dir, ["run", "gates.mjs", "--remote", url, "--detach"]);
    expect(detached.code).toBe(0);
    expect(detached.stdout).toMatch(new RegExp(`^${ID}\\n$`));
    const id = detached.stdout.trim();
    expect(detached.stderr).toBe(`aloft: follow it: aloft follow ${id} --remote ${url}\naloft: abort it: aloft abort ${id} --remote ${url}\n`);
    expect(JSON.parse((await aloft(dir, ["get", "execution", id, "--remote", url, "--json"])).stdout)).toMatchObject({ phase: "running" });

    // follow attaches, and exits as the execution ends (answered from elsewhere)
    const follower = aloftInBackground(dir, ["follow", id, "--remote", url]);
    await follower.waitFor("stderr", /waits at gate "factor"/);
    expect((await aloft(dir, ["signal", id, "factor", "21", "--remote", url])).code).toBe(0);
    await follower.waitFor("stderr", /waits at gate "publish"/);
    expect((await aloft(dir, ["approve", id, "publish", "--remote", url])).code).toBe(0);
    const followed = await follower.done;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(new RegExp(`^out: 42\\nrun ${id} succeeded in \\S+ \\(remote: ${url}\\)\\n`));

    // Ctrl-C on an attached remote run detaches: the execution goes on on the server
    const attached = aloftInBackground(dir, ["run", "gates.mjs", "--remote", url]);
    const [, other = ""] = await attached.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "factor"`));
    attached.child.kill("SIGINT");
    const left = await attached.done;
    expect(left.code).toBe(130);
    expect(left.stderr).toContain(`aloft: Ctrl-C: detached from execution ${other}; it goes on on the server\naloft: follow it: aloft follow ${other} --remote ${url}\naloft: abort it: aloft abort ${other} --remote ${url}\n`);
    expect(JSON.parse((await aloft(dir, ["get", "execution", other, "--remote", url, "--json"])).stdout)).toMatchObject({ phase: "running" });
    expect((await aloft(dir, ["abort", other, "--remote", url])).code).toBe(0);
    const aborted = await aloft(dir, ["follow", other, "--remote", url]);
    expect(aborted.code).toBe(1);
    expect(aborted.stderr).toMatch(/aborted/);

    server.child.kill("SIGTERM");
    await server.done;
  });

  it("follows on the database: an execution another process runs, one that ended, and refuses one nothing runs", async () => {
    const dir = project();
    const run = aloftInBackground(dir, ["run", "gates.mjs"]);
    const [, id = ""] = await run.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "factor"`));
    const follower = aloftInBackground(dir, ["follow", id]);
    await follower.waitFor("stderr", /waits at gate "factor"/);
    // Ctrl-C on follow detaches and leaves the execution alone
    follower.child.kill("SIGINT");
    const left = await follower.done;
    expect(left.code).toBe(130);
    expect(left.stderr).toContain(`aloft: Ctrl-C: detached from execution ${id}; it goes on on the engine that runs it\naloft: follow it again: aloft follow ${id}\naloft: abort it: aloft abort ${id}\n`);
    const again = aloftInBackground(dir, ["follow", id, "--json"]);
    await again.waitFor("stderr", /waits at gate "factor"/);
    expect((await aloft(dir, ["signal", id, "factor", "2"])).code).toBe(0);
    await again.waitFor("stderr", /waits at gate "publish"/);
    expect((await aloft(dir, ["approve", id, "publish"])).code).toBe(0);
    const followed = await again.done;
    expect(followed.code).toBe(0);
    expect(JSON.parse(followed.stdout)).toMatchObject({ id, phase: "succeeded", outputs: { out: 4 } });
    expect((await run.done).code).toBe(0);

    // an ended execution is reported at once, with the run's exit code
    const ended = await aloft(dir, ["follow", id]);
    expect([ended.code, ended.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^out: 4\\nrun ${id} succeeded`)) as unknown]);

    // one whose aloft run was killed: nothing runs it, and following would wait for ever
    const killed = aloftInBackground(dir, ["run", "gates.mjs"]);
    const [, stranded = ""] = await killed.waitFor("stderr", new RegExp(`run (${ID}) waits at gate "factor"`));
    killed.child.kill("SIGKILL");
    await killed.done;
    const refused = await aloft(dir, ["follow", stranded]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `error: execution ${stranded} is running, but no engine runs over .aloft/aloft.db, so nothing advances it (its aloft run was stopped or killed): continue it in place with aloft resume ${stranded} (or start aloft serve over the database with its modules)\n`,
    );
  });

  it("--detach is for runs on a server", async () => {
    const dir = project();
    const r = await aloft(dir, ["run", "gates.mjs", "--detach"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --detach is for runs on a server \(--remote URL\)/);
  });
});
