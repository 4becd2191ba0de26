import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { acquireEngineLock, engineLockHolder, EngineLockedError } from "../../src/store/sqlite/engine-lock.js";
import { startEmbedded } from "../../src/engine/embedded.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "aloft-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LOCK_MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/store/sqlite/engine-lock.ts");

describe("the engine lock of a database", () => {
  it("is held by one engine at a time, says who holds it, and is free again once released", async () => {
    const db = path.join(dir, "one", "aloft.db");
    await expect(engineLockHolder(db)).resolves.toBeUndefined();
    const lock = await acquireEngineLock(db);
    const holder = await engineLockHolder(db);
    expect(holder).toMatchObject({ pid: process.pid, host: os.hostname() });
    const second = await acquireEngineLock(db).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(EngineLockedError);
    expect((second as EngineLockedError).message).toMatch(new RegExp(`^another Aloft engine is running over .*aloft\\.db \\(pid ${process.pid} on .*\\); only one engine may run over a database$`));
    lock.release();
    lock.release(); // a second release does nothing
    await expect(engineLockHolder(db)).resolves.toBeUndefined();
    (await acquireEngineLock(db)).release();
  });

  it("is released by the operating system when its process is killed", async () => {
    const db = path.join(dir, "killed", "aloft.db");
    const script = `const { acquireEngineLock } = await import(${JSON.stringify(LOCK_MODULE)}); await acquireEngineLock(${JSON.stringify(db)}); console.log("held"); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => String(d).includes("held") && resolve()));
    await expect(engineLockHolder(db)).resolves.toMatchObject({ pid: child.pid });
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const lock = await acquireEngineLock(db);
    lock.release();
  });

  it("keeps a second embedded setup off a database an engine runs over", async () => {
    const setup = await startEmbedded({ dir: path.join(dir, "embedded"), modules: [], workers: 0 });
    try {
      await expect(startEmbedded({ dir: path.join(dir, "embedded"), modules: [], workers: 0 })).rejects.toThrow(EngineLockedError);
    } finally {
      await setup.stop();
    }
    const again = await startEmbedded({ dir: path.join(dir, "embedded"), modules: [], workers: 0 });
    await again.stop();
  });
});
