/**
 * Capturing what task code writes to stdout and stderr during one attempt,
 * in the child process that runs it. Writes still reach the worker's own
 * output; a copy goes to `onChunks` in batches (at most every `flushMs`, or
 * sooner past `flushBytes`), and whatever is left is handed over when the
 * capture stops, so the parent has all of it before the attempt's result.
 *
 * `console.*` writes through `process.stdout`/`process.stderr`, so it is
 * captured; a native addon writing to file descriptor 1 directly is not.
 *
 * @module
 */
import type { LogLine } from "../store/attempt-logs.js";

type Write = typeof process.stdout.write;

/**
 * Starts capturing; the returned function stops and flushes.
 *
 * @example
 * ```ts
 * const stop = captureOutput((lines) => send({ type: "log", id, lines }));
 * try { await runTask(); } finally { stop(); }
 * ```
 */
export function captureOutput(onChunks: (lines: LogLine[]) => void, options: { readonly flushMs?: number; readonly flushBytes?: number } = {}): () => void {
  const flushMs = options.flushMs ?? 100;
  const flushBytes = options.flushBytes ?? 64 * 1024;
  let pending: LogLine[] = [];
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const lines = pending;
    pending = [];
    bytes = 0;
    onChunks(lines);
  };
  const originals: [NodeJS.WriteStream, Write][] = [];
  for (const stream of ["stdout", "stderr"] as const) {
    const s = process[stream];
    const original = s.write;
    originals.push([s, original]);
    s.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const encoding = typeof rest[0] === "string" ? (rest[0] as BufferEncoding) : "utf8";
      const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString(encoding) : String(chunk);
      const last = pending[pending.length - 1];
      // Consecutive writes to one stream in the same millisecond are one chunk.
      const at = Date.now();
      if (last && last.stream === stream && last.at === at) pending[pending.length - 1] = { stream, at, text: last.text + text };
      else pending.push({ stream, at, text });
      bytes += text.length;
      if (bytes >= flushBytes) flush();
      else timer ??= setTimeout(flush, flushMs);
      return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as Write;
  }
  return () => {
    for (const [s, original] of originals) s.write = original;
    flush();
  };
}
