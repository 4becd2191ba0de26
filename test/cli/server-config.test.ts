/**
 * Issue 13: the server and its token had to be given on every command
 * (`--remote URL --token T`). `ALOFT_URL` and a project's `aloft.config.json`
 * now say which server the command line talks to, beside `ALOFT_TOKEN`; the
 * command line wins, then the environment, then the file; and a token error
 * says every way to give one.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aloft } from "./helpers.js";
import { EXEC_ID, aloftInBackground, useEngineProjects } from "./engine-helpers.js";

const project = useEngineProjects();
const ID = EXEC_ID.source;

describe.concurrent("ALOFT_URL and aloft.config.json", () => {
  it("talk to the server without --remote: the command line wins, then $ALOFT_URL, then the file (found from a subfolder)", async () => {
    const dir = project();
    const server = aloftInBackground(dir, ["serve", "flows.mjs", "--port", "0", "--db", "served/aloft.db", "--workers", "1"], { ALOFT_TOKEN: "s3cret" });
    const [, url = ""] = await server.waitFor("stdout", /^Aloft server on (http:\/\/127\.0\.0\.1:\d+) /);
    const noEnv = { ALOFT_TOKEN: "", ALOFT_URL: "" };

    writeFileSync(path.join(dir, "aloft.config.json"), JSON.stringify({ url, token: "s3cret" }));
    const run = await aloft(dir, ["run", "flows.mjs", "sum", "--a", "2", "--b", "3"], noEnv);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(new RegExp(`^total: 6\\nrun (${ID}) succeeded in \\S+ \\(remote: ${url}\\)\\n`));
    mkdirSync(path.join(dir, "sub"));
    const listed = await aloft(path.join(dir, "sub"), ["get", "executions", "--json"], noEnv);
    expect(JSON.parse(listed.stdout).items).toHaveLength(1);

    // --db (or --local) chooses the database instead; the embedded engine runs it there
    const onDb = await aloft(dir, ["run", "flows.mjs", "sum", "--a", "1", "--b", "1", "--db", "mine.db"], noEnv);
    expect(onDb.stdout).toMatch(/\(engine: mine\.db\)/);

    // $ALOFT_URL over the file, and the command line over both
    writeFileSync(path.join(dir, "aloft.config.json"), JSON.stringify({ url: "http://127.0.0.1:9", token: "s3cret" }));
    expect((await aloft(dir, ["get", "executions", "--json"], { ...noEnv, ALOFT_URL: url })).code).toBe(0);
    const flag = await aloft(dir, ["get", "executions", "--remote", "http://127.0.0.1:9"], { ...noEnv, ALOFT_URL: url });
    expect(flag.stderr).toMatch(/^error: cannot reach the Aloft server at http:\/\/127\.0\.0\.1:9 /);

    // a token error says how to give one
    writeFileSync(path.join(dir, "aloft.config.json"), JSON.stringify({ url }));
    const none = await aloft(dir, ["get", "executions"], noEnv);
    expect([none.code, none.stderr]).toEqual([2, `error: this server needs a token: send Authorization: Bearer <token>; pass it with --token <token>, set $ALOFT_TOKEN, or put "token" in aloft.config.json\n`]);
    const wrong = await aloft(dir, ["get", "executions"], { ...noEnv, ALOFT_TOKEN: "nope" });
    expect(wrong.stderr).toMatch(/^error: the token sent .* is not this server's token; pass the right one with --token <token>, \$ALOFT_TOKEN or "token" in aloft\.config\.json\n$/);
    server.child.kill("SIGTERM");
    await server.done;
  });

  it("a config file that is wrong is named, with what is wrong (exit 2)", async () => {
    const dir = project();
    for (const [text, want] of [
      ["{ url: 1 }", /aloft\.config\.json: not valid JSON: /],
      [JSON.stringify({ url: "127.0.0.1:8080" }), /aloft\.config\.json: "url" must be a server URL such as "http:\/\/127\.0\.0\.1:8080", got "127\.0\.0\.1:8080"\n$/],
      [JSON.stringify({ server: "http://x" }), /aloft\.config\.json: unknown field "server" \(fields: url, token\)\n$/],
    ] as const) {
      writeFileSync(path.join(dir, "aloft.config.json"), text);
      const r = await aloft(dir, ["get", "executions"], { ALOFT_URL: "", ALOFT_TOKEN: "" });
      expect(r.code, text).toBe(2);
      expect(r.stderr, text).toMatch(want);
    }
  });
});
