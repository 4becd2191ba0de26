/**
 * Wake-ups through the server: a worker that joins through the server keeps
 * `GET /api/v1/workers/events` open and claims on each `work` event, instead
 * of waiting for its next poll. A dropped stream is opened again (after a
 * short pause), and the worker is woken each time one opens, since work may
 * have come while it could not hear.
 *
 * @module
 */
import type { Wakeups, WakeTopic } from "../store/wakeups.js";
import { RemoteServerError, type RemoteServer } from "./remote-client.js";

const RECONNECT_MS = 500;

/**
 * Opens the server's worker event stream; resolves once it is open, and
 * rejects (`RemoteServerError`) when the first attempt is refused (a wrong
 * token: `unauthorized`) or finds no server (`unreachable`), so a worker
 * with a bad URL or token stops at once with a message.
 *
 * @example
 * ```ts
 * const wakeups = await openRemoteWakeups(new RemoteServer(url, token));
 * wakeups.on("work", () => worker.wake());
 * ```
 */
export async function openRemoteWakeups(server: RemoteServer, options: { readonly log?: (line: string) => void } = {}): Promise<Wakeups> {
  const listeners: (() => void)[] = [];
  const fire = (): void => {
    for (const fn of listeners) fn();
  };
  let closed = false;
  let controller: AbortController | undefined;
  let retry: NodeJS.Timeout | undefined;
  let problem: string | undefined;

  const read = async (response: Response): Promise<void> => {
    const reader = response.body?.getReader();
    if (!reader) return;
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (block.split("\n").some((l) => l === "event: work")) fire();
      }
    }
  };

  const open = async (): Promise<Response> => {
    controller = new AbortController();
    return server.request("GET", "/events", { signal: controller.signal });
  };

  const follow = (response: Response): void => {
    problem = undefined;
    fire(); // work may have come while the stream was closed
    void read(response)
      .catch(() => undefined)
      .finally(() => {
        if (!closed) retry = setTimeout(reconnect, RECONNECT_MS);
      });
  };

  const reconnect = (): void => {
    if (closed) return;
    open().then(follow, (e: unknown) => {
      const text = e instanceof Error ? e.message : String(e);
      if (text !== problem) options.log?.(`wake-ups from the server stopped (${text}); polling until they come back`);
      problem = text;
      if (!closed) retry = setTimeout(reconnect, RECONNECT_MS);
    });
  };

  let first: Response;
  try {
    first = await open();
  } catch (e) {
    if (e instanceof RemoteServerError) throw e;
    throw new RemoteServerError(`cannot open the server's worker events: ${String(e)}`, "unreachable", 0, { cause: e });
  }
  follow(first);
  return {
    on(topic: WakeTopic, fn: () => void) {
      if (topic === "work") listeners.push(fn);
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      controller?.abort();
    },
  };
}
