/**
 * The errors of loading workflows from text (flyteidl specs, pipeline files,
 * Argo workflows). Each has a stable `code` to catch it by, and says where the
 * problem is: the file, and for text formats the line and column.
 *
 * @module
 */
import { AloftError } from "../errors.js";

/**
 * Where in a text a problem was found.
 *
 * @example
 * ```ts
 * const at: TextPosition = { file: "flow.yaml", line: 4, column: 7 };
 * ```
 */
export interface TextPosition {
  /** The file (as given), or the member of an archive (`specs.tgz:001_wf_2.pb`). */
  readonly file: string;
  /** 1-based line, for text formats. */
  readonly line?: number | undefined;
  /** 1-based column, for text formats. */
  readonly column?: number | undefined;
}

/**
 * The stable codes of the errors of loading workflows from text.
 *
 * @example
 * ```ts
 * if (e instanceof SpecLoadError && e.code === "SPEC_UNREADABLE") retryLater();
 * ```
 */
export type SpecLoadErrorCode = "SPEC_UNREADABLE" | "SPEC_INVALID" | "SPEC_UNSUPPORTED" | "TASKS_MISSING" | "TASK_INTERFACE_MISMATCH" | "ENTITY_NOT_FOUND";

/** `file:line:column` (or `file`) for messages. */
export function describePosition(at: TextPosition | undefined): string {
  if (!at) return "";
  return at.line === undefined ? at.file : `${at.file}:${at.line}:${at.column ?? 1}`;
}

/**
 * Base class of every error of loading workflows from text. Nothing is run or
 * stored when one is thrown.
 *
 * @example
 * ```ts
 * try { await loadWorkflows("specs/", { tasks }); } catch (e) { if (e instanceof SpecLoadError) console.error(e.code, e.message); }
 * ```
 */
export class SpecLoadError extends AloftError {
  override name = "SpecLoadError";
  /** Where the problem is, when it is in a file. */
  readonly at: TextPosition | undefined;
  constructor(
    /** The stable code of this kind of error. */
    readonly code: SpecLoadErrorCode,
    message: string,
    at?: TextPosition,
    options?: { cause?: unknown },
  ) {
    super(at ? `${describePosition(at)}: ${message}` : message, options);
    this.at = at;
  }
}

/**
 * A file cannot be read or parsed: not a file, truncated protobuf, bad JSON or
 * YAML, not a tar archive (code `SPEC_UNREADABLE`).
 *
 * @example
 * ```ts
 * await loadWorkflows("broken.pb", { tasks }); // SpecUnreadableError: broken.pb: not a flyteidl TaskSpec, WorkflowSpec or LaunchPlan: ...
 * ```
 */
export class SpecUnreadableError extends SpecLoadError {
  override name = "SpecUnreadableError";
  constructor(message: string, at?: TextPosition, options?: { cause?: unknown }) {
    super("SPEC_UNREADABLE", message, at, options);
  }
}

/**
 * A spec was read but does not describe a valid workflow: an unknown node or
 * output, a cycle, a duplicate id, a field of the wrong kind (code `SPEC_INVALID`).
 *
 * @example
 * ```ts
 * await loadWorkflows("flow.yaml", { tasks }); // SpecInvalidError: flow.yaml:12:9: node "b" binds x to node "nope", which does not exist
 * ```
 */
export class SpecInvalidError extends SpecLoadError {
  override name = "SpecInvalidError";
  constructor(message: string, at?: TextPosition, options?: { cause?: unknown }) {
    super("SPEC_INVALID", message, at, options);
  }
}

/**
 * A spec uses something Aloft cannot run: a raw-container or sensor task, a
 * Python-only plugin, an Argo field the importer does not read (code `SPEC_UNSUPPORTED`).
 *
 * @example
 * ```ts
 * // SpecUnsupportedError: task "ellipse-area-metadata-shell" is of type "raw-container", which runs a container image; ...
 * ```
 */
export class SpecUnsupportedError extends SpecLoadError {
  override name = "SpecUnsupportedError";
  constructor(message: string, at?: TextPosition, options?: { cause?: unknown }) {
    super("SPEC_UNSUPPORTED", message, at, options);
  }
}

/**
 * Tasks the specs reference have no TypeScript implementation among the
 * `tasks` given (code `TASKS_MISSING`); `missing` lists every one.
 *
 * @example
 * ```ts
 * try { await loadWorkflows("specs/", { tasks: [] }); } catch (e) { if (e instanceof MissingTasksError) console.log(e.missing); }
 * ```
 */
export class MissingTasksError extends SpecLoadError {
  override name = "MissingTasksError";
  constructor(
    message: string,
    /** The names of the tasks with no implementation, sorted. */
    readonly missing: readonly string[],
  ) {
    super("TASKS_MISSING", message);
  }
}

/**
 * A TypeScript task's interface does not fit the task a spec references
 * (code `TASK_INTERFACE_MISMATCH`): a variable missing or extra, or a type not
 * castable by Flyte's rules.
 *
 * @example
 * ```ts
 * // TaskInterfaceMismatchError: task "core.flyte_basics.lp.square" (used by node n0 of workflow "core.flyte_basics.lp.my_wf"): input "val" is int in the specs but float in the TypeScript task
 * ```
 */
export class TaskInterfaceMismatchError extends SpecLoadError {
  override name = "TaskInterfaceMismatchError";
  constructor(
    message: string,
    /** The task's name. */
    readonly task: string,
    /** The variable that does not fit. */
    readonly variable: string,
    /** Its type in the specs, or `(absent)`. */
    readonly specType: string,
    /** Its type in the TypeScript task, or `(absent)`. */
    readonly taskType: string,
    /** A node that uses the task (`workflow/node`). */
    readonly node: string,
  ) {
    super("TASK_INTERFACE_MISMATCH", message);
  }
}

/**
 * The entity asked for is not in the specs, or the specs hold several
 * workflows and none was named (code `ENTITY_NOT_FOUND`).
 *
 * @example
 * ```ts
 * (await loadWorkflows("specs/", { tasks })).get("nope"); // EntityNotFoundError: the specs hold no workflow or launch plan "nope" (they hold: ...)
 * ```
 */
export class EntityNotFoundError extends SpecLoadError {
  override name = "EntityNotFoundError";
  constructor(message: string) {
    super("ENTITY_NOT_FOUND", message);
  }
}

/**
 * Rethrows what building a loaded entity threw as a `SpecLoadError`: an
 * Aloft error (a binding that does not fit, a bad launch plan) becomes a
 * `SpecInvalidError` at `at`, its message after `prefix`; a `SpecLoadError`
 * stays as it is; anything else (a bug) is not hidden.
 *
 * @example
 * ```ts
 * try { wf.addEntity(task, bindings); } catch (e) { asSpecError(e, at, "node n1: "); }
 * ```
 */
export function asSpecError(e: unknown, at: TextPosition | undefined, prefix = ""): never {
  if (e instanceof SpecLoadError) throw e;
  if (e instanceof AloftError) throw new SpecInvalidError(`${prefix}${e.message}`, at, { cause: e });
  throw e;
}
