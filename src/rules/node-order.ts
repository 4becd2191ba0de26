/**
 * One order for an execution's nodes, used by every place that lists them.
 *
 * @module
 */

/**
 * The order of an execution's nodes wherever they are listed (`aloft get
 * nodes`, the HTTP API's `GET /executions/{id}/nodes`, the console): node
 * paths compared as people number things: runs of digits by their
 * value (`n1[2]` before `n1[10]`, `n2` before `n10`), everything else by
 * code point, so a node still comes before the nodes inside it (`n1`,
 * `n1/n0`, `n1[0]`).
 *
 * @example
 * ```ts
 * ["n1[10]", "n1[2]", "n10", "n2"].sort(compareNodePaths); // ["n1[2]", "n1[10]", "n2", "n10"]
 * ```
 */
export function compareNodePaths(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      // By value without parsing (any length): fewer significant digits is smaller, then digit by digit.
      const [sx, sy] = [x.replace(/^0+/, ""), y.replace(/^0+/, "")];
      if (sx.length !== sy.length) return sx.length - sy.length;
      if (sx !== sy) return sx < sy ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}
