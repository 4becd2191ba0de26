/**
 * The error a promise rejects with; fails the test when it resolves instead.
 *
 * @example
 * ```ts
 * const e = await rejection(AloftDataFrame.fromPath("missing.arrow"));
 * expect(e).toBeInstanceOf(BlobAccessError);
 * ```
 */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}
