/**
 * Clearing the local runner's output cache.
 *
 * @module
 */
import { FileCache } from "./cache/file-cache.js";
import { defaultCacheDir } from "./environment.js";

/** Where the cache to clear is. */
export interface ClearCacheOptions {
  /** The cache directory (default: `$ALOFT_HOME/cache`, `~/.aloft/cache`). */
  readonly cacheDir?: string;
}

/**
 * Removes every cached task output of the local runner.
 *
 * @example
 * ```ts
 * clearLocalCache();                          // ~/.aloft/cache
 * clearLocalCache({ cacheDir: "./.cache" });
 * ```
 */
export function clearLocalCache(options: ClearCacheOptions = {}): void {
  new FileCache(options.cacheDir ?? defaultCacheDir()).clear();
}
