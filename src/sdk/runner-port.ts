/**
 * The port through which `entity.run(...)` reaches a runner. The SDK holds no
 * execution logic; the package entry point plugs in the local runner.
 *
 * @module
 */
import { AloftError } from "../errors.js";
import type { EntityDefinition } from "./entity.js";

/** Options of a local run. */
export interface RunOptions {
  /** How many nodes may run at once (default: unbounded). */
  readonly maxParallelism?: number;
}

/** Something that can run an entity and resolve to its outputs record. */
export interface EntityRunner {
  run(entity: EntityDefinition, inputs: Record<string, unknown>, options: RunOptions): Promise<Record<string, unknown>>;
}

let runner: EntityRunner | undefined;

/** Plugs in the runner used by `entity.run(...)`. */
export function setEntityRunner(next: EntityRunner): void {
  runner = next;
}

/** The runner used by `entity.run(...)`. */
export function entityRunner(): EntityRunner {
  if (!runner) throw new AloftError("No runner is configured: import entities from the \"aloft\" package entry point, which installs the local runner.");
  return runner;
}
