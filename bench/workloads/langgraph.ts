/**
 * The peer side of the benchmark: the same two shapes of trivial nodes as
 * LangGraph.js `StateGraph`s, run without a checkpointer.
 *
 * @module
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

/** State of the chain: one number each node increments. */
const ChainState = Annotation.Root({ x: Annotation<number>() });

/** State of the fan-out: the input, and a sum every node adds its output to (the gather). */
const FanOutState = Annotation.Root({
  x: Annotation<number>(),
  sum: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
});

/** The body of a chain node, kept apart so the baseline can call it directly. */
export function chainStep(state: { x: number }): { x: number } {
  return { x: state.x + 1 };
}

/** The body of a fan-out node: it contributes `x + 1` to the sum. */
export function fanOutStep(state: { x: number }): { sum: number } {
  return { sum: state.x + 1 };
}

/**
 * The builder methods used here, with node names as plain strings: LangGraph
 * types names as a union of literals that grows with each `addNode`, which a
 * loop cannot express.
 */
interface LoopBuilder<S, U> {
  addNode(name: string, fn: (state: S) => U): unknown;
  addEdge(from: string, to: string): unknown;
}

/** What a compiled graph offers the benchmark. */
export interface RunnableGraph<I, O> {
  invoke(input: I, config: { recursionLimit: number }): Promise<O>;
}

/**
 * A chain of `n` nodes, `START → n0 → n1 → … → END`; the result's `x` is the input plus `n`.
 *
 * @example
 * ```ts
 * await buildChainGraph(3).invoke({ x: 0 }, { recursionLimit: recursionLimitFor(3) }); // { x: 3 }
 * ```
 */
export function buildChainGraph(n: number): RunnableGraph<{ x: number }, { x: number }> {
  const graph = new StateGraph(ChainState);
  const builder = graph as unknown as LoopBuilder<{ x: number }, { x: number }>;
  for (let i = 0; i < n; i++) builder.addNode(`n${i}`, chainStep);
  builder.addEdge(START, "n0");
  for (let i = 1; i < n; i++) builder.addEdge(`n${i - 1}`, `n${i}`);
  builder.addEdge(`n${n - 1}`, END);
  return graph.compile();
}

/**
 * A fan-out of `n` nodes run in parallel, `START → n_i → END`, each reading
 * `x` and adding `x + 1` to `sum`.
 *
 * @example
 * ```ts
 * await buildFanOutGraph(3).invoke({ x: 1 }, { recursionLimit: recursionLimitFor(3) }); // { x: 1, sum: 6 }
 * ```
 */
export function buildFanOutGraph(n: number): RunnableGraph<{ x: number }, { x: number; sum: number }> {
  const graph = new StateGraph(FanOutState);
  const builder = graph as unknown as LoopBuilder<{ x: number }, { sum: number }>;
  for (let i = 0; i < n; i++) {
    builder.addNode(`n${i}`, fanOutStep);
    builder.addEdge(START, `n${i}`);
    builder.addEdge(`n${i}`, END);
  }
  return graph.compile();
}

/** A recursion limit (supersteps) that lets a graph of `n` nodes finish. */
export function recursionLimitFor(n: number): number {
  return n + 10;
}
