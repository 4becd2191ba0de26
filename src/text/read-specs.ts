/**
 * Reading flyteidl specs from files: a folder or `.tgz` as `pyflyte package`
 * writes it (`NNN_<name>_1.pb` TaskSpec, `_2.pb` WorkflowSpec, `_3.pb`
 * LaunchPlan), a single `.pb`, or JSON / YAML in protobuf's JSON mapping
 * (one message, a list of them, several YAML documents, or a compiled
 * workflow closure as `flytectl` and flytepropeller's test data hold).
 *
 * @module
 */
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { Parser as TarParser, type ReadEntry } from "tar";
import { LineCounter, isMap, isScalar, parseAllDocuments, type Document } from "yaml";
import type { Identifier } from "../idl/core.js";
import type { LaunchPlanSpec, TaskTemplate, WorkflowTemplate } from "../idl/specs.js";
import { OBJECT_FORM, messageType, type SpecMessage } from "../compiler/proto.js";
import { canonicalJson } from "../types/canonical.js";
import { SpecInvalidError, SpecUnreadableError, type TextPosition } from "./errors.js";
import { JsonMappingProblem, fromJsonMapping, type DocPath } from "./proto-json.js";

/** A spec read from a file, and where it came from. */
export interface Located<T> {
  readonly value: T;
  readonly at: TextPosition;
}

/** Every task, workflow and launch plan the files hold, by name. */
export interface SpecSet {
  readonly tasks: Map<string, Located<TaskTemplate>>;
  /** Workflow templates by name: top-level ones and the subworkflows their specs carry. */
  readonly workflows: Map<string, Located<WorkflowTemplate>>;
  /** Launch plans by name. */
  readonly launchPlans: Map<string, Located<LaunchPlanSpec>>;
  /** Names of the workflows that were specs of their own (not only subworkflows), in the order read. */
  readonly topWorkflows: string[];
}

/** One file's bytes, named as messages should name it. */
export interface SpecFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * An empty set of specs.
 *
 * @example
 * ```ts
 * const set = emptySpecSet();
 * ```
 */
export function emptySpecSet(): SpecSet {
  return { tasks: new Map(), workflows: new Map(), launchPlans: new Map(), topWorkflows: [] };
}

const TEXT_EXT = /\.(json|ya?ml)$/i;
const ARCHIVE_EXT = /\.(tgz|tar\.gz|tar)$/i;

/** True for a file this module reads by its name. */
export function isSpecFileName(name: string): boolean {
  return /\.pb$/i.test(name) || TEXT_EXT.test(name);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The files of a source: a folder's spec files (sorted by name), an archive's
 * members, or the one file.
 *
 * @throws SpecUnreadableError when the path cannot be read, or an archive is damaged.
 *
 * @example
 * ```ts
 * const files = await specFilesOf("flyte-package.tgz");
 * ```
 */
export async function specFilesOf(source: string): Promise<SpecFile[]> {
  let info;
  try {
    info = await stat(source);
  } catch (e) {
    throw new SpecUnreadableError(`cannot read the specs: ${errorText(e)}`, { file: source });
  }
  if (info.isDirectory()) {
    const names = (await readdir(source)).filter(isSpecFileName).sort();
    if (names.length === 0) throw new SpecUnreadableError("the folder holds no spec files (.pb, .json, .yaml)", { file: source });
    return Promise.all(names.map(async (n) => ({ name: path.join(source, n), bytes: await readFile(path.join(source, n)) })));
  }
  const bytes = await readFile(source);
  if (ARCHIVE_EXT.test(source)) return archiveMembers(source, bytes);
  return [{ name: source, bytes }];
}

/**
 * The spec files inside a tar archive (gzipped or not), as `pyflyte package` writes.
 *
 * @throws SpecUnreadableError when the archive is damaged or holds no spec files.
 */
export async function archiveMembers(name: string, bytes: Uint8Array): Promise<SpecFile[]> {
  const files: SpecFile[] = [];
  await new Promise<void>((resolve, reject) => {
    const fail = (why: unknown): void => reject(new SpecUnreadableError(`not a readable tar archive: ${errorText(why)}`, { file: name }));
    const parser = new TarParser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const member = entry.path.replace(/^\.\//, "");
        if (entry.type !== "File" || !isSpecFileName(member) || path.basename(member).startsWith("._")) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on("data", (c: Buffer) => chunks.push(c));
        entry.on("end", () => files.push({ name: `${name}:${member}`, bytes: Buffer.concat(chunks) }));
      },
    });
    parser.on("error", fail);
    parser.on("warn", (_code: string, message: string) => fail(message));
    parser.on("end", () => resolve());
    parser.on("close", () => resolve());
    try {
      parser.end(Buffer.from(bytes));
    } catch (e) {
      fail(e);
    }
  });
  if (files.length === 0) throw new SpecUnreadableError("the archive holds no spec files (.pb, .json, .yaml)", { file: name });
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** A decoded message and what it is. */
type Message =
  | { readonly kind: "task"; readonly template: TaskTemplate }
  | { readonly kind: "workflow"; readonly template: WorkflowTemplate; readonly subWorkflows: readonly WorkflowTemplate[] }
  | { readonly kind: "launchPlan"; readonly name: string; readonly spec: LaunchPlanSpec }
  | { readonly kind: "closure"; readonly primary: WorkflowTemplate; readonly subWorkflows: readonly WorkflowTemplate[]; readonly tasks: readonly TaskTemplate[] };

type Obj = Record<string, unknown>;

function asMessage(message: SpecMessage | "flyteidl.core.CompiledWorkflowClosure", obj: Obj, name: string): Message | undefined {
  switch (message) {
    case "flyteidl.admin.TaskSpec": {
      const template = obj["template"] as TaskTemplate | undefined;
      return template && (template.type !== undefined || template.interface !== undefined) ? { kind: "task", template } : undefined;
    }
    case "flyteidl.admin.WorkflowSpec": {
      const template = obj["template"] as WorkflowTemplate | undefined;
      return template?.nodes ? { kind: "workflow", template, subWorkflows: (obj["subWorkflows"] as WorkflowTemplate[] | undefined) ?? [] } : undefined;
    }
    case "flyteidl.admin.LaunchPlan": {
      const spec = obj["spec"] as LaunchPlanSpec | undefined;
      const id = obj["id"] as Identifier | undefined;
      const lpName = id?.name ?? spec?.workflowId?.name;
      return spec?.workflowId && lpName ? { kind: "launchPlan", name: lpName, spec } : undefined;
    }
    case "flyteidl.admin.LaunchPlanSpec": {
      const spec = obj as LaunchPlanSpec;
      const lpName = spec.workflowId?.name;
      return lpName ? { kind: "launchPlan", name: lpName, spec } : undefined;
    }
    case "flyteidl.core.CompiledWorkflowClosure": {
      const primary = (obj["primary"] as { template?: WorkflowTemplate } | undefined)?.template;
      if (!primary) return undefined;
      const subs = ((obj["subWorkflows"] as { template?: WorkflowTemplate }[] | undefined) ?? []).flatMap((s) => (s.template ? [s.template] : []));
      const tasks = ((obj["tasks"] as { template?: TaskTemplate }[] | undefined) ?? []).flatMap((s) => (s.template ? [s.template] : []));
      return { kind: "closure", primary, subWorkflows: subs, tasks };
    }
  }
  void name;
  return undefined;
}

const PB_ORDER: readonly SpecMessage[] = ["flyteidl.admin.WorkflowSpec", "flyteidl.admin.TaskSpec", "flyteidl.admin.LaunchPlan"];

function pbKindOfName(name: string): SpecMessage | undefined {
  if (/_1\.pb$/i.test(name)) return "flyteidl.admin.TaskSpec";
  if (/_2\.pb$/i.test(name)) return "flyteidl.admin.WorkflowSpec";
  if (/_3\.pb$/i.test(name)) return "flyteidl.admin.LaunchPlan";
  return undefined;
}

/**
 * Decodes one `.pb` file: by its pyflyte-package suffix, or else as the one
 * of the three admin messages that reads every byte and holds what it must.
 *
 * @throws SpecUnreadableError when the bytes are no such message (truncated, damaged, something else).
 */
export function decodePb(file: SpecFile): Message {
  const named = pbKindOfName(file.name);
  const candidates = named ? [named] : PB_ORDER;
  const problems: string[] = [];
  for (const m of candidates) {
    const type = messageType(m);
    try {
      const decoded = type.decode(file.bytes);
      if (!named && type.encode(decoded).finish().length !== file.bytes.length) {
        problems.push(`${m}: not every byte belongs to one`);
        continue;
      }
      const msg = asMessage(m, type.toObject(decoded, OBJECT_FORM), file.name);
      if (msg) return msg;
      problems.push(`${m}: it holds no ${m === "flyteidl.admin.LaunchPlan" ? "workflow id" : "template"}`);
    } catch (e) {
      problems.push(`${m}: ${errorText(e)}`);
    }
  }
  const what = named ? `a ${named} (as its name _${named.endsWith("TaskSpec") ? 1 : named.endsWith("WorkflowSpec") ? 2 : 3}.pb says)` : "a flyteidl TaskSpec, WorkflowSpec or LaunchPlan";
  throw new SpecUnreadableError(`not ${what}: ${problems.join("; ")}`, { file: file.name });
}

function has(obj: Obj, ...keys: string[]): boolean {
  return keys.some((k) => Object.prototype.hasOwnProperty.call(obj, k));
}

/** Which message a JSON/YAML object is, by the fields it has. */
function messageOfObject(obj: Obj): SpecMessage | "flyteidl.core.CompiledWorkflowClosure" | undefined {
  if (has(obj, "primary")) return "flyteidl.core.CompiledWorkflowClosure";
  if (has(obj, "id") && has(obj, "spec")) return "flyteidl.admin.LaunchPlan";
  if (has(obj, "workflowId", "workflow_id", "defaultInputs", "default_inputs", "fixedInputs", "fixed_inputs")) return "flyteidl.admin.LaunchPlanSpec";
  const template = obj["template"];
  if (typeof template === "object" && template !== null) {
    const tt = template as Obj;
    return has(tt, "nodes") ? "flyteidl.admin.WorkflowSpec" : "flyteidl.admin.TaskSpec";
  }
  return undefined;
}

/** The position of a path inside a YAML/JSON document: the key of a mapping entry, or the value. */
export function positionIn(doc: Document, counter: LineCounter, file: string, p: DocPath): TextPosition {
  const at = (offset: number): TextPosition => {
    const pos = counter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  for (let n = p.length; n >= 0; n--) {
    const last = p[n - 1];
    if (n > 0 && typeof last === "string") {
      const parent = doc.getIn(p.slice(0, n - 1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((i) => isScalar(i.key) && String(i.key.value) === last);
        const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (range) return at(range[0]);
      }
    }
    const node = doc.getIn(p.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === "object" && node.range) return at(node.range[0]);
  }
  return { file, line: 1, column: 1 };
}

/**
 * Parses YAML or JSON text into documents with positions.
 *
 * @throws SpecUnreadableError at the line and column of the first syntax error.
 */
export function parseText(file: string, text: string): { docs: Document[]; counter: LineCounter } {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) return { docs: [], counter };
  for (const d of docs) {
    const err = d.errors[0];
    if (err) {
      const pos = counter.linePos(err.pos[0]);
      throw new SpecUnreadableError(`not valid ${/\.json$/i.test(file) ? "JSON" : "YAML"}: ${err.message.split("\n")[0]}`, { file, line: pos.line, column: pos.col });
    }
  }
  return { docs, counter };
}

/** Decodes the flyteidl messages of one JSON/YAML document. */
function messagesOfDocument(file: string, doc: Document, counter: LineCounter): Message[] {
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  if (root === null || root === undefined) return [];
  const items: { value: unknown; path: DocPath }[] = Array.isArray(root) ? root.map((value, i) => ({ value, path: [i] })) : [{ value: root, path: [] }];
  return items.map(({ value, path: p }) => {
    const at = (sub: DocPath): TextPosition => positionIn(doc, counter, file, [...p, ...sub]);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SpecInvalidError("expected a flyteidl message (an object), like { template: { ... } }", at([]));
    const m = messageOfObject(value as Obj);
    if (!m) {
      throw new SpecInvalidError(
        "not a flyteidl spec Aloft knows: expected a TaskSpec or WorkflowSpec ({ template: ... }), a LaunchPlan ({ id, spec }), a LaunchPlanSpec ({ workflowId, ... }) or a compiled workflow closure ({ primary, tasks })",
        at([]),
      );
    }
    let obj: Obj;
    try {
      obj = fromJsonMapping(m, value);
    } catch (e) {
      if (e instanceof JsonMappingProblem) throw new SpecInvalidError(e.message, at(e.path));
      throw e;
    }
    const msg = asMessage(m, obj, file);
    if (!msg) throw new SpecInvalidError(`this ${m} holds no ${m.includes("LaunchPlan") ? "workflow id" : "template"}`, at([]));
    return msg;
  });
}

/** True when a text file is a flyteidl document (not a pipeline file or an Argo workflow). */
export function looksLikeFlyteidl(root: unknown): boolean {
  const first = Array.isArray(root) ? root[0] : root;
  return typeof first === "object" && first !== null && !Array.isArray(first) && messageOfObject(first as Obj) !== undefined;
}

function nameOf(id: Identifier | undefined, what: string, at: TextPosition): string {
  const name = id?.name;
  if (typeof name !== "string" || name === "") throw new SpecInvalidError(`a ${what} without a name (its id.name is empty)`, at);
  return name;
}

function put<T>(map: Map<string, Located<T>>, name: string, value: T, at: TextPosition, what: string): void {
  const seen = map.get(name);
  if (seen) {
    if (canonicalJson(seen.value) === canonicalJson(value)) return;
    throw new SpecInvalidError(`two different ${what}s are named ${JSON.stringify(name)}: here and in ${seen.at.file}`, at);
  }
  map.set(name, { value, at });
}

/** Adds a decoded message to a set. */
function addMessage(set: SpecSet, msg: Message, at: TextPosition): void {
  const addWorkflow = (tpl: WorkflowTemplate, top: boolean): void => {
    const name = nameOf(tpl.id, "workflow", at);
    put(set.workflows, name, tpl, at, "workflow");
    if (top && !set.topWorkflows.includes(name)) set.topWorkflows.push(name);
  };
  switch (msg.kind) {
    case "task":
      put(set.tasks, nameOf(msg.template.id, "task", at), msg.template, at, "task");
      return;
    case "workflow":
      addWorkflow(msg.template, true);
      for (const s of msg.subWorkflows) addWorkflow(s, false);
      return;
    case "launchPlan":
      put(set.launchPlans, msg.name, msg.spec, at, "launch plan");
      return;
    case "closure":
      addWorkflow(msg.primary, true);
      for (const s of msg.subWorkflows) addWorkflow(s, false);
      for (const t of msg.tasks) put(set.tasks, nameOf(t.id, "task", at), t, at, "task");
      return;
  }
}

/**
 * The text of a file.
 *
 * @throws SpecUnreadableError when it is not UTF-8.
 */
export function textOf(file: SpecFile): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(file.bytes);
  } catch {
    throw new SpecUnreadableError("not UTF-8 text", { file: file.name });
  }
}

/**
 * Reads flyteidl spec files into one set.
 *
 * @throws SpecUnreadableError or SpecInvalidError naming the file (and, for text, the line and column).
 *
 * @example
 * ```ts
 * const set = readSpecFiles(await specFilesOf("_pb_output"));
 * [...set.workflows.keys()]; // ["core.control_flow.chain_tasks.chain_tasks_wf"]
 * ```
 */
export function readSpecFiles(files: readonly SpecFile[], set: SpecSet = emptySpecSet()): SpecSet {
  for (const file of files) {
    if (/\.pb$/i.test(file.name)) {
      addMessage(set, decodePb(file), { file: file.name });
      continue;
    }
    const { docs, counter } = parseText(file.name, textOf(file));
    for (const doc of docs) {
      if (isMap(doc.contents) && doc.contents.items.some((p) => isScalar(p.key) && p.key.value === "pipeline")) {
        throw new SpecInvalidError("a pipeline file is loaded alone, not among flyteidl specs", positionIn(doc, counter, file.name, []));
      }
      for (const msg of messagesOfDocument(file.name, doc, counter)) addMessage(set, msg, { file: file.name });
    }
  }
  return set;
}
