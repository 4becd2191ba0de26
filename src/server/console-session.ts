/**
 * Browser sessions of a server with a token. A browser cannot attach
 * `Authorization: Bearer` to a page load, so the console's login page sends the
 * token once to `POST /api/v1/session`, which answers with a session cookie:
 * `HttpOnly` (page scripts cannot read it), `SameSite=Strict` (other sites'
 * pages cannot send it) and without an expiry (it ends with the browser
 * session). The cookie's value is an HMAC of the token, not the token.
 *
 * A request authenticated by the cookie alone must also carry the header
 * `x-aloft-console: 1`, which a cross-origin page cannot add without a CORS
 * preflight the server never grants: a second guard against cross-site
 * requests, beside `SameSite`.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The name of the session cookie. */
export const SESSION_COOKIE = "aloft_session";

/** The header a cookie-authenticated API request carries. */
export const CONSOLE_HEADER = "x-aloft-console";

/** What a server with a token checks of a browser's requests. */
export interface ConsoleSessions {
  /** Whether the `Cookie` header holds this server's session. */
  valid(cookieHeader: string | undefined): boolean;
  /** The `Set-Cookie` value that starts a session. */
  startCookie(): string;
  /** The `Set-Cookie` value that ends one. */
  endCookie(): string;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The sessions of a server whose token is `token`.
 *
 * @example
 * ```ts
 * const sessions = consoleSessions("s3cret");
 * reply.header("set-cookie", sessions.startCookie());
 * sessions.valid(request.headers.cookie); // true on the browser's next request
 * ```
 */
export function consoleSessions(token: string): ConsoleSessions {
  const value = createHmac("sha256", token).update("aloft console session v1").digest("base64url");
  const want = Buffer.from(value);
  return {
    valid(header) {
      const given = Buffer.from(cookieValue(header, SESSION_COOKIE) ?? "");
      return given.length === want.length && timingSafeEqual(given, want);
    },
    startCookie: () => `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict`,
    endCookie: () => `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`,
  };
}
