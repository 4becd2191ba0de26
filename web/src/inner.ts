/**
 * What the DAG needs beyond an execution's own spec and nodes, read for the
 * nodes a person expanded: the workflow a dynamic node built
 * (`GET /executions/{id}/dynamic`), and a launch-plan node's child execution
 * (its workflow's spec, and its nodes live from its own event stream).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type NodeExecutionInfo } from "./api.js";
import type { ChildDrawing, Inner, WorkflowSpecJson } from "./graph.js";
import { followExecution } from "./live.js";

interface Followed {
  readonly controller: AbortController;
  spec: WorkflowSpecJson | undefined;
  states: ReadonlyMap<string, NodeExecutionInfo>;
}

/** Reads and follows what the expanded dynamic and launch-plan nodes of execution `id` need. */
export function useInner(id: string, expanded: ReadonlySet<string>, nodes: ReadonlyMap<string, NodeExecutionInfo>): Inner {
  const [dynamic, setDynamic] = useState<ReadonlyMap<string, WorkflowSpecJson>>(new Map());
  const [children, setChildren] = useState<ReadonlyMap<string, ChildDrawing>>(new Map());
  const followed = useRef(new Map<string, Followed>());
  const asking = useRef(new Set<string>());

  // Dynamic nodes: their built workflow, asked for once it exists (the node has started sub-nodes or ended).
  const wanted = [...expanded].filter((p) => {
    const n = nodes.get(p);
    return n?.kind === "dynamic" && (n.endedAt !== undefined || [...nodes.keys()].some((k) => k.startsWith(`${p}/`)));
  });
  const wantedKey = wanted.filter((p) => !dynamic.has(p)).join("\u0000");
  useEffect(() => {
    for (const p of wanted) {
      if (dynamic.has(p) || asking.current.has(p)) continue;
      asking.current.add(p);
      api.getDynamicWorkflow(id, p).then(
        (d) => setDynamic((m) => new Map(m).set(p, d.workflow as WorkflowSpecJson)),
        () => undefined,
      ).finally(() => asking.current.delete(p));
    }
  }, [id, wantedKey]);

  // Launch-plan nodes: their child execution, followed while expanded.
  const lpKey = [...expanded].map((p) => `${p}=${nodes.get(p)?.childExecutionId ?? ""}`).join("\u0000");
  useEffect(() => {
    const open = new Map<string, string>();
    for (const p of expanded) {
      const child = nodes.get(p)?.childExecutionId;
      if (child) open.set(p, child);
    }
    const publish = (): void => {
      const m = new Map<string, ChildDrawing>();
      for (const [p, f] of followed.current) if (f.spec) m.set(p, { executionId: open.get(p) ?? "", spec: f.spec, states: f.states });
      setChildren(m);
    };
    for (const [p, f] of followed.current) {
      if (!open.has(p)) {
        f.controller.abort();
        followed.current.delete(p);
      }
    }
    for (const [p, child] of open) {
      if (followed.current.has(p)) continue;
      const f: Followed = { controller: new AbortController(), spec: undefined, states: new Map() };
      followed.current.set(p, f);
      followExecution(child, f.controller.signal, (execution, states) => {
        f.states = states;
        if (execution && !f.spec) {
          void api.getEntity("workflow", execution.workflow).then((w) => {
            f.spec = w.spec as WorkflowSpecJson;
            publish();
          }, () => undefined);
        }
        publish();
      });
    }
    publish();
  }, [id, lpKey]);

  useEffect(
    () => () => {
      for (const f of followed.current.values()) f.controller.abort();
      followed.current.clear();
    },
    [id],
  );
  return useMemo(() => ({ dynamic, children }), [dynamic, children]);
}
