/**
 * `aloft cache clear [--cache-dir DIR]`: removes the local runner's cached task outputs.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { clearLocalCache } from "../../local/clear-cache.js";
import { defaultCacheDir } from "../../local/environment.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { UsageError } from "../errors.js";

/** A cache directory holds only the two-hex-digit folders of its entries. */
const SHARD = /^[0-9a-f]{2}$/;

function entriesOf(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR") throw new UsageError(`${dir} is not a directory; nothing was removed`);
    throw e;
  }
}

/**
 * Clears the cache in `dir`, after checking that it looks like one: a
 * mistyped `--cache-dir` must not remove a directory of other files.
 *
 * @throws UsageError when `dir` holds anything but cache entries.
 *
 * @example
 * ```ts
 * clearCacheDir("/home/me/.aloft/cache"); // "cleared the local cache in /home/me/.aloft/cache"
 * ```
 */
export function clearCacheDir(dir: string): string {
  const entries = entriesOf(dir);
  if (entries === undefined) return `the local cache in ${dir} is already empty`;
  const foreign = entries.filter((name) => !SHARD.test(name));
  if (foreign.length > 0) {
    throw new UsageError(`${dir} does not look like an Aloft cache (it holds ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); nothing was removed`);
  }
  clearLocalCache({ cacheDir: dir });
  return `cleared the local cache in ${dir}`;
}

/**
 * Adds `aloft cache clear`.
 *
 * @example
 * ```ts
 * registerCache(program, ctx); // aloft cache clear --cache-dir ./.cache
 * ```
 */
export function registerCache(program: Command, ctx: CliContext): void {
  const cache = program.command("cache").summary("manage the local runner's cache of task outputs");
  cache
    .command("clear")
    .summary("remove every cached task output")
    .option("--cache-dir <dir>", "the cache directory (default: $ALOFT_HOME/cache, ~/.aloft/cache)")
    .option("--verbose", "report errors with their stacks")
    .action((flags: { cacheDir?: string; verbose?: boolean }) => {
      ctx.verbose = flags.verbose === true;
      printLines(ctx, [clearCacheDir(path.resolve(ctx.io.cwd, flags.cacheDir ?? defaultCacheDir()))]);
    });
}
