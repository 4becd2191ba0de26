/**
 * The part of `aloft run`'s command line that belongs to the entity: its
 * name, and `--<input> <value>` pairs parsed by each input's declared type.
 *
 * @module
 */
import path from "node:path";
import type { EntityDefinition } from "../../sdk/entity.js";
import { describeType } from "../../types/describe.js";
import { UsageError } from "../errors.js";
import { describeFound, type FoundEntity } from "../load/entities.js";
import { valueFromText } from "./file-inputs.js";
import { fileValue, type InputsFile } from "./inputs-file.js";

/** One `--name value` (or `--name=value`, or a bare `--name`) from the command line. */
export interface InputFlag {
  readonly name: string;
  readonly value: string | undefined;
}

/** What follows the file on `aloft run`'s command line, once the CLI's own options are taken out. */
export interface EntityArgs {
  /** The entity named, if any. */
  readonly entity: string | undefined;
  /** The input flags, in order. */
  readonly flags: readonly InputFlag[];
  /** Whether `--help` or `-h` was given. */
  readonly help: boolean;
}

const NUMBER = /^-\.?\d/;

/**
 * Splits the rest of a `run` command line into the entity's name and its
 * input flags. After a bare `--`, every `--name` is an input (for inputs named
 * like one of the CLI's own options).
 *
 * @throws UsageError for a stray argument or a short option the CLI does not know.
 *
 * @example
 * ```ts
 * splitEntityArgs(["wf", "--x", "[1,2]", "--y=3"]); // { entity: "wf", flags: [{ name: "x", value: "[1,2]" }, { name: "y", value: "3" }], help: false }
 * ```
 */
export function splitEntityArgs(tokens: readonly string[]): EntityArgs {
  let entity: string | undefined;
  let help = false;
  let literal = false;
  const flags: InputFlag[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    if (token === "--" && !literal) {
      literal = true;
      continue;
    }
    if (!literal && (token === "--help" || token === "-h")) {
      help = true;
      continue;
    }
    if (token.startsWith("--") && token.length > 2) {
      const eq = token.indexOf("=");
      if (eq > 0) {
        flags.push({ name: token.slice(2, eq), value: token.slice(eq + 1) });
        continue;
      }
      const next = tokens[i + 1];
      const hasValue = next !== undefined && !next.startsWith("--");
      flags.push({ name: token.slice(2), value: hasValue ? next : undefined });
      if (hasValue) i++;
      continue;
    }
    if (token.startsWith("-") && token.length > 1 && !NUMBER.test(token)) throw new UsageError(`unknown option ${token}`);
    if (i === 0) {
      entity = token;
      continue;
    }
    throw new UsageError(`unexpected argument ${JSON.stringify(token)}: inputs are given as --name value`);
  }
  return { entity, flags, help };
}

/** The input a flag names: its exact name, or with `-` read as `_` (`--max-rows` for `max_rows`). */
function inputNamed(def: EntityDefinition, flag: string): string | undefined {
  const inputs = def.interface.inputs;
  if (Object.prototype.hasOwnProperty.call(inputs, flag)) return flag;
  const snake = flag.replace(/-/g, "_");
  return Object.prototype.hasOwnProperty.call(inputs, snake) ? snake : undefined;
}

/** `--x (list<int>)` */
export function inputLabel(def: EntityDefinition, name: string): string {
  const type = def.interface.inputs[name];
  return `--${name} (${type ? describeType(type.literalType) : "?"})`;
}

function inputList(def: EntityDefinition): string {
  const names = Object.keys(def.interface.inputs);
  return names.length === 0 ? "takes no inputs" : `has inputs ${names.map((n) => inputLabel(def, n)).join(", ")}`;
}

/**
 * The inputs of a run, parsed from flags by each input's declared type.
 * Optional inputs and those with launch plan defaults may be left out.
 *
 * @throws UsageError naming the input (and its type) that is unknown, given twice, missing or ill-typed.
 *
 * @example
 * ```ts
 * inputsFromFlags(found, [{ name: "x", value: "[-3,0,3]" }, { name: "y", value: "[7,4,-2]" }]); // { x: [-3, 0, 3], y: [7, 4, -2] }
 * inputsFromFlags(found, [{ name: "data", value: "data.csv" }], "/home/me/project"); // { data: AloftFile file:///home/me/project/data.csv }
 * ```
 */
export function inputsFromFlags(found: FoundEntity, flags: readonly InputFlag[], cwd: string = process.cwd(), fromFile?: InputsFile): Record<string, unknown> {
  const def = found.def;
  const inputs: Record<string, unknown> = {};
  // An inputs file first (--inputs-file); the command line's flags win over it.
  if (fromFile) {
    const baseDir = path.dirname(path.resolve(cwd, fromFile.file));
    for (const [given, { value, line }] of fromFile.values) {
      const at = `${fromFile.file}:${line}`;
      const name = inputNamed(def, given);
      if (name === undefined) {
        if (def.kind === "launchPlan" && Object.prototype.hasOwnProperty.call(def.fixed, given)) throw new UsageError(`${at}: input ${JSON.stringify(given)} is fixed by launch plan ${JSON.stringify(def.name)} and cannot be given`);
        throw new UsageError(`${at}: unknown input ${JSON.stringify(given)}: ${describeFound(found)} ${inputList(def)}`);
      }
      const parsed = fileValue(def.interface.inputs[name]?.literalType ?? {}, value, baseDir);
      if (!parsed.ok) throw new UsageError(`${at}: input ${inputLabel(def, name)}: ${parsed.problem}`);
      inputs[name] = parsed.value;
    }
  }
  const fromFlags = new Set<string>();
  for (const flag of flags) {
    const name = inputNamed(def, flag.name);
    if (name === undefined) {
      if (def.kind === "launchPlan" && Object.prototype.hasOwnProperty.call(def.fixed, flag.name)) {
        throw new UsageError(`input --${flag.name} is fixed by launch plan ${JSON.stringify(def.name)} and cannot be given`);
      }
      throw new UsageError(`unknown input --${flag.name}: ${describeFound(found)} ${inputList(def)}`);
    }
    if (fromFlags.has(name)) throw new UsageError(`input --${name} is given twice`);
    fromFlags.add(name);
    const type = def.interface.inputs[name]?.literalType ?? {};
    let text = flag.value;
    if (text === undefined) {
      const boolish = type.simple === "BOOLEAN" || (type.unionType?.variants ?? []).some((v) => v.simple === "BOOLEAN");
      if (!boolish) throw new UsageError(`input ${inputLabel(def, name)} needs a value: --${name} <value>`);
      text = "true";
    }
    // A file, directory or dataframe is a local path (copied or uploaded when the run starts) or a URI; inside a list or map, JSON of them.
    const parsed = valueFromText(text, type, cwd);
    if (!parsed.ok) throw new UsageError(`input ${inputLabel(def, name)}: ${parsed.problem}`);
    inputs[name] = parsed.value;
  }
  const missing = [...def.interface.required].filter((name) => !Object.prototype.hasOwnProperty.call(inputs, name));
  if (missing.length > 0) {
    throw new UsageError(`missing input${missing.length > 1 ? "s" : ""} ${missing.map((n) => inputLabel(def, n)).join(", ")} of ${describeFound(found)}`);
  }
  return inputs;
}
