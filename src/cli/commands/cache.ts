/**
 * `aloft cache clear [--task NAME [--version V]] [--cache-dir DIR] [--db PATH]`:
 * removes cached task outputs, from the local runner's cache and the engine's.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { COMMAND_SUMMARIES } from "./summaries.js";
import { clearLocalCache } from "../../local/clear-cache.js";
import { defaultCacheDir } from "../../local/environment.js";
import type { CliContext } from "../context.js";
import { printLines } from "../context.js";
import { UsageError } from "../errors.js";
import { existingDatabase, MissingDatabaseError } from "../engine/database.js";
import { openStore } from "../../store/open-store.js";

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

/** Which cached outputs to clear: all, one task's, or one cache version of one task. */
export interface CacheClearFilter {
  readonly task?: string;
  readonly version?: string;
}

function whose(filter: CacheClearFilter): string {
  if (filter.task === undefined) return "";
  return ` of task ${JSON.stringify(filter.task)}${filter.version === undefined ? "" : ` version ${JSON.stringify(filter.version)}`}`;
}

function outputs(n: number): string {
  return `${n} cached output${n === 1 ? "" : "s"}`;
}

/**
 * Clears the cache in `dir` (all of it, or a task's or a cache version's
 * entries), after checking that it looks like one: a mistyped `--cache-dir`
 * must not remove a directory of other files.
 *
 * @throws UsageError when `dir` holds anything but cache entries.
 *
 * @example
 * ```ts
 * clearCacheDir("/home/me/.aloft/cache"); // "cleared the local cache in /home/me/.aloft/cache"
 * clearCacheDir("/home/me/.aloft/cache", { task: "slope" }); // "removed 2 cached outputs of task "slope" from the local cache in ..."
 * ```
 */
export function clearCacheDir(dir: string, filter: CacheClearFilter = {}): string {
  const entries = entriesOf(dir);
  if (entries === undefined) return `the local cache in ${dir} is already empty`;
  const foreign = entries.filter((name) => !SHARD.test(name) && name !== "blobs");
  if (foreign.length > 0) {
    throw new UsageError(`${dir} does not look like an Aloft cache (it holds ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); nothing was removed`);
  }
  const n = clearLocalCache({ cacheDir: dir, ...filter });
  if (filter.task === undefined) return `cleared the local cache in ${dir}`;
  return `removed ${outputs(n)}${whose(filter)} from the local cache in ${dir}`;
}

/**
 * Clears the engine's cache in a database (what runs on the engine, `aloft
 * run` by default, and `aloft serve` use): all of it, or a task's or a cache
 * version's entries. The default database is skipped when there is none.
 *
 * @throws MissingDatabaseError when `--db` names a database that does not exist.
 *
 * @example
 * ```ts
 * await clearEngineCache(ctx, undefined, { task: "slope" }); // "removed 2 cached outputs of task "slope" from the engine's cache in .aloft/aloft.db"
 * ```
 */
export async function clearEngineCache(ctx: CliContext, db: string | undefined, filter: CacheClearFilter = {}): Promise<string | undefined> {
  let ref;
  try {
    ref = existingDatabase(ctx, db);
  } catch (e) {
    if (e instanceof MissingDatabaseError && db === undefined) return undefined;
    throw e;
  }
  const store = await openStore(ref.path, { poolSize: 1 });
  try {
    const n = await store.clearCache(filter);
    return `removed ${outputs(n)}${whose(filter)} from the engine's cache in ${ref.shown}`;
  } finally {
    await store.close();
  }
}

/**
 * Adds `aloft cache clear`.
 *
 * @example
 * ```ts
 * registerCache(program, ctx); // aloft cache clear --task slope --version 1
 * ```
 */
export function registerCache(program: Command, ctx: CliContext): void {
  const cache = program.command("cache").summary(COMMAND_SUMMARIES.cache);
  cache
    .command("clear")
    .summary("remove cached task outputs: all, or one task's, or one cache version's")
    .description(
      "Removes cached task outputs from the local runner's cache (--local runs) and from the engine's cache in the database " +
        "(runs on the engine, aloft serve): all of them, or with --task those of one task, with --version only that cache version.",
    )
    .option("--task <name>", "only this task's outputs (its name, as task({ name }) gives it)")
    .option("--version <version>", "with --task: only this cache version (cache: { version })")
    .option("--cache-dir <dir>", "the local cache directory (default: $ALOFT_HOME/cache, ~/.aloft/cache)")
    .option("--db <path|url>", "the engine's database (default: .aloft/aloft.db, when there is one) or postgres://...")
    .option("--verbose", "report errors with their stacks")
    .action(async (flags: { task?: string; version?: string; cacheDir?: string; db?: string; verbose?: boolean }) => {
      ctx.verbose = flags.verbose === true;
      if (flags.version !== undefined && flags.task === undefined) throw new UsageError("--version names a cache version of one task: give the task with --task <name>");
      const filter = { ...(flags.task === undefined ? {} : { task: flags.task }), ...(flags.version === undefined ? {} : { version: flags.version }) };
      const engine = await clearEngineCache(ctx, flags.db, filter);
      printLines(ctx, [clearCacheDir(path.resolve(ctx.io.cwd, flags.cacheDir ?? defaultCacheDir()), filter), ...(engine === undefined ? [] : [engine])]);
    });
}
