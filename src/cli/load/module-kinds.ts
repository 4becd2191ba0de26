/**
 * The kinds of module the command line loads, as its help lists them: made
 * from the loader's own list (`MODULE_EXTENSIONS`), so that the help, the
 * README and what loads agree.
 *
 * @module
 */
import { MODULE_EXTENSIONS } from "../../loading/import-module.js";

/**
 * `.ts, .mts, .cts, .tsx, .js, .mjs or .cjs`: every extension a user's module may have.
 *
 * @example
 * ```ts
 * `a ${MODULE_KINDS} module`; // "a .ts, .mts, .cts, .tsx, .js, .mjs or .cjs module"
 * ```
 */
export const MODULE_KINDS = `${MODULE_EXTENSIONS.slice(0, -1).join(", ")} or ${MODULE_EXTENSIONS[MODULE_EXTENSIONS.length - 1]!}`;
