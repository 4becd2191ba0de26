/**
 * Which file an import means when it names none (the TypeScript hooks' own
 * resolution rule, as `tsc` resolves imports): the `.ts` file for `./x.js`,
 * the file with an extension, or a folder's index, for `./x`.
 */
import { describe, expect, it } from "vitest";
import { isTypeScriptUrl, typeScriptCandidates } from "../../src/loading/typescript-hooks.js";

describe("typeScriptCandidates", () => {
  it("maps the JavaScript name TypeScript emits to its sources", () => {
    expect(typeScriptCandidates("./other.js")).toEqual(["./other.ts", "./other.tsx"]);
    expect(typeScriptCandidates("../a/b.mjs")).toEqual(["../a/b.mts"]);
    expect(typeScriptCandidates("./c.cjs")).toEqual(["./c.cts"]);
    expect(typeScriptCandidates("./v.jsx")).toEqual(["./v.tsx"]);
    expect(typeScriptCandidates("file:///app/x.js")).toEqual(["file:///app/x.ts", "file:///app/x.tsx"]);
  });

  it("tries each extension, then the folder's index, for an import with no extension", () => {
    expect(typeScriptCandidates("./lib")).toEqual([
      ...[".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"].map((e) => `./lib${e}`),
      ...[".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"].map((e) => `./lib/index${e}`),
    ]);
    expect(typeScriptCandidates("./lib/")[0]).toBe("./lib/index.ts");
    expect(typeScriptCandidates("./v1.2")[0]).toBe("./v1.2.ts");
  });

  it("leaves package names, other extensions, queries and existing TypeScript names to Node", () => {
    for (const s of ["fastify", "aloft", "node:fs", "./data.json", "./x.ts", "./x.mts", "./x.js?v=1", "./addon.node"]) expect([s, typeScriptCandidates(s)]).toEqual([s, []]);
  });
});

describe("isTypeScriptUrl", () => {
  it("is true for file URLs of .ts, .tsx, .mts and .cts files", () => {
    expect(["file:///a/x.ts", "file:///a/x.TSX", "file:///a/x.mts", "file:///a/node_modules/p/x.cts"].map(isTypeScriptUrl)).toEqual([true, true, true, true]);
    expect(["file:///a/x.js", "file:///a/x.d.ts.map", "node:fs", "data:text/javascript,1"].map(isTypeScriptUrl)).toEqual([false, false, false, false]);
  });
});
