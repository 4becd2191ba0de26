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

const ARRAY_NODE_NAME = /^((?:[^.]*\.)*)map_(.+)_[0-9a-f]{32}-arraynode$/;

/**
 * The name people see for a node named after a map task's template
 * (flytekit's `<module>.map_<function>_<md5>-arraynode`): `mapper_<task>`,
 * as Aloft names map tasks; any other name as it is.
 *
 * @example
 * ```ts
 * nodeDisplayName("core.map_task.map_square_6b3bd0353da5de6e84d7982921ead2b3-arraynode"); // "mapper_core.map_task.square"
 * nodeDisplayName("fractions");                                                           // "fractions"
 * ```
 */
export function nodeDisplayName(name: string): string {
  return ARRAY_NODE_NAME.test(name) ? `mapper_${mappedTaskName(name)}` : name;
}

/**
 * The task a map task's template runs for each element, by the template's
 * name (`<module>.map_<function>_<md5>-arraynode` runs `<module>.<function>`);
 * any other name is the task's own. An element is labelled and cached as
 * that task (beyond Flyte, whose catalog keys the `-arraynode` template): a
 * task run alone and inside a map share cache entries.
 *
 * @example
 * ```ts
 * mappedTaskName("core.map_task.map_square_6b3bd0353da5de6e84d7982921ead2b3-arraynode"); // "core.map_task.square"
 * mappedTaskName("square");                                                             // "square"
 * ```
 */
export function mappedTaskName(name: string): string {
  const m = ARRAY_NODE_NAME.exec(name);
  return m ? `${m[1] ?? ""}${m[2] ?? ""}` : name;
}

/**
 * The number a node id ends with, or -1: the SDK names the `i`-th node of a
 * workflow `n<i>` (`dn<i>` in a dynamic workflow), so the runners and the
 * checks find a node by its position before falling back to a map of ids.
 *
 * @example
 * ```ts
 * nodeIdNumber("n12");  // 12
 * nodeIdNumber("dn3");  // 3
 * nodeIdNumber("efn");  // -1
 * ```
 */
export function nodeIdNumber(id: string): number {
  let start = id.length;
  while (start > 0) {
    const c = id.charCodeAt(start - 1);
    if (c < 48 || c > 57) break;
    start--;
  }
  if (start === id.length || id.length - start > 9) return -1;
  let value = 0;
  for (let k = start; k < id.length; k++) value = value * 10 + (id.charCodeAt(k) - 48);
  return value;
}
