/**
 * Reading a parsed YAML (or JSON) document node by node, keeping where each
 * node is, so that every error of a pipeline or Argo file names its file,
 * line and column.
 *
 * @module
 */
import { isMap, isScalar, isSeq, type LineCounter, type Node as YamlNode, type ParsedNode } from "yaml";
import { SpecInvalidError, type TextPosition } from "../errors.js";

/** A node of the document and where it is. */
export interface Located {
  readonly node: YamlNode | null;
  readonly at: TextPosition;
}

/** Positions in one file. */
export class Source {
  constructor(
    readonly file: string,
    private readonly counter: LineCounter,
  ) {}

  /** Where a node starts (the file's start when unknown). */
  at(node: YamlNode | ParsedNode | null | undefined, offset = 0): TextPosition {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (!range) return { file: this.file, line: 1, column: 1 };
    const pos = this.counter.linePos(range[0] + offset);
    return { file: this.file, line: pos.line, column: pos.col };
  }

  /** The entries of a mapping: key, where the key is, and the value. */
  entries(l: Located, what: string): { key: string; keyAt: TextPosition; value: Located }[] {
    if (!isMap(l.node)) throw new SpecInvalidError(`${what} must be a mapping`, l.at);
    return l.node.items.map((pair) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      const keyAt = this.at(pair.key as YamlNode);
      const vnode = (pair.value ?? null) as YamlNode | null;
      return { key, keyAt, value: { node: vnode, at: vnode ? this.at(vnode) : keyAt } };
    });
  }

  /** The items of a sequence. */
  items(l: Located, what: string): Located[] {
    if (!isSeq(l.node)) throw new SpecInvalidError(`${what} must be a list`, l.at);
    return l.node.items.map((n) => ({ node: n as YamlNode, at: this.at(n as YamlNode) }));
  }

  /** A mapping's entries by key, refusing keys not in `allowed`. */
  fields(l: Located, what: string, allowed: readonly string[]): Map<string, Located & { keyAt: TextPosition }> {
    const out = new Map<string, Located & { keyAt: TextPosition }>();
    for (const e of this.entries(l, what)) {
      if (!allowed.includes(e.key)) throw new SpecInvalidError(`${what} has an unknown field ${JSON.stringify(e.key)} (its fields: ${allowed.join(", ")})`, e.keyAt);
      out.set(e.key, { ...e.value, keyAt: e.keyAt });
    }
    return out;
  }

  /** A scalar string. */
  string(l: Located, what: string): string {
    if (!isScalar(l.node) || typeof l.node.value !== "string" || l.node.value === "") throw new SpecInvalidError(`${what} must be a non-empty string`, l.at);
    return l.node.value;
  }

  /** A scalar number. */
  number(l: Located, what: string): number {
    if (!isScalar(l.node) || typeof l.node.value !== "number") throw new SpecInvalidError(`${what} must be a number`, l.at);
    return l.node.value;
  }
}

/** The plain value of a node (mappings as objects, sequences as arrays). */
export function plainValue(node: YamlNode | null): unknown {
  if (node === null) return null;
  if (isScalar(node)) return node.value;
  if (isSeq(node)) return node.items.map((n) => plainValue(n as YamlNode));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) out[isScalar(pair.key) ? String(pair.key.value) : ""] = plainValue((pair.value ?? null) as YamlNode | null);
    return out;
  }
  return null;
}
