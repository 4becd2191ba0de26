/**
 * The web console end to end: a real `aloft serve` (the built CLI, the
 * embedded SQLite engine, a worker pool) over examples/console-demo.ts, with
 * a token, driven in Debian's Chromium by playwright-core. The pipeline has a
 * conditional, a map task, a subworkflow, a dynamic workflow, a launch-plan
 * child, two gates and a node that fails. The tests save screenshots of the
 * main pages to a temporary folder, or with `ALOFT_SCREENSHOTS_DIR` to that
 * folder: `npm run screenshots` refreshes docs/console/ (shown in the README).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AloftClient, ClientError } from "../../src/client/client.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = path.join(ROOT, "dist", "cli", "main.js");
const EXAMPLE = "examples/console-demo.ts";
const SHOTS = process.env["ALOFT_SCREENSHOTS_DIR"] ? path.resolve(ROOT, process.env["ALOFT_SCREENSHOTS_DIR"]) : mkdtempSync(path.join(tmpdir(), "aloft-console-shots-"));
const CHROMIUM = "/usr/bin/chromium";
/** The flags this machine's closed network needs (the env notes): no background connections, no first-run work. */
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const TOKEN = "e2e-console-token";
/** Waits on a loaded 2-core machine shared by several test suites. */
const WAIT = 60_000;

let server: ChildProcess;
let url = "";
let dir = "";
let browser: BrowserContext;
let page: Page;
let client: AloftClient;
let serverOutput = "";

function startServer(): Promise<string> {
  server = spawn(process.execPath, [BIN, "serve", EXAMPLE, "--port", "0", "--db", path.join(dir, "aloft.db"), "--token", TOKEN, "--workers", "2"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aloft serve did not start within ${WAIT} ms: ${serverOutput}`)), WAIT);
    const on = (chunk: Buffer): void => {
      serverOutput += chunk.toString();
      const m = /Aloft server on (http:\/\/127\.0\.0\.1:\d+) /.exec(serverOutput);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    server.stdout!.on("data", on);
    server.stderr!.on("data", on);
    server.on("exit", (code) => reject(new Error(`aloft serve exited with ${String(code)}: ${serverOutput}`)));
  });
}

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

/** The phase the DAG shows for a node. */
function phaseOf(nodePath: string): Promise<string | null> {
  return page.locator(`.dag g.node[data-path="${nodePath}"]`).getAttribute("data-phase", { timeout: WAIT });
}

async function untilPhase(nodePath: string, phase: string): Promise<void> {
  await page.locator(`.dag g.node[data-path="${nodePath}"][data-phase="${phase}"]`).waitFor({ timeout: WAIT });
}

async function executionIdOfPage(): Promise<string> {
  await page.waitForURL(/\/executions\/a[0-9a-f]+/, { timeout: WAIT });
  return decodeURIComponent(new URL(page.url()).pathname.split("/")[2]!);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  if (!existsSync(path.join(ROOT, "dist", "console", "index.html"))) throw new Error("the console is not built: npm run build");
  dir = mkdtempSync(path.join(tmpdir(), "aloft-e2e-"));
  url = await startServer();
  client = new AloftClient({ baseUrl: url, token: TOKEN });
  browser = await chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), "aloft-e2e-chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 860 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(WAIT);
}, 2 * WAIT);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}, WAIT);

describe("the web console over aloft serve", () => {
  it("asks for the token once and keeps the session; shows nothing else before", async () => {
    await page.goto(url);
    await page.getByText("This server needs its token").waitFor();
    expect(await page.locator("nav").count()).toBe(0);
    await page.getByLabel("Token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That is not this server's token.").waitFor();
    await page.getByLabel("Token").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Executions" }).waitFor();
    // Another tab of the same browser session does not ask again.
    const other = await browser.newPage();
    await other.goto(`${url}/entities`);
    await other.getByRole("heading", { name: "Tasks, workflows & launch plans" }).waitFor();
    await other.close();
  }, 2 * WAIT);

  it("refuses a bad input in the launch form with the API's own message, and starts a good one", async () => {
    await page.goto(`${url}/launch/launchPlan/aloft/development/pipeline_nightly`);
    const n = page.locator("#in-n");
    await n.waitFor();
    expect(await n.inputValue()).toBe("12"); // the launch plan's default
    await page.getByText("Fixed by the launch plan").waitFor(); // fail: false
    await n.fill("twelve");
    const shown = page.locator("#in-n-problem");
    await shown.waitFor();
    const api = (await client.validateExecution({ launchPlan: { name: "pipeline_nightly" }, inputs: { n: "twelve" } }).catch((e: unknown) => e)) as ClientError;
    expect(api).toBeInstanceOf(ClientError);
    expect(await shown.textContent()).toBe(api.message);
    await shot("launch-form");
    await n.fill("4");
    await shown.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Launch" }).click();
    const id = await executionIdOfPage();
    expect((await client.getExecution(id)).launchPlan?.name).toBe("pipeline_nightly");
    // It waits at its gates: abort it from the page.
    await untilPhase("n5", "waiting");
    await page.getByRole("button", { name: "Abort" }).click();
    await page.locator("h1 .phase-aborted").waitFor();
    expect((await client.getExecution(id)).phase).toBe("aborted");
  }, 4 * WAIT);

  let failedId = "";
  it("runs the pipeline: the DAG colours each node by its phase, the gates are answered from the page, the failing node fails it", async () => {
    await page.goto(`${url}/launch/workflow/aloft/development/pipeline`);
    await page.locator("#in-n").fill("12");
    await page.locator("#in-fail").check();
    await page.getByRole("button", { name: "Launch" }).click();
    failedId = await executionIdOfPage();

    // The signal gate: a typed value from the node panel.
    await untilPhase("n5", "waiting");
    await page.locator('.dag g.node[data-path="n5"]').click();
    await page.getByText('Signal "factor" is waiting for a value').waitFor();
    await page.getByLabel("Value for factor").fill("three");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator(".gate-form .problem").waitFor(); // the API's message: not an integer
    await page.getByLabel("Value for factor").fill("3");
    await page.getByRole("button", { name: "Send" }).click();
    await untilPhase("n5", "succeeded");

    // The approval gate, once the conditional has picked its branch.
    await untilPhase("n6", "waiting");
    await page.locator('.dag g.node[data-path="n6"]').click();
    await page.getByRole("button", { name: "Approve" }).click();
    await page.locator("h1 .phase-failed").waitFor();

    const nodes = new Map((await client.listNodes(failedId)).map((n) => [n.path, n.phase]));
    const expected: Record<string, string> = { n0: "succeeded", n1: "succeeded", n2: "succeeded", n3: "succeeded", n4: "succeeded", n5: "succeeded", n6: "succeeded", n7: "failed" };
    for (const [p, phase] of Object.entries(expected)) {
      expect(nodes.get(p), p).toBe(phase);
      expect(await phaseOf(p), p).toBe(phase);
    }
    expect(await page.locator(".dag g.node").count()).toBe(8);

    // Expanded: the subworkflow's map task (12 elements, one retried) and the branch taken.
    await page.locator('.dag g.node[data-path="n1"]').focus();
    await page.keyboard.press("+");
    await page.locator('.dag g.node[data-path="n1/n0"]').waitFor();
    expect(await page.locator('.dag g.node[data-path="n1/n0"]').getAttribute("aria-label")).toContain("12 done · 0 running · 0 failed of 12");
    await page.locator('.dag g.node[data-path="n2"] .expand').click();
    expect(await page.locator('.dag g.node.taken[data-path="n2/n2-n0"]').textContent()).toContain("taken");
    expect(await page.locator('.dag g.node[data-path="n2/n2-n1"]').textContent()).toContain("not taken");
    // The dynamic workflow as it was built: three squares, each with an edge into their sum.
    await page.locator('.dag g.node[data-path="n3"] .expand').click();
    const totalNode = page.locator('.dag g.node[data-path^="n3/"]').filter({ hasText: "add_up" });
    const totalPath = (await totalNode.getAttribute("data-path"))!;
    expect(await page.locator(`.dag path.edge[data-to="${totalPath}"]`).count()).toBe(3);
    expect(await page.locator('.dag g.node[data-path^="n3/"]').count()).toBe(4);
    // The launch plan's child execution, inline: its node in its own phase; selecting it opens the child execution there.
    await page.locator('.dag g.node[data-path="n4"] .expand').click();
    const childNode = page.locator('.dag g.node[data-path="n4/n0"][data-phase="succeeded"]');
    expect(await childNode.textContent()).toContain("notify");
    await childNode.click();
    await page.waitForURL((u) => u.pathname === `/executions/${failedId}-n4` && u.searchParams.get("node") === "n0");
    await page.locator(".panel").getByText("notified: big batch", { exact: false }).first().waitFor();
    await page.goto(`${url}/executions/${failedId}`);
    await page.locator('.dag g.node[data-path="n1"] .expand').click();
    await page.locator('.dag g.node[data-path="n2"] .expand').click();
    await page.locator('.dag g.node[data-path="n3"] .expand').click();
    await page.locator('.dag g.node[data-path="n4"] .expand').click();
    await page.locator('.dag g.node[data-path="n4/n0"]').waitFor();

    // The failed node's panel: its error, and what it wrote.
    await page.locator('.dag g.node[data-path="n7"]').click();
    await page.locator(".panel").getByText("publish refused: big batch").first().waitFor();
    await page.locator(".panel").getByText("publishing big batch").first().waitFor();
    await shot("execution");
    await page.getByRole("tab", { name: "Timeline" }).click();
    await page.locator(".timeline .tl-bar.phase-failed").first().waitFor(); // publish's attempt bar
    await shot("timeline");
  }, 6 * WAIT);

  it("gives the same logs to `aloft logs`, from the database and from the server", () => {
    const fromDb = spawnSync(process.execPath, [BIN, "logs", failedId, "n7", "--db", path.join(dir, "aloft.db")], { cwd: ROOT, encoding: "utf8" });
    expect(fromDb.status, fromDb.stderr).toBe(0);
    expect(fromDb.stderr).toMatch(/^── n7 attempt 1: failed: publish refused: big batch \(\d+(\.\d+)?\) is not ready \(fail was set\) · \d+ ms · \S+\npublishing big batch \(\d+(\.\d+)?\) with factor 3\n$/);
    expect(fromDb.stdout).toBe("");
    const remote = spawnSync(process.execPath, [BIN, "logs", failedId, "n1/n0[3]", "--remote", url, "--token", TOKEN], { cwd: ROOT, encoding: "utf8" });
    expect(remote.status, remote.stderr).toBe(0);
    expect(remote.stderr).toMatch(/^── n1\/n0\[3\] attempt 1: failed: element 3: the scorer timed out once · \d+ ms · \S+\n── n1\/n0\[3\] attempt 2: succeeded · /);
    const none = spawnSync(process.execPath, [BIN, "logs", failedId, "n5", "--db", path.join(dir, "aloft.db")], { cwd: ROOT, encoding: "utf8" });
    expect([none.status, none.stderr]).toEqual([2, `error: no logs for node "n5" of execution ${failedId}: it ran no task attempt here (aloft get nodes ${failedId} lists its nodes)\n`]);
  }, 2 * WAIT);

  it("lists it, newest first, and filters by phase", async () => {
    await page.goto(url);
    const row = page.locator("table.executions tbody tr").filter({ has: page.locator(`td:first-child a[href="/executions/${failedId}"]`) });
    await row.waitFor();
    expect(await row.locator(".phase").textContent()).toBe("failed");
    // Newest first: what was started after it (its launch-plan child) is above it, what was started before is below.
    const ids = await page.locator("table.executions tbody tr td:first-child a").allTextContents();
    expect(ids.indexOf(failedId)).toBeLessThan(ids.length - 1);
    expect(ids.indexOf(`${failedId}-n4`)).toBeLessThan(ids.indexOf(failedId));
    await page.getByLabel("Phase").selectOption("aborted");
    await row.waitFor({ state: "detached" });
    expect(await page.locator("table.executions tbody tr .phase").allTextContents()).toEqual(["aborted"]);
    await page.getByLabel("Phase").selectOption("");
    await row.waitFor();
    await shot("executions");
  }, 2 * WAIT);

  it("relaunches from the page: a new execution of the same workflow with the same inputs opens", async () => {
    await page.goto(`${url}/executions/${failedId}`);
    await page.getByRole("button", { name: "Relaunch" }).click();
    await page.waitForURL((u) => u.pathname.startsWith("/executions/") && !u.pathname.endsWith(failedId));
    const id = await executionIdOfPage();
    expect(id).not.toBe(failedId);
    await page.getByText(`relaunch of ${failedId}`).waitFor();
    const relaunched = await client.getExecution(id);
    expect(relaunched).toMatchObject({ relaunchOf: failedId, inputs: { n: 12, fail: true }, workflow: { name: "pipeline" } });
    await client.abort(id);
  }, 2 * WAIT);

  it("shows the registry: workflows, launch plans and tasks with their interfaces and specs", async () => {
    await page.goto(`${url}/entities`);
    await page.getByRole("link", { name: "pipeline_nightly" }).click();
    await page.getByRole("heading", { name: /pipeline_nightly/ }).waitFor();
    await page.getByText("fixed").first().waitFor();
    await page.goto(`${url}/entities`);
    await page.getByRole("link", { name: "pipeline", exact: true }).click();
    await page.locator(".dag g.node").first().waitFor();
    await page.getByRole("button", { name: "Show the spec" }).click();
    expect(await page.locator("pre.spec").textContent()).toContain('"branchNode"');
    await shot("workflow");
  }, 2 * WAIT);
});
