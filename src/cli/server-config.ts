/**
 * Which server the command line talks to, and with which token, when the
 * command line does not say: `--remote URL` and `--token T` first, then the
 * environment (`ALOFT_URL`, `ALOFT_TOKEN`), then the project's
 * `aloft.config.json` (the nearest one in the working directory or a folder
 * above it, as `tsconfig.json` and `.eslintrc.json` are found):
 *
 * ```json
 * { "url": "http://aloft.internal:8080", "token": "..." }
 * ```
 *
 * A server so configured is used by every command that takes `--remote`,
 * unless the command line chooses the database (`--db`) or an in-process run
 * (`--local`). This is flytectl's `~/.flyte/config.yaml` (`admin.endpoint`)
 * and `FLYTE_PLATFORM_URL`, kept per project.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { UsageError } from "./errors.js";

/** The name of the per-project configuration file. */
export const CONFIG_FILE = "aloft.config.json";

/** What `aloft.config.json` may say. */
export interface AloftConfig {
  /** The server's URL (`http://...` or `https://...`). */
  readonly url?: string;
  /** The server's bearer token (prefer `$ALOFT_TOKEN` in shared projects: a file may be committed). */
  readonly token?: string;
  /** Where it was read from. */
  readonly file?: string;
}

const KEYS = new Set(["$schema", "url", "token"]);

/**
 * The nearest `aloft.config.json` from `cwd` up, read and checked; `{}` when there is none.
 *
 * @throws UsageError naming the file when it is not JSON or has a field of the wrong kind.
 *
 * @example
 * ```ts
 * readConfig("/home/me/project/src"); // { url: "http://127.0.0.1:8080", file: "/home/me/project/aloft.config.json" }
 * ```
 */
export function readConfig(cwd: string): AloftConfig {
  let dir = path.resolve(cwd);
  for (;;) {
    const file = path.join(dir, CONFIG_FILE);
    if (existsSync(file)) return parseConfig(file);
    const up = path.dirname(dir);
    if (up === dir) return {};
    dir = up;
  }
}

function parseConfig(file: string): AloftConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new UsageError(`${file}: expected an object such as { "url": "http://127.0.0.1:8080" }`);
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new UsageError(`${file}: unknown field ${JSON.stringify(k)} (fields: url, token)`);
  const url = o["url"];
  const token = o["token"];
  if (url !== undefined && (typeof url !== "string" || !/^https?:\/\/\S+$/.test(url))) throw new UsageError(`${file}: "url" must be a server URL such as "http://127.0.0.1:8080", got ${JSON.stringify(url)}`);
  if (token !== undefined && (typeof token !== "string" || token === "")) throw new UsageError(`${file}: "token" must be a non-empty string`);
  return { file, ...(url === undefined ? {} : { url }), ...(token === undefined ? {} : { token }) };
}

function hasOption(command: Command, long: string): boolean {
  return command.options.some((o) => o.long === long);
}

/**
 * Fills in `--remote` and `--token` of the command about to run from
 * `ALOFT_URL`/`ALOFT_TOKEN` and `aloft.config.json`, where the command takes
 * them and the command line left them out (and chose neither `--db` nor
 * `--local`). The config file is read only when something is missing.
 *
 * @example
 * ```ts
 * program.hook("preAction", (_program, command) => applyServerDefaults(command, ctx.io.cwd));
 * ```
 */
export function applyServerDefaults(command: Command, cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const takesRemote = hasOption(command, "--remote");
  const takesToken = hasOption(command, "--token");
  if (!takesRemote && !takesToken) return;
  const opts = command.opts<{ remote?: string; token?: string; db?: string; local?: boolean }>();
  const wantsUrl = takesRemote && opts.remote === undefined && opts.db === undefined && opts.local !== true;
  const wantsToken = takesToken && opts.token === undefined;
  if (!wantsUrl && !wantsToken) return;
  let config: AloftConfig | undefined;
  const fromFile = (): AloftConfig => (config ??= readConfig(cwd));
  if (wantsUrl) {
    const url = env["ALOFT_URL"] || fromFile().url;
    if (url) command.setOptionValueWithSource("remote", url, "env");
  }
  // The token only matters for a server: for the database it is never read (nor the config file for it).
  if (wantsToken && (command.opts<{ remote?: string }>().remote !== undefined || !takesRemote)) {
    const token = env["ALOFT_TOKEN"] || fromFile().token;
    if (token) command.setOptionValueWithSource("token", token, "env");
  }
}

/**
 * How to give a token, for errors: the flag, the variable and the config file.
 *
 * @example
 * ```ts
 * tokenHelp(); // "pass it with --token <token>, set $ALOFT_TOKEN, or put \"token\" in aloft.config.json"
 * ```
 */
export function tokenHelp(): string {
  return `pass it with --token <token>, set $ALOFT_TOKEN, or put "token" in ${CONFIG_FILE}`;
}
