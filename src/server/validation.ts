/**
 * How requests are checked against the API's schemas. Bodies and path
 * parameters are checked strictly: no type coercion, no silently dropped
 * properties (a misspelt field is an error, not ignored). Query strings are
 * text, so there numbers and booleans are coerced from it.
 *
 * @module
 */
import { Ajv, type Options, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";
import type { TSchema } from "@sinclair/typebox";

// ajv-formats is CommonJS: its default export is the module object under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const BASE: Options = {
  allErrors: false,
  strict: true,
  // An OpenAPI keyword that is not JSON Schema's (ajv knows `nullable` already).
  keywords: ["example"],
};

/**
 * Makes an ajv instance that knows the shared schemas and formats.
 *
 * @example
 * ```ts
 * const ajv = makeAjv(SHARED_SCHEMAS, { coerceTypes: false });
 * ajv.compile({ $ref: "ExecutionInfo" });
 * ```
 */
export function makeAjv(shared: readonly TSchema[], options: Options = {}): Ajv {
  const ajv = new Ajv({ ...BASE, ...options });
  addFormats(ajv);
  for (const s of shared) ajv.addSchema(s);
  return ajv;
}

/**
 * Adds the shared schemas and formats to an ajv instance made elsewhere (for the response validator).
 *
 * @example
 * ```ts
 * await app.register(responseValidation, { ajv: { plugins: ajvPlugins(SHARED_SCHEMAS) } });
 * ```
 */
export function ajvPlugins(shared: readonly TSchema[]): ((ajv: Ajv) => void)[] {
  return [
    (ajv) => {
      addFormats(ajv);
      for (const k of BASE.keywords as string[]) if (!ajv.getKeyword(k)) ajv.addKeyword(k);
      for (const s of shared) ajv.addSchema(s);
    },
  ];
}

/**
 * The validator compiler of the server: strict for bodies and path parameters,
 * coercing for query strings.
 *
 * @example
 * ```ts
 * app.setValidatorCompiler(requestValidatorCompiler(SHARED_SCHEMAS));
 * ```
 */
export function requestValidatorCompiler(shared: readonly TSchema[]): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(shared, { coerceTypes: false, useDefaults: false, removeAdditional: false });
  const query = makeAjv(shared, { coerceTypes: "array", useDefaults: true, removeAdditional: false });
  return ({ schema, httpPart }) => {
    const ajv = httpPart === "querystring" ? query : strict;
    return ajv.compile(schema as object) as ValidateFunction;
  };
}
