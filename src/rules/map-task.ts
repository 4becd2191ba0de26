/**
 * Map tasks (array nodes), for both runners: which inputs are mapped and
 * which bound, checking the lists, how many elements must succeed, and when
 * and how the map fails (flytepropeller `pkg/controller/nodes/array/handler.go`:
 * the array node fails once fewer than `minSuccesses` can still succeed,
 * `minSuccesses` being `ceil(minSuccessRatio × n)`; flytekit
 * `core/array_node_map_task.py` writes `minSuccessRatio` and `boundInputs`).
 *
 * @module
 */
import type { LiteralType, TypedInterface, VariableMap } from "../idl/core.js";
import type { ArrayNode, TaskTemplate } from "../idl/specs.js";
import { InputValueError, MapTaskError } from "../errors.js";
import type { MapSettings } from "../store/events.js";

/**
 * How many elements must succeed: `minSuccesses`, else `minSuccessRatio` of
 * them, else all. The ratio travels as a 32-bit float (0.8 is stored as
 * 0.800000011920929), so the count allows for that rounding: 0.8 of 10 is 8.
 *
 * @example
 * ```ts
 * requiredSuccesses({ minSuccessRatio: Math.fround(0.8) }, 10); // 8
 * ```
 */
export function requiredSuccesses(array: ArrayNode, n: number): number {
  if (array.minSuccesses !== undefined) return array.minSuccesses;
  const r = array.minSuccessRatio;
  if (r === undefined) return n;
  return Math.min(n, Math.max(0, Math.ceil(r * n * (1 - 2 ** -22))));
}

/**
 * True when a map's sub-node runs a template with the map's list interface,
 * as flytekit's `-arraynode` templates and Aloft's have it
 * (`isOriginalSubNodeInterface` false), rather than the mapped task's own
 * (`true`, or unset, as Aloft wrote them before).
 *
 * @example
 * ```ts
 * hasListInterface({ isOriginalSubNodeInterface: {} }); // true: BoolValue(false)
 * ```
 */
export function hasListInterface(array: ArrayNode): boolean {
  return array.isOriginalSubNodeInterface !== undefined && array.isOriginalSubNodeInterface.value !== true;
}

/**
 * A map's settings from its array node: the bound inputs, the parallelism,
 * and the success ratio as the shortest decimal its 32-bit float holds
 * (0.800000011920929 is 0.8), the number it was written from.
 *
 * @example
 * ```ts
 * mapSettings({ boundInputs: ["y"], parallelism: 4, minSuccessRatio: Math.fround(0.8) }); // { bound: ["y"], concurrency: 4, minSuccessRatio: 0.8 }
 * ```
 */
export function mapSettings(array: ArrayNode): MapSettings {
  const out: { bound: readonly string[]; concurrency?: number; minSuccessRatio?: number } = { bound: [...(array.boundInputs ?? [])] };
  if (array.parallelism) out.concurrency = array.parallelism;
  const r = array.minSuccessRatio;
  if (r !== undefined) {
    let written = r;
    for (let digits = 1; digits <= 9; digits++) {
      const candidate = Number(r.toPrecision(digits));
      if (Math.fround(candidate) === r) {
        written = candidate;
        break;
      }
    }
    out.minSuccessRatio = written;
  }
  return out;
}

/**
 * The template one element of a map runs, from the map's template with the
 * list interface (flytekit `core/interface.py`,
 * `transform_interface_to_list_interface`, undone): each input not in
 * `bound` and each output is the element type of its list. An output of a
 * map with `minSuccessRatio` below 1 stays optional, as the list holds it.
 *
 * @example
 * ```ts
 * elementTemplate({ interface: { inputs: { variables: { x: { type: { collectionType: int } } } } } }, []).interface;
 * // { inputs: { variables: { x: { type: int } } }, outputs: { variables: {} } }
 * ```
 */
export function elementTemplate(template: TaskTemplate, bound: readonly string[]): TaskTemplate {
  const fixed = new Set(bound);
  const element = (vars: VariableMap | undefined, keep: ReadonlySet<string>): VariableMap => ({
    variables: Object.fromEntries(Object.entries(vars?.variables ?? {}).map(([k, v]) => [k, keep.has(k) ? v : { ...v, type: v.type?.collectionType ?? v.type ?? {} }])),
  });
  return { ...template, interface: { inputs: element(template.interface?.inputs, fixed), outputs: element(template.interface?.outputs, new Set()) } };
}

/**
 * The inputs of a map task's element: which are mapped (one element of a
 * list per run) and which bound (the same value for every element), with
 * the element's own type of each, from the interface of one element (the
 * mapped task's own, or `elementTemplate`'s).
 *
 * @example
 * ```ts
 * mapInputs(array, element.interface); // { mapped: [["x", int]], bound: [["plus", int]] }
 * ```
 */
export function mapInputs(array: ArrayNode, iface: TypedInterface | undefined): { readonly mapped: readonly (readonly [string, LiteralType | undefined])[]; readonly bound: readonly (readonly [string, LiteralType | undefined])[] } {
  const bound = new Set(array.boundInputs ?? []);
  const mapped: [string, LiteralType | undefined][] = [];
  const fixed: [string, LiteralType | undefined][] = [];
  for (const [name, v] of Object.entries(iface?.inputs?.variables ?? {})) {
    if (bound.has(name)) fixed.push([name, v.type]);
    else mapped.push([name, v.type]);
  }
  return { mapped, bound: fixed };
}

/**
 * Checks the lengths of a map task's mapped lists: they are zipped, so they
 * must be equal. Returns the number of elements.
 *
 * @throws InputValueError naming the input that is not a list, or the lengths.
 *
 * @example
 * ```ts
 * mapLength('map task "m"', [["x", 3], ["y", 2]]); // throws: ... x has 3 elements, y has 2
 * ```
 */
export function mapLength(label: string, lengths: readonly (readonly [name: string, length: number | undefined])[]): number {
  for (const [name, n] of lengths) {
    if (n === undefined) throw new InputValueError(`${label} maps over input ${JSON.stringify(name)}, which must be a list`, label, name);
  }
  const n = lengths[0]?.[1] ?? 0;
  const bad = lengths.findIndex(([, k]) => k !== n);
  if (bad >= 0) {
    const text = lengths.map(([name, k], i) => `${name} has ${k ?? 0}${i === 0 ? " elements" : ""}`).join(", ");
    throw new InputValueError(`${label} zips its list inputs, which must have the same length: ${text}`, label, lengths[bad]![0]);
  }
  return n;
}

/**
 * The error of a map task that cannot succeed before it starts: it needs more
 * successes than it has elements.
 *
 * @example
 * ```ts
 * mapStartError('map task "m"', 2, 3)?.message; // 'map task "m" needs 3 elements to succeed but has only 2'
 * ```
 */
export function mapStartError(label: string, total: number, required: number): MapTaskError | undefined {
  return required > total ? new MapTaskError(`${label} needs ${required} elements to succeed but has only ${total}`, total, 0, required, -1) : undefined;
}

/**
 * What a map task's node shows as its error once an element has failed
 * (while it runs, and after it succeeded with `minSuccessRatio`).
 *
 * @example
 * ```ts
 * mapElementError(3, "odd 3"); // "element 3: odd 3"
 * ```
 */
export function mapElementError(index: number, message: string): string {
  return `element ${index}: ${message}`;
}

/**
 * True once a map task has failed: fewer than `required` elements can still succeed.
 *
 * @example
 * ```ts
 * mapHasFailed(10, 3, 8); // true: at most 7 can succeed
 * ```
 */
export function mapHasFailed(total: number, failed: number, required: number): boolean {
  return total - failed < required;
}

/**
 * The error a map task fails with; `firstError` (the first element that
 * failed, at `firstIndex`) is its cause.
 *
 * @example
 * ```ts
 * mapFailure('map task "m"', 3, 1, 3, 1, new Error("odd"));
 * // MapTaskError: map task "m": 1 of 3 elements failed; all 3 must succeed. The first failure, element 1: odd
 * ```
 */
export function mapFailure(label: string, total: number, failed: number, required: number, firstIndex: number, firstError: unknown): MapTaskError {
  const all = required === total ? `all ${total} must succeed` : `${required} of ${total} must succeed, and at most ${total - failed} still can`;
  const why = firstError instanceof Error ? firstError.message : String(firstError);
  return new MapTaskError(`${label}: ${failed} of ${total} elements failed; ${all}. The first failure, element ${firstIndex}: ${why}`, total, failed, required, firstIndex, { cause: firstError });
}
