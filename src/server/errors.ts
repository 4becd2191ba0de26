/**
 * Errors of the HTTP API: every failure becomes a status and a JSON body
 * `{ error: { code, message, field? } }`. Aloft's own error classes map to
 * statuses here, in one place.
 *
 * @module
 */
import type { FastifyError } from "fastify";
import { InputValueError, RegistryConflictError } from "../errors.js";
import { EngineError, type EngineErrorCode } from "../engine/errors.js";
import type { ApiErrorBody } from "./schemas.js";

/** The error codes of the API: its own, and the engine's (`engine/errors.ts`). */
export type ApiErrorCode =
  | EngineErrorCode
  | "invalid_request"
  | "invalid_input"
  | "file_not_allowed"
  | "unauthorized"
  | "not_found"
  | "conflict"
  | "lease_lost"
  | "payload_too_large"
  | "unsupported_media_type"
  | "internal";

/**
 * An error the API answers with: a status, a code, a message and the request
 * field at fault.
 *
 * @example
 * ```ts
 * throw new ApiError(404, "not_found", `no execution ${id}`, "id");
 * ```
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  /** The response body. */
  body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.field !== undefined ? { field: this.field } : {}) } };
  }
}

/**
 * The one table from the engine's error codes to HTTP statuses, with the
 * request field at fault when it is always the same one.
 *
 * @example
 * ```ts
 * ENGINE_ERROR_STATUS.EXECUTION_NOT_FOUND; // { status: 404, field: "id" }
 * ```
 */
export const ENGINE_ERROR_STATUS: { readonly [C in EngineErrorCode]: { readonly status: number; readonly field?: string } } = {
  EXECUTION_NOT_FOUND: { status: 404, field: "id" },
  ENTITY_NOT_REGISTERED: { status: 404 },
  EXECUTION_ENDED: { status: 409 },
  EXECUTION_NOT_RECOVERABLE: { status: 409 },
  UNKNOWN_GATE: { status: 400, field: "name" },
  GATE_ANSWERED: { status: 409, field: "name" },
  INVALID_SIGNAL_VALUE: { status: 400, field: "value" },
  NOT_STARTABLE: { status: 400 },
  WAIT_TIMEOUT: { status: 504 },
  OFFLOADED_VALUE_UNAVAILABLE: { status: 500 },
  ENGINE_INVARIANT: { status: 500 },
};

/**
 * The API error for an engine error: its status from the one table, its code and message.
 *
 * @example
 * ```ts
 * engineApiError(EntityNotRegisteredError.of("workflow", { name: "wf" }), "workflow.name"); // 404 ENTITY_NOT_REGISTERED, field "workflow.name"
 * ```
 */
export function engineApiError(error: EngineError, field?: string): ApiError {
  const { status, field: usual } = ENGINE_ERROR_STATUS[error.code];
  return new ApiError(status, error.code, error.message, field ?? usual);
}

interface AjvIssue {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** `/inputs/x` → `inputs.x`, with the property a `required` or `additionalProperties` issue names. */
function fieldOf(issue: AjvIssue): string {
  const parts = (issue.instancePath ?? "")
    .split("/")
    .filter((p) => p !== "")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const named = issue.params?.["missingProperty"] ?? issue.params?.["additionalProperty"];
  if (typeof named === "string") parts.push(named);
  return parts.join(".");
}

function describeIssue(issue: AjvIssue, field: string, part: string): string {
  const where = field === "" ? `the ${part}` : field;
  switch (issue.keyword) {
    case "required":
      return `${where} is required`;
    case "additionalProperties":
      return `${where} is not a known field`;
    case "enum":
      return `${where} must be one of ${((issue.params?.["allowedValues"] as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return `${where} ${issue.message ?? "is not valid"}`;
  }
}

const PART_NAMES: Readonly<Record<string, string>> = { body: "request body", querystring: "query string", params: "path", headers: "headers" };

/**
 * The API error for any error thrown while handling a request.
 *
 * @example
 * ```ts
 * const e = toApiError(new InputValueError('missing input "x"', 'workflow "wf"', "x")); // 400 invalid_input, field "inputs.x"
 * ```
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof EngineError) return engineApiError(error);
  if (error instanceof InputValueError) {
    const field = error.entity === "execution" ? `options.${error.variable}` : error.variable === "" ? "inputs" : `inputs.${error.variable}`;
    return new ApiError(400, "invalid_input", error.message, field);
  }
  if (error instanceof RegistryConflictError) return new ApiError(409, "conflict", error.message);
  const fe = error as Partial<FastifyError> & { validation?: AjvIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation) && fe.validation.length > 0 && fe.validationContext !== undefined) {
    // A request that does not fit the schema (response validation failures have no context and are 500s).
    const issue = fe.validation[0]!;
    const field = fieldOf(issue);
    const part = PART_NAMES[fe.validationContext] ?? fe.validationContext;
    return new ApiError(400, "invalid_request", describeIssue(issue, field, part), field === "" ? undefined : field);
  }
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError(413, "payload_too_large", "the request body is larger than the server accepts");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError(415, "unsupported_media_type", "send the request body as application/json");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ApiError(400, "invalid_request", "the request says it has a JSON body but it is empty; send {} for no fields");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ApiError(400, "invalid_request", "the request's content-length does not match its body");
    default:
      break;
  }
  if (error instanceof SyntaxError && fe.statusCode === 400) return new ApiError(400, "invalid_request", `the request body is not valid JSON: ${error.message}`);
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) return new ApiError(fe.statusCode, "invalid_request", fe.message ?? "bad request");
  return new ApiError(500, "internal", "the server failed to handle the request; its log says why");
}
