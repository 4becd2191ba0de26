/**
 * The peer LangGraph.js with its SQLite checkpointer, one measurement in a
 * process of its own: `tsx bench/durable/langgraph-run.ts <file.db> <workload> <n>`
 * runs the workload once untimed at a tenth of its size, then once timed, and
 * prints `{ ms, n }` as one JSON line, as `aloft-run.ts` does. Every superstep
 * is checkpointed to the SQLite file (LangGraph's durability).
 * W1: one invoke whose start sends N `Send`s to a node returning `x + 1`
 * (one superstep of N tasks), gathered by a reducer. W2: a chain of N nodes
 * (N supersteps). W3: N invokes of a one-node graph at once, each its own thread.
 *
 * @module
 */
import { Annotation, END, Send, START, StateGraph } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";

const [db = "", workload = "w1", size = "2000"] = process.argv.slice(2);
const n = Number(size);
const saver = SqliteSaver.fromConnString(db);
let threads = 0;
const thread = (): { configurable: { thread_id: string } } => ({ configurable: { thread_id: `t${++threads}` } });

const FanState = Annotation.Root({
  xs: Annotation<number[]>(),
  out: Annotation<number[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const fanOut = new StateGraph(FanState)
  .addNode("inc", (s: { x: number }) => ({ out: [s.x + 1] }) as never)
  .addConditionalEdges(START, (s) => s.xs.map((x) => new Send("inc", { x })))
  .addEdge("inc", END)
  .compile({ checkpointer: saver });

const X = Annotation.Root({ x: Annotation<number>() });
const single = new StateGraph(X)
  .addNode("inc", (s) => ({ x: s.x + 1 }))
  .addEdge(START, "inc")
  .addEdge("inc", END)
  .compile({ checkpointer: saver });

function chain(k: number): { invoke: (input: { x: number }, config: object) => Promise<{ x: number }> } {
  const g = new StateGraph(X) as unknown as {
    addNode(name: string, fn: (s: { x: number }) => { x: number }): void;
    addEdge(a: string, b: string): void;
    compile(o: object): { invoke: (input: { x: number }, config: object) => Promise<{ x: number }> };
  };
  for (let i = 0; i < k; i++) g.addNode(`n${i}`, (s) => ({ x: s.x + 1 }));
  g.addEdge(START, "n0");
  for (let i = 1; i < k; i++) g.addEdge(`n${i - 1}`, `n${i}`);
  g.addEdge(`n${k - 1}`, END);
  return g.compile({ checkpointer: saver });
}

async function once(k: number): Promise<number> {
  const t0 = performance.now();
  if (workload === "w1") {
    const out = await fanOut.invoke({ xs: Array.from({ length: k }, (_, i) => i) }, thread());
    if (out.out.length !== k || Math.max(...out.out) !== k) throw new Error("W1: wrong outputs");
  } else if (workload === "w2") {
    const g = chain(k);
    const t1 = performance.now();
    const out = await g.invoke({ x: 0 }, { ...thread(), recursionLimit: k + 10 });
    if (out.x !== k) throw new Error(`W2: wrong output ${out.x}`);
    return performance.now() - t1;
  } else {
    const outs = await Promise.all(Array.from({ length: k }, (_, i) => single.invoke({ x: i }, thread())));
    if (outs.some((o, i) => o.x !== i + 1)) throw new Error("W3: wrong outputs");
  }
  return performance.now() - t0;
}

async function main(): Promise<void> {
  await once(Math.max(1, Math.round(n / 10)));
  const ms = await once(n);
  process.stdout.write(`${JSON.stringify({ ms, n })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
