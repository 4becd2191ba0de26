/**
 * Bearer-token checks. Tokens are compared through their SHA-256 digests with
 * `timingSafeEqual`, so the time a comparison takes says nothing about how
 * much of a guess was right, nor about the token's length.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * A checker of `Authorization` headers for `token`.
 *
 * @example
 * ```ts
 * const allowed = bearerChecker("s3cret");
 * allowed("Bearer s3cret"); // true
 * allowed("Bearer guess");  // false
 * ```
 */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  if (token === "") throw new Error("the API token must not be empty");
  const want = digest(token);
  return (header) => {
    const m = /^Bearer[ \t]+(.+)$/i.exec(header?.trim() ?? "");
    const given = digest(m?.[1] ?? "");
    // Always compare, even without a token, so that a missing header costs the same.
    return timingSafeEqual(want, given) && m !== null;
  };
}
