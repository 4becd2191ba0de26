/**
 * The web console's files: the single-page app that `npm run build` writes to
 * `dist/console` (from `web/`), served at `/` beside the API. Every file is
 * read once, when the server is created, into a table by URL path; a request
 * can only pick an entry of that table, so no path from a request ever
 * reaches the file system. Any other GET outside `/api` gets `index.html`
 * (the app routes in the browser). Hashed assets are cached for good;
 * `index.html` is revalidated every time.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** One file of the console. */
export interface ConsoleFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** The console's files by URL path, and the page for paths the app routes itself. */
export interface ConsoleFiles {
  /** The file at a URL path (`/assets/index-3f2a.js`), `index.html` for any other path outside `/assets/`, `undefined` for a missing asset. */
  fileFor(urlPath: string): ConsoleFile | undefined;
  /** Where the files were read from. */
  readonly dir: string;
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};

/**
 * Where the built console is: `dist/console` beside the compiled server, or,
 * when the server runs from its TypeScript sources, the package's `dist/console`.
 *
 * @example
 * ```ts
 * defaultConsoleDir(); // "/usr/lib/node_modules/aloft/dist/console", or undefined when not built
 * ```
 */
export function defaultConsoleDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, "../console"), path.resolve(here, "../../dist/console")];
  return candidates.find((d) => existsSync(path.join(d, "index.html")));
}

function walk(dir: string, prefix: string, into: Map<string, ConsoleFile>): void {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const urlPath = `${prefix}/${name}`;
    if (statSync(full).isDirectory()) {
      walk(full, urlPath, into);
      continue;
    }
    const ext = path.extname(name).toLowerCase();
    const hashed = urlPath.startsWith("/assets/");
    into.set(urlPath, {
      body: readFileSync(full),
      contentType: TYPES[ext] ?? "application/octet-stream",
      cacheControl: hashed ? "public, max-age=31536000, immutable" : "no-cache",
    });
  }
}

/**
 * Reads the built console from `dir`.
 *
 * @example
 * ```ts
 * const files = readConsole(defaultConsoleDir()!);
 * files.fileFor("/executions/abc").contentType; // "text/html; charset=utf-8" (the app's index.html)
 * ```
 */
export function readConsole(dir: string): ConsoleFiles {
  const files = new Map<string, ConsoleFile>();
  walk(dir, "", files);
  const index = files.get("/index.html");
  if (!index) throw new Error(`the console in ${dir} has no index.html: build it with npm run build`);
  return {
    dir,
    fileFor(urlPath) {
      return files.get(urlPath) ?? (urlPath.startsWith("/assets/") ? undefined : index);
    },
  };
}

/** The page shown at `/` when the console was not built (running from a checkout without `npm run build`). */
export const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Aloft</title></head>
<body style="font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto;color:#1f2937">
<h1>Aloft</h1><p>The web console has not been built in this checkout. Run <code>npm run build</code>, then start <code>aloft serve</code> again.</p>
<p>The HTTP API is at <a href="/api/openapi.json"><code>/api/openapi.json</code></a>.</p></body></html>`;
