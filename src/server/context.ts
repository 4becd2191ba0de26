/**
 * What every route of the API works with.
 *
 * @module
 */
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Engine } from "../engine/engine.js";
import type { AttemptLogStore } from "../store/attempt-logs.js";
import type { StoredValues } from "./stored-values.js";
import type { Watches } from "./watch.js";
import type { FileRoots } from "../blobs/confine.js";

/** The fastify instance, typed by the API's TypeBox schemas. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The engine, and the server's shared parts. */
export interface RouteContext {
  readonly engine: Engine;
  readonly watches: Watches;
  /** Reads back values the engine keeps in its blob store. */
  readonly values: StoredValues;
  /** Where the workers keep each attempt with what it wrote (absent: no logs are kept). */
  readonly logs: AttemptLogStore | undefined;
  /** Where the files, directories and dataframes a request gives may be (its blob store, the operator's roots). */
  readonly fileRoots: FileRoots;
  /** Where uploads are kept (`POST /api/v1/uploads`); absent: the server takes no uploads. */
  readonly uploadDir: string | undefined;
  /** The largest upload accepted, in bytes. */
  readonly uploadLimitBytes: number;
  /** Streams open now, ended when the server closes. */
  readonly streams: Set<() => void>;
}

/** The prefix of every endpoint but the OpenAPI document. */
export const API_PREFIX = "/api/v1";
