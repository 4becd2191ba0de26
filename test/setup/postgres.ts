/**
 * The suite's PostgreSQL, found (or started) once per test run and handed to
 * every test file through `inject("pgServerUrl")`; see `test/helpers/postgres.ts`.
 *
 * @module
 */
import type { TestProject } from "vitest/node";
import { suiteServer } from "../helpers/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL server URL (its maintenance database) that tests may create databases on. */
    pgServerUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await suiteServer();
  project.provide("pgServerUrl", server.url);
  return () => server.release();
}
