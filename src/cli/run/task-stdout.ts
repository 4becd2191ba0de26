/**
 * `aloft run --json` keeps stdout for its JSON: what task code running in
 * this process (`--local`) writes to `process.stdout` goes to stderr while
 * the run runs. (Tasks in worker processes get stderr as their stdout: see
 * the `taskStdout` option of the engine setup.)
 *
 * @module
 */

type Write = typeof process.stdout.write;

/**
 * Sends writes to `process.stdout` to `process.stderr` until the returned
 * function is called (calling it again does nothing).
 *
 * @example
 * ```ts
 * const restore = stdoutToStderr();
 * try { await run.result; } finally { restore(); }
 * process.stdout.write(JSON.stringify(report)); // stdout holds only the report
 * ```
 */
export function stdoutToStderr(): () => void {
  const out = process.stdout;
  const original = out.write;
  const toStderr = function (this: unknown, ...args: unknown[]): boolean {
    return (process.stderr.write as (...a: unknown[]) => boolean).apply(process.stderr, args);
  } as Write;
  out.write = toStderr;
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    // Only undo this redirection: something that replaced it since keeps its own.
    if (out.write === toStderr) out.write = original;
  };
}
