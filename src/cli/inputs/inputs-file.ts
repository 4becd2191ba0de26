/**
 * `--inputs-file inputs.yaml|json`: a run's inputs from a file, in the shape
 * `flytectl create execution --execFile` takes (what `flytectl get task
 * --execFile` writes): a top-level `inputs:` map of values by input name,
 * beside Flyte's other execution settings. Aloft reads `inputs`, the entity
 * (`workflow`, `launchPlan` or `task`, when the command line names none),
 * `overwriteCache` and `version` (the entity's version, as flytectl launches
 * that registered version: with `--remote` the server runs it; on the engine
 * it must be the version of the code the run registers); Flyte's cluster
 * settings (`iamRoleARN`, `kubeServiceAcct`, `targetProject`, `targetDomain`, `envs`,
 * `clusterPool`, `executionClusterLabel`, `tags`, `dryRun`) are accepted when
 * empty, as `flytectl get --execFile` writes them, and refused otherwise: the
 * run would not do what they ask. A file without `inputs:` is a plain map of
 * inputs (`{ "x": [1, 2] }`).
 *
 * Values are YAML or JSON values read by each input's declared type with the
 * command line's rules (a string is read as it would be after `--x`;
 * durations as `10m` or milliseconds; files, directories and dataframes as
 * paths, relative to the inputs file's folder, or URIs). Every problem names
 * the file and the line.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { LineCounter, isMap, isScalar, parseDocument, type Node as YamlNode } from "yaml";
import { UsageError } from "../errors.js";
import { blobTypeOf, nestsBlobs, referenceFromText, referencesFromJson } from "./file-inputs.js";
import { parseValue } from "./parse-value.js";
import type { LiteralType } from "../../idl/core.js";

/** Flyte's execFile settings Aloft cannot honour: accepted when empty only. */
const FLYTE_ONLY = ["iamRoleARN", "kubeServiceAcct", "targetProject", "targetDomain", "envs", "clusterPool", "executionClusterLabel", "tags", "dryRun"];
const ENTITY_KEYS = ["workflow", "launchPlan", "task"];

/** What an inputs file says. */
export interface InputsFile {
  /** The file, as given. */
  readonly file: string;
  /** Raw values by input name, each with the line it is on. */
  readonly values: ReadonlyMap<string, { readonly value: unknown; readonly line: number }>;
  /** The entity it names (`workflow`, `launchPlan` or `task`), if any. */
  readonly entity?: string;
  /** `overwriteCache: true`. */
  readonly overwriteCache: boolean;
  /** The entity's version (`version: v3`), with the line it is on, when set. */
  readonly version?: { readonly value: string; readonly line: number };
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === "" || v === false || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && Object.keys(v).length === 0);
}

/**
 * Reads and checks an inputs file (its shape; values are read by type later).
 *
 * @throws UsageError naming the file and line of what is wrong.
 *
 * @example
 * ```ts
 * readInputsFile("inputs.yaml", "/home/me/project"); // { values: Map { "x" => { value: [1, 2], line: 2 } }, overwriteCache: false, ... }
 * ```
 */
export function readInputsFile(file: string, cwd: string): InputsFile {
  const full = path.resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch (e) {
    throw new UsageError(`--inputs-file ${file}: cannot be read: ${(e as Error).message}`, { cause: e });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: YamlNode | null | undefined): number => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const first = doc.errors[0];
  if (first) {
    const line = lines.linePos(first.pos[0]).line;
    throw new UsageError(`${file}:${line}: not valid ${/\.json$/i.test(file) ? "JSON" : "YAML"}: ${first.message.split("\n")[0] ?? first.message}`);
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { file, values: new Map(), overwriteCache: false };
  if (!isMap(root)) throw new UsageError(`${file}:${lineOf(root)}: expected a map with inputs: (as flytectl's --execFile), or a map of inputs by name`);
  const top = new Map<string, { node: YamlNode | null; keyLine: number }>();
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    top.set(key, { node: pair.value as YamlNode | null, keyLine: lineOf(pair.key as YamlNode) });
  }
  const execFile = top.has("inputs");
  const inputsNode = execFile ? top.get("inputs")?.node : root;
  const values = new Map<string, { value: unknown; line: number }>();
  if (inputsNode !== null && inputsNode !== undefined && !(isScalar(inputsNode) && inputsNode.value === null)) {
    if (!isMap(inputsNode)) throw new UsageError(`${file}:${lineOf(inputsNode)}: inputs: must be a map of values by input name`);
    for (const pair of inputsNode.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const node = pair.value as YamlNode | null;
      values.set(key, { value: node === null ? null : (node.toJSON() as unknown), line: lineOf(node ?? (pair.key as YamlNode)) });
    }
  }
  if (!execFile) return { file, values, overwriteCache: false };
  let entity: string | undefined;
  let overwriteCache = false;
  let version: { value: string; line: number } | undefined;
  for (const [key, { node, keyLine }] of top) {
    if (key === "inputs") continue;
    const value: unknown = node === null ? null : (node.toJSON() as unknown);
    if (ENTITY_KEYS.includes(key)) {
      if (isEmpty(value)) continue;
      if (typeof value !== "string") throw new UsageError(`${file}:${keyLine}: ${key}: must be the name of what to run`);
      if (entity !== undefined && entity !== value) throw new UsageError(`${file}:${keyLine}: names both ${JSON.stringify(entity)} and ${JSON.stringify(value)}; name one entity`);
      entity = value;
    } else if (key === "overwriteCache") {
      if (typeof value !== "boolean") throw new UsageError(`${file}:${keyLine}: overwriteCache: must be true or false`);
      overwriteCache = value;
    } else if (key === "version") {
      if (isEmpty(value)) continue;
      if (typeof value !== "string" && typeof value !== "number") throw new UsageError(`${file}:${keyLine}: version: must be a version name (v3, 1.2.0)`);
      version = { value: String(value), line: keyLine };
    } else if (FLYTE_ONLY.includes(key)) {
      if (!isEmpty(value)) throw new UsageError(`${file}:${keyLine}: ${key}: is a setting of a Flyte cluster that aloft run does not apply; leave it empty or remove it`);
    } else {
      throw new UsageError(`${file}:${keyLine}: unknown field ${JSON.stringify(key)} (an execution file has inputs, workflow, launchPlan or task, overwriteCache, version, and Flyte's ${FLYTE_ONLY.join(", ")})`);
    }
  }
  return { file, values, overwriteCache, ...(entity === undefined ? {} : { entity }), ...(version === undefined ? {} : { version }) };
}

/**
 * One value of an inputs file, read by its type with the command line's
 * rules; file paths are relative to `baseDir` (the inputs file's folder).
 *
 * @example
 * ```ts
 * fileValue({ collectionType: { simple: "INTEGER" } }, [1, 2], "/home/me"); // { ok: true, value: [1, 2] }
 * ```
 */
export function fileValue(type: LiteralType, value: unknown, baseDir: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  const blob = blobTypeOf(type);
  if (blob && typeof value === "string") {
    try {
      return { ok: true, value: referenceFromText(value, blob, baseDir) };
    } catch (e) {
      return { ok: false, problem: e instanceof Error ? e.message : String(e) };
    }
  }
  if (nestsBlobs(type)) {
    try {
      return { ok: true, value: referencesFromJson(typeof value === "string" ? (JSON.parse(value) as unknown) : value, type, baseDir) };
    } catch (e) {
      return { ok: false, problem: e instanceof Error ? e.message : String(e) };
    }
  }
  return parseValue(typeof value === "string" ? value : JSON.stringify(value), type);
}
