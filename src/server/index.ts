/**
 * The HTTP API server, apart from the main entry point so that importing
 * `aloft` does not load the HTTP framework: `import { createServer } from "aloft/server"`.
 *
 * @example
 * ```ts
 * import { Engine, openSqliteStore } from "aloft";
 * import { createServer } from "aloft/server";
 *
 * const engine = await Engine.open({ store: await openSqliteStore(".aloft/aloft.db") });
 * engine.run();
 * const server = createServer({ engine, token: process.env.ALOFT_TOKEN });
 * console.log(await server.listen({ port: 8080 })); // http://127.0.0.1:8080
 * ```
 *
 * @module
 */
export { createServer, DEFAULT_BODY_LIMIT, type AloftServer, type ListenOptions, type ServerOptions } from "./server.js";
export { jsonToValue, jsonToInputs, literalToJson, literalMapToJson, jsonSchemaOfType, type Converted } from "./json-values.js";
export * as schemas from "./schemas.js";
export { WorkerFiles } from "./worker-files.js";
export type { WorkerEndpoints } from "./routes-workers.js";
