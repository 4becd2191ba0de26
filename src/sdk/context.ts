/**
 * The declarative call context: the stack of workflow bodies being defined.
 * Calling an entity adds a node to the graph on top of the stack.
 *
 * @module
 */
import type { Graph } from "./graph.js";

const stack: Graph[] = [];

/** Runs `body` with `graph` as the graph entity calls add nodes to. */
export function withGraph<R>(graph: Graph, body: () => R): R {
  stack.push(graph);
  try {
    return body();
  } finally {
    stack.pop();
  }
}

/** The graph of the body being defined, if any. */
export function currentGraph(): Graph | undefined {
  return stack[stack.length - 1];
}
