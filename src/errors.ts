/**
 * Aloft's error classes. Every error Aloft throws on purpose is an
 * `AloftError`; catch a subclass to handle one kind. Fields are readonly and
 * structured, so callers need not parse messages.
 *
 * @example
 * ```ts
 * try {
 *   wf.addEntity(intercept, { x: wf.inputs.x });
 * } catch (e) {
 *   if (e instanceof MissingInputError) console.log(e.input); // "y"
 * }
 * ```
 *
 * @module
 */

/**
 * Base class of every error Aloft throws on purpose.
 *
 * @example
 * ```ts
 * try {
 *   await wf.run({ x: [1, 2] });
 * } catch (e) {
 *   if (e instanceof AloftError) console.error(e.name, e.message); // one of Aloft's own errors
 * }
 * ```
 */
export class AloftError extends Error {
  override name = "AloftError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A `t.*` type was built from something that is not a type, or with bad arguments.
 *
 * @example
 * ```ts
 * t.list(42 as never); // InvalidTypeError: t.list(element) must be an Aloft type such as t.int or t.list(t.str), got 42
 * ```
 */
export class InvalidTypeError extends AloftError {
  override name = "InvalidTypeError";
}

/**
 * Where in a definition an error was found.
 *
 * @example
 * ```ts
 * const site: DefinitionSite = { entity: "imperative_workflow", node: "n1" };
 * ```
 */
export interface DefinitionSite {
  /** The workflow (or task, or launch plan) being defined. */
  readonly entity?: string | undefined;
  /** The node id, when the error concerns a node. */
  readonly node?: string | undefined;
}

/**
 * Base class of errors in how a task, workflow or launch plan is defined or wired.
 *
 * @example
 * ```ts
 * try {
 *   wf.addEntity(intercept, { x: wf.inputs.x });
 * } catch (e) {
 *   if (e instanceof DefinitionError) console.log(e.entity, e.node); // "imperative_workflow" "n1"
 * }
 * ```
 */
export class DefinitionError extends AloftError {
  override name = "DefinitionError";
  readonly entity: string | undefined;
  readonly node: string | undefined;
  constructor(message: string, site: DefinitionSite = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.entity = site.entity;
    this.node = site.node;
  }
}

/**
 * A name is not an identifier (inputs, outputs, fields) or is empty (entities).
 *
 * @example
 * ```ts
 * wf.addWorkflowInput("my-input", t.int); // InvalidNameError: workflow "wf": input name "my-input" is not an identifier
 * ```
 */
export class InvalidNameError extends DefinitionError {
  override name = "InvalidNameError";
}

/**
 * An input, output or launch plan name is used twice.
 *
 * @example
 * ```ts
 * wf.addWorkflowInput("x", t.int);
 * wf.addWorkflowInput("x", t.int); // DuplicateNameError: workflow "wf" already has an input named "x"
 * ```
 */
export class DuplicateNameError extends DefinitionError {
  override name = "DuplicateNameError";
}

/**
 * An option of a task, node or workflow is not valid.
 *
 * @example
 * ```ts
 * task({ name: "t", retries: -1 }, () => {}); // InvalidOptionError: option retries of task "t" must be a whole number of retries, 0 or more, got -1
 * ```
 */
export class InvalidOptionError extends DefinitionError {
  override name = "InvalidOptionError";
}

/**
 * Bindings name an input the entity does not have.
 *
 * @example
 * ```ts
 * wf.addEntity(slope, { x, y, z: x }); // UnknownInputError; e.input === "z"
 * ```
 */
export class UnknownInputError extends DefinitionError {
  override name = "UnknownInputError";
  constructor(
    message: string,
    site: DefinitionSite,
    readonly input: string,
  ) {
    super(message, site);
  }
}

/**
 * A required input of an entity is bound to nothing.
 *
 * @example
 * ```ts
 * wf.addEntity(intercept, { x, y }); // MissingInputError; e.input === "slope"
 * ```
 */
export class MissingInputError extends DefinitionError {
  override name = "MissingInputError";
  constructor(
    message: string,
    site: DefinitionSite,
    readonly input: string,
  ) {
    super(message, site);
  }
}

/**
 * An output that does not exist was asked for (or a node without outputs was bound).
 *
 * @example
 * ```ts
 * wf.addEntity(slope, { x, y }).outputs.o1; // UnknownOutputError; e.output === "o1"
 * ```
 */
export class UnknownOutputError extends DefinitionError {
  override name = "UnknownOutputError";
  constructor(
    message: string,
    site: DefinitionSite,
    readonly output: string,
  ) {
    super(message, site);
  }
}

/**
 * A binding's type is not castable to the input's type, or a constant does not fit it.
 *
 * @example
 * ```ts
 * wf.addEntity(slope, { x: ["1"], y }); // TypeMismatchError; e.input === "x", e.expected === "list<int>"
 * ```
 */
export class TypeMismatchError extends DefinitionError {
  override name = "TypeMismatchError";
  constructor(
    message: string,
    site: DefinitionSite,
    readonly input: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(message, site);
  }
}

/**
 * A handle from one workflow was used in another.
 *
 * @example
 * ```ts
 * other.addEntity(slope, { x: wf.inputs.x, y: wf.inputs.y }); // ForeignHandleError
 * ```
 */
export class ForeignHandleError extends DefinitionError {
  override name = "ForeignHandleError";
}

/**
 * An entity was called like a function outside a declarative workflow body.
 *
 * @example
 * ```ts
 * slope({ x: [1], y: [2] }); // CallOutsideWorkflowError: ... use await slope.run({ ...inputs })
 * ```
 */
export class CallOutsideWorkflowError extends DefinitionError {
  override name = "CallOutsideWorkflowError";
}

/**
 * A launch plan's settings are invalid or conflict with an existing plan.
 *
 * @example
 * ```ts
 * LaunchPlan.create("lp", wf, { fixedInputs: { nope: 1 } }); // LaunchPlanError
 * ```
 */
export class LaunchPlanError extends DefinitionError {
  override name = "LaunchPlanError";
}

/**
 * A workflow was run or compiled before it was ready (no nodes, or an unbound input).
 *
 * @example
 * ```ts
 * await new Workflow("empty").run(); // WorkflowNotReadyError: workflow "empty" is not ready: it has no nodes yet (add one with addEntity)
 * ```
 */
export class WorkflowNotReadyError extends DefinitionError {
  override name = "WorkflowNotReadyError";
}

/**
 * A spec is not valid (compiling, or loading a spec from elsewhere).
 *
 * @example
 * ```ts
 * compile(wf, { version: "a/b" }); // CompileError: compile option version must be ... without spaces or slashes
 * ```
 */
export class CompileError extends AloftError {
  override name = "CompileError";
}

/**
 * A value given to, or produced by, an entity does not fit its interface.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof ValueError) console.log(e.entity, e.variable); // 'workflow "wf"' "x"
 * }
 * ```
 */
export class ValueError extends AloftError {
  override name = "ValueError";
  constructor(
    message: string,
    readonly entity: string,
    readonly variable: string,
  ) {
    super(message);
  }
}

/**
 * A run was given a missing, extra or ill-typed input.
 *
 * @example
 * ```ts
 * await wf.run({ x: [1, "2"], y: [1, 2] } as never); // InputValueError: input "x" of workflow "wf" expects list<int>: ...
 * ```
 */
export class InputValueError extends ValueError {
  override name = "InputValueError";
}

/**
 * A task returned outputs that do not fit its interface.
 *
 * @example
 * ```ts
 * await task({ name: "liar", outputs: t.int }, () => "1" as never).run(); // OutputValueError; e.variable === "o0"
 * ```
 */
export class OutputValueError extends ValueError {
  override name = "OutputValueError";
}

/**
 * A run failed: names the failing node and entity; the original error is `cause`.
 *
 * @example
 * ```ts
 * const err = (await wf.run({ x: 1 }).catch((e: unknown) => e)) as ExecutionError;
 * console.log(err.nodeId, err.entity, err.cause); // "n0" 'task "boom"' Error: kaput
 * ```
 */
export class ExecutionError extends AloftError {
  override name = "ExecutionError";
  constructor(
    message: string,
    readonly nodeId: string,
    readonly entity: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A map task failed: too many of its elements failed for the rest to reach
 * its minimum number of successes. The first element's error is `cause`.
 *
 * @example
 * ```ts
 * const err = (await wf.run({ xs }).catch((e: unknown) => e)) as ExecutionError;
 * if (err.cause instanceof MapTaskError) console.log(err.cause.failed, err.cause.firstFailedIndex);
 * ```
 */
export class MapTaskError extends AloftError {
  override name = "MapTaskError";
  constructor(
    message: string,
    /** How many elements the map has. */
    readonly total: number,
    /** How many elements failed when the map gave up. */
    readonly failed: number,
    /** How many elements had to succeed. */
    readonly required: number,
    /** The index of the first element that failed (-1 when none did). */
    readonly firstFailedIndex: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Throw this from a task to fail the attempt without retrying it, whatever
 * the task's `retries`.
 *
 * @example
 * ```ts
 * const fetchRow = task({ name: "fetch_row", inputs: { id: t.int }, outputs: t.str, retries: 3 }, async ({ id }) => {
 *   if (id < 0) throw new NonRetryableError(`no row has a negative id (${id})`);
 *   return lookup(id);
 * });
 * ```
 */
export class NonRetryableError extends AloftError {
  override name = "NonRetryableError";
}

/**
 * Throw this from a task for a failure worth another attempt (a flaky
 * service, a lost connection): the node retries it up to its `retries`.
 * Any other error from a task's code is final, as in Flyte, unless the task
 * sets `retryAllErrors` (flytekit `FlyteRecoverableException`).
 *
 * @example
 * ```ts
 * const fetchPage = task({ name: "fetch_page", inputs: { url: t.str }, outputs: t.str, retries: 3 }, async ({ url }) => {
 *   const res = await fetch(url);
 *   if (res.status === 503) throw new RecoverableError(`${url} is busy (503)`);
 *   return res.text();
 * });
 * ```
 */
export class RecoverableError extends AloftError {
  override name = "RecoverableError";
}

/**
 * A task attempt ran longer than its timeout.
 *
 * @example
 * ```ts
 * const slow = task({ name: "slow", timeout: "1s" }, () => new Promise(() => {}));
 * await slow.run(); // rejects with TaskTimeoutError: task "slow" timed out after 1000 ms (attempt 1); e.timeoutMs === 1000
 * ```
 */
export class TaskTimeoutError extends AloftError {
  override name = "TaskTimeoutError";
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}

/**
 * A gate timed out, or an approval was rejected, or a signal value did not fit.
 *
 * @example
 * ```ts
 * run.signal("factor", "five"); // GateError: signal "factor" expects int: ...; e.gate === "factor"
 * ```
 */
export class GateError extends AloftError {
  override name = "GateError";
  constructor(
    message: string,
    readonly gate: string,
  ) {
    super(message);
  }
}

/**
 * A conditional failed a run: no condition held and its else is
 * `fail(message)` (the error's message is that message), or a condition
 * could not be evaluated (ordering a none value).
 *
 * @example
 * ```ts
 * try {
 *   await wf.run({ x: -1 });
 * } catch (e) {
 *   if (e instanceof ExecutionError && e.cause instanceof ConditionalError) console.log(e.cause.message); // "x must be positive"
 * }
 * ```
 */
export class ConditionalError extends AloftError {
  override name = "ConditionalError";
  constructor(
    message: string,
    readonly conditional: string,
    readonly nodeId: string,
  ) {
    super(message);
  }
}

/**
 * A run was aborted.
 *
 * @example
 * ```ts
 * const run = wf.start({ x: 1 });
 * run.abort("changed my mind");
 * await run.result; // rejects with AbortedError: the run was aborted: changed my mind
 * ```
 */
export class AbortedError extends AloftError {
  override name = "AbortedError";
}

/**
 * Registering different content under an existing `(project, domain, name, version)`.
 *
 * @example
 * ```ts
 * await engine.register(changedWf, { version: "v1" }); // RegistryConflictError; e.kind === "workflow", e.key.version === "v1"
 * ```
 */
export class RegistryConflictError extends AloftError {
  override name = "RegistryConflictError";
  constructor(
    message: string,
    readonly kind: string,
    readonly key: { readonly project: string; readonly domain: string; readonly name: string; readonly version: string },
  ) {
    super(message);
  }
}

/**
 * Creating an execution whose id is taken.
 *
 * @example
 * ```ts
 * await store.createExecution(row, first);
 * await store.createExecution(row, first); // DuplicateExecutionError
 * ```
 */
export class DuplicateExecutionError extends AloftError {
  override name = "DuplicateExecutionError";
}

/**
 * Why a store refused a change (see `StoreConflictError`).
 *
 * @example
 * ```ts
 * if (e instanceof StoreConflictError && e.reason === "eventConsumed") return;
 * ```
 */
export type StoreConflictReason = "eventMissing" | "eventConsumed" | "executionMissing" | "taskItemExists" | "fenced" | "leaseLost" | "taskItemMissing" | "mapMissing";

/**
 * A store refused a change that contradicts what it holds: a step consumed an
 * event that does not exist or was already consumed (another engine got there
 * first), changed an execution that does not exist, queued a task item
 * whose id is taken, wrote an element of a map task whose map row is not
 * stored (`mapMissing`), or came from an engine that no longer owns the
 * execution (`fenced`: another engine took it over). Nothing of the change was written.
 *
 * @example
 * ```ts
 * try {
 *   await store.commit(step);
 * } catch (e) {
 *   if (e instanceof StoreConflictError && e.reason === "eventConsumed") return; // already applied elsewhere
 *   throw e;
 * }
 * ```
 */
export class StoreConflictError extends AloftError {
  override name = "StoreConflictError";
  constructor(
    message: string,
    readonly reason: StoreConflictReason,
  ) {
    super(message);
  }
}

/**
 * A name or location given for a file, directory or dataframe would leave the
 * blob store or directory it belongs to: `..`, an absolute path, a NUL byte, a
 * backslash, or a symbolic link that resolves outside. `value` is the bad name.
 *
 * @example
 * ```ts
 * await ctx.blobs.writeFile("../escape.txt", "x"); // BlobPathError: value "../escape.txt"
 * ```
 */
export class BlobPathError extends AloftError {
  override name = "BlobPathError";
  constructor(
    message: string,
    readonly value: string,
  ) {
    super(message);
  }
}

/**
 * A file, directory or dataframe could not be read or written: its URI is not
 * one this runner can read (`s3://...` in a local run), it is missing, or its
 * contents do not fit its type (a dataframe's columns, say).
 *
 * @example
 * ```ts
 * await AloftFile.fromUri("s3://bucket/data.csv").text(); // BlobAccessError: uri "s3://bucket/data.csv"
 * ```
 */
export class BlobAccessError extends AloftError {
  override name = "BlobAccessError";
  constructor(
    message: string,
    readonly uri: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A row read back from a store does not have the shape Aloft writes: a
 * column holds JSON of another shape, an unknown node kind or event type,
 * a field of the wrong type. `row` names the row (`node a1b2/n3`), `field`
 * what is wrong in it. Nothing is guessed from such a row.
 *
 * @example
 * ```ts
 * await store.listNodes(id); // StoredRowError: node a1b2/n3: data.kind is "widget", expected one of task, dynamic, ...
 * ```
 */
export class StoredRowError extends AloftError {
  override name = "StoredRowError";
  constructor(
    message: string,
    readonly row: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/**
 * A database's schema is newer than this Aloft knows: a newer Aloft migrated it (its map elements, say, moved to
 * tables this one does not write), so this one refuses it rather than write rows where the newer one no longer
 * reads them. Opening the store throws it, and so does an engine already running when the newer Aloft migrates
 * (its next commit on SQLite, its next lease renewal on PostgreSQL): the engine stops. Upgrade Aloft in every
 * process that opens the database (engines, workers, the server, the CLI). `code` is `"SCHEMA_TOO_NEW"`.
 *
 * @example
 * ```ts
 * try { await openSqliteStore(".aloft/aloft.db"); } catch (e) { if (e instanceof SchemaTooNewError) console.error(e.found, e.known); }
 * ```
 */
export class SchemaTooNewError extends AloftError {
  override name = "SchemaTooNewError";
  /** The stable code of this error. */
  readonly code = "SCHEMA_TOO_NEW";
  constructor(
    /** The database: a SQLite file, or a PostgreSQL URL (without its password) and schema. */
    readonly database: string,
    /** The schema version the database is at. */
    readonly found: number,
    /** The newest schema version this Aloft knows. */
    readonly known: number,
  ) {
    super(
      `the database ${database} is at schema version ${found}, newer than this Aloft knows (${known}): a newer Aloft migrated it. ` +
        `Upgrade Aloft to the version that migrated it in every process that opens this database (engines, workers, the server, the CLI); ` +
        `this Aloft does not write to it, since it would put rows where the newer one no longer reads them`,
    );
  }
}
