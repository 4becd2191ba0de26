/**
 * A module-loader hook (Node runs it on its loader thread) that resolves the
 * bare specifier `aloft` to the copy of Aloft of the process that loads the
 * user's modules (the CLI, a worker). That process recognizes, compiles and
 * runs entities with its own copy; entities made by a second copy (another
 * install, or a TypeScript path alias to Aloft's sources) would not be seen.
 *
 * Registered after the TypeScript hooks, so it runs first. The URL goes on
 * through the chain, so that those hooks load it when it is a TypeScript file
 * (a worker run from Aloft's sources).
 *
 * @module
 */
import type { InitializeHook, ResolveHook } from "node:module";

/** What the loading process passes to `initialize`. */
export interface PinData {
  /** The URL of the loading process's own `aloft` entry point. */
  readonly aloftUrl: string;
}

let aloftUrl: string | undefined;

/** Receives the URL to resolve `aloft` to. */
export const initialize: InitializeHook<PinData> = (data) => {
  aloftUrl = data.aloftUrl;
};

/** Resolves `aloft` to the pinned copy. */
export const resolve: ResolveHook = (specifier, context, nextResolve) =>
  specifier === "aloft" && aloftUrl !== undefined ? nextResolve(aloftUrl, context) : nextResolve(specifier, context);
