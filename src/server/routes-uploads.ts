/**
 * Uploads: `POST /api/v1/uploads?name=data.csv` puts a caller's file (the
 * body, `application/octet-stream`) or directory (a tar archive,
 * `application/x-tar` or `application/gzip`) into the server's blob store and
 * answers its `file://` URI, which the caller then gives as an input, as
 * `pyflyte run --remote` uploads a local file through flyteadmin's data proxy
 * (`CreateUploadLocation`) before it starts the execution.
 *
 * The body is streamed to disk, never held in memory, up to the server's
 * upload limit (413 past it, stating the limit).
 *
 * @module
 */
import type { Readable } from "node:stream";
import { Type } from "@sinclair/typebox";
import type { FastifySchemaCompiler } from "fastify";
import { BlobPathError } from "../errors.js";
import { UploadTooLargeError, describeLimit, storeUpload } from "../blobs/uploads.js";
import { API_PREFIX, type Api, type RouteContext } from "./context.js";
import { ApiError } from "./errors.js";
import { ApiErrorBody, ref } from "./schemas.js";

const FILE_TYPES = ["application/octet-stream"];
const ARCHIVE_TYPES = ["application/x-tar", "application/gzip", "application/x-gzip"];

const UploadQuery = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 255, description: "The file's or directory's name (its URI's last segment), such as `data.csv`." }) },
  { additionalProperties: false },
);

const Upload = Type.Object(
  {
    uri: Type.String({ description: "The `file://` URI of the upload in the server's blob store: give it as the input's `uri`." }),
    kind: Type.Union([Type.Literal("file"), Type.Literal("directory")]),
    sizeBytes: Type.Integer({ description: "Bytes received." }),
    files: Type.Optional(Type.Array(Type.String(), { description: "A directory's files, relative to it." })),
  },
  { additionalProperties: false },
);

/**
 * Adds `POST /api/v1/uploads` (in its own scope: its body parsers are for it only).
 *
 * @example
 * ```ts
 * uploadRoutes(app, ctx);
 * // curl -H 'content-type: application/octet-stream' --data-binary @data.csv 'http://127.0.0.1:8080/api/v1/uploads?name=data.csv'
 * ```
 */
export function uploadRoutes(app: Api, ctx: RouteContext, validator: FastifySchemaCompiler<unknown>): void {
  void app.register(async (scope) => {
    const api = scope as unknown as Api;
    // The body is the stream itself: the handler writes it to disk as it comes (in this scope only:
    // another route's parser of the same type, buffering, stays as it is outside it).
    for (const t of [...FILE_TYPES, ...ARCHIVE_TYPES]) if (api.hasContentTypeParser(t)) api.removeContentTypeParser(t);
    api.addContentTypeParser([...FILE_TYPES, ...ARCHIVE_TYPES], (_request, payload, done) => done(null, payload));
    api.post(
      `${API_PREFIX}/uploads`,
      {
        // The body is bytes (checked as they are stored), not JSON to validate.
        validatorCompiler: (route) => (route.httpPart === "body" ? () => true : validator(route)),
        schema: {
          operationId: "upload",
          tags: ["Uploads"],
          summary: "Puts a file or a directory into the server's blob store, for use as an input",
          description:
            "The body is a file's bytes (`application/octet-stream`) or a tar archive of a directory's contents (`application/x-tar`, or gzipped as `application/gzip`; regular files and directories only). " +
            "The answer's `uri` is what an execution's file, directory or dataframe input then gives (`{ \"uri\": ... }`): the API accepts such inputs only from the server's blob store and the roots its operator allows. " +
            `Bodies above the server's upload limit (default ${describeLimit(DEFAULT_UPLOAD_LIMIT)}) are refused with 413.`,
          querystring: UploadQuery,
          body: {
            content: Object.fromEntries([...FILE_TYPES, ...ARCHIVE_TYPES].map((t) => [t, { schema: { type: "string", format: "binary" } }])),
          },
          response: { 201: Upload, "4xx": ref(ApiErrorBody), "5xx": ref(ApiErrorBody) },
        },
      },
      async (request, reply) => {
        const dir = ctx.uploadDir;
        if (dir === undefined) throw new ApiError(404, "not_found", "this server takes no uploads (it has no blob store: createServer({ uploadDir }))");
        const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
        const kind = ARCHIVE_TYPES.includes(type) ? "directory" : "file";
        try {
          const stored = await storeUpload(dir, { kind, name: request.query.name, body: request.body as Readable, limitBytes: ctx.uploadLimitBytes });
          reply.code(201);
          return { uri: stored.uri, kind: stored.kind, sizeBytes: stored.sizeBytes, ...(stored.files ? { files: [...stored.files] } : {}) };
        } catch (e) {
          if (e instanceof UploadTooLargeError) {
            // The rest of the body is not read: the connection closes after the answer.
            reply.header("connection", "close");
            throw new ApiError(413, "payload_too_large", e.message);
          }
          if (e instanceof BlobPathError) throw new ApiError(400, "invalid_request", e.message, e.value === request.query.name ? "name" : "body");
          throw e;
        }
      },
    );
  });
}

/** The default upload limit: 1 GiB. */
export const DEFAULT_UPLOAD_LIMIT = 1024 * 1024 * 1024;
