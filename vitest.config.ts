import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: { aloft: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/postgres.ts"],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    // Guards against hangs, not benchmarks: the CLI tests spawn processes that take many seconds on a
    // loaded 2-core machine, so the limits leave room for that.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
