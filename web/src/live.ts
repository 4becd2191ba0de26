/** An execution and its node executions, live from the API's event stream. */
import { useEffect, useState } from "preact/hooks";
import { api, messageOf, type ExecutionInfo, type NodeExecutionInfo } from "./api.js";

export interface LiveExecution {
  readonly execution: ExecutionInfo | undefined;
  readonly nodes: ReadonlyMap<string, NodeExecutionInfo>;
  readonly error: string | undefined;
  /** Whether the stream is open (false once the execution ended). */
  readonly live: boolean;
}

/** What a follower hears: the execution and its nodes so far, whether the stream is still open, and the last stream error. */
export type LiveUpdate = (execution: ExecutionInfo | undefined, nodes: ReadonlyMap<string, NodeExecutionInfo>, live: boolean, error: string | undefined) => void;

/**
 * Follows one execution's event stream until `signal` aborts, calling
 * `update` at most once per animation frame (node events arrive in bursts: a
 * 2,000-element map). A stream that broke off (a restarting server) is
 * followed again, a little later each time.
 */
export function followExecution(id: string, signal: AbortSignal, update: LiveUpdate): void {
  let execution: ExecutionInfo | undefined;
  const nodes = new Map<string, NodeExecutionInfo>();
  let pending = false;
  let live = true;
  let error: string | undefined;
  const flush = (): void => {
    pending = false;
    if (!signal.aborted) update(execution, new Map(nodes), live, error);
  };
  const schedule = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(flush);
  };
  const follow = async (): Promise<void> => {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        for await (const ev of api.events(id, { signal })) {
          if (ev.type === "execution") execution = ev.data;
          else if (ev.type === "node") {
            nodes.set(ev.data.path, ev.data);
          } else {
            live = false;
            execution = await api.getExecution(id);
          }
          error = undefined;
          schedule();
        }
        return;
      } catch (e) {
        if (signal.aborted) return;
        error = messageOf(e);
        schedule();
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 5000)));
      }
    }
  };
  void follow();
}

/** An execution and its node executions, live from the API's event stream. */
export function useLiveExecution(id: string): LiveExecution {
  const [state, setState] = useState<LiveExecution>({ execution: undefined, nodes: new Map(), error: undefined, live: true });
  useEffect(() => {
    const controller = new AbortController();
    followExecution(id, controller.signal, (execution, nodes, live, error) => setState({ execution, nodes, error, live }));
    return () => controller.abort();
  }, [id]);
  return state;
}
