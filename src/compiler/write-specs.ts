/**
 * Writing compiled specs to files, one per entity, named the way Flyte's own
 * packaging (`pyflyte package` / `pyflyte serialize`) names them:
 * `<index>_<name>_<1|2|3>.pb`, where 1 is a task (`admin.TaskSpec`), 2 a
 * workflow (`admin.WorkflowSpec`) and 3 a launch plan (`admin.LaunchPlan`:
 * its id and spec). The index is zero-padded to as many digits as the last
 * index needs and follows registration order: tasks, then each workflow and
 * launch plan after everything it references. `flytectl register files`
 * accepts such a directory.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Identifier } from "../idl/core.js";
import { AloftError } from "../errors.js";
import { compileBundle, REGISTRATION_PLACEHOLDERS, type BundleOptions, type CompiledBundle, type CompileOptions } from "./compile.js";
import { idKey } from "./identifiers.js";
import { DEFAULT_IMAGE } from "./container.js";
import { checkedMessage, encodeSpec, type SpecMessage } from "./proto.js";

/** The file formats `writeSpecs` writes. */
export type SpecFileFormat = "pb" | "json";

/** Where and how `writeSpecs` writes. */
export interface WriteSpecsOptions extends CompileOptions {
  /**
   * `"pb"` (default): binary protobuf, what Flyte's tools exchange.
   * `"json"`: the same messages in protobufjs object form (camelCase fields,
   * enum names, 64-bit integers as strings), the form `compile` returns and
   * `fromObject` reads.
   */
  readonly format?: SpecFileFormat;
  /**
   * Replace the spec files an earlier `writeSpecs` left in `outDir` (default
   * `false`: refuse a directory that already holds files). Files that are
   * not spec files are never replaced.
   */
  readonly overwrite?: boolean;
}

/**
 * `writeSpecs` could not write: `outDir` is not a directory it may write
 * to, or writing failed (in which case nothing was left behind).
 *
 * @example
 * ```ts
 * try {
 *   await writeSpecs(wf, "out", { format: "pb" });
 * } catch (e) {
 *   if (e instanceof SpecWriteError) console.error(e.outDir, e.message);
 * }
 * ```
 */
export class SpecWriteError extends AloftError {
  override name = "SpecWriteError";
  /** The output directory, as given. */
  readonly outDir: string;
  /** The spec files already in `outDir` when it was refused for them (`overwrite` not given); empty otherwise. */
  readonly existingSpecs: readonly string[];
  constructor(message: string, outDir: string, options?: { cause?: unknown; existingSpecs?: readonly string[] }) {
    super(message, options);
    this.outDir = outDir;
    this.existingSpecs = options?.existingSpecs ?? [];
  }
}

/**
 * One spec file: its name (`<index>_<name>_<1|2|3>.pb`), the message it holds
 * (`TaskSpec`, `WorkflowSpec` or `LaunchPlan`) and that message in object form.
 *
 * @example
 * ```ts
 * const [first]: RegistrationFile[] = registrationFiles(wf, { version: "v1" });
 * first.name; // "0_slope_1.pb"
 * ```
 */
export interface RegistrationFile {
  readonly name: string;
  readonly message: Exclude<SpecMessage, "flyteidl.admin.LaunchPlanSpec">;
  readonly body: object;
}

type SpecFile = RegistrationFile;

/** A spec file name: `<index>_<name>_<1|2|3>.<pb|json>`. */
const SPEC_FILE = /^[0-9]+_.+_[123]\.(pb|json)$/;
/** The prefix of the temporary directories `writeSpecs` works in. */
const TEMP_PREFIX = ".aloft-specs-";

/** Every launch plan an object references by `launchplanRef`, in order of appearance. */
function launchPlanRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) launchPlanRefs(v, out);
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "launchplanRef" && typeof v === "object" && v !== null) out.push(idKey(v as Identifier));
      else launchPlanRefs(v, out);
    }
  }
  return out;
}

/** A name made safe for a file name: path separators and other odd characters become `_`. */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * The files of a bundle, in registration order: tasks first, then workflows
 * and launch plans, each after the launch plans and workflow it references.
 */
function specFiles(bundle: CompiledBundle, format: SpecFileFormat): SpecFile[] {
  const ordered: { kind: 1 | 2 | 3; name: string; message: RegistrationFile["message"]; body: object }[] = [];
  for (const spec of bundle.tasks.values()) ordered.push({ kind: 1, name: spec.template?.id?.name ?? "", message: "flyteidl.admin.TaskSpec", body: spec });
  const done = new Set<string>();
  const visit = (key: string): void => {
    if (done.has(key)) return;
    done.add(key);
    const workflow = bundle.workflows.get(key);
    if (workflow) {
      for (const ref of launchPlanRefs(workflow)) visit(ref);
      ordered.push({ kind: 2, name: workflow.template?.id?.name ?? "", message: "flyteidl.admin.WorkflowSpec", body: workflow });
      return;
    }
    const plan = bundle.launchPlans.get(key);
    if (plan) {
      if (plan.workflowId) visit(idKey(plan.workflowId));
      const id = launchPlanId(key, plan.workflowId ?? {});
      ordered.push({ kind: 3, name: id.name ?? "", message: "flyteidl.admin.LaunchPlan", body: { id, spec: plan } });
    }
  };
  for (const key of bundle.workflows.keys()) visit(key);
  for (const key of bundle.launchPlans.keys()) visit(key);
  const width = String(Math.max(ordered.length - 1, 0)).length;
  return ordered.map((e, i) => ({ name: `${String(i).padStart(width, "0")}_${fileSafe(e.name)}_${e.kind}.${format}`, message: e.message, body: e.body }));
}

/**
 * The identifier of the launch plan a bundle stores under `key`. Everything in
 * a bundle shares one project, domain and version, those of the workflow it
 * launches, so the name is what `idKey` put between them.
 */
function launchPlanId(key: string, workflowId: Identifier): Identifier {
  const { project = "", domain = "", version = "" } = workflowId;
  const prefix = `LAUNCH_PLAN:${project}/${domain}/`;
  const suffix = `@${version}`;
  if (!key.startsWith(prefix) || !key.endsWith(suffix)) throw new AloftError(`launch plan ${key} is not compiled to the target of its workflow ${idKey(workflowId)}`);
  return { resourceType: "LAUNCH_PLAN", project, domain, name: key.slice(prefix.length, key.length - suffix.length), version };
}

/**
 * What `pyflyte package` writes: the placeholders `flytectl register files`
 * fills in for a project and domain not given, a container for every task
 * (`DEFAULT_IMAGE` unless an image is given), and a default launch plan for
 * every workflow.
 */
function registrationOptions(options: CompileOptions): BundleOptions {
  return {
    ...options,
    project: options.project ?? REGISTRATION_PLACEHOLDERS.project,
    domain: options.domain ?? REGISTRATION_PLACEHOLDERS.domain,
    image: options.image ?? DEFAULT_IMAGE,
    defaultLaunchPlans: true,
  };
}

/**
 * The files `pyflyte package` would write for an entity, in registration
 * order (tasks, then each workflow and launch plan after what it
 * references), compiled as `writeSpecs` compiles them: a default launch plan
 * for every workflow, and the placeholders flytectl fills in for a project or
 * domain not given.
 *
 * @example
 * ```ts
 * registrationFiles(wf, { project: "flytesnacks", domain: "development", version: "v1" }).map((f) => f.name);
 * // ["0_slope_1.pb", "1_intercept_1.pb", "2_imperative_workflow_2.pb", "3_imperative_workflow_3.pb"]
 * ```
 */
export function registrationFiles(entity: Parameters<typeof compileBundle>[0], options: CompileOptions = {}): RegistrationFile[] {
  return specFiles(compileBundle(entity, registrationOptions(options)), "pb");
}

function contents(file: SpecFile, format: SpecFileFormat): Uint8Array | string {
  if (format === "pb") return encodeSpec(file.message, file.body);
  checkedMessage(file.message, file.body);
  return `${JSON.stringify(file.body, null, 2)}\n`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The entries of `dir`, or `undefined` when it does not exist; refuses anything that is not a directory. */
async function entriesOf(dir: string, outDir: string): Promise<string[] | undefined> {
  let info;
  try {
    info = await stat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SpecWriteError(`cannot write specs to ${JSON.stringify(outDir)}: ${errorText(e)}`, outDir, { cause: e });
  }
  if (!info.isDirectory()) throw new SpecWriteError(`cannot write specs to ${JSON.stringify(outDir)}: it exists and is not a directory`, outDir);
  return readdir(dir);
}

function tempName(): string {
  return `${TEMP_PREFIX}${randomBytes(6).toString("hex")}`;
}

/** Writes every file into a new directory next to `dir`, then renames it to `dir`. */
async function writeFresh(dir: string, outDir: string, files: readonly { name: string; data: Uint8Array | string }[]): Promise<void> {
  const parent = path.dirname(dir);
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw new SpecWriteError(`cannot create the directory ${JSON.stringify(outDir)}: ${errorText(e)}`, outDir, { cause: e });
  }
  const temp = path.join(parent, tempName());
  try {
    await mkdir(temp);
    for (const f of files) await writeFile(path.join(temp, f.name), f.data, { flag: "wx" });
    await rename(temp, dir);
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    throw new SpecWriteError(`cannot write specs to ${JSON.stringify(outDir)}: ${errorText(e)}; nothing was written`, outDir, { cause: e });
  }
}

/**
 * Writes every file into a temporary directory inside `dir`, moves the old
 * spec files aside, moves the new ones in, and puts everything back if a
 * step fails.
 */
async function writeInto(dir: string, outDir: string, files: readonly { name: string; data: Uint8Array | string }[], old: readonly string[]): Promise<void> {
  const temp = path.join(dir, tempName());
  const aside = path.join(temp, "previous");
  const movedAside: string[] = [];
  const movedIn: string[] = [];
  try {
    await mkdir(aside, { recursive: true });
    for (const f of files) await writeFile(path.join(temp, f.name), f.data, { flag: "wx" });
    for (const name of old) {
      await rename(path.join(dir, name), path.join(aside, name));
      movedAside.push(name);
    }
    for (const f of files) {
      await rename(path.join(temp, f.name), path.join(dir, f.name));
      movedIn.push(f.name);
    }
  } catch (e) {
    for (const name of movedIn) await unlink(path.join(dir, name)).catch(() => undefined);
    for (const name of movedAside) await rename(path.join(aside, name), path.join(dir, name)).catch(() => undefined);
    await rm(temp, { recursive: true, force: true });
    throw new SpecWriteError(`cannot write specs to ${JSON.stringify(outDir)}: ${errorText(e)}; nothing was changed`, outDir, { cause: e });
  }
  await rm(temp, { recursive: true, force: true });
}

/**
 * Compiles an entity with everything it references and writes one file per
 * task, workflow and launch plan to `outDir`, named as Flyte's packaging
 * names them (`<index>_<name>_<1|2|3>.pb`, 1 = task, 2 = workflow,
 * 3 = launch plan), in binary protobuf or JSON. Resolves to the paths
 * written, in index order.
 *
 * Every file is written, or none: the files go to a temporary directory
 * first and are renamed into place at the end. `outDir` is created if it
 * does not exist; an existing one must be empty, or hold only spec files
 * and `overwrite: true` be given (those files are then replaced).
 *
 * @throws SpecWriteError when `outDir` is not a directory that can be
 * created or written, or holds other files; CompileError when the entity
 * does not compile.
 *
 * @example
 * ```ts
 * const files = await writeSpecs(wf, "_pb_output", { format: "pb", project: "flytesnacks", domain: "development", version: "v1" });
 * // [".../_pb_output/0_slope_1.pb", ".../_pb_output/1_intercept_1.pb", ".../_pb_output/2_imperative_workflow_2.pb"]
 * // then: flytectl register files _pb_output/* -p flytesnacks -d development
 * ```
 */
export async function writeSpecs(entity: Parameters<typeof compileBundle>[0], outDir: string, options: WriteSpecsOptions = {}): Promise<string[]> {
  const { format = "pb", overwrite = false, ...compileOptions } = options;
  if (format !== "pb" && format !== "json") throw new SpecWriteError(`writeSpecs: format must be "pb" or "json", got ${JSON.stringify(format)}`, String(outDir));
  if (typeof outDir !== "string" || outDir.trim() === "") throw new SpecWriteError(`writeSpecs needs an output directory, got ${JSON.stringify(outDir)}`, String(outDir));
  const files = specFiles(compileBundle(entity, registrationOptions(compileOptions)), format).map((f) => ({ name: f.name, data: contents(f, format) }));
  const dir = path.resolve(outDir);
  const entries = await entriesOf(dir, outDir);
  if (entries === undefined) await writeFresh(dir, outDir, files);
  else {
    const present = entries.filter((name) => !name.startsWith(TEMP_PREFIX));
    const foreign = present.filter((name) => !SPEC_FILE.test(name));
    if (foreign.length > 0) {
      throw new SpecWriteError(
        `cannot write specs to ${JSON.stringify(outDir)}: it holds files that are not spec files (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); write to a new or empty directory`,
        outDir,
      );
    }
    if (present.length > 0 && !overwrite) {
      throw new SpecWriteError(
        `cannot write specs to ${JSON.stringify(outDir)}: it already holds spec files (${present.slice(0, 3).join(", ")}${present.length > 3 ? ", ..." : ""}); pass overwrite: true to replace them`,
        outDir,
        { existingSpecs: present },
      );
    }
    await writeInto(dir, outDir, files, present);
  }
  return files.map((f) => path.join(dir, f.name));
}
