// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".aloft/**", "scratch/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-explicit-any": "error",
      // `{}` is the precise type of an empty record in type-level code (no inputs, no outputs).
      "@typescript-eslint/no-empty-object-type": ["error", { allowObjectTypes: "always" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["better-sqlite3", "pg", "node:sqlite"], message: "Only the store layer may import a database driver." }] },
      ],
    },
  },
  {
    // The store layer (and its tests, the tests' PostgreSQL harness and the benchmarks' peers) is where database drivers live.
    files: ["src/store/**/*.ts", "test/store/**/*.ts", "test/helpers/postgres.ts", "bench/**/*.ts"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    files: ["src/sdk/**/*.ts", "src/types/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["../local/*", "../engine/*", "../store/*", "../server/*", "../cli/*"], message: "The SDK and types must not depend on runners, stores or shells." },
            { group: ["better-sqlite3", "pg", "node:fs", "node:sqlite"], message: "The SDK does no I/O." },
          ],
        },
      ],
    },
  },
  {
    // The state machine and the rules both runners call are pure: no I/O (offloaded values are read by the
    // loader, engine/loader.ts, and by the engine before a step) and no state kept between calls in the module.
    files: ["src/rules/**/*.ts", "src/engine/machine.ts", "src/engine/step.ts", "src/engine/state.ts", "src/engine/literal-ops.ts", "src/engine/spec-index.ts", "src/engine/nodes/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["node:fs", "node:fs/*", "fs", "fs/*", "node:child_process", "node:net", "node:http", "node:https", "node:worker_threads", "node:os", "node:process", "better-sqlite3", "pg", "node:sqlite"],
              message: "The state machine and the rules are pure: no I/O (the loader reads what a step needs).",
            },
            { group: ["../store/*-store.js", "../../store/*-store.js", "../store/sqlite/*", "../store/postgres/*", "../server/*", "../cli/*", "../worker/*"], message: "The state machine and the rules depend on no store, shell or worker." },
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "Program > VariableDeclaration[kind='let']", message: "No module-level mutable state in the state machine or the rules." },
        { selector: "Program > ExportNamedDeclaration > VariableDeclaration[kind='let']", message: "No module-level mutable state in the state machine or the rules." },
        { selector: "Program > VariableDeclaration > VariableDeclarator > NewExpression[callee.name=/^(Weak)?(Map|Set)$/]", message: "No module-level caches in the state machine or the rules: keep what a step needs in its state." },
        { selector: "Program > ExportNamedDeclaration > VariableDeclaration > VariableDeclarator > NewExpression[callee.name=/^(Weak)?(Map|Set)$/]", message: "No module-level caches in the state machine or the rules: keep what a step needs in its state." },
        { selector: "MemberExpression[object.name='process'][property.name=/^(env|argv|cwd|hrtime)$/]", message: "The state machine and the rules read no process state: pass it in." },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: "The state machine and the rules take the time as an argument (MachineOptions.now)." },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: "The state machine and the rules are deterministic: no Math.random." },
      ],
    },
  },
  {
    // Where stored rows become typed values, and what reads them: no unchecked casts. Stored JSON is read
    // field by field (src/store/fields.ts); the few casts left say why in an eslint-disable comment.
    files: [
      "src/phases.ts",
      "src/store/store.ts",
      "src/store/fields.ts",
      "src/store/node-data.ts",
      "src/store/events.ts",
      "src/store/execution-parts.ts",
      "src/store/rows.ts",
      "src/store/sqlite/codec.ts",
      "src/engine/events.ts",
      "src/engine/state.ts",
      "src/engine/step.ts",
      "src/engine/nodes/gate.ts",
      "src/cli/engine/node-view.ts",
    ],
    rules: {
      "@typescript-eslint/no-unsafe-type-assertion": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
    },
  },
);
