/**
 * The Aloft version written into compiled specs (`RuntimeMetadata.version`).
 *
 * @module
 */
import { createRequire } from "node:module";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

/** The version of this Aloft package. */
export const ALOFT_VERSION: string = pkg.version;
