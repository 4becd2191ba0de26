/**
 * The console's login page: what a browser without a session gets from a
 * server with a token, in place of any page (and nothing else of the
 * console). It is one self-contained document: it asks for the token, sends
 * it to `POST /api/v1/session` as `Authorization: Bearer`, and reloads once
 * the server has set the session cookie. Its one inline script is allowed by
 * its hash in the page's Content-Security-Policy, and nothing else is.
 *
 * @module
 */
import { createHash } from "node:crypto";

const SCRIPT = `
const form = document.getElementById("login");
const input = document.getElementById("token");
const problem = document.getElementById("problem");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  problem.textContent = "";
  try {
    const res = await fetch("/api/v1/session", { method: "POST", headers: { authorization: "Bearer " + input.value.trim() } });
    if (res.ok) { location.reload(); return; }
    const body = await res.json().catch(() => ({}));
    problem.textContent = res.status === 401 ? "That is not this server's token." : (body.error && body.error.message) || ("The server answered " + res.status + ".");
  } catch (e) {
    problem.textContent = "Cannot reach the server: " + e.message;
  }
  input.select();
});
`;

const STYLE = `
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f6fa;color:#1f2937;display:grid;place-items:center;min-height:100vh}
main{background:#fff;border:1px solid #dde3ec;border-radius:10px;padding:2rem 2.25rem;width:22rem;box-shadow:0 6px 24px rgba(30,41,59,.08)}
h1{margin:0 0 .25rem;font-size:1.35rem;display:flex;gap:.5rem;align-items:center}
h1 span{display:inline-block;width:1.3rem;height:1.3rem;border-radius:4px;background:linear-gradient(135deg,#6d4aff,#3a8dde)}
p{margin:.25rem 0 1.25rem;color:#4b5563}
label{display:block;font-weight:600;margin-bottom:.35rem}
input{box-sizing:border-box;width:100%;padding:.55rem .7rem;border:1px solid #c4cdd9;border-radius:6px;font:inherit}
input:focus,button:focus{outline:3px solid #a5b4fc;outline-offset:1px}
button{margin-top:1rem;width:100%;padding:.55rem;border:0;border-radius:6px;background:#5b3fd9;color:#fff;font:inherit;font-weight:600;cursor:pointer}
#problem{color:#b42318;min-height:1.5em;margin:.6rem 0 0}
`;

/** The login page's HTML. */
export const LOGIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · Aloft</title><style>${STYLE}</style></head>
<body><main>
<h1><span aria-hidden="true"></span>Aloft</h1>
<p>This server needs its token. You give it once; it is kept until the browser closes.</p>
<form id="login"><label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
<p id="problem" role="alert"></p></form>
</main><script type="module">${SCRIPT}</script></body></html>`;

function hashOf(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** The login page's Content-Security-Policy: its own inline script and style, requests to its own origin, nothing else. */
export const LOGIN_PAGE_CSP = `default-src 'none'; script-src ${hashOf(SCRIPT)}; style-src ${hashOf(STYLE)}; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`;
