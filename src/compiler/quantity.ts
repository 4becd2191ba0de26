/**
 * Kubernetes resource quantities (`500m`, `2`, `1.5Gi`, `1e3`), read as
 * flyteadmin reads task resources (`resource.ParseQuantity` in
 * `pkg/manager/impl/validation/task_validator.go`).
 *
 * @module
 */

const SUFFIXES: Readonly<Record<string, number>> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * The value of a quantity in base units, or undefined when it is not one.
 *
 * @example
 * ```ts
 * parseQuantity("500m"); // 0.5
 * parseQuantity("4Gi");  // 4294967296
 * parseQuantity("lots"); // undefined
 * ```
 */
export function parseQuantity(text: string): number | undefined {
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/.exec(text.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIXES[m[3] ?? ""]!;
}
