/**
 * `@grpc/grpc-js`, loaded only when Aloft talks to flyteadmin
 * (`aloft register --flyte`, `registerOnFlyte`). It is an optional peer
 * dependency: an install of Aloft does not bring it, because it cannot come
 * without protobufjs 7 (through `@grpc/proto-loader`), whose install script
 * would then be in every install of Aloft. A project that registers on a
 * Flyte cluster installs it once (`npm install @grpc/grpc-js`), as a Python
 * project that registers with flytekit has grpcio.
 *
 * @module
 */
import { AloftError } from "../errors.js";

/**
 * What Aloft uses of `@grpc/grpc-js` (its own types are not imported, so
 * that Aloft's declarations type-check in projects without it).
 */
export interface GrpcLibrary {
  readonly credentials: { createInsecure(): object; createSsl(): object };
  readonly Metadata: new () => object;
  readonly Client: new (address: string, credentials: object) => GrpcClient;
  /** gRPC's status codes, by name and (a TypeScript enum's reverse mapping) by number. */
  readonly status: { readonly ALREADY_EXISTS: number; readonly UNAVAILABLE: number; readonly [code: number]: string | undefined };
}

/** A client of `@grpc/grpc-js`: one unary call, and closing its channel. */
export interface GrpcClient {
  makeUnaryRequest<Request, Response>(
    path: string,
    serialize: (value: Request) => Buffer,
    deserialize: (bytes: Buffer) => Response,
    argument: Request,
    metadata: object,
    options: { deadline: Date },
    callback: (error: GrpcServiceError | null, value?: Response) => void,
  ): unknown;
  close(): void;
}

/** A failed call as `@grpc/grpc-js` reports it: the gRPC status code and its details. */
export interface GrpcServiceError extends Error {
  readonly code: number;
  readonly details: string;
}

/** The gRPC library's package name, and the range of it Aloft is tested with. */
export const GRPC_PACKAGE = "@grpc/grpc-js";
const TESTED_RANGE = "^1.14.7";

/**
 * Talking to flyteadmin needs `@grpc/grpc-js`, and the project has not
 * installed it (an optional peer dependency of Aloft). Nothing was sent.
 *
 * @example
 * ```ts
 * try { await registerOnFlyte(files, admin); } catch (e) { if (e instanceof GrpcLibraryMissingError) console.error(e.message); }
 * ```
 */
export class GrpcLibraryMissingError extends AloftError {
  override name = "GrpcLibraryMissingError";
  readonly code = "GRPC_LIBRARY_MISSING";
  constructor(
    /** What needed gRPC, as the message names it. */
    readonly purpose: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${purpose} talks to flyteadmin over gRPC with ${GRPC_PACKAGE}, which this project has not installed (Aloft lists it as an optional peer dependency, so that installs which never talk to Flyte do not get it): run \`npm install ${GRPC_PACKAGE}@${TESTED_RANGE}\` in your project, then try again`,
      options,
    );
  }
}

/**
 * The gRPC library, or `GrpcLibraryMissingError` when the project has not
 * installed it. Another failure to load it (a broken install) is rethrown
 * as it is.
 *
 * @example
 * ```ts
 * const grpc = await loadGrpc("aloft register --flyte");
 * const client = new grpc.Client("localhost:30080", grpc.credentials.createInsecure());
 * ```
 */
export async function loadGrpc(purpose: string): Promise<GrpcLibrary> {
  try {
    const loaded = (await import(GRPC_PACKAGE)) as GrpcLibrary & { default?: GrpcLibrary };
    return loaded.default ?? loaded;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && String((e as Error).message).includes(GRPC_PACKAGE)) {
      throw new GrpcLibraryMissingError(purpose, { cause: e });
    }
    throw e;
  }
}
