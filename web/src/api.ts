/**
 * The console's one way to the server: the typed client of the public API,
 * on the page's own origin. On a server with a token, the browser's session
 * cookie (set by the login page) authenticates, with the header the server
 * asks of cookie-authenticated requests.
 */
import { AloftClient, ClientError } from "../../src/client/client.js";

export const api = new AloftClient({ baseUrl: location.origin, headers: { "x-aloft-console": "1" } });

/** A failure's message for people (the API's own message where there is one). */
export function messageOf(e: unknown): string {
  if (e instanceof ClientError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** The API field a failure names (`inputs.x`), if any. */
export function fieldOf(e: unknown): string | undefined {
  return e instanceof ClientError ? e.field : undefined;
}

export { ClientError };
export type {
  AttemptInfo,
  NodeLogs,
  EntityInfo,
  EntityKey,
  EntityVersions,
  ExecutionInfo,
  ExecutionPhase,
  ExecutionSummary,
  InputInfo,
  NodeExecutionInfo,
  RegisteredKind,
} from "../../src/client/client.js";
