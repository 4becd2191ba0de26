/**
 * Flyte types as people write them in a pipeline file: `int`, `float`,
 * `str`, `bool`, `datetime`, `duration`, `none`, `file`, `dir`, `dataframe`,
 * `list[T]`, `map[str, T]` (or `dict[str, T]`), `optional[T]`,
 * `union[A, B]`, `enum[a, b]`, and a mapping of field names to types for a
 * struct.
 *
 * @module
 */
import { t } from "../../types/t.js";
import type { AnyType } from "../../types/type.js";

/** A type expression that does not parse; `offset` is where in the text. */
export class TypeSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const SIMPLE: Readonly<Record<string, AnyType>> = {
  int: t.int,
  integer: t.int,
  float: t.float,
  str: t.str,
  string: t.str,
  bool: t.bool,
  boolean: t.bool,
  datetime: t.datetime,
  duration: t.duration,
  none: t.none,
  file: t.file,
  dir: t.dir,
  directory: t.dir,
  dataframe: t.dataframe(),
};

/** The names of the simple types, for messages and the JSON Schema. */
export const SIMPLE_TYPE_NAMES: readonly string[] = ["int", "float", "str", "bool", "datetime", "duration", "none", "file", "dir", "dataframe"];

/**
 * Parses a type expression.
 *
 * @throws TypeSyntaxError naming what was expected and where.
 *
 * @example
 * ```ts
 * parseTypeExpression("map[str, list[float]]"); // t.map(t.list(t.float))
 * parseTypeExpression("optional[str]");         // t.optional(t.str)
 * ```
 */
export function parseTypeExpression(text: string): AnyType {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const word = (): string => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i));
    if (!m) throw new TypeSyntaxError(`expected a type name (${SIMPLE_TYPE_NAMES.join(", ")}, list[T], map[str, T], optional[T], union[A, B], enum[a, b])${i < text.length ? `, got ${JSON.stringify(text.slice(i))}` : ""}`, i);
    i += m[0].length;
    return m[0];
  };
  const expect = (c: string): void => {
    ws();
    if (text[i] !== c) throw new TypeSyntaxError(`expected "${c}"${i < text.length ? ` at ${JSON.stringify(text.slice(i))}` : " at the end"}`, i);
    i++;
  };
  const peek = (c: string): boolean => {
    ws();
    return text[i] === c;
  };
  const args = (): AnyType[] => {
    const out: AnyType[] = [];
    expect("[");
    out.push(type());
    while (peek(",")) {
      i++;
      out.push(type());
    }
    expect("]");
    return out;
  };
  const type = (): AnyType => {
    const start = i;
    const name = word().toLowerCase();
    switch (name) {
      case "list": {
        const a = args();
        if (a.length !== 1) throw new TypeSyntaxError("list[T] takes one type", start);
        return t.list(a[0]!);
      }
      case "map":
      case "dict": {
        const a = args();
        if (a.length !== 2 || a[0] !== t.str) throw new TypeSyntaxError(`${name}[str, T] takes str keys and one value type`, start);
        return t.map(a[1]!);
      }
      case "optional": {
        const a = args();
        if (a.length !== 1) throw new TypeSyntaxError("optional[T] takes one type", start);
        return t.optional(a[0]!);
      }
      case "union": {
        const a = args();
        if (a.length < 2) throw new TypeSyntaxError("union[A, B, ...] takes at least two types", start);
        return t.union(...(a as [AnyType, AnyType]));
      }
      case "enum": {
        expect("[");
        const values: string[] = [];
        do {
          if (values.length > 0) i++;
          ws();
          const q = /^"([^"]*)"|^'([^']*)'|^[A-Za-z0-9_.-]+/.exec(text.slice(i));
          if (!q) throw new TypeSyntaxError("enum[a, b, ...] takes names", i);
          i += q[0].length;
          values.push(q[1] ?? q[2] ?? q[0]);
        } while (peek(","));
        expect("]");
        if (new Set(values).size !== values.length) throw new TypeSyntaxError(`enum values must be distinct: ${values.join(", ")}`, start);
        return t.enum(...(values as [string, ...string[]]));
      }
      default: {
        const simple = SIMPLE[name];
        if (!simple) throw new TypeSyntaxError(`unknown type ${JSON.stringify(name)} (types: ${SIMPLE_TYPE_NAMES.join(", ")}, list[T], map[str, T], optional[T], union[A, B], enum[a, b], or a mapping of fields for a struct)`, start);
        return simple;
      }
    }
  };
  const out = type();
  ws();
  if (i < text.length) throw new TypeSyntaxError(`unexpected ${JSON.stringify(text.slice(i))} after the type`, i);
  return out;
}
