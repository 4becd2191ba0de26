/**
 * Conditions in a pipeline file: comparisons of references and constants
 * (`$inputs.x >= 0`, `$coin.o0 is true`, `$maybe is none`), joined by `and`
 * and `or` (`and` binds tighter) and grouped with parentheses, as flytekit's
 * `conditional(...).if_((x >= 0) & (x < 10))` writes them.
 *
 * @module
 */

/** One side of a comparison: a reference (`$node.output`) or a constant. */
export type ConditionOperand = { readonly ref: string } | { readonly value: string | number | boolean | null };

/** A parsed condition. */
export type ConditionTree =
  | { readonly kind: "compare"; readonly op: "EQ" | "NEQ" | "GT" | "GTE" | "LT" | "LTE"; readonly left: ConditionOperand; readonly right: ConditionOperand }
  | { readonly kind: "test"; readonly test: "true" | "false" | "none"; readonly operand: ConditionOperand }
  | { readonly kind: "join"; readonly op: "AND" | "OR"; readonly left: ConditionTree; readonly right: ConditionTree };

/** A condition that does not parse; `offset` is where in the text. */
export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const OPS: Readonly<Record<string, "EQ" | "NEQ" | "GT" | "GTE" | "LT" | "LTE">> = { "==": "EQ", "!=": "NEQ", ">": "GT", ">=": "GTE", "<": "LT", "<=": "LTE" };

interface Token {
  readonly text: string;
  readonly at: number;
  readonly kind: "ref" | "num" | "str" | "word" | "op" | "paren";
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\$[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|("(?:[^"\\]|\\.)*"|'[^']*')|([A-Za-z_]+)|(==|!=|>=|<=|>|<)|([()]))/y;
  let i = 0;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new ConditionSyntaxError(`unexpected ${JSON.stringify(text.slice(i).trim())}`, i);
    const at = m.index + m[0].length - (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6] ?? "").length;
    const kind = m[1] ? "ref" : m[2] ? "num" : m[3] ? "str" : m[4] ? "word" : m[5] ? "op" : "paren";
    out.push({ text: (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6])!, at, kind });
    i = re.lastIndex;
  }
  return out;
}

/**
 * Parses a condition.
 *
 * @throws ConditionSyntaxError naming what was expected and where.
 *
 * @example
 * ```ts
 * parseCondition("$inputs.x >= 0 and $inputs.x < 10");
 * ```
 */
export function parseCondition(text: string): ConditionTree {
  const toks = tokens(text);
  let p = 0;
  const end = text.length;
  const peek = (): Token | undefined => toks[p];
  const fail = (what: string): never => {
    const t = peek();
    throw new ConditionSyntaxError(`expected ${what}${t ? `, got ${JSON.stringify(t.text)}` : " at the end"}`, t?.at ?? end);
  };
  const operand = (): ConditionOperand => {
    const t = peek();
    if (!t) return fail("a reference like $inputs.x or a constant");
    p++;
    if (t.kind === "ref") return { ref: t.text.slice(1) };
    if (t.kind === "num") return { value: Number(t.text) };
    if (t.kind === "str") return { value: t.text.startsWith('"') ? (JSON.parse(t.text) as string) : t.text.slice(1, -1) };
    if (t.kind === "word" && (t.text === "true" || t.text === "false")) return { value: t.text === "true" };
    if (t.kind === "word" && (t.text === "null" || t.text === "none")) return { value: null };
    p--;
    return fail("a reference like $inputs.x or a constant");
  };
  const comparison = (): ConditionTree => {
    const t = peek();
    if (t?.kind === "paren" && t.text === "(") {
      p++;
      const inner = disjunction();
      if (peek()?.text !== ")") fail('")"');
      p++;
      return inner;
    }
    const left = operand();
    const op = peek();
    if (op?.kind === "word" && op.text === "is") {
      p++;
      const what = peek();
      if (what?.kind !== "word" || !["true", "false", "none", "null"].includes(what.text)) return fail("true, false or none after is");
      p++;
      return { kind: "test", test: what.text === "null" ? "none" : (what.text as "true" | "false" | "none"), operand: left };
    }
    if (op?.kind !== "op") return fail("a comparison (==, !=, >, >=, <, <=, or is true / is false / is none)");
    p++;
    return { kind: "compare", op: OPS[op.text]!, left, right: operand() };
  };
  const conjunction = (): ConditionTree => {
    let left = comparison();
    while (peek()?.kind === "word" && peek()!.text === "and") {
      p++;
      left = { kind: "join", op: "AND", left, right: comparison() };
    }
    return left;
  };
  const disjunction = (): ConditionTree => {
    let left = conjunction();
    while (peek()?.kind === "word" && peek()!.text === "or") {
      p++;
      left = { kind: "join", op: "OR", left, right: conjunction() };
    }
    return left;
  };
  const tree = disjunction();
  if (p < toks.length) fail("and, or or the end of the condition");
  return tree;
}

/** The references a condition uses. */
export function conditionRefs(tree: ConditionTree): string[] {
  if (tree.kind === "join") return [...conditionRefs(tree.left), ...conditionRefs(tree.right)];
  const ops = tree.kind === "compare" ? [tree.left, tree.right] : [tree.operand];
  return ops.flatMap((o) => ("ref" in o ? [o.ref] : []));
}
