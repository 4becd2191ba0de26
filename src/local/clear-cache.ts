/**
 * Clearing the local runner's output cache.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import { FileCache } from "./cache/file-cache.js";
import { defaultCacheDir } from "./environment.js";

/** Where the cache to clear is, and which entries. */
export interface ClearCacheOptions {
  /** The cache directory (default: `$ALOFT_HOME/cache`, `~/.aloft/cache`). */
  readonly cacheDir?: string;
  /** Only this task's outputs (its `name`). */
  readonly task?: string;
  /** Only this cache version of `task` (`cache: { version }`); needs `task`. */
  readonly version?: string;
}

/**
 * Removes the cached task outputs of the local runner: all of them, or one
 * task's, or one cache version's of it. Returns how many were removed.
 *
 * @throws InvalidOptionError for a `version` without a `task`.
 *
 * @example
 * ```ts
 * clearLocalCache();                                // ~/.aloft/cache
 * clearLocalCache({ cacheDir: "./.cache" });
 * clearLocalCache({ task: "slope", version: "1" }); // 2
 * ```
 */
export function clearLocalCache(options: ClearCacheOptions = {}): number {
  if (options.version !== undefined && options.task === undefined) throw new InvalidOptionError("clearLocalCache: a cache version is per task; give the task with the version");
  return new FileCache(options.cacheDir ?? defaultCacheDir()).clear({
    ...(options.task === undefined ? {} : { task: options.task }),
    ...(options.version === undefined ? {} : { version: options.version }),
  });
}
