/**
 * The `error.pb` a task pod writes when it fails: a `flyteidl.core.ErrorDocument`
 * holding a `ContainerError`, as flytekit's entrypoint writes it
 * (`flytekit/bin/entrypoint.py`, `_dispatch_execute`). Propeller retries a
 * `RECOVERABLE` error within the node's retries and fails the node at once
 * on a `NON_RECOVERABLE` one; `origin` says whose fault it was.
 *
 * @module
 */

/** `flyteidl.core.ContainerError.Kind`. */
export type ContainerErrorKind = "NON_RECOVERABLE" | "RECOVERABLE";

/** `flyteidl.core.ExecutionError.ErrorKind`: who failed. */
export type ErrorOrigin = "UNKNOWN" | "USER" | "SYSTEM";

/**
 * What a `ContainerError` says.
 *
 * @example
 * ```ts
 * const e: ContainerErrorFields = { code: "USER:RuntimeError", message: "Error: boom", kind: "NON_RECOVERABLE", origin: "USER" };
 * ```
 */
export interface ContainerErrorFields {
  readonly code: string;
  readonly message: string;
  readonly kind: ContainerErrorKind;
  readonly origin: ErrorOrigin;
  /** The pod that failed (`HOSTNAME`), when known. */
  readonly worker?: string | undefined;
}

/**
 * The `ErrorDocument` of a failure, in protobufjs object form, stamped with
 * the time it happened.
 *
 * @example
 * ```ts
 * errorDocument({ code: "USER:Recoverable", message: "busy", kind: "RECOVERABLE", origin: "USER" });
 * // { error: { code: "USER:Recoverable", message: "busy", kind: "RECOVERABLE", origin: "USER", timestamp: {...} } }
 * ```
 */
export function errorDocument(fields: ContainerErrorFields, now: number = Date.now()): { error: Record<string, unknown> } {
  const seconds = Math.floor(now / 1000);
  // NON_RECOVERABLE is the enum's zero value: left out, as Python's and Go's protobuf leave it out.
  const error: Record<string, unknown> = {
    code: fields.code,
    message: fields.message,
    ...(fields.kind === "RECOVERABLE" ? { kind: fields.kind } : {}),
    origin: fields.origin,
    timestamp: { seconds: String(seconds), nanos: (now - seconds * 1000) * 1e6 },
  };
  if (fields.worker) error["worker"] = fields.worker;
  return { error };
}
