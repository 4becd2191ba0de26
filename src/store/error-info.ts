/**
 * Reading an error stored as plain data (`rules/failure.ts` `ErrorInfo`)
 * back from a row: on events, node data and execution errors.
 *
 * @module
 */
import type { ErrorInfo } from "../rules/failure.js";
import type { Fields } from "./fields.js";

type FieldValue = string | number | boolean | null;

const isFieldValue = (v: unknown): v is FieldValue => v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/**
 * Reads the `ErrorInfo` at `f` (its class name, message, fields, cause and
 * failure handler's error); throws `StoredRowError` naming the field that is
 * not what the engine writes.
 *
 * @example
 * ```ts
 * decodeErrorInfo(Fields.of({ name: "RecoverableError", message: "try again" }, "event 3", "error")).name; // "RecoverableError"
 * ```
 */
export function decodeErrorInfo(f: Fields): ErrorInfo {
  const fieldsAt = f.optionalObject("fields");
  const cause = f.optionalObject("cause");
  const handlerError = f.optionalObject("handlerError");
  const fields: Record<string, FieldValue> = {};
  for (const k of fieldsAt?.keys() ?? []) {
    const v = fieldsAt?.raw(k);
    if (isFieldValue(v)) fields[k] = v;
  }
  return {
    name: f.string("name"),
    message: f.string("message"),
    ...(fieldsAt ? { fields } : {}),
    ...(cause ? { cause: decodeErrorInfo(cause) } : {}),
    ...(handlerError ? { handlerError: decodeErrorInfo(handlerError) } : {}),
  };
}
