/**
 * The ids flytepropeller gives nodes it discovers inside others, for both
 * runners and the console: a branch's then-node runs as
 * `<branch id>-<then-node id>` (flytepropeller `pkg/compiler/validators/node.go`,
 * `branchNodeIDFormatter`, applied in `validators/branch.go`), so the
 * then-node ids flytekit writes, which restart at `n0` in every conditional,
 * never clash with the workflow's own.
 *
 * @module
 */

/**
 * The id a then-node (or else node) runs under. An id that already carries
 * its branch's prefix (`n3-n0`, as Aloft wrote then-node ids before it wrote
 * them as flytekit does) is kept, so executions stored then keep their paths.
 *
 * @example
 * ```ts
 * thenNodeId("n3", "n0");    // "n3-n0"
 * thenNodeId("n3-n0", "n1"); // "n3-n0-n1": a branch inside a branch
 * thenNodeId("n3", "n3-n0"); // "n3-n0"
 * ```
 */
export function thenNodeId(branchId: string, thenId: string): string {
  return thenId.startsWith(`${branchId}-`) ? thenId : `${branchId}-${thenId}`;
}
