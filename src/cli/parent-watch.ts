/**
 * Ending with the process that started us when that is npm: `npx aloft ...`
 * and `npm run` start the CLI as `npm exec` → `sh -c aloft ...` → `node`.
 * A SIGTERM to npx ends npm and the shell but never reaches `node`, which
 * went on running (a server and its workers, with nobody to stop them). When
 * npm started the CLI and the CLI's parent goes away, the CLI sends itself
 * SIGTERM, which each long-running command handles as its own stop (a run
 * is aborted like on Ctrl-C, a server stops with its workers).
 *
 * Outside npm (a shell, nohup, a service manager) a parent that ends is no
 * reason to stop, and nothing is watched.
 *
 * @module
 */

/** How often the parent is checked: the stop follows the parent within about this long. */
const CHECK_MS = 250;

/**
 * True when npm started this process (`npx`, `npm exec`, `npm run`).
 *
 * @example
 * ```ts
 * startedByNpm({ npm_command: "exec" }); // true
 * ```
 */
export function startedByNpm(env: NodeJS.ProcessEnv): boolean {
  return env["npm_command"] !== undefined || env["npm_lifecycle_event"] !== undefined;
}

/**
 * Sends this process SIGTERM when its parent ends, if npm started it. The
 * check does not keep the process alive.
 *
 * @example
 * ```ts
 * watchParentWhenStartedByNpm(process.env); // in the CLI's entry point
 * ```
 */
export function watchParentWhenStartedByNpm(env: NodeJS.ProcessEnv): void {
  if (!startedByNpm(env)) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, "SIGTERM");
  }, CHECK_MS);
  timer.unref();
}
